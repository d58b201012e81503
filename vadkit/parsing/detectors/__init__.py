"""DETECTORS: per-frame object detectors."""
from .background import BackgroundSubtractionDetector, PersonHeightModel, head_splits
from .hog import HOGPeopleDetector
from .mmdet_detector import MMDetDetector
from .oracle import OracleDetector

__all__ = [
    'BackgroundSubtractionDetector', 'HOGPeopleDetector', 'MMDetDetector', 'OracleDetector',
    'PersonHeightModel', 'head_splits'
]
