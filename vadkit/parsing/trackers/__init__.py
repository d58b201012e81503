"""TRACKERS: detections to tracklets."""
from .mmdet_tracker import MMDetTracker
from .oracle import OracleTracker
from .sort import SortTracker

__all__ = ['MMDetTracker', 'OracleTracker', 'SortTracker']
