"""Motion of tracked people from their skeletons: PoseConv3D (mmaction2) on keypoint heatmaps.

HSC (paper Sec. 3.2 and supplement) feeds the COCO-17 skeletons of every tracklet with
more than 10 tracked frames to PoseConv3D, which gives each object clip a 512-d motion
feature and an action class (walking, jumping, kicking ...). With mmaction2 the model is
``'mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py'`` (and
its GYM / NTU-120 variants) and its checkpoint.

The skeletons become the network's input as the config's test pipeline prepares them
(``UniformSampleFrames`` -> ``PoseDecode`` -> ``PoseCompact`` -> ``Resize`` ->
``CenterCrop`` -> ``GeneratePoseTarget`` -> ``FormatShape('NCTHW_Heatmap')``); the maths
of those steps is written here as plain numpy functions (each one tested by hand and
against mmaction2's transforms), vectorised and computed once per distinct frame:

1. :func:`uniform_sample_indices` -- ``num_clips`` clips of ``clip_len`` frame indices,
   with the test-time seeded sampling;
2. :func:`compact_keypoints` -- the tight box of every non-zero coordinate of the sampled
   frames, grown by ``padding`` and to ``hw_ratio``, becomes the image;
3. :func:`resize_keypoints` and :func:`center_crop_keypoints` -- to the heatmap size;
4. :func:`keypoint_heatmaps` / :func:`limb_heatmaps` -- a Gaussian of ``sigma`` pixels per
   keypoint (or per limb, around the segment), peaking at the keypoint's score;
5. :func:`flip_heatmaps` -- with ``double``, every clip also mirrored (left and right
   keypoints swapped), as more test views.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import ConfigError, DataError

from ..base import BaseObjectExtractor, ObjectClip, VideoInfo
from ..openmmlab import (ModelConfig, OpenMMLabBackend, default_scope, load_model_config,
                         pipeline_step)

#: The paper's model: PoseConv3D (SlowOnly-R50) on NTU-60 X-Sub keypoint heatmaps.
PAPER_CONFIG = 'mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py'
#: COCO-17 limbs (keypoint index pairs), mmaction2's default for ``with_limb``.
COCO_SKELETON = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6), (6, 8),
                 (8, 10), (5, 11), (11, 13), (13, 15), (6, 12), (12, 14), (14, 16), (11, 12))
#: Left and right COCO-17 keypoints (mirror pairs).
COCO_LEFT_KP = (1, 3, 5, 7, 9, 11, 13, 15)
COCO_RIGHT_KP = (2, 4, 6, 8, 10, 12, 14, 16)
#: Left and right limbs of :data:`COCO_SKELETON`.
COCO_LEFT_LIMB = (0, 2, 4, 5, 6, 10, 11, 12)
COCO_RIGHT_LIMB = (1, 3, 7, 8, 9, 13, 14, 15)

#: The 60 action classes of NTU RGB+D (A1 ... A60), the order of the NTU-60 checkpoints.
NTU60_ACTIONS = (
    'drink water', 'eat meal/snack', 'brushing teeth', 'brushing hair', 'drop', 'pickup',
    'throw', 'sitting down', 'standing up', 'clapping', 'reading', 'writing',
    'tear up paper', 'wear jacket', 'take off jacket', 'wear a shoe', 'take off a shoe',
    'wear on glasses', 'take off glasses', 'put on a hat/cap', 'take off a hat/cap',
    'cheer up', 'hand waving', 'kicking something', 'reach into pocket', 'hopping',
    'jump up', 'make a phone call', 'playing with phone/tablet', 'typing on a keyboard',
    'pointing to something', 'taking a selfie', 'check time (from watch)',
    'rub two hands together', 'nod head/bow', 'shake head', 'wipe face', 'salute',
    'put the palms together', 'cross hands in front', 'sneeze/cough', 'staggering',
    'falling', 'touch head (headache)', 'touch chest (stomachache/heart pain)',
    'touch back (backache)', 'touch neck (neckache)', 'nausea or vomiting',
    'use a fan/feeling warm', 'punching/slapping other person', 'kicking other person',
    'pushing other person', 'pat on back of other person', 'point finger at other person',
    'hugging other person', 'giving something to other person',
    "touch other person's pocket", 'handshaking', 'walking towards each other',
    'walking apart from each other')

#: Below this a keypoint's (or limb's) peak value draws nothing (mmaction2's epsilon).
EPS = 1e-4

#: ``argument: (transform of the test pipeline, its key, value when the config has none)``;
#: the fallbacks are the paper's PoseConv3D NTU-60 test pipeline (and mmaction2's
#: defaults for the keys it leaves out).
PIPELINE_ARGS = {
    'clip_len': ('UniformSampleFrames', 'clip_len', 48),
    'num_clips': ('UniformSampleFrames', 'num_clips', 10),
    'seed': ('UniformSampleFrames', 'seed', 255),
    'padding': ('PoseCompact', 'padding', 0.25),
    'threshold': ('PoseCompact', 'threshold', 10),
    'hw_ratio': ('PoseCompact', 'hw_ratio', 1.0),
    'allow_imgpad': ('PoseCompact', 'allow_imgpad', True),
    'resize_scale': ('Resize', 'scale', (-1, 64)),
    'keep_ratio': ('Resize', 'keep_ratio', True),
    'crop_size': ('CenterCrop', 'crop_size', 64),
    'sigma': ('GeneratePoseTarget', 'sigma', 0.6),
    'use_score': ('GeneratePoseTarget', 'use_score', True),
    'with_kp': ('GeneratePoseTarget', 'with_kp', True),
    'with_limb': ('GeneratePoseTarget', 'with_limb', False),
    'skeletons': ('GeneratePoseTarget', 'skeletons', COCO_SKELETON),
    'double': ('GeneratePoseTarget', 'double', True),
    'left_kp': ('GeneratePoseTarget', 'left_kp', COCO_LEFT_KP),
    'right_kp': ('GeneratePoseTarget', 'right_kp', COCO_RIGHT_KP),
    'left_limb': ('GeneratePoseTarget', 'left_limb', COCO_LEFT_LIMB),
    'right_limb': ('GeneratePoseTarget', 'right_limb', COCO_RIGHT_LIMB),
    'scaling': ('GeneratePoseTarget', 'scaling', 1.0),
}


# ---------------------------------------------------------------------- the maths
def uniform_sample_indices(num_frames: int, clip_len: int, num_clips: int = 1,
                           seed: int = 255) -> np.ndarray:
    """Frame indices of ``num_clips`` test clips of ``clip_len`` frames (PoseConv3D's
    ``UniformSampleFrames`` in test mode), ``int64[num_clips * clip_len]`` in
    ``[0, num_frames)``.

    Shorter sequences than ``clip_len`` are looped from a start that moves by
    ``num_frames // num_clips`` per clip; sequences of ``clip_len`` to ``2 clip_len - 1``
    frames keep every frame and skip ``num_frames - clip_len`` randomly chosen ones; longer
    ones take one random frame of each of ``clip_len`` equal segments. The random draws
    come from ``numpy.random.RandomState(seed)``, so the indices depend on the arguments
    only.
    """
    if num_frames < 1 or clip_len < 1 or num_clips < 1:
        raise ValueError(f'num_frames, clip_len and num_clips must be positive, got '
                         f'{num_frames}, {clip_len}, {num_clips}')
    rng = np.random.RandomState(seed)
    clips = []
    for i in range(num_clips):
        if num_frames < clip_len:
            start = i if num_frames < num_clips else i * num_frames // num_clips
            inds = np.arange(start, start + clip_len)
        elif num_frames < 2 * clip_len:
            skipped = rng.choice(clip_len + 1, num_frames - clip_len, replace=False)
            offset = np.zeros(clip_len + 1, np.int64)
            offset[skipped] = 1
            inds = np.arange(clip_len) + np.cumsum(offset)[:-1]
        else:
            bounds = np.array([k * num_frames // clip_len for k in range(clip_len + 1)])
            inds = bounds[:clip_len] + rng.randint(np.diff(bounds))
        clips.append(inds)
    return np.mod(np.concatenate(clips), num_frames).astype(np.int64)


def _pair(value) -> Tuple[float, float]:
    return (float(value), float(value)) if np.isscalar(value) else \
        (float(value[0]), float(value[1]))


def compact_keypoints(keypoints: np.ndarray, image_shape: Tuple[int, int],
                      padding: float = 0.25, threshold: float = 10,
                      hw_ratio: Optional[Union[float, Tuple[float, float]]] = 1.0,
                      allow_imgpad: bool = True) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Move the keypoints into the padded box around all of them (``PoseCompact``).

    The tight box of every non-zero x and every non-zero y is grown about its centre by
    ``1 + padding``, then its height raised to at least ``hw_ratio[0]`` times its width and
    its width to at least its height / ``hw_ratio[1]``; its corners are truncated to
    integers (clipped to the image first unless ``allow_imgpad``). Non-zero coordinates
    are shifted by the box's top-left corner (zeros stay zero: they mean "no keypoint").
    When the tight box is narrower or shorter than ``threshold`` nothing changes.

    Args:
        keypoints: ``float[..., 2]`` ``(x, y)`` pixels.
        image_shape: ``(h, w)`` of the image they are in.
        padding: Growth of the box (0.25: 1.25 times as wide and tall).
        threshold: Least width and height of the tight box, pixels.
        hw_ratio: Least height/width ratio (a number, or ``(least h/w, least w/h
            inverse)``), or None for none.
        allow_imgpad: Let the grown box leave the image.

    Returns:
        The shifted ``float32`` keypoints and the box's ``(h, w)`` (the new image).
    """
    kp = np.array(keypoints, np.float32, copy=True)
    kp[np.isnan(kp)] = 0.0
    x, y = kp[..., 0], kp[..., 1]
    min_x = np.min(x[x != 0], initial=np.inf)
    min_y = np.min(y[y != 0], initial=np.inf)
    max_x = np.max(x[x != 0], initial=-np.inf)
    max_y = np.max(y[y != 0], initial=-np.inf)
    if max_x - min_x < threshold or max_y - min_y < threshold:
        return kp, (int(image_shape[0]), int(image_shape[1]))
    center = ((max_x + min_x) / 2, (max_y + min_y) / 2)
    half_w = (max_x - min_x) / 2 * (1 + padding)
    half_h = (max_y - min_y) / 2 * (1 + padding)
    if hw_ratio is not None:
        ratio = _pair(hw_ratio)
        half_h = max(ratio[0] * half_w, half_h)
        half_w = max(1 / ratio[1] * half_h, half_w)
    x1, x2 = center[0] - half_w, center[0] + half_w
    y1, y2 = center[1] - half_h, center[1] + half_h
    h, w = image_shape
    if allow_imgpad:
        x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
    else:
        x1, y1 = int(max(0, x1)), int(max(0, y1))
        x2, y2 = int(min(w, x2)), int(min(h, y2))
    x[x != 0] -= x1
    y[y != 0] -= y1
    return kp, (y2 - y1, x2 - x1)


