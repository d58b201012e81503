"""HSC's motion augmentation (Sun & Gong, CVPR 2023, Sec. 3.4-3.5; supplement Sec. 1).

The skeleton clips of the training objects are augmented (rotation about parent keypoints,
Eq. 7, and temporal cutting), re-encoded by the motion extractor of the parsing config,
scored by the trained model's motion stream (reconstruction error, Eq. 11), min-max
normalised over the augmented set and split by two thresholds into normal (0), abnormal
(1) and dropped (-1) samples; a binary classifier is trained on the kept ones (MA+), or
the normal ones join the motion stream's training set (MA-).

The functions work on the feature store's per-object arrays: ``keypoints
float32[N, T, 17, 3]`` (``(x, y, score)``, zeros where the object is not tracked), ``mask
bool[N, T]`` (tracked frames of the clip of ``T`` frames) and ``boxes float32[N, T, 4]``.
``tools/misc/augment_motion.py`` chains them over a training set.
"""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from vadkit.models.augmenters.skeleton import (SkeletonRotation, SpatioTemporalAugmentation,
                                               TemporalCutting)
from vadkit.parsing.base import ObjectClip, VideoInfo
from vadkit.registry import AUGMENTERS
from vadkit.utils.errors import ConfigError, DataError

#: Motion extractors that read only keypoints and boxes (PoseConv3D takes just the frame
#: size, which :meth:`reset` gives); an extractor may also say so with a ``needs_frames``
#: attribute.
FRAME_FREE_EXTRACTORS = ('SkeletonKinematics', 'PoseConv3DEncoder')
#: The track length given to re-encoded clips when none is known: every motion-valid
#: object's tracklet was long enough for the motion extractor.
LONG_TRACK = 2 ** 31 - 1
#: Names of the split labels.
LABEL_NAMES = {0: 'normal', 1: 'abnormal', -1: 'dropped'}


def _check_clips(keypoints, mask, who: str = 'clips') -> Tuple[np.ndarray, np.ndarray]:
    kp = np.asarray(keypoints, np.float32)
    m = np.asarray(mask, bool)
    if kp.ndim != 4 or kp.shape[2:] != (17, 3):
        raise ValueError(f'{who}: keypoints must be [N, T, 17, 3] (x, y, score), got '
                         f'{kp.shape}')
    if m.shape != kp.shape[:2]:
        raise ValueError(f'{who}: mask must be [N, T] = {kp.shape[:2]}, got {m.shape}')
    return kp, m


def build_augmenter(augmenter):
    """An augmenter object from an AUGMENTERS config dict (objects pass through)."""
    if isinstance(augmenter, dict):
        return AUGMENTERS.build(dict(augmenter))
    if not callable(augmenter):
        raise ConfigError(f'augmenter must be an AUGMENTERS config or a callable, got '
                          f'{type(augmenter).__name__}')
    return augmenter


def _rotate_batch(rotation: SkeletonRotation, keypoints: np.ndarray,
                  angles: Sequence[Dict[int, float]]) -> np.ndarray:
    """:meth:`SkeletonRotation.apply` of ``angles[n]`` to every sequence ``n`` of
    ``keypoints`` ``float64[N, T, 17, 3]`` at once (one keypoint at a time, parents
    first, over the sequences that chose it)."""
    out = keypoints.copy()
    for key in sorted(rotation.table):
        who = np.asarray([n for n, a in enumerate(angles) if key in a], np.int64)
        if not who.size:
            continue
        parent, descendants, _ = rotation.table[key]
        moved = [key, *descendants]
        a = np.deg2rad(np.asarray([angles[n][key] for n in who], np.float64))
        cos, sin = np.cos(a), np.sin(a)
        matrix = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
        sub = out[who]  # [n, T, 17, 3]
        seen = (sub[:, :, key, 2] > 0) & (sub[:, :, parent, 2] > 0)
        centre = sub[:, :, parent, None, :2]
        rotated = np.einsum('ntmi,nij->ntmj', sub[:, :, moved, :2] - centre, matrix) + centre
        sub[:, :, moved, :2] = np.where(seen[..., None, None], rotated, sub[:, :, moved, :2])
        out[who] = sub
    return out


