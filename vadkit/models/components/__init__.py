"""Building blocks of the methods: memory banks ... (registry MODELS)."""
from .memory_bank import MemoryBank

__all__ = ['MemoryBank']
