"""Losses of the methods (registry MODELS)."""
from .contrastive import MemoryContrastLoss, memory_contrast_loss

__all__ = ['MemoryContrastLoss', 'memory_contrast_loss']
