"""Feature-level datasets, annotation loaders, splits and generators."""
from .toy_segments import ToySegmentDataset
from .transforms import PackVADInputs

__all__ = ['PackVADInputs', 'ToySegmentDataset']
