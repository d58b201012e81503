"""Building blocks of the methods: memory banks, scene clusterers ... (registry MODELS)."""
from .memory_bank import MemoryBank
from .scene_clusterer import SceneClusterer

__all__ = ['MemoryBank', 'SceneClusterer']