def resized_shape(image_shape: Tuple[int, int], scale: Tuple[float, float],
                  keep_ratio: bool = True) -> Tuple[int, int]:
    """``(h, w)`` after ``Resize(scale, keep_ratio)``: with ``keep_ratio`` the largest
    size within ``scale`` (``-1`` for no limit on the long side: the short side becomes
    the other number), else ``scale = (w, h)`` itself; sides round to nearest."""
    h, w = int(image_shape[0]), int(image_shape[1])
    if not keep_ratio:
        return int(scale[1]), int(scale[0])
    long_edge, short_edge = max(scale), min(scale)
    if short_edge == -1:
        long_edge, short_edge = math.inf, long_edge
    factor = min(long_edge / max(h, w), short_edge / min(h, w))
    return int(h * float(factor) + 0.5), int(w * float(factor) + 0.5)


def resize_keypoints(keypoints: np.ndarray, image_shape: Tuple[int, int],
                     scale: Tuple[float, float], keep_ratio: bool = True
                     ) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Scale keypoints with the image (``Resize``); returns them and the new ``(h, w)``."""
    new_h, new_w = resized_shape(image_shape, scale, keep_ratio)
    factor = np.array([new_w / image_shape[1], new_h / image_shape[0]], np.float32)
    return (np.asarray(keypoints, np.float32) * factor).astype(np.float32), (new_h, new_w)


def center_crop_keypoints(keypoints: np.ndarray, image_shape: Tuple[int, int],
                          crop_size: Union[int, Tuple[int, int]]
                          ) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Shift keypoints into the centre crop of ``crop_size`` (``(w, h)`` or a side) of the
    image (``CenterCrop``: the crop starts at ``(size - crop) // 2``)."""
    crop_w, crop_h = (crop_size, crop_size) if np.isscalar(crop_size) else crop_size
    left = (int(image_shape[1]) - int(crop_w)) // 2
    top = (int(image_shape[0]) - int(crop_h)) // 2
    return (np.asarray(keypoints, np.float32) - np.array([left, top], np.float32)), \
        (int(crop_h), int(crop_w))


