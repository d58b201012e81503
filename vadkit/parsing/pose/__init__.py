"""Pose estimators (registry EXTRACTORS): boxes to COCO-17 keypoints."""
from .oracle import OraclePose

__all__ = ['OraclePose']
