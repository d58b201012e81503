"""Object, scene and clip feature extractors (registry EXTRACTORS)."""
from .appearance import ColorHOGAppearance
from .clip import MotionEnergyClip
from .mobilenet import MobileNetV2Appearance
from .motion import SkeletonKinematics
from .scene import BackgroundSceneDescriptor

__all__ = ['BackgroundSceneDescriptor', 'ColorHOGAppearance', 'MobileNetV2Appearance',
           'MotionEnergyClip', 'SkeletonKinematics']