def _parts(augmenter) -> Optional[Tuple[Optional[SkeletonRotation], Optional[TemporalCutting]]]:
    """``(rotation, cutting)`` of the built-in augmenters (batched), None for others."""
    kind = type(augmenter)
    if kind is SpatioTemporalAugmentation:
        return augmenter.rotation, augmenter.cutting
    if kind is SkeletonRotation:
        return augmenter, None
    if kind is TemporalCutting:
        return None, augmenter
    return None


def augment_clips(keypoints, mask, augmenter, copies: int = 1, seed: int = 0,
                  keys: Optional[Sequence[int]] = None
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Augmented copies of skeleton clips (HSC Sec. 3.4).

    The augmenter sees each clip's tracked frames (``keypoints[n][mask[n]]``) and returns
    the augmented sequence and the indices of the frames it kept (temporal cutting); the
    kept frames stay at their places in the clip and the others leave the mask (their
    keypoints become zeros, as untracked frames are stored). Copy ``k`` of clip ``n``
    draws from ``numpy.random.default_rng([seed, keys[n], k])``, so it is the same
    whatever other clips are augmented with it. :class:`SpatioTemporalAugmentation`,
    :class:`SkeletonRotation` and :class:`TemporalCutting` are applied to all clips at
    once, with the same draws and results as one call per clip.

    Args:
        keypoints: ``float[N, T, 17, 3]`` ``(x, y, score)``.
        mask: ``bool[N, T]`` tracked frames.
        augmenter: An AUGMENTERS config (``dict(type='SpatioTemporalAugmentation', ...)``)
            or a callable ``(float[t, 17, 3], Generator) -> keypoints`` or ``(keypoints,
            kept indices)``.
        copies: Augmented copies of each clip (at least 1). Default 1.
        seed: Seed of the draws (non-negative). Default 0.
        keys: Non-negative integers naming the clips in the seeds (default their
            positions ``0 ... N-1``; the tool passes the dataset indices).

    Returns:
        ``keypoints float32[N * copies, T, 17, 3]``, ``mask bool[N * copies, T]`` and
        ``source int64[N * copies]`` (the input position of each; copies of a clip are
        adjacent).
    """
    kp, m = _check_clips(keypoints, mask, 'augment_clips')
    if int(copies) < 1:
        raise ValueError(f'copies must be at least 1, got {copies}')
    if int(seed) < 0:
        raise ValueError(f'seed must be non-negative, got {seed}')
    n = kp.shape[0]
    keys = np.arange(n) if keys is None else np.asarray(keys, np.int64).ravel()
    if keys.shape != (n, ) or (keys < 0).any():
        raise ValueError(f'keys must be {n} non-negative integers, got shape {keys.shape}')
    augmenter = build_augmenter(augmenter)
    source = np.repeat(np.arange(n, dtype=np.int64), int(copies))
    out_kp = kp[source].astype(np.float64)
    out_mask = m[source].copy()
    parts = _parts(augmenter)
    angles: List[Dict[int, float]] = []
    for j, (i, k) in enumerate(zip(source, np.tile(np.arange(int(copies)), n))):
        rng = np.random.default_rng([int(seed), int(keys[i]), int(k)])
        tracked = np.flatnonzero(m[i])
        if parts is not None:
            rotation, cutting = parts
            angles.append(rotation.draw(rng) if rotation is not None else {})
            if cutting is not None and tracked.size:
                kept = cutting.keep(tracked.size, rng)
                out_mask[j, np.setdiff1d(tracked, tracked[kept])] = False
            continue
        if not tracked.size:
            continue
        result = augmenter(kp[i, tracked], rng)
        sequence, kept = result if isinstance(result, tuple) else (result, None)
        sequence = np.asarray(sequence, np.float64)
        kept = np.arange(tracked.size) if kept is None else np.asarray(kept, np.int64)
        if sequence.shape != (kept.size, 17, 3):
            raise ValueError(f'{type(augmenter).__name__} gave keypoints of shape '
                             f'{sequence.shape} for {kept.size} kept frames')
        out_kp[j] = 0.0
        out_mask[j] = False
        out_kp[j, tracked[kept]] = sequence
        out_mask[j, tracked[kept]] = True
    if parts is not None and parts[0] is not None:
        out_kp = _rotate_batch(parts[0], out_kp, angles)
    out_kp[~out_mask] = 0.0
    return out_kp.astype(np.float32), out_mask, source


def extractor_needs_frames(extractor) -> bool:
    """Whether a motion extractor reads the clip's frames (its ``needs_frames``
    attribute, else: not one of :data:`FRAME_FREE_EXTRACTORS` or a subclass)."""
    flag = getattr(extractor, 'needs_frames', None)
    if flag is not None:
        return bool(flag)
    return not any(c.__name__ in FRAME_FREE_EXTRACTORS for c in type(extractor).__mro__)


def encode_motion(extractor, keypoints, mask, boxes, info: VideoInfo,
                  starts: Optional[Sequence[int]] = None,
                  track_lengths: Optional[Sequence[int]] = None,
                  track_ids: Optional[Sequence[int]] = None,
                  batch_size: int = 256) -> np.ndarray:
    """Re-encode skeleton clips with a motion extractor, as the parser feeds it.

    Each clip becomes an :class:`~vadkit.parsing.base.ObjectClip` of its tracked frames
    (``frames = start + flatnonzero(mask)``, with those frames' boxes and keypoints) and
    the extractor is called without frames, after ``reset(info)``.

    Args:
        extractor: An object extractor (``SkeletonKinematics``, ``PoseConv3DEncoder``).
        keypoints: ``float[M, T, 17, 3]``.
        mask: ``bool[M, T]``.
        boxes: ``float[M, T, 4]`` ``(x1, y1, x2, y2)``.
        info: The video the clips come from (frame size and rate).
        starts: First frame of each clip (``objects_index`` column 1). Default 0.
        track_lengths: Frames of each clip's whole tracklet (the parser's
            ``track_length``). Default :data:`LONG_TRACK` (long enough).
        track_ids: Track of each clip, for messages. Default the clip's position.
        batch_size: Clips per extractor call. Default 256.

    Returns:
        ``float32[M, extractor.dim]``.

    Raises:
        ConfigError: the extractor reads frames, which augmented skeletons do not have.
    """
    if extractor_needs_frames(extractor):
        raise ConfigError(
            f'the motion extractor {type(extractor).__name__} reads the clip frames, which '
            'augmented skeletons do not have; motion augmentation needs a keypoint-only '
            f'motion extractor ({", ".join(FRAME_FREE_EXTRACTORS)}) in the parsing config')
    kp, m = _check_clips(keypoints, mask, 'encode_motion')
    num = len(kp)
    b = np.asarray(boxes, np.float32)
    if b.shape != kp.shape[:2] + (4, ):
        raise ValueError(f'encode_motion: boxes must be [M, T, 4] = {kp.shape[:2] + (4, )}, '
                         f'got {b.shape}')

    def column(values, default, name):
        out = np.full(num, default, np.int64) if values is None else \
            np.asarray(values, np.int64).ravel()
        if out.shape != (num, ):
            raise ValueError(f'encode_motion: {name} must hold {num} values, got {out.shape}')
        return out

    starts = column(starts, 0, 'starts')
    lengths = column(track_lengths, LONG_TRACK, 'track_lengths')
    ids = np.arange(num) if track_ids is None else column(track_ids, 0, 'track_ids')
    if int(batch_size) < 1:
        raise ValueError(f'batch_size must be positive, got {batch_size}')
    extractor.reset(info)
    out = np.zeros((num, int(extractor.dim)), np.float32)
    for begin in range(0, num, int(batch_size)):
        clips = []
        for k in range(begin, min(begin + int(batch_size), num)):
            tracked = np.flatnonzero(m[k])
            clips.append(ObjectClip(
                clip_index=k, start=int(starts[k]), end=int(starts[k]) + kp.shape[1],
                track_id=int(ids[k]), label='person', frames=starts[k] + tracked,
                boxes=b[k, tracked], keypoints=kp[k, tracked], track_length=int(lengths[k])))
        vectors = np.asarray(extractor([], clips), np.float32)
        out[begin:begin + len(clips)] = vectors.reshape(len(clips), out.shape[1])
    return out


def track_lengths_of(tracks, track_ids) -> np.ndarray:
    """``int64``: the number of tracked frames of each of ``track_ids``, counted in a
    video's ``tracks`` array (rows ``(frame, track_id, ...)``); 0 for unknown ids."""
    rows = np.asarray(tracks)
    wanted = np.asarray(track_ids, np.int64).ravel()
    if not rows.size:
        return np.zeros(wanted.shape, np.int64)
    known, counts = np.unique(rows.reshape(len(rows), -1)[:, 1].astype(np.int64),
                              return_counts=True)
    lookup = dict(zip(known.tolist(), counts.tolist()))
    return np.array([lookup.get(int(t), 0) for t in wanted], np.int64)