def _windows(low: np.ndarray, high: np.ndarray, sigma: float, size: int) -> np.ndarray:
    """``bool[n, size]``: the pixels ``[int(low - 3 sigma), int(high + 3 sigma)]`` (clipped
    to the map, truncation towards zero) that a Gaussian is drawn on."""
    start = np.maximum(np.trunc(low - 3 * sigma), 0)
    stop = np.minimum(np.trunc(high + 3 * sigma) + 1, size)
    grid = np.arange(size)
    return (grid >= start[:, None]) & (grid < stop[:, None])


def keypoint_heatmaps(keypoints: np.ndarray, values: np.ndarray, shape: Tuple[int, int],
                      sigma: float = 0.6) -> np.ndarray:
    """One Gaussian map per keypoint (``GeneratePoseTarget`` with ``with_kp``).

    Pixel ``(i, j)`` of keypoint ``k`` is ``values[k] * exp(-((j - x)^2 + (i - y)^2) /
    (2 sigma^2))`` within ``3 sigma`` of the keypoint (the window's ends truncated to
    integers), 0 elsewhere and where ``values[k] < 1e-4``.

    Args:
        keypoints: ``float[..., K, 2]`` ``(x, y)`` in heatmap pixels.
        values: ``float[..., K]`` peak values (the scores).
        shape: ``(h, w)`` of the maps.
        sigma: Standard deviation, heatmap pixels.

    Returns:
        ``float32[..., K, h, w]``.
    """
    kp = np.asarray(keypoints, np.float32)
    lead = kp.shape[:-1]
    kp = kp.reshape(-1, 2)
    value = np.asarray(values, np.float32).reshape(-1)
    h, w = int(shape[0]), int(shape[1])
    out = np.zeros((len(kp), h, w), np.float32)
    on = value >= EPS
    if on.any():
        mu, val = kp[on], value[on]
        x = np.arange(w, dtype=np.float32)
        y = np.arange(h, dtype=np.float32)
        d2 = (x[None, None, :] - mu[:, 0, None, None]) ** 2 \
            + (y[None, :, None] - mu[:, 1, None, None]) ** 2
        patch = np.exp(-d2 / 2 / sigma ** 2) * val[:, None, None]
        inside = _windows(mu[:, 1], mu[:, 1], sigma, h)[:, :, None] \
            & _windows(mu[:, 0], mu[:, 0], sigma, w)[:, None, :]
        out[on] = np.where(inside, patch, 0.0)
    return out.reshape(lead + (h, w))


