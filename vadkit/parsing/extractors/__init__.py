"""Object, scene and clip feature extractors (registry EXTRACTORS).

The OpenMMLab backends among them (``MMActionClipEncoder``, ``MMSegSegmenter``,
``PoseConv3DEncoder``) import their packages only when their model is first built.
"""
from .appearance import ColorHOGAppearance
from .clip import MotionEnergyClip
from .mmaction_clip import MMActionClipEncoder
from .mobilenet import MobileNetV2Appearance
from .motion import BoxKinematics, SkeletonKinematics
from .poseconv3d import PoseConv3DEncoder
from .relation_clip import RelationAwareClipEncoder
from .scene import BackgroundSceneDescriptor
from .segmentation_scene import (BaseSegmenter, MMSegSegmenter, SegmentationScene,
                                 scene_feature_dim)
from .vit import ViTAppearance, VisionTransformer

__all__ = [
    'BackgroundSceneDescriptor', 'BaseSegmenter', 'BoxKinematics', 'ColorHOGAppearance',
    'MMActionClipEncoder', 'MMSegSegmenter', 'MobileNetV2Appearance', 'MotionEnergyClip', 'PoseConv3DEncoder',
    'RelationAwareClipEncoder',
    'SegmentationScene', 'SkeletonKinematics', 'ViTAppearance', 'VisionTransformer',
    'scene_feature_dim'
]
