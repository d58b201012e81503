from .region_metric import RegionMetric
from .vad_metric import VADMetric

__all__ = ['RegionMetric', 'VADMetric']