def limb_heatmaps(keypoints: np.ndarray, values: np.ndarray, shape: Tuple[int, int],
                  skeletons: Sequence[Tuple[int, int]] = COCO_SKELETON,
                  sigma: float = 0.6) -> np.ndarray:
    """One map per limb (``GeneratePoseTarget`` with ``with_limb``): a Gaussian of the
    distance to the segment between the limb's keypoints, peaking at the smaller of their
    values, within ``3 sigma`` of the segment's bounding box; a limb shorter than 1 pixel
    is drawn as its first keypoint's Gaussian (peaking at that keypoint's value).

    Args:
        keypoints: ``float[..., K, 2]`` in heatmap pixels.
        values: ``float[..., K]``.
        shape: ``(h, w)``.
        skeletons: ``(start, end)`` keypoint indices of the limbs.
        sigma: Standard deviation, heatmap pixels.

    Returns:
        ``float32[..., L, h, w]`` (L limbs).
    """
    kp = np.asarray(keypoints, np.float32)
    val = np.asarray(values, np.float32)
    lead = kp.shape[:-2]
    kp = kp.reshape((-1, ) + kp.shape[-2:])
    val = val.reshape(-1, val.shape[-1])
    limbs = np.asarray(skeletons, np.int64).reshape(-1, 2)
    h, w = int(shape[0]), int(shape[1])
    a, b = kp[:, limbs[:, 0]].reshape(-1, 2), kp[:, limbs[:, 1]].reshape(-1, 2)
    va, vb = val[:, limbs[:, 0]].reshape(-1), val[:, limbs[:, 1]].reshape(-1)
    peak = np.minimum(va, vb)
    out = np.zeros((len(a), h, w), np.float32)
    on = peak >= EPS
    d2_ab = ((a[:, 0] - b[:, 0]) ** 2 + (a[:, 1] - b[:, 1]) ** 2)
    short = on & (d2_ab < 1)
    if short.any():
        out[short] = keypoint_heatmaps(a[short], va[short], shape, sigma)
    seg = on & ~short
    if seg.any():
        s, e, ab, p = a[seg], b[seg], d2_ab[seg], peak[seg]
        x = np.arange(w, dtype=np.float32)[None, None, :]
        y = np.arange(h, dtype=np.float32)[None, :, None]
        d2_s = (x - s[:, 0, None, None]) ** 2 + (y - s[:, 1, None, None]) ** 2
        d2_e = (x - e[:, 0, None, None]) ** 2 + (y - e[:, 1, None, None]) ** 2
        ab = ab[:, None, None]
        coeff = (d2_s - d2_e + ab) / 2. / ab
        before, after = coeff <= 0, coeff >= 1
        between = 1 - before.astype(np.float32) - after.astype(np.float32)
        px = s[:, 0, None, None] + coeff * (e[:, 0, None, None] - s[:, 0, None, None])
        py = s[:, 1, None, None] + coeff * (e[:, 1, None, None] - s[:, 1, None, None])
        d2_line = (x - px) ** 2 + (y - py) ** 2
        d2 = before * d2_s + after * d2_e + between * d2_line
        patch = np.exp(-d2 / 2. / sigma ** 2) * p[:, None, None]
        inside = _windows(np.minimum(s[:, 1], e[:, 1]), np.maximum(s[:, 1], e[:, 1]),
                          sigma, h)[:, :, None] \
            & _windows(np.minimum(s[:, 0], e[:, 0]), np.maximum(s[:, 0], e[:, 0]),
                       sigma, w)[:, None, :]
        out[seg] = np.where(inside, patch, 0.0)
    return out.reshape(lead + (len(limbs), h, w))


def flip_heatmaps(heatmaps: np.ndarray, left: Sequence[int], right: Sequence[int]
                  ) -> np.ndarray:
    """Mirror ``float[..., C, h, w]`` maps left-right and swap the channels ``left[i]``
    and ``right[i]`` (a skeleton's mirror image)."""
    order = np.arange(heatmaps.shape[-3])
    for l_index, r_index in zip(left, right):
        order[l_index], order[r_index] = r_index, l_index
    return np.ascontiguousarray(heatmaps[..., ::-1][..., order, :, :])


# ---------------------------------------------------------------------- the component
def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, bool) and math.isfinite(float(value))


