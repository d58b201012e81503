"""Building blocks of the methods: memory banks, scene clusterers ... (registry MODELS)."""
from .hsc_stream import HSCStream, memory_readout, mlp
from .feature_norm import FeatureStandardizer
from .memory_bank import MemoryBank
from .motion_classifier import MotionAugClassifier
from .scene_clusterer import SceneClusterer

__all__ = [
    'FeatureStandardizer', 'HSCStream', 'MemoryBank', 'MotionAugClassifier', 'SceneClusterer',
    'memory_readout', 'mlp'
]
