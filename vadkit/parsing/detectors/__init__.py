"""DETECTORS: per-frame object detectors."""
from .background import BackgroundSubtractionDetector, PersonHeightModel, head_splits
from .hog import HOGPeopleDetector
from .oracle import OracleDetector

__all__ = [
    'BackgroundSubtractionDetector', 'HOGPeopleDetector', 'OracleDetector',
    'PersonHeightModel', 'head_splits'
]
