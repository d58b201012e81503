"""Skeleton motion augmentation of HSC (Sun & Gong, CVPR 2023, Sec. 3.4; supplement Sec. 1.1).

- **Spatial transformation** (Eq. 7): every non-head COCO-17 keypoint is chosen with
  probability ``P_st`` and rotated about its parent keypoint by an angle drawn from its
  range (supplement Table 1); its descendants rotate along.
- **Temporal cutting**: every frame of the tracklet is left out with probability ``P_tc``.

Both work on one object's keypoint sequence ``float[T, 17, 3]`` ``(x, y, score)`` in image
coordinates and draw from the ``numpy.random.Generator`` they are given, so that an
augmented set is reproducible from its seed.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from vadkit.registry import AUGMENTERS

#: Supplement Table 1: ``keypoint: (parent, descendants, (low, high) degrees)``; the head
#: keypoints 0-4 are never rotated.
ROTATION_TABLE: Dict[int, Tuple[int, Tuple[int, ...], Tuple[float, float]]] = {
    5: (3, (7, 9), (-10.0, 10.0)),
    6: (4, (8, 10), (-10.0, 10.0)),
    7: (5, (9, ), (-90.0, 90.0)),
    8: (6, (10, ), (-90.0, 90.0)),
    9: (7, (), (0.0, 90.0)),
    10: (8, (), (0.0, 90.0)),
    11: (5, (13, 15), (-10.0, 10.0)),
    12: (6, (14, 16), (-10.0, 10.0)),
    13: (11, (15, ), (-90.0, 90.0)),
    14: (12, (16, ), (-90.0, 90.0)),
    15: (13, (), (-90.0, 0.0)),
    16: (14, (), (-90.0, 0.0)),
}


def rotate_about(points: np.ndarray, centre: np.ndarray, degrees: float) -> np.ndarray:
    """Eq. 7: ``(K - P) [[cos a, sin a], [-sin a, cos a]] + P`` for row vectors ``K``.

    Args:
        points: ``float[..., 2]`` ``(x, y)``.
        centre: ``float[..., 2]``, broadcast against ``points``.
        degrees: ``a``; positive turns +x towards +y (clockwise on screen, where y points
            down).
    """
    a = np.deg2rad(degrees)
    matrix = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    return (points - centre) @ matrix + centre


def _check_keypoints(keypoints) -> np.ndarray:
    array = np.asarray(keypoints, np.float64)
    if array.ndim != 3 or array.shape[1:] != (17, 3):
        raise ValueError(f'keypoints must be [T, 17, 3] (x, y, score), got {array.shape}')
    return array


@AUGMENTERS.register_module()
class SkeletonRotation:
    """Rotate keypoints about their parents (HSC Eq. 7, supplement Table 1).

    Keypoints are visited parents first (5, 6, ..., 16); each is chosen with probability
    ``p`` and, if chosen, turned with its descendants about its parent by an angle drawn
    uniformly from its range. One draw serves every frame of the sequence (the same limb
    moves the same way throughout). A keypoint whose score or whose parent's score is 0 at
    a frame (not detected) is not moved at that frame.

    Args:
        p: ``P_st``, probability of rotating each keypoint. Default 0.5 (the paper).
        ranges: ``{keypoint: (low, high)}`` degrees overriding Table 1's.
    """

    def __init__(self, p: float = 0.5,
                 ranges: Optional[Dict[int, Sequence[float]]] = None) -> None:
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f'p must be in [0, 1], got {p}')
        self.p = float(p)
        self.table = dict(ROTATION_TABLE)
        for key, value in (ranges or {}).items():
            if int(key) not in self.table or len(value) != 2 or value[0] > value[1]:
                raise ValueError(f'ranges: keypoint {key} must be one of '
                                 f'{sorted(self.table)} with (low <= high) degrees, got '
                                 f'{value}')
            parent, descendants, _ = self.table[int(key)]
            self.table[int(key)] = (parent, descendants, (float(value[0]), float(value[1])))

    def draw(self, rng: np.random.Generator) -> Dict[int, float]:
        """``{keypoint: degrees}`` of the keypoints chosen to rotate (an angle is drawn for
        every keypoint, chosen or not, so that one seed gives the same angles whatever
        ``p`` is)."""
        out = {}
        for key in sorted(self.table):
            chosen = rng.random() < self.p
            low, high = self.table[key][2]
            angle = rng.uniform(low, high)
            if chosen:
                out[key] = float(angle)
        return out

    def apply(self, keypoints, angles: Dict[int, float]) -> np.ndarray:
        """The sequence with the given rotations, ``float32[T, 17, 3]``."""
        out = _check_keypoints(keypoints).copy()
        for key in sorted(angles):
            parent, descendants, _ = self.table[key]
            moved = [key, *descendants]
            seen = (out[:, key, 2] > 0) & (out[:, parent, 2] > 0)
            centre = out[seen, parent, None, :2]
            rotated = rotate_about(out[seen][:, moved, :2], centre, angles[key])
            rows = np.flatnonzero(seen)
            out[rows[:, None], np.asarray(moved)[None], :2] = rotated
        return out.astype(np.float32)

    def __call__(self, keypoints, rng: np.random.Generator) -> np.ndarray:
        return self.apply(keypoints, self.draw(rng))


@AUGMENTERS.register_module()
class TemporalCutting:
    """Leave out each frame of a sequence with probability ``p`` (HSC Sec. 3.4).

    Args:
        p: ``P_tc``. Default 0.5 (the paper).
        min_frames: The sequence never gets shorter than this (or its length): when
            fewer frames survive the draw, the earliest cut frames are put back.
            Default 1.
    """

    def __init__(self, p: float = 0.5, min_frames: int = 1) -> None:
        if not 0.0 <= float(p) < 1.0:
            raise ValueError(f'p must be in [0, 1), got {p}')
        if int(min_frames) < 1:
            raise ValueError(f'min_frames must be at least 1, got {min_frames}')
        self.p = float(p)
        self.min_frames = int(min_frames)

    def keep(self, length: int, rng: np.random.Generator) -> np.ndarray:
        """Indices of the frames kept, increasing."""
        kept = rng.random(length) >= self.p
        missing = min(self.min_frames, length) - int(kept.sum())
        if missing > 0:  # restore the earliest cut frames
            kept[np.flatnonzero(~kept)[:missing]] = True
        return np.flatnonzero(kept)

    def __call__(self, keypoints, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """``(keypoints[kept], kept)``."""
        array = _check_keypoints(keypoints)
        kept = self.keep(len(array), rng)
        return array[kept].astype(np.float32), kept


@AUGMENTERS.register_module()
class SpatioTemporalAugmentation:
    """HSC's spatio-temporal augmentation: :class:`SkeletonRotation` then
    :class:`TemporalCutting` of one object's keypoint sequence.

    Args:
        rotation: :class:`SkeletonRotation` arguments, or None to skip it.
        cutting: :class:`TemporalCutting` arguments, or None to skip it.
    """

    def __init__(self, rotation: Optional[dict] = None,
                 cutting: Optional[dict] = None) -> None:
        self.rotation = None if rotation is None else SkeletonRotation(**rotation)
        self.cutting = None if cutting is None else TemporalCutting(**cutting)

    def __call__(self, keypoints, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """``(augmented keypoints float32[t, 17, 3], indices of the kept frames)``."""
        array = _check_keypoints(keypoints)
        if self.rotation is not None:
            array = self.rotation(array, rng)
        if self.cutting is not None:
            return self.cutting(array, rng)
        return array.astype(np.float32), np.arange(len(array))
