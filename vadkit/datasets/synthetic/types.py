"""Data types shared by the parts of the synthetic surveillance world.

A video is a scene (background, geometry, which behaviours are normal there) plus actors;
an actor is a track: per-frame keypoints or a vehicle pose, its box and whether it is
anomalous at that frame. Geometry is in pixels of the rendered frame, ``x`` to the right,
``y`` down; the ground plane recedes towards the top of the image (actors higher up are
farther and drawn smaller).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

#: COCO-17 keypoint names, in COCO order (the skeleton of the HSC supplement, Fig. 1).
COCO_KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
                  'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                  'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                  'right_ankle')
#: Limbs drawn between keypoints (0-based COCO indices).
COCO_SKELETON = ((15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6),
                 (5, 7), (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4),
                 (3, 5), (4, 6))

#: Behaviours of actors. People: walk (normal everywhere), run, jump, fall, throw, loiter
#: (standing / wandering against the flow); ride (a person on a bicycle); push (a person
#: pushing a cart); drive (a car, no visible person).
BEHAVIOURS = ('walk', 'run', 'jump', 'fall', 'throw', 'loiter', 'ride', 'push', 'drive')
#: Category written in the boxes of each behaviour.
CATEGORY_OF = dict(walk='person', run='person', jump='person', fall='person',
                   throw='person', loiter='person', ride='cyclist', push='cart', drive='car')
SCENE_KINDS = ('walkway', 'plaza', 'road', 'lawn')


@dataclass
class SceneSpec:
    """A fixed-camera scene.

    Attributes:
        scene_id: Name, e.g. ``'s00_walkway'``.
        kind: One of :data:`SCENE_KINDS` (layout and texture of the background).
        width: Frame width in pixels.
        height: Frame height in pixels.
        seed: Seed of the background drawing.
        horizon: ``y`` (pixels) where the ground starts; actors walk below it.
        near_height: Height in pixels of a standing person at the bottom of the frame.
        far_height: Height of a standing person at ``horizon``.
        flow: Main walking direction of normal people, a unit 2-vector (image plane).
        lanes: ``[(y_min, y_max), ...]`` ground bands where people walk (sidewalks,
            paths); vehicles use ``road`` if the scene has one.
        road: ``(y_min, y_max)`` band of the road, or None.
        normal_behaviours: Behaviours that are normal in this scene (always includes
            ``'walk'``); any other behaviour is an anomaly here.
    """

    scene_id: str
    kind: str
    width: int
    height: int
    seed: int
    horizon: float
    near_height: float
    far_height: float
    flow: Tuple[float, float]
    lanes: List[Tuple[float, float]]
    road: Optional[Tuple[float, float]]
    normal_behaviours: Tuple[str, ...]

    def person_height(self, y_feet: np.ndarray) -> np.ndarray:
        """Height in pixels of a standing person whose feet are at ``y_feet``."""
        t = np.clip((np.asarray(y_feet, np.float64) - self.horizon)
                    / max(self.height - self.horizon, 1.0), 0.0, 1.0)
        return self.far_height + t * (self.near_height - self.far_height)


@dataclass
class ActorTrack:
    """One actor over the frames it is on screen.

    Attributes:
        track_id: Unique within the video.
        behaviour: Its behaviour (one of :data:`BEHAVIOURS`); a person that switches
            (walks, then falls) has the behaviour of its anomalous part.
        category: Box class name (:data:`CATEGORY_OF`).
        frames: ``int[T]`` frame indices, increasing, consecutive.
        keypoints: ``float[T, 17, 3]`` COCO keypoints ``(x, y, visibility)`` in pixels,
            visibility 2 visible / 1 occluded / 0 absent; all zeros for a car.
        boxes: ``float[T, 4]`` ``(x1, y1, x2, y2)`` tight around what is drawn (the person
            and their bicycle / cart; the car), clipped to the frame.
        anomalous: ``bool[T]``, True at the frames where it behaves abnormally *for the
            scene* (a cyclist is anomalous on a walkway, normal on a road).
        heading: ``float[T]`` direction of motion in radians (vehicles are drawn along it).
        colors: ``{part: (b, g, r)}`` appearance (``'shirt'``, ``'pants'``, ``'skin'``,
            ``'body'`` for vehicles), constant over the track.
        scale: ``float[T]`` standing-person height (pixels) at its position.
    """

    track_id: int
    behaviour: str
    category: str
    frames: np.ndarray
    keypoints: np.ndarray
    boxes: np.ndarray
    anomalous: np.ndarray
    heading: np.ndarray
    colors: Dict[str, Tuple[int, int, int]]
    scale: np.ndarray
    extra: Dict[str, np.ndarray] = field(default_factory=dict)  # e.g. a thrown object
