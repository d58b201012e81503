"""VAD methods (one mmengine BaseModel each) with their components, losses and augmenters."""
from . import components, losses
from .components import MemoryBank
from .losses import MemoryContrastLoss, memory_contrast_loss
from .vad import ToyAutoEncoder

__all__ = ['MemoryBank', 'MemoryContrastLoss', 'ToyAutoEncoder', 'components', 'losses',
           'memory_contrast_loss']
