"""Object, scene and clip feature extractors (registry EXTRACTORS)."""
from .appearance import ColorHOGAppearance
from .clip import MotionEnergyClip
from .motion import SkeletonKinematics
from .scene import BackgroundSceneDescriptor

__all__ = ['BackgroundSceneDescriptor', 'ColorHOGAppearance', 'MotionEnergyClip',
           'SkeletonKinematics']
