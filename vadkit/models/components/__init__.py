"""Building blocks of the methods: memory banks, scene clusterers ... (registry MODELS)."""
from .feature_norm import FeatureStandardizer
from .gcl import GCLDiscriminator, GCLGenerator
from .hsc_stream import HSCStream, memory_readout, mlp
from .memory_bank import MemoryBank
from .motion_classifier import MotionAugClassifier
from .scene_clusterer import SceneClusterer

__all__ = [
    'FeatureStandardizer', 'GCLDiscriminator', 'GCLGenerator', 'HSCStream', 'MemoryBank',
    'MotionAugClassifier', 'SceneClusterer', 'memory_readout', 'mlp'
]
