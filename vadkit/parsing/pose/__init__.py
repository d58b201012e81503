"""Pose estimators (registry EXTRACTORS): boxes to COCO-17 keypoints."""
from .mediapipe_pose import MediaPipePose
from .oracle import OraclePose

__all__ = ['MediaPipePose', 'OraclePose']
