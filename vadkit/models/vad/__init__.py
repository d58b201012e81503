from .feature_autoencoder import FeatureAutoEncoder
from .gcl import GCL
from .hsc import HSC
from .toy_autoencoder import ToyAutoEncoder

__all__ = ['FeatureAutoEncoder', 'GCL', 'HSC', 'ToyAutoEncoder']
