"""VAD methods (one mmengine BaseModel each) with their components, losses and augmenters."""
from . import augmenters, components, losses
from .components import MemoryBank, SceneClusterer
from .losses import MemoryContrastLoss, hierarchical_memory_contrast, memory_contrast_loss
from .vad import GCL, HSC, SACRF, FeatureAutoEncoder, ToyAutoEncoder

__all__ = [
    'FeatureAutoEncoder', 'GCL', 'HSC', 'MemoryBank', 'MemoryContrastLoss', 'SACRF',
    'SceneClusterer', 'ToyAutoEncoder', 'augmenters', 'components',
    'hierarchical_memory_contrast', 'losses', 'memory_contrast_loss'
]
