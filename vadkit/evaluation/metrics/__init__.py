from .region_metric import RegionMetric
from .scene_metric import SceneConfusionMetric, scene_confusion
from .vad_metric import VADMetric

__all__ = ['RegionMetric', 'SceneConfusionMetric', 'VADMetric', 'scene_confusion']
