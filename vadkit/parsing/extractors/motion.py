"""Motion of object clips: kinematics of the COCO-17 skeleton and of the box."""
from typing import List, Sequence, Tuple

import numpy as np

from vadkit.registry import EXTRACTORS

from ..base import BaseObjectExtractor, ObjectClip, VideoInfo

#: COCO-17 joint names, in keypoint order.
COCO_JOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
               'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
               'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
#: Keypoint order of the mirror image: each left joint swapped with its right one.
MIRROR = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
#: Limbs whose direction is described: ``name: (from joint, to joint)``; ``-1`` stands for
#: the hip midpoint and ``-2`` for the shoulder midpoint.
LIMBS = dict(left_thigh=(11, 13), right_thigh=(12, 14), left_shin=(13, 15),
             right_shin=(14, 16), left_upper_arm=(5, 7), right_upper_arm=(6, 8),
             left_forearm=(7, 9), right_forearm=(8, 10), torso=(-1, -2))
#: Box-centre motion features, in box heights per second.
CENTRE_FEATURES = ('centre_speed_mean', 'centre_speed_std', 'centre_speed_max',
                   'centre_abs_vx_mean', 'centre_vy_mean', 'centre_abs_vy_mean')
#: Body-shape features.
ASPECT_FEATURES = ('box_aspect_mean', 'box_aspect_std', 'skeleton_aspect_mean',
                   'skeleton_aspect_std', 'height_ratio_min')
#: Largest skeleton aspect (width / height) kept.
MAX_ASPECT = 10.0


