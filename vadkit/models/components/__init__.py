"""Building blocks of the methods: memory banks, scene clusterers ... (registry MODELS)."""
from .feature_norm import FeatureStandardizer
from .gcl import GCLDiscriminator, GCLGenerator
from .hsc_stream import HSCStream, memory_readout, mlp
from .itam import ImageAttentionModule, ITAMBackbone, TextAttentionModule
from .legendre import LegendreMemory
from .memory_bank import MemoryBank
from .motion_classifier import MotionAugClassifier
from .relation_aware import RelationAwareAttention, RelationAwareEncoder, SmallConvNet
from .sacrf import CliqueSelfAttention, SelfAttentionCRF
from .scene_clusterer import SceneClusterer
from .smm import StateMachineModule
from .text_vocab import WordVocabulary

__all__ = [
    'CliqueSelfAttention', 'FeatureStandardizer', 'GCLDiscriminator', 'GCLGenerator',
    'HSCStream', 'ITAMBackbone', 'ImageAttentionModule', 'LegendreMemory', 'MemoryBank',
    'MotionAugClassifier', 'RelationAwareAttention', 'RelationAwareEncoder', 'SceneClusterer',
    'SelfAttentionCRF', 'SmallConvNet', 'StateMachineModule', 'TextAttentionModule',
    'WordVocabulary', 'memory_readout', 'mlp'
]
