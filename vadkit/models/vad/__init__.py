from .feature_autoencoder import FeatureAutoEncoder
from .gcl import GCL
from .hsc import HSC
from .local_patterns import LocalPatterns
from .sacrf import SACRF
from .toy_autoencoder import ToyAutoEncoder

__all__ = ['FeatureAutoEncoder', 'GCL', 'HSC', 'LocalPatterns', 'SACRF', 'ToyAutoEncoder']
