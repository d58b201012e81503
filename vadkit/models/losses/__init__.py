"""Losses of the methods (registry MODELS)."""
from .contrastive import MemoryContrastLoss, hierarchical_memory_contrast, memory_contrast_loss

__all__ = ['MemoryContrastLoss', 'hierarchical_memory_contrast', 'memory_contrast_loss']