#: The store arrays a re-encoding reads.
CLIP_ARRAYS = ('objects_index', 'objects_keypoints', 'objects_mask', 'objects_boxes')


def read_store_clips(store, video_id: str, rows: Sequence[int]) -> dict:
    """The skeleton clips of some objects of one video of a feature store.

    Args:
        store: A :class:`~vadkit.parsing.store.FeatureStore`.
        video_id: The video.
        rows: The objects' rows in the video's arrays.

    Returns:
        ``keypoints``, ``mask``, ``boxes`` (``[n, T, ...]``), ``starts``, ``track_ids``
        and ``track_lengths`` (``int64[n]``, from the video's ``tracks``; None without
        them) and ``info`` (a :class:`~vadkit.parsing.base.VideoInfo` from the meta).

    Raises:
        DataError: the video has no ``objects_keypoints`` (no pose estimator in its
            parsing config) or lacks another array.
    """
    meta = store.meta(video_id)
    have = meta.get('arrays', {})
    if 'objects_keypoints' not in have:
        raise DataError(f'feature store {store.root}: video {video_id} has no '
                        'objects_keypoints: its parsing config has no pose estimator '
                        '(parser.pose), so there are no skeletons to augment')
    names = list(CLIP_ARRAYS) + (['tracks'] if 'tracks' in have else [])
    arrays = store.read(video_id, names)
    rows = np.asarray(rows, np.int64).ravel()
    index = np.asarray(arrays['objects_index'])[rows]
    info = VideoInfo(video_id, int(meta['num_frames']), int(meta['width']),
                     int(meta['height']), float(meta.get('fps') or 25.0))
    lengths = None
    if 'tracks' in arrays:
        lengths = track_lengths_of(arrays['tracks'], index[:, 3])
    return dict(keypoints=np.asarray(arrays['objects_keypoints'][rows], np.float32),
                mask=np.asarray(arrays['objects_mask'][rows], bool),
                boxes=np.asarray(arrays['objects_boxes'][rows], np.float32),
                starts=index[:, 1].copy(), track_ids=index[:, 3].copy(),
                track_lengths=lengths, info=info)


