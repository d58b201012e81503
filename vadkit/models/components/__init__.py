"""Building blocks of the methods: memory banks, scene clusterers ... (registry MODELS)."""
from .hsc_stream import HSCStream, memory_readout, mlp
from .memory_bank import MemoryBank
from .scene_clusterer import SceneClusterer

__all__ = ['HSCStream', 'MemoryBank', 'SceneClusterer', 'memory_readout', 'mlp']
