"""Losses of the methods (registry MODELS)."""
from .contrastive import MemoryContrastLoss, hierarchical_memory_contrast, memory_contrast_loss
from .image_text import (ImageTextContrastiveLoss, image_text_contrastive_loss,
                         query_text_similarity)

__all__ = [
    'ImageTextContrastiveLoss', 'MemoryContrastLoss', 'hierarchical_memory_contrast',
    'image_text_contrastive_loss', 'memory_contrast_loss', 'query_text_similarity'
]
