"""Video parsing: detectors, trackers, pose estimators and feature extractors that write
the feature store (registries DETECTORS, TRACKERS, EXTRACTORS, PARSERS, CAPTIONERS)."""
from .base import (BaseClipExtractor, BaseDetector, BaseObjectExtractor, BasePoseEstimator,
                   BaseSceneExtractor, BaseTracker, ObjectClip, Tracklet, VideoInfo, clip_spans)
from . import captioners, detectors, extractors, pose, trackers
from .parser import VideoParser
from .store import FeatureStore, config_hash
from .tubes import ObjectTubeBuilder, crop_square, merge_overlapping, square_box
from .video_io import VideoSource, find_videos

__all__ = [
    'BaseClipExtractor', 'BaseDetector', 'BaseObjectExtractor', 'BasePoseEstimator',
    'BaseSceneExtractor', 'BaseTracker', 'FeatureStore', 'ObjectClip', 'Tracklet',
    'ObjectTubeBuilder', 'VideoInfo', 'VideoParser', 'VideoSource', 'captioners', 'clip_spans',
    'config_hash', 'crop_square', 'detectors', 'extractors', 'find_videos', 'merge_overlapping',
    'pose', 'square_box', 'trackers'
]
