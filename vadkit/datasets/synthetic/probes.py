"""Reference scores on a synthetic world: how hard its benchmark is.

- :func:`speed_oracle_scores`: informed by the annotations (how far each actor's speed and
  pose change depart from walking), the ceiling a method that sees actors could reach.
- :func:`frame_difference_scores` and :func:`pixel_statistics_scores` (of any frames:
  :func:`frame_difference`, :func:`pixel_statistics`): uninformed pixel scores; a
  benchmark where they do well would reward methods for the wrong reasons.
- a constant score gives an AUC of 0.5.
"""
import os
import warnings
import os.path as osp
from typing import Dict, Iterable, Sequence

import cv2
import numpy as np
from scipy.ndimage import uniform_filter1d

from .annotation import read_annotation

UNSEEN = 10.0  # score of an actor category never seen in a scene's training videos


def _actor_features(track: dict, fps: float, width: int, height: int,
                    window: int = 9) -> np.ndarray:
    """``float[T, 5]`` per-frame motion features of one annotated actor, averaged over
    ``window`` frames (one gait cycle): box-centre speed, keypoint motion relative to the
    body, box height relative to its median, how flat (lying) the pose is, and how far the
    wrists rise above the nose; lengths in person heights, speeds per second. Frames where
    the box touches the image border (the actor half visible) are NaN."""
    boxes = np.asarray(track['boxes'], np.float64).reshape(-1, 4)
    box_height = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    size = float(np.median(box_height))
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    grad = (lambda a: np.gradient(a, axis=0)) if len(boxes) > 1 else np.zeros_like
    speed = np.linalg.norm(grad(centre), axis=1) * fps / size
    pose_motion, flatness, raised = (np.zeros(len(boxes)) for _ in range(3))
    if 'keypoints' in track:
        kp = np.asarray(track['keypoints'], np.float64)[:, :, :2]
        rel = kp - kp.mean(axis=1, keepdims=True)
        pose_motion = np.linalg.norm(grad(rel), axis=2).mean(axis=1) * fps / size
        extent = rel.max(axis=1) - rel.min(axis=1)
        flatness = np.clip(1.0 - extent[:, 1] / np.maximum(extent[:, 0], 1e-6), 0, None)
        raised = np.clip(kp[:, 0, 1] - kp[:, 9:11, 1].min(axis=1), 0, None) / size
    features = uniform_filter1d(
        np.column_stack([speed, pose_motion, box_height / size, flatness, raised]),
        size=window, axis=0, mode='nearest')
    border = (boxes[:, 0] <= 1) | (boxes[:, 1] <= 1) | (boxes[:, 2] >= width - 1) \
        | (boxes[:, 3] >= height - 1)
    features[border] = np.nan
    return features


def speed_oracle_scores(world_dir: str, train_videos: Sequence[str],
                        test_videos: Sequence[str], fps: float = 25.0
                        ) -> Dict[str, np.ndarray]:
    """A one-class score that sees the annotated actors: per scene and actor category, the
    mean and spread of each motion feature over the training videos; per test frame, the
    largest z-score of any actor on screen (:data:`UNSEEN` for a category the scene's
    training videos never showed). Trivially informed: it knows where the actors are and
    how they move, nothing about the labels."""
    stats = {}
    for video in train_videos:
        ann = read_annotation(osp.join(world_dir, 'annotations', f'{video}.json'))
        for track in ann['tracks']:
            key = (ann['scene_id'], track['category'])
            stats.setdefault(key, []).append(
                _actor_features(track, fps, ann['width'], ann['height']))
    with warnings.catch_warnings():  # a category seen only half-visible has no statistics
        warnings.simplefilter('ignore', RuntimeWarning)
        stats = {k: (np.nanmean(np.concatenate(v), axis=0),
                     np.nanstd(np.concatenate(v), axis=0) + 0.05) for k, v in stats.items()}
    out = {}
    for video in test_videos:
        ann = read_annotation(osp.join(world_dir, 'annotations', f'{video}.json'))
        score = np.zeros(ann['num_frames'])
        for track in ann['tracks']:
            features = _actor_features(track, fps, ann['width'], ann['height'])
            key = (ann['scene_id'], track['category'])
            if key in stats:
                mean, std = stats[key]
                value = np.abs((features - mean) / std).max(axis=1)
            else:
                value = np.full(len(features), UNSEEN)
            value = np.nan_to_num(value, nan=0.0)  # half-visible actors are not judged
            frames = int(track['first_frame']) + np.arange(len(features))
            score[frames] = np.maximum(score[frames], value)
        out[video] = score
    return out


def _frames(frame_dir: str):
    for name in sorted(os.listdir(frame_dir)):
        image = cv2.imread(osp.join(frame_dir, name), cv2.IMREAD_GRAYSCALE)
        yield image.astype(np.float32)


def frame_difference(frames: Iterable[np.ndarray]) -> np.ndarray:
    """One score per frame of grey ``float32`` frames (read once, in order): the mean
    absolute difference to the previous frame (the first frame repeats the second's; a
    single frame scores 0)."""
    values, previous, count = [], None, 0
    for image in frames:
        if previous is not None:
            values.append(float(np.mean(np.abs(image - previous))))
        previous, count = image, count + 1
    return np.asarray(values[:1] + values if values else [0.0] * count)


def pixel_statistics(frames: Iterable[np.ndarray]) -> np.ndarray:
    """One score per frame of grey ``float32`` frames: the mean absolute difference to
    the video's median frame (how much foreground there is)."""
    frames = list(frames)
    if not frames:
        return np.zeros(0)
    stack = np.stack(frames)
    median = np.median(stack, axis=0)
    return np.abs(stack - median).mean(axis=(1, 2))


def frame_difference_scores(frame_dirs: Dict[str, str]) -> Dict[str, np.ndarray]:
    """:func:`frame_difference` of each frame folder."""
    return {video: frame_difference(_frames(d)) for video, d in frame_dirs.items()}


def pixel_statistics_scores(frame_dirs: Dict[str, str]) -> Dict[str, np.ndarray]:
    """:func:`pixel_statistics` of each frame folder."""
    return {video: pixel_statistics(_frames(d)) for video, d in frame_dirs.items()}
