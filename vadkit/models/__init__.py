"""VAD methods (one mmengine BaseModel each) with their components, losses and augmenters."""
from .vad import ToyAutoEncoder

__all__ = ['ToyAutoEncoder']
