from .region_metric import RegionMetric
from .scene_metric import SceneConfusionMetric, scene_confusion
from .vad_metric import VADMetric
from .video_metric import VideoLevelMetric

__all__ = ['RegionMetric', 'SceneConfusionMetric', 'VADMetric', 'VideoLevelMetric',
           'scene_confusion']
