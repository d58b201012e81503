"""TRACKERS: detections to tracklets."""
from .oracle import OracleTracker
from .sort import SortTracker

__all__ = ['OracleTracker', 'SortTracker']
