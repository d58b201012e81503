"""A generated surveillance world: videos with exact ground truth.

Scenes (walkway, plaza, road, lawn) seen by a fixed camera, people drawn as articulated
figures from COCO-17 keypoints, cyclists, carts and cars, and anomalies that depend on the
scene. ``tools/misc/make_synthetic.py`` writes a world in the public datasets' layout;
:class:`SyntheticVideos` reads it (and can generate it) from a config.
"""
from .dataset import REGIMES, SyntheticVideos, world_complete
from .types import (BEHAVIOURS, CATEGORY_OF, COCO_KEYPOINTS, COCO_SKELETON, SCENE_KINDS,
                    ActorTrack, SceneSpec)
from .world import (ANOMALY_BEHAVIOURS, PRESETS, WorldConfig, make_splits, plan_world,
                    simulate_video, world_config)
from .writer import annotation_of, render_video, world_hash, write_world

__all__ = [
    'ANOMALY_BEHAVIOURS', 'BEHAVIOURS', 'CATEGORY_OF', 'COCO_KEYPOINTS', 'COCO_SKELETON',
    'PRESETS', 'REGIMES', 'SCENE_KINDS', 'ActorTrack', 'SceneSpec', 'SyntheticVideos',
    'WorldConfig', 'annotation_of', 'make_splits', 'plan_world', 'render_video',
    'simulate_video', 'world_complete', 'world_config', 'world_hash', 'write_world'
]
