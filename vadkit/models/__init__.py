"""VAD methods (one mmengine BaseModel each) with their components, losses and augmenters."""
from . import augmenters, components, losses
from .components import MemoryBank, SceneClusterer
from .losses import MemoryContrastLoss, memory_contrast_loss
from .vad import ToyAutoEncoder

__all__ = ['MemoryBank', 'MemoryContrastLoss', 'SceneClusterer', 'ToyAutoEncoder', 'augmenters',
           'components', 'losses', 'memory_contrast_loss']