@EXTRACTORS.register_module()
class PoseConv3DEncoder(OpenMMLabBackend, BaseObjectExtractor):
    """A skeleton clip's motion feature and action scores from PoseConv3D.

    The tracked frames of each object clip (``ObjectClip.keypoints``, ``[t, 17, 3]``
    ``(x, y, score)`` in frame coordinates, zero rows where there is no pose), in order,
    are the skeleton sequence (frames the tracker missed are not filled in). Keypoints
    with a zero score count as absent (their coordinates are set to 0 first, so that they
    do not widen the compaction box either). The sequence is turned into ``num_clips``
    heatmap volumes of ``clip_len`` frames (plus their mirror images with ``double``) as the model config's
    test pipeline does (see the module's docstring), the recognizer's backbone encodes
    each, and the object's feature is the mean over those views of the backbone's globally
    average-pooled output; its action scores are the mean over the views of the softmax of
    the head's logits (so they sum to 1). An object without any keypoint score (no pose,
    or no keypoint found) gets the encoding of all-zero heatmaps. Inference runs in
    ``torch.inference_mode`` in float32.

    Each pipeline argument left at None takes its value from the model config's test
    pipeline (``test_dataloader.dataset.pipeline`` or ``test_pipeline``), else the
    default given, which is that of the paper's PoseConv3D NTU-60 test pipeline. The
    heatmaps equal those of mmaction2's transforms except in two cases no packaged
    config uses: with ``with_kp`` and ``with_limb`` both set the limb channels follow the
    keypoint channels (mmaction2 1.2 draws them over the first keypoint channels), and
    without ``use_score`` keypoints without a score stay absent.

    Args:
        config: The recognizer's config: a file, a packaged config (:data:`PAPER_CONFIG`
            is the paper's model), a dict with ``model`` or a bare model dict. Its
            ``cls_head.in_channels`` is :attr:`dim` (512 for the paper's model) and its
            ``cls_head.num_classes`` the width of the action scores; both are read from
            the config without building the model.
        checkpoint: Weights (local path or URL); default None keeps the random
            initialisation (tests only).
        device: Torch device, default ``'cpu'``.
        cfg_options: Dotted keys merged into the config; default None.
        strict: The checkpoint must hold exactly the model's weights; default True.
        with_action: Also give the head's class scores as the extra output
            ``action_scores`` (stored by the parser as ``objects_<name>_action_scores``);
            default True.
        action_names: Names of the head's classes, in order (e.g. :data:`NTU60_ACTIONS`
            for the NTU-60 checkpoints), for :meth:`describe`; default None.
        batch_size: Heatmap volumes (views) per forward pass; default 20 (one object of
            the paper's test pipeline: 10 clips and their mirror images).
        clip_len: Frames per heatmap volume (``UniformSampleFrames``); default 48.
        num_clips: Volumes sampled per object clip; default 10.
        seed: Seed of the test-time frame sampling; default 255.
        padding: ``PoseCompact`` growth of the keypoints' box; default 0.25 (25 %).
        threshold: ``PoseCompact``: no compaction when the keypoints' box is narrower or
            shorter than this, frame pixels; default 10.
        hw_ratio: ``PoseCompact`` least height/width ratio of the box (a number or a pair,
            or None for none); default 1.0 (square).
        allow_imgpad: ``PoseCompact`` lets the box leave the frame; default True.
        resize_scale: ``Resize`` target ``(w, h)``; with ``keep_ratio`` and a ``-1``, the
            short side becomes the other number; default ``(-1, 64)``, heatmap pixels.
        keep_ratio: ``Resize`` keeps the aspect ratio; default True.
        crop_size: ``CenterCrop`` side (or ``(w, h)``) after resizing, heatmap pixels, or
            0 for no crop; default 64.
        sigma: Standard deviation of the Gaussians, heatmap pixels; default 0.6.
        use_score: Gaussians peak at the keypoints' scores (else at 1 for every keypoint
            with a positive score); default True.
        with_kp: One heatmap channel per keypoint; default True.
        with_limb: One heatmap channel per limb of ``skeletons`` (after the keypoint
            channels when both are set); default False.
        skeletons: ``(start, end)`` keypoints of the limbs; default the 17 COCO limbs.
        double: Also encode every volume mirrored left-right; default True.
        left_kp: Left keypoints swapped with ``right_kp`` when mirroring; default COCO's.
        right_kp: Their right counterparts.
        left_limb: Left limbs swapped with ``right_limb`` when mirroring; default COCO's.
        right_limb: Their right counterparts.
        scaling: Heatmap size and keypoints scaled by this after cropping; default 1.0.

    Raises:
        ValueError: A bad argument (the message names it).
        ConfigError: No config, a config without ``cls_head.in_channels`` /
            ``num_classes``, or a backbone whose input channels are not the heatmaps'.
    """

    scope = 'mmaction'

    def __init__(self, config: ModelConfig = None, checkpoint: Optional[str] = None,
                 device: str = 'cpu', cfg_options: Optional[dict] = None,
                 strict: bool = True, with_action: bool = True,
                 action_names: Optional[Sequence[str]] = None, batch_size: int = 20,
                 clip_len: Optional[int] = None, num_clips: Optional[int] = None,
                 seed: Optional[int] = None, padding: Optional[float] = None,
                 threshold: Optional[float] = None,
                 hw_ratio: Optional[Union[float, Tuple[float, float]]] = None,
                 allow_imgpad: Optional[bool] = None,
                 resize_scale: Optional[Tuple[int, int]] = None,
                 keep_ratio: Optional[bool] = None,
                 crop_size: Optional[Union[int, Tuple[int, int]]] = None,
                 sigma: Optional[float] = None, use_score: Optional[bool] = None,
                 with_kp: Optional[bool] = None, with_limb: Optional[bool] = None,
                 skeletons: Optional[Sequence[Tuple[int, int]]] = None,
                 double: Optional[bool] = None, left_kp: Optional[Sequence[int]] = None,
                 right_kp: Optional[Sequence[int]] = None,
                 left_limb: Optional[Sequence[int]] = None,
                 right_limb: Optional[Sequence[int]] = None,
                 scaling: Optional[float] = None) -> None:
        who = type(self).__name__
        if not _is_int(batch_size) or batch_size < 1:
            raise ValueError(f'{who}: batch_size must be a positive integer, got {batch_size!r}')
        if not isinstance(with_action, bool):
            raise ValueError(f'{who}: with_action must be True or False, got {with_action!r}')
        self._setup(config, checkpoint, device, cfg_options, strict)
        cfg = load_model_config(config, who, cfg_options)
        head = cfg.model.get('cls_head') or {}
        if not _is_int(head.get('in_channels')) or not _is_int(head.get('num_classes')):
            raise ConfigError(f'{who}: the model config needs cls_head.in_channels (the '
                              'feature width) and cls_head.num_classes')
        self.dim = int(head['in_channels'])
        self.num_classes = int(head['num_classes'])
        self.with_action = with_action
        self.extra_dims = {'action_scores': self.num_classes} if with_action else {}
        if action_names is not None:
            action_names = [str(n) for n in action_names]
            if len(action_names) != self.num_classes:
                raise ValueError(f'{who}: action_names has {len(action_names)} names, the '
                                 f'head has {self.num_classes} classes')
        self.action_names = action_names
        self.batch_size = int(batch_size)
        given = dict(clip_len=clip_len, num_clips=num_clips, seed=seed, padding=padding,
                     threshold=threshold, hw_ratio=hw_ratio, allow_imgpad=allow_imgpad,
                     resize_scale=resize_scale, keep_ratio=keep_ratio, crop_size=crop_size,
                     sigma=sigma, use_score=use_score, with_kp=with_kp, with_limb=with_limb,
                     skeletons=skeletons, double=double, left_kp=left_kp, right_kp=right_kp,
                     left_limb=left_limb, right_limb=right_limb, scaling=scaling)
        for name, value in given.items():
            if value is None:
                transform, key, fallback = PIPELINE_ARGS[name]
                step = pipeline_step(cfg, transform)
                if step is not None and key in step:
                    value = step[key]
                elif name == 'crop_size' and pipeline_step(cfg, 'Resize') is not None:
                    value = 0  # the config resizes without cropping
                else:
                    value = fallback
            setattr(self, name, self._checked(name, value))
        if not (self.with_kp or self.with_limb):
            raise ValueError(f'{who}: with_kp or with_limb must be set')
        for name in ('left_kp', 'right_kp'):
            if any(k >= 17 for k in getattr(self, name)):
                raise ValueError(f'{who}: {name} names keypoints beyond the 17 of COCO')
        if any(k >= 17 for limb in self.skeletons for k in limb):
            raise ValueError(f'{who}: skeletons name keypoints beyond the 17 of COCO')
        for name in ('left_limb', 'right_limb'):
            if any(k >= len(self.skeletons) for k in getattr(self, name)):
                raise ValueError(f'{who}: {name} names limbs beyond the '
                                 f'{len(self.skeletons)} of skeletons')
        if len(self.left_kp) != len(self.right_kp) or \
                len(self.left_limb) != len(self.right_limb):
            raise ValueError(f'{who}: left_kp/right_kp and left_limb/right_limb must pair up')
        channels = self.num_channels
        backbone_in = (cfg.model.get('backbone') or {}).get('in_channels')
        if _is_int(backbone_in) and backbone_in != channels:
            raise ConfigError(f'{who}: the backbone takes {backbone_in} input channels but '
                              f'the heatmaps have {channels} (with_kp={self.with_kp}, '
                              f'with_limb={self.with_limb}); set with_kp / with_limb to '
                              'match the model')
        self._frame_shape: Optional[Tuple[int, int]] = None

    def _checked(self, name: str, value):
        who = type(self).__name__
        bad = ValueError(f'{who}: bad {name} {value!r}')
        if name in ('clip_len', 'num_clips'):
            if not _is_int(value) or value < 1:
                raise ValueError(f'{who}: {name} must be a positive integer, got {value!r}')
            return int(value)
        if name == 'seed':
            if not _is_int(value) or value < 0:
                raise ValueError(f'{who}: seed must be a non-negative integer, got {value!r}')
            return int(value)
        if name in ('padding', 'threshold'):
            if not _is_number(value) or value < 0:
                raise ValueError(f'{who}: {name} must be a number >= 0, got {value!r}')
            return float(value)
        if name in ('sigma', 'scaling'):
            if not _is_number(value) or value <= 0:
                raise ValueError(f'{who}: {name} must be a positive number, got {value!r}')
            return float(value)
        if name == 'hw_ratio':
            if value is None:
                return None
            pair = [value, value] if _is_number(value) else list(value) \
                if isinstance(value, (list, tuple)) else []
            if len(pair) != 2 or not all(_is_number(v) and v > 0 for v in pair):
                raise ValueError(f'{who}: hw_ratio must be None, a positive number or a '
                                 f'pair of them, got {value!r}')
            return float(value) if _is_number(value) else tuple(float(v) for v in pair)
        if name in ('allow_imgpad', 'keep_ratio', 'use_score', 'with_kp', 'with_limb',
                    'double'):
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f'{who}: {name} must be True or False, got {value!r}')
            return bool(value)
        if name == 'resize_scale':
            if not isinstance(value, (list, tuple)) or len(value) != 2 or \
                    not all(_is_int(v) and (v > 0 or v == -1) for v in value) or \
                    min(value) == -1 == max(value):
                raise ValueError(f'{who}: resize_scale must be (w, h) positive integers, one '
                                 f'of them -1 with keep_ratio, got {value!r}')
            return (int(value[0]), int(value[1]))
        if name == 'crop_size':
            if _is_int(value) and value >= 0:
                return int(value)
            if isinstance(value, (list, tuple)) and len(value) == 2 and \
                    all(_is_int(v) and v > 0 for v in value):
                return (int(value[0]), int(value[1]))
            raise ValueError(f'{who}: crop_size must be a side, a (w, h) pair or 0, got '
                             f'{value!r}')
        if name == 'skeletons':
            try:
                limbs = tuple((int(a), int(b)) for a, b in value)
            except (TypeError, ValueError):
                raise bad from None
            if not limbs or any(min(limb) < 0 for limb in limbs):
                raise bad
            return limbs
        if name in ('left_kp', 'right_kp', 'left_limb', 'right_limb'):
            try:
                indices = tuple(int(v) for v in value)
            except (TypeError, ValueError):
                raise bad from None
            if any(v < 0 for v in indices):
                raise bad
            return indices
        raise bad  # pragma: no cover - every pipeline argument is handled above

    # ------------------------------------------------------------------ shapes
    @property
    def num_channels(self) -> int:
        """Heatmap channels: 17 keypoints and/or one per limb."""
        return 17 * self.with_kp + len(self.skeletons) * self.with_limb

    @property
    def num_views(self) -> int:
        """Heatmap volumes per object clip."""
        return self.num_clips * (2 if self.double else 1)

    def heatmap_shape(self, frame_shape: Tuple[int, int]) -> Tuple[int, int]:
        """``(h, w)`` of the heatmaps when nothing is compacted (a frame of
        ``frame_shape``); with a crop every heatmap has this size."""
        shape = resized_shape(frame_shape, self.resize_scale, self.keep_ratio)
        if self.crop_size:
            shape = center_crop_keypoints(np.zeros((0, 2)), shape, self.crop_size)[1]
        return int(shape[0] * self.scaling + 0.5), int(shape[1] * self.scaling + 0.5)

    def reset(self, info: VideoInfo) -> None:
        self._frame_shape = (int(info.height), int(info.width))

    # ------------------------------------------------------------------ input
    def heatmap_volumes(self, keypoints: Optional[np.ndarray],
                        frame_shape: Tuple[int, int], who: str = 'PoseConv3DEncoder'
                        ) -> np.ndarray:
        """The network input of one skeleton sequence.

        Args:
            keypoints: ``float[t, 17, 3]`` ``(x, y, score)`` in frame pixels, or None.
            frame_shape: ``(h, w)`` of the frames.
            who: Prefix of error messages.

        Returns:
            ``float32[num_views, C, clip_len, h, w]``: the ``num_clips`` volumes, then
            (with ``double``) their mirror images.

        Raises:
            DataError: ``keypoints`` is not ``t x 17 x 3`` or holds infinities.
        """
        kp = np.zeros((0, 17, 3), np.float32) if keypoints is None else \
            np.asarray(keypoints, np.float32)
        if kp.ndim != 3 or kp.shape[1:] != (17, 3):
            raise DataError(f'{who}: keypoints must be t x 17 x 3 (x, y, score), got shape '
                            f'{kp.shape}')
        if np.isinf(kp).any():
            raise DataError(f'{who}: keypoints hold infinite values')
        kp = np.nan_to_num(kp, nan=0.0)
        score = np.where(kp[..., 2] > 0, kp[..., 2], 0.0).astype(np.float32)
        if not len(kp) or not (score > 0).any():
            h, w = self.heatmap_shape(frame_shape)
            return np.zeros((self.num_views, self.num_channels, self.clip_len, h, w),
                            np.float32)
        xy = np.where((score > 0)[..., None], kp[..., :2], 0.0).astype(np.float32)
        inds = uniform_sample_indices(len(kp), self.clip_len, self.num_clips, self.seed)
        used = np.unique(inds)  # the heatmaps of a frame are computed once
        xy, shape = compact_keypoints(xy[used], frame_shape, self.padding, self.threshold,
                                      self.hw_ratio, self.allow_imgpad)
        xy, shape = resize_keypoints(xy, shape, self.resize_scale, self.keep_ratio)
        if self.crop_size:
            xy, shape = center_crop_keypoints(xy, shape, self.crop_size)
        shape = (int(shape[0] * self.scaling + 0.5), int(shape[1] * self.scaling + 0.5))
        xy = xy * np.float32(self.scaling)
        values = score[used] if self.use_score else (score[used] > 0).astype(np.float32)
        maps = []
        if self.with_kp:
            maps.append(keypoint_heatmaps(xy, values, shape, self.sigma))
        if self.with_limb:
            maps.append(limb_heatmaps(xy, values, shape, self.skeletons, self.sigma))
        heatmaps = np.concatenate(maps, axis=1) if len(maps) > 1 else maps[0]
        position = np.searchsorted(used, inds).reshape(self.num_clips, self.clip_len)
        sources = [heatmaps.transpose(1, 0, 2, 3)]  # [C, frames, h, w]
        if self.double:
            left, right = (), ()
            if self.with_kp:
                left, right = self.left_kp, self.right_kp
            if self.with_limb:
                offset = 17 if self.with_kp else 0
                left = left + tuple(offset + i for i in self.left_limb)
                right = right + tuple(offset + i for i in self.right_limb)
            sources.append(flip_heatmaps(heatmaps, left, right).transpose(1, 0, 2, 3))
        out = np.empty((self.num_views, heatmaps.shape[1], self.clip_len) + heatmaps.shape[2:],
                       np.float32)
        for s, source in enumerate(sources):  # the volumes, then their mirror images
            for c in range(self.num_clips):
                out[s * self.num_clips + c] = source[:, position[c]]
        return out

    # ------------------------------------------------------------------ model
    def _on_built(self) -> None:
        head = getattr(self._model, 'cls_head', None)
        if self.with_action and head is None:
            raise ConfigError(f'{type(self).__name__}: with_action needs a model with a '
                              'cls_head')

    def encode_volumes(self, volumes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Pooled backbone features and softmax class scores of heatmap volumes.

        Args:
            volumes: ``float32[n, C, T, h, w]``.

        Returns:
            ``float32[n, dim]`` and ``float32[n, num_classes]`` (zeros without
            ``with_action``).
        """
        model = self.model
        n = len(volumes)
        features = np.zeros((n, self.dim), np.float32)
        scores = np.zeros((n, self.num_classes), np.float32)
        with torch.inference_mode(), default_scope(self.scope):
            for begin in range(0, n, self.batch_size):
                chunk = [torch.from_numpy(np.ascontiguousarray(v, np.float32))
                         for v in volumes[begin:begin + self.batch_size]]
                data = model.data_preprocessor(dict(inputs=chunk, data_samples=None), False)
                inputs = data['inputs'].float()
                feats, _ = model.extract_feat(inputs[None], test_mode=True)
                if isinstance(feats, (tuple, list)):
                    feats = feats[-1]
                pooled = feats.flatten(2).mean(dim=2)
                if pooled.shape[1] != self.dim:
                    raise ConfigError(f'{type(self).__name__}: the backbone gives '
                                      f'{pooled.shape[1]}-d features but cls_head.in_channels '
                                      f'says {self.dim}')
                end = begin + len(chunk)
                features[begin:end] = pooled.float().cpu().numpy()
                if self.with_action:
                    logits = model.cls_head(feats)
                    scores[begin:end] = torch.softmax(logits.float(), dim=1).cpu().numpy()
        return features, scores

    def _frame_shape_of(self, frames: Sequence[np.ndarray], who: str) -> Tuple[int, int]:
        if len(frames):
            shape = np.shape(frames[0])
            if len(shape) < 2 or shape[0] < 1 or shape[1] < 1:
                raise DataError(f'{who}: a frame has shape {shape}')
            return int(shape[0]), int(shape[1])
        if self._frame_shape is None:
            raise DataError(f'{who}: no frames given and no video started (reset), so the '
                            'frame size is unknown')
        return self._frame_shape

    def extract(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]
                ) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
        """Motion features and action scores of object clips.

        Args:
            frames: The clip's frames (only their size is used).
            clips: The object clips (their ``keypoints``).

        Returns:
            ``float32[len(clips), dim]`` and ``{'action_scores': float32[len(clips),
            num_classes]}`` (rows sum to 1), the latter only with ``with_action``.
        """
        who = type(self).__name__
        frame_shape = self._frame_shape_of(frames, who)
        features = np.zeros((len(clips), self.dim), np.float32)
        scores = np.zeros((len(clips), self.num_classes), np.float32)
        pending: List[Tuple[int, np.ndarray]] = []  # (object, its volumes), encoded together

        def flush():
            if not pending:
                return
            view_feats, view_scores = self.encode_volumes(
                np.concatenate([v for _, v in pending]) if len(pending) > 1 else pending[0][1])
            at = 0
            for k, v in pending:  # each object: the mean over its views
                features[k] = view_feats[at:at + len(v)].mean(axis=0)
                scores[k] = view_scores[at:at + len(v)].mean(axis=0)
                at += len(v)
            pending.clear()

        for k, clip in enumerate(clips):
            volumes = self.heatmap_volumes(
                clip.keypoints, frame_shape,
                f'{who} (track {clip.track_id}, clip {clip.clip_index})')
            if pending and (pending[0][1].shape[1:] != volumes.shape[1:] or
                            sum(len(v) for _, v in pending) + len(volumes) > self.batch_size):
                flush()
            pending.append((k, volumes))
        flush()
        extras = {'action_scores': scores} if self.with_action else {}
        return features, extras

    def __call__(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]) -> np.ndarray:
        """``float32[len(clips), dim]`` motion features (see :meth:`extract`)."""
        return self.extract(frames, clips)[0]