def augment_store_video(store, video_id: str, rows: Sequence[int], keys: Sequence[int],
                        augmenter, extractor, copies: int = 1, seed: int = 0
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Augment some objects of one store video and re-encode them.

    Args:
        store: A :class:`~vadkit.parsing.store.FeatureStore`.
        video_id: The video.
        rows: The objects' rows in the video's arrays.
        keys: Their dataset indices (they seed the draws and name the sources).
        augmenter: See :func:`augment_clips`.
        extractor: The parsing config's motion extractor.
        copies: Augmented copies per object. Default 1.
        seed: Seed of the draws. Default 0.

    Returns:
        ``motion float32[n * copies, D]`` and ``source int64[n * copies]`` (the key of
        each sample's object).
    """
    keys = np.asarray(keys, np.int64).ravel()
    clips = read_store_clips(store, video_id, rows)
    kp, mask, src = augment_clips(clips['keypoints'], clips['mask'], augmenter, copies, seed,
                                  keys)
    lengths = clips['track_lengths']
    motion = encode_motion(extractor, kp, mask, clips['boxes'][src], clips['info'],
                           starts=clips['starts'][src],
                           track_lengths=None if lengths is None else lengths[src],
                           track_ids=clips['track_ids'][src])
    return motion, keys[src]


def score_motion(model, scene, features, batch_size: int = 4096) -> np.ndarray:
    """The motion stream's reconstruction errors (Eq. 11) of motion features, by
    ``model.stream_errors('motion', scene, feature)`` in batches.

    Args:
        model: A trained HSC model (in eval mode).
        scene: ``float[M, D_B]`` the scene feature of each sample's clip.
        features: ``float[M, D]`` motion features.
        batch_size: Samples per call. Default 4096.

    Returns:
        ``float32[M]``.
    """
    scene = np.asarray(scene, np.float32)
    features = np.asarray(features, np.float32)
    if len(scene) != len(features):
        raise ValueError(f'score_motion: {len(scene)} scene rows for {len(features)} features')
    out = np.zeros(len(features), np.float32)
    with torch.no_grad():
        for begin in range(0, len(features), int(batch_size)):
            end = begin + int(batch_size)
            errors = model.stream_errors('motion', torch.from_numpy(scene[begin:end]),
                                         torch.from_numpy(features[begin:end]))
            errors = torch.as_tensor(errors).detach().cpu().numpy()
            out[begin:begin + len(errors)] = np.asarray(errors, np.float32).ravel()
    return out


#: How errors are brought to the scale of ``T_norm`` / ``T_abn``: ``'quantile'`` (each
#: error's rank in the set, in ``[0, 1]``: the lowest 20 % are normal, the highest 20 %
#: abnormal, whatever outliers there are), ``'minmax'`` (one outlier squeezes every other
#: error towards 0) or ``'none'`` (raw errors, as the supplement's histograms show them).
NORMALISATIONS = ('quantile', 'minmax', 'none')


def normalise_errors(errors, method: str = 'minmax') -> np.ndarray:
    """``float64``: errors normalised by ``method`` (:data:`NORMALISATIONS`); zeros when
    they are all equal (except ``'none'``)."""
    if method not in NORMALISATIONS:
        raise ValueError(f'method must be one of {NORMALISATIONS}, got {method!r}')
    e = np.asarray(errors, np.float64)
    if e.ndim != 1:
        raise ValueError(f'errors must be one-dimensional, got shape {e.shape}')
    if not np.isfinite(e).all():
        raise ValueError(f'errors hold {int((~np.isfinite(e)).sum())} NaN or infinite values')
    if not e.size or method == 'none':
        return e
    low, high = e.min(), e.max()
    if high <= low:
        return np.zeros_like(e)
    if method == 'quantile':
        ranks = np.empty(e.size, np.float64)
        order = np.argsort(e, kind='stable')
        ranks[order] = np.arange(e.size)
        return ranks / (e.size - 1)
    return (e - low) / (high - low)


def split_by_error(errors, t_norm: float = 0.2, t_abn: float = 0.8,
                   normalise: str = 'minmax') -> np.ndarray:
    """Normal / abnormal / dropped labels of augmented samples (supplement Sec. 1.2).

    The errors are normalised over the set (``normalise``, :data:`NORMALISATIONS`); a
    normalised error ``<= t_norm`` is
    normal (0), ``>= t_abn`` abnormal (1), anything between is dropped (-1). (The
    supplement writes strict inequalities; with these the least and most erroneous
    samples always fall into the two classes.) When every error is the same, no sample is
    more abnormal than another: all are normal, with a warning saying so.

    Args:
        errors: ``float[M]`` reconstruction errors (Eq. 11).
        t_norm: ``T_norm``. Default 0.2 (the supplement).
        t_abn: ``T_abn``. Default 0.8 (the supplement).
        normalise: ``'minmax'`` (default), ``'quantile'`` or ``'none'``.

    Returns:
        ``int8[M]`` of 0, 1 and -1.
    """
    if normalise != 'none' and not 0.0 <= float(t_norm) < float(t_abn) <= 1.0:
        raise ValueError(f'thresholds must satisfy 0 <= t_norm < t_abn <= 1, got t_norm '
                         f'{t_norm}, t_abn {t_abn}')
    e = np.asarray(errors, np.float64)
    normalised = normalise_errors(e, normalise)
    if e.size and e.max() <= e.min():
        warnings.warn(f'all {e.size} reconstruction errors equal {e.flat[0]:g}: min-max '
                      'normalisation leaves nothing more abnormal than anything else, so '
                      'every sample is labelled normal (0) and none abnormal', stacklevel=2)
    labels = np.full(e.shape, -1, np.int8)
    labels[normalised <= float(t_norm)] = 0
    labels[normalised >= float(t_abn)] = 1
    if e.size and e.max() <= e.min():
        labels[:] = 0
    return labels


def train_classifier(classifier: torch.nn.Module, features, labels, epochs: int = 50,
                     lr: float = 1e-3, batch_size: int = 128, seed: int = 0,
                     balanced: bool = False) -> List[float]:
    """Train the normal / abnormal classifier with cross-entropy (supplement Eq. 2).

    Adam over shuffled mini-batches of the samples labelled 0 or 1 (-1 are ignored); the
    shuffling and dropout draw from ``seed`` (the global torch random state is left as it
    was). The classifier ends in eval mode.

    Args:
        classifier: A module giving ``[B, >= 2]`` logits (:class:`MotionAugClassifier`).
        features: ``float[M, D]``.
        labels: ``int[M]`` of 0 (normal), 1 (abnormal) and -1 (ignored).
        epochs: Passes over the samples (at least 1). Default 50.
        lr: Adam's learning rate (positive). Default 1e-3.
        batch_size: Samples per step (at least 1). Default 128.
        seed: Seed of the shuffling and the dropout. Default 0.
        balanced: Weight each class's loss by ``M / (2 M_c)`` so that a rare class counts
            as much as a common one. Default False.

    Returns:
        The mean loss of each epoch.

    Raises:
        DataError: no sample of one of the two classes.
    """
    if int(epochs) < 1:
        raise ValueError(f'epochs must be at least 1, got {epochs}')
    if not float(lr) > 0:
        raise ValueError(f'lr must be positive, got {lr}')
    if int(batch_size) < 1:
        raise ValueError(f'batch_size must be at least 1, got {batch_size}')
    y = np.asarray(labels, np.int64).ravel()
    x = np.asarray(features, np.float32)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f'features must be [M, D] with M = {len(y)} labels, got {x.shape}')
    unknown = sorted(set(np.unique(y).tolist()) - {-1, 0, 1})
    if unknown:
        raise ValueError(f'labels must be 0, 1 or -1, got {unknown}')
    keep = y >= 0
    counts = [int((y == c).sum()) for c in (0, 1)]
    for c, count in enumerate(counts):
        if count == 0:
            raise DataError(
                f'cannot train the motion classifier: no {LABEL_NAMES[c]} sample (label {c}) '
                f'among the {int(keep.sum())} kept ones (normal {counts[0]}, abnormal '
                f'{counts[1]}); change the thresholds or augment more copies')
    param = next(classifier.parameters())
    device, dtype = param.device, param.dtype
    inputs = torch.as_tensor(x[keep], dtype=dtype, device=device)
    targets = torch.as_tensor(y[keep], device=device)
    weight = None
    if balanced:
        total = float(sum(counts))
        weight = torch.tensor([total / (2 * counts[0]), total / (2 * counts[1])], dtype=dtype,
                              device=device)
        num_classes = classifier(inputs[:1]).shape[1]
        if num_classes > 2:
            weight = torch.cat([weight, weight.new_ones(num_classes - 2)])
    optimizer = torch.optim.Adam(classifier.parameters(), lr=float(lr))
    losses = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        generator = torch.Generator().manual_seed(int(seed))
        classifier.train()
        for _ in range(int(epochs)):
            order = torch.randperm(len(inputs), generator=generator).to(device)
            total_loss = 0.0
            for begin in range(0, len(order), int(batch_size)):
                batch = order[begin:begin + int(batch_size)]
                loss = F.cross_entropy(classifier(inputs[batch]), targets[batch],
                                       weight=weight)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total_loss += float(loss.detach()) * len(batch)
            losses.append(total_loss / len(inputs))
    classifier.eval()
    return losses


def label_counts(labels) -> Dict[str, int]:
    """``{'normal': n0, 'abnormal': n1, 'dropped': n_-1}`` of split labels."""
    y = np.asarray(labels).ravel()
    return {name: int((y == value).sum()) for value, name in LABEL_NAMES.items()}