def _masked_stats(x: np.ndarray, mask: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over axis 0 of the entries of ``x`` where ``mask``
    (zeros where no entry counts)."""
    x = np.where(mask, x, 0.0)
    count = mask.sum(axis=0)
    denominator = np.maximum(count, 1)
    mean = x.sum(axis=0) / denominator
    var = (np.where(mask, (x - mean) ** 2, 0.0)).sum(axis=0) / denominator
    return np.where(count > 0, mean, 0.0), np.where(count > 0, np.sqrt(var), 0.0)


def _feature_names() -> List[str]:
    names = []
    for stat in ('mean', 'std'):
        names += [f'pos_{j}_{axis}_{stat}' for j in COCO_JOINTS for axis in 'xy']
    for kind in ('vel', 'acc'):
        for stat in ('mean', 'std'):
            names += [f'{kind}_{j}_{stat}' for j in COCO_JOINTS]
    for limb in LIMBS:
        names += [f'limb_{limb}_dx', f'limb_{limb}_dy', f'limb_{limb}_spread']
    names += list(CENTRE_FEATURES) + list(ASPECT_FEATURES) + ['posed_fraction', 'valid']
    return names


@EXTRACTORS.register_module()
class SkeletonKinematics(BaseObjectExtractor):
    """Pose and motion of a tracked person within a clip, from its COCO-17 keypoints.

    A frame counts ("is posed") when both hips and at least ``min_joints`` joints have a
    keypoint score above 0. On the posed frames, joints are centred on the hip midpoint,
    divided by the box height and mirrored so that the person moves towards +x (the sign
    of the box centre's horizontal displacement over the clip): a person moving towards -x
    is described by its mirror image, ``x`` negated and each left joint swapped with its
    right one (:data:`MIRROR`), as a pose estimator would label the flipped frame. So a
    walk to the left and one to the right look alike, and the near side of the body stays
    the near side. The vector (:attr:`feature_names`) holds

    - ``pos_*``: mean and std of each joint's normalised ``(x, y)`` (68);
    - ``vel_*`` / ``acc_*``: mean and std of each joint's speed and acceleration magnitude
      relative to the hips, by the frame gaps between posed frames, in box heights per
      second (per second squared) (2 x 34);
    - ``limb_*``: for thighs, shins, upper arms, forearms and the torso (hip midpoint to
      shoulder midpoint), the mean unit direction ``(dx, dy)`` (image y points down: a
      standing torso has ``dy`` near -1, a lying one near 0) and its circular spread
      ``sqrt(-2 ln R)`` (``R`` the length of the mean unit vector) (27);
    - ``centre_*``: box-centre speed (mean, std, max), mean absolute horizontal speed,
      mean vertical speed (positive downwards) and mean absolute vertical speed, in median
      box heights per second over all tracked frames (6);
    - body shape: box width / height (mean, std), keypoint extent width / height (mean,
      std; at most 10) and the smallest box height over the largest (a fall shrinks it) (5);
    - ``posed_fraction`` of the tracked frames and ``valid`` (1) (2);

    176 values in all. A clip with fewer than ``min_frames`` posed frames, without
    keypoints, or of a tracklet of at most ``min_track_length`` frames gets zeros and
    ``valid`` 0.

    Args:
        min_frames: Fewest posed frames (at least 3, for accelerations). Default 4.
        min_track_length: Tracklets need more frames than this (at least 0). Default 10.
        min_joints: Fewest joints with a score above 0 in a posed frame, in ``[2, 17]``.
            Default 8.
        fps: Frames per second when :meth:`reset` gives none (positive). Default 25.
    """

    feature_names: Tuple[str, ...] = tuple(_feature_names())

    def __init__(self, min_frames: int = 4, min_track_length: int = 10, min_joints: int = 8,
                 fps: float = 25.0) -> None:
        if int(min_frames) < 3:
            raise ValueError(f'min_frames must be at least 3, got {min_frames}')
        if int(min_track_length) < 0:
            raise ValueError(f'min_track_length must be at least 0, got {min_track_length}')
        if not 2 <= int(min_joints) <= 17:
            raise ValueError(f'min_joints must be in [2, 17], got {min_joints}')
        if float(fps) <= 0:
            raise ValueError(f'fps must be positive, got {fps}')
        self.min_frames = int(min_frames)
        self.min_track_length = int(min_track_length)
        self.min_joints = int(min_joints)
        self.fps = float(fps)
        self._fps = self.fps
        self.dim = len(self.feature_names)

    def reset(self, info: VideoInfo) -> None:
        """Take the video's frame rate."""
        self._fps = float(info.fps) if info.fps and info.fps > 0 else self.fps

    def __call__(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]) -> np.ndarray:
        """Kinematic vectors of object clips.

        Args:
            frames: The clip's frames (unused: keypoints and boxes say it all).
            clips: The object clips, with ``keypoints``.

        Returns:
            ``float32[len(clips), dim]``.
        """
        out = np.zeros((len(clips), self.dim), np.float32)
        for k, clip in enumerate(clips):
            out[k] = self.describe_clip(clip)
        return out

    def describe_clip(self, clip: ObjectClip) -> np.ndarray:
        """``float32[dim]`` of one object clip (zeros with ``valid`` 0 when it has too few
        posed frames or its tracklet is too short)."""
        out = np.zeros(self.dim, np.float32)
        if clip.keypoints is None or int(clip.track_length) <= self.min_track_length:
            return out
        kp = np.asarray(clip.keypoints, np.float64).reshape(-1, 17, 3)
        frames = np.asarray(clip.frames, np.float64).ravel()
        boxes = np.asarray(clip.boxes, np.float64).reshape(-1, 4)
        if not len(kp) == len(frames) == len(boxes):
            raise ValueError(f'object clip of track {clip.track_id}: {len(frames)} frames, '
                             f'{len(boxes)} boxes and {len(kp)} keypoint rows differ')
        present = kp[..., 2] > 0
        posed = present[:, 11] & present[:, 12] & (present.sum(axis=1) >= self.min_joints)
        if posed.sum() < self.min_frames:
            return out
        heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
        widths = np.maximum(boxes[:, 2] - boxes[:, 0], 0.0)
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        sign = 1.0 if centres[-1, 0] >= centres[0, 0] else -1.0
        seconds = frames / self._fps
        if sign < 0:  # the mirror image: x negated below, left and right joints swapped
            kp, present = kp[:, MIRROR], present[:, MIRROR]

        kp, mask, t = kp[posed], present[posed], seconds[posed]
        hips = (kp[:, 11, :2] + kp[:, 12, :2]) / 2
        pos = (kp[:, :, :2] - hips[:, None]) / heights[posed, None, None]
        pos[..., 0] *= sign
        parts = list(_masked_stats(pos, mask[..., None]))
        parts = [p.ravel() for p in parts]

        vel = np.diff(pos, axis=0) / np.maximum(np.diff(t), 1e-6)[:, None, None]
        vel_mask = mask[1:] & mask[:-1]
        parts += list(_masked_stats(np.linalg.norm(vel, axis=-1), vel_mask))
        mid = (t[1:] + t[:-1]) / 2
        acc = np.diff(vel, axis=0) / np.maximum(np.diff(mid), 1e-6)[:, None, None]
        parts += list(_masked_stats(np.linalg.norm(acc, axis=-1), vel_mask[1:] & vel_mask[:-1]))

        shoulders = (pos[:, 5] + pos[:, 6]) / 2
        ends = np.concatenate([pos, np.zeros_like(pos[:, :1]), shoulders[:, None]], axis=1)
        ends_mask = np.concatenate([mask, np.ones_like(mask[:, :1]),
                                    (mask[:, 5] & mask[:, 6])[:, None]], axis=1)
        ends_of = np.array(list(LIMBS.values()))
        ends_of = np.where(ends_of < 0, 16 - ends_of, ends_of)  # -1 -> 17, -2 -> 18
        a, b = ends_of[:, 0], ends_of[:, 1]
        vec = ends[:, b] - ends[:, a]
        length = np.linalg.norm(vec, axis=-1)
        limb_mask = ends_mask[:, a] & ends_mask[:, b] & (length > 1e-9)
        unit = vec / np.maximum(length, 1e-9)[..., None]
        mean_unit, _ = _masked_stats(unit, limb_mask[..., None])
        resultant = np.clip(np.linalg.norm(mean_unit, axis=-1), 1e-12, 1.0)
        spread = np.where(limb_mask.any(axis=0), np.sqrt(-2.0 * np.log(resultant)), 0.0)
        parts.append(np.concatenate([mean_unit, spread[:, None]], axis=1).ravel())

        scale = float(np.median(heights))
        gaps = np.maximum(np.diff(seconds), 1e-6)
        centre_vel = np.diff(centres, axis=0) / gaps[:, None] / scale
        speed = np.linalg.norm(centre_vel, axis=1)
        parts.append(np.array([speed.mean(), speed.std(), speed.max(),
                               np.abs(centre_vel[:, 0]).mean(), centre_vel[:, 1].mean(),
                               np.abs(centre_vel[:, 1]).mean()]))

        box_aspect = widths / heights
        xs, ys = kp[..., 0], kp[..., 1]
        extent_x = np.where(mask, xs, -np.inf).max(1) - np.where(mask, xs, np.inf).min(1)
        extent_y = np.where(mask, ys, -np.inf).max(1) - np.where(mask, ys, np.inf).min(1)
        skeleton_aspect = np.minimum(extent_x / np.maximum(extent_y, 1e-6), MAX_ASPECT)
        parts.append(np.array([box_aspect.mean(), box_aspect.std(), skeleton_aspect.mean(),
                               skeleton_aspect.std(), heights.min() / heights.max()]))
        parts.append(np.array([posed.mean(), 1.0]))
        out[:] = np.concatenate(parts)
        return out


#: :class:`BoxKinematics` features, in order.
BOX_FEATURES = (
    'speed_mean', 'speed_std', 'speed_max', 'abs_vx_mean', 'vy_mean', 'abs_vy_mean',
    'pixel_speed_mean', 'pixel_speed_max', 'height_mean', 'height_ratio_min', 'aspect_mean',
    'aspect_std', 'centre_x_mean', 'centre_y_mean', 'bottom_y_mean', 'motion_energy',
    'moving_fraction', 'tracked_fraction', 'valid')


@EXTRACTORS.register_module()
class BoxKinematics(BaseObjectExtractor):
    """Motion, size, place and inner motion of a tracked box within a clip: the motion
    cues of objects too small for a skeleton (UCSD Ped2's pedestrians are 20 to 35 px
    tall; its anomalies are cyclists, skaters and carts, which move faster, are shaped
    otherwise, or go where people do not).

    The vector (:data:`BOX_FEATURES`) holds

    - box-centre speed (mean, std, max), mean absolute horizontal speed, mean vertical
      speed (positive downwards) and mean absolute vertical speed, in median box heights
      per second (perspective-free) (6);
    - centre speed in frame heights per second (mean, max) (2);
    - box height in frame heights (mean), the smallest height over the largest, width /
      height (mean, std) (4);
    - centre x, centre y and box bottom in frame widths / heights (mean): where the object
      is (3);
    - inside the box, the mean absolute grey-level difference between consecutive frames
      (in units of 255) and the fraction of its pixels that changed by more than
      ``moving_threshold`` grey levels, averaged over the tracked frames (2);
    - the fraction of the clip's frames the object is tracked in, and ``valid`` (1) (2);

    19 values. A clip with fewer than 2 tracked frames gets zeros and ``valid`` 0.

    Args:
        moving_threshold: Grey-level change of a moving pixel (0-255). Default 15.
        fps: Frames per second when :meth:`reset` gives none (positive). Default 25.
    """

    feature_names: Tuple[str, ...] = BOX_FEATURES

    def __init__(self, moving_threshold: float = 15.0, fps: float = 25.0) -> None:
        if not 0 <= float(moving_threshold) < 255:
            raise ValueError(f'moving_threshold must be in [0, 255), got {moving_threshold}')
        if float(fps) <= 0:
            raise ValueError(f'fps must be positive, got {fps}')
        self.moving_threshold = float(moving_threshold)
        self.fps = float(fps)
        self._fps = self.fps
        self._size = None
        self.dim = len(self.feature_names)

    def reset(self, info: VideoInfo) -> None:
        """Take the video's frame rate and size."""
        self._fps = float(info.fps) if info.fps and info.fps > 0 else self.fps
        self._size = (float(info.width), float(info.height)) if info.width and info.height \
            else None

    def __call__(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]) -> np.ndarray:
        """``float32[len(clips), dim]``; ``frames[i]`` is frame ``clip.start + i``."""
        grey = None
        if clips and len(frames) > 1:
            grey = [np.asarray(f, np.float32) if np.ndim(f) == 2 else
                    np.asarray(f, np.float32).mean(axis=2) for f in frames]
        out = np.zeros((len(clips), self.dim), np.float32)
        for k, clip in enumerate(clips):
            out[k] = self.describe_clip(clip, grey)
        return out

    def describe_clip(self, clip: ObjectClip, grey=None) -> np.ndarray:
        """``float32[dim]`` of one object clip; ``grey``: the clip's grey frames."""
        out = np.zeros(self.dim, np.float32)
        frames = np.asarray(clip.frames, np.int64).ravel()
        boxes = np.asarray(clip.boxes, np.float64).reshape(-1, 4)
        if len(frames) != len(boxes):
            raise ValueError(f'object clip of track {clip.track_id}: {len(frames)} frames, '
                             f'{len(boxes)} boxes')
        if len(frames) < 2:
            return out
        if self._size is not None:
            width, height = self._size
        elif grey is not None:
            height, width = (float(v) for v in grey[0].shape[:2])
        else:
            width = height = 1.0
        heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
        widths = np.maximum(boxes[:, 2] - boxes[:, 0], 0.0)
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        gaps = np.maximum(np.diff(frames / self._fps), 1e-6)
        velocity = np.diff(centres, axis=0) / gaps[:, None]
        scale = float(np.median(heights))
        relative = velocity / scale
        speed = np.linalg.norm(relative, axis=1)
        pixel_speed = np.linalg.norm(velocity, axis=1) / height
        aspect = widths / heights
        energy, moving = self._inner_motion(clip, frames, boxes, grey)
        out[:] = [speed.mean(), speed.std(), speed.max(), np.abs(relative[:, 0]).mean(),
                  relative[:, 1].mean(), np.abs(relative[:, 1]).mean(), pixel_speed.mean(),
                  pixel_speed.max(), heights.mean() / height, heights.min() / heights.max(),
                  aspect.mean(), aspect.std(), centres[:, 0].mean() / width,
                  centres[:, 1].mean() / height, boxes[:, 3].mean() / height, energy, moving,
                  len(frames) / max(int(clip.end) - int(clip.start), 1), 1.0]
        return out

    def _inner_motion(self, clip: ObjectClip, frames: np.ndarray, boxes: np.ndarray,
                      grey) -> Tuple[float, float]:
        """Mean absolute frame difference (/255) and moving-pixel fraction in the box,
        over the tracked frames that have a previous frame in the clip."""
        if grey is None:
            return 0.0, 0.0
        energies, fractions = [], []
        for frame, box in zip(frames, boxes):
            i = int(frame) - int(clip.start)
            if i < 1 or i >= len(grey):
                continue
            h, w = grey[i].shape[:2]
            x1, y1 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
            x2, y2 = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
            if x2 <= x1 or y2 <= y1:
                continue
            diff = np.abs(grey[i][y1:y2, x1:x2] - grey[i - 1][y1:y2, x1:x2])
            energies.append(float(diff.mean()) / 255.0)
            fractions.append(float((diff > self.moving_threshold).mean()))
        if not energies:
            return 0.0, 0.0
        return float(np.mean(energies)), float(np.mean(fractions))
