"""Data augmenters of the methods (registry AUGMENTERS)."""
from .skeleton import (ROTATION_TABLE, SkeletonRotation, SpatioTemporalAugmentation,
                       TemporalCutting, rotate_about)

__all__ = ['ROTATION_TABLE', 'SkeletonRotation', 'SpatioTemporalAugmentation',
           'TemporalCutting', 'rotate_about']
