from .feature_autoencoder import FeatureAutoEncoder
from .hsc import HSC
from .toy_autoencoder import ToyAutoEncoder

__all__ = ['FeatureAutoEncoder', 'HSC', 'ToyAutoEncoder']
