"""Pose estimators (registry EXTRACTORS): boxes to COCO-17 keypoints."""
from .mediapipe_pose import MediaPipePose
from .mmpose_topdown import MMPoseTopDown
from .oracle import OraclePose

__all__ = ['MMPoseTopDown', 'MediaPipePose', 'OraclePose']
