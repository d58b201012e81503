"""Region- and track-based detection criteria (RBDC, TBDC) of the Street Scene protocol.

Ramachandra & Jones, "Street Scene: A new dataset and evaluation protocol for video anomaly
detection", WACV 2020, Sec. 4. The criteria as implemented here:

* A ground-truth region is *detected* when some predicted region of the same video and frame
  has IoU >= ``beta`` with it. There is no one-to-one matching: one predicted region may
  detect several ground-truth regions, and several predicted regions may detect the same one.
* A predicted region is a *false positive* when its IoU with every ground-truth region of its
  frame is < ``beta``. A predicted region that reaches IoU >= ``beta`` with some ground-truth
  region is never a false positive, even when another prediction detects that region too;
  every predicted region in a frame without ground truth (e.g. in a normal video) is one.
* A ground-truth *track* (the regions sharing a track id within one video) is detected when
  at least the fraction ``alpha`` of its regions are detected.
* The false-positive rate is the number of false-positive regions per frame, over all frames
  of the test set (normal videos included).
* Region-based detection rate = detected regions / all ground-truth regions; track-based
  detection rate = detected tracks / all tracks. Keeping the predicted regions whose score is
  >= t, for every distinct predicted score t, gives curves of both rates against the
  false-positive rate. RBDC and TBDC are the areas under them for false-positive rates from
  0 to ``max_fpr``, divided by ``max_fpr``.

Boxes are ``(x1, y1, x2, y2)`` in continuous coordinates, of area ``(x2 - x1) * (y2 - y1)``.

Every IoU is computed once. A ground-truth region is detected at threshold t iff the largest
score among the predicted regions covering it (IoU >= ``beta``) is >= t; a track with n
regions is detected at t iff its k-th largest region score is >= t, k being the least count
with k / n >= ``alpha``; a predicted region is a false positive at t iff it covers nothing
and its score is >= t. Every curve then comes from sorted scores.
"""
import math
from dataclasses import dataclass
from numbers import Integral
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

from vadkit.utils.errors import DataError
from vadkit.structures.boxes import paired_iou

PREDICTION_FIELDS = ('frame_index', 'x1', 'y1', 'x2', 'y2', 'score')
GROUND_TRUTH_FIELDS = ('frame_index', 'track_id', 'x1', 'y1', 'x2', 'y2')

# Upper bound on the (prediction, ground truth) pairs whose IoU is computed at once.
_MAX_PAIRS = 1 << 22


@dataclass
class RegionTrackResult:
    """RBDC and TBDC with the curves they integrate.

    Attributes:
        rbdc: Area under the region-based detection rate curve, in [0, 1].
        tbdc: Area under the track-based detection rate curve, in [0, 1].
        thresholds: Distinct predicted scores, in decreasing order.
        fpr: False-positive regions per frame when keeping scores >= each threshold.
        region_rate: Fraction of ground-truth regions detected at each threshold.
        track_rate: Fraction of ground-truth tracks detected at each threshold.
    """

    rbdc: float
    tbdc: float
    thresholds: np.ndarray
    fpr: np.ndarray
    region_rate: np.ndarray
    track_rate: np.ndarray


def _check_rows(value: object, video_id: str, what: str, fields: Sequence[str],
                num_frames: int) -> np.ndarray:
    """Return ``value`` as a float (N, 6) array, or raise DataError naming the video."""
    where = f'{what} of video {video_id!r}'
    try:
        rows = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f'{where}: not a numeric array') from None
    if rows.size == 0:
        return rows.reshape(0, len(fields))
    if rows.ndim != 2 or rows.shape[1] != len(fields):
        raise DataError(f'{where}: shape {rows.shape}, expected (N, {len(fields)}) rows of '
                        f'({", ".join(fields)})')

    def fail(mask: np.ndarray, field: str, problem: str) -> None:
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise DataError(f'{where}: {field} of row {row} {problem}')

    finite = np.isfinite(rows)
    for col, field in enumerate(fields):
        fail(~finite[:, col], field, 'is NaN or infinite')
    frame = rows[:, 0]
    fail(frame != np.floor(frame), 'frame_index', 'is not an integer')
    fail((frame < 0) | (frame >= num_frames), 'frame_index',
         f'is outside [0, {num_frames}) (num_frames)')
    if 'track_id' in fields:
        track = rows[:, fields.index('track_id')]
        fail(track != np.floor(track), 'track_id', 'is not an integer')
    x1, y1, x2, y2 = (rows[:, fields.index(name)] for name in ('x1', 'y1', 'x2', 'y2'))
    fail(x2 <= x1, 'x2', 'is not greater than x1')
    fail(y2 <= y1, 'y2', 'is not greater than y1')
    return rows


def check_region_inputs(
    predictions: Mapping[str, np.ndarray],
    ground_truth: Mapping[str, np.ndarray],
    num_frames: Mapping[str, int],
) -> Tuple[Dict[str, np.ndarray], Dict[str, np.ndarray]]:
    """Refuse region inputs that would give a silently wrong number.

    Args:
        predictions: ``{video_id: (N, 6) array}`` of predicted regions, rows
            ``(frame_index, x1, y1, x2, y2, score)``.
        ground_truth: ``{video_id: (M, 6) array}`` of ground-truth regions, rows
            ``(frame_index, track_id, x1, y1, x2, y2)``; normal videos may be left out.
        num_frames: ``{video_id: number of frames}`` for every test video.

    Returns:
        The predictions and the ground truth as float64 arrays of shape (N, 6), keyed like
        the inputs (an empty entry becomes a (0, 6) array).

    Raises:
        DataError: naming the video and the field, if a video is missing from ``num_frames``,
            a frame count is not a positive integer, an array is not (N, 6), a value is not
            finite, a frame index is not an integer in range, a track id is not an integer,
            or a box has ``x2 <= x1`` or ``y2 <= y1``.
    """
    for video_id, count in num_frames.items():
        if isinstance(count, (bool, np.bool_)) or not isinstance(count, Integral) or count < 1:
            raise DataError(f'num_frames of video {video_id!r}: {count!r} is not a positive '
                            'integer')
    checked = []
    for what, arrays, fields in (('predictions', predictions, PREDICTION_FIELDS),
                                 ('ground truth', ground_truth, GROUND_TRUTH_FIELDS)):
        out = {}
        for video_id, value in arrays.items():
            if video_id not in num_frames:
                raise DataError(f'{what} of video {video_id!r}: video is not in num_frames')
            out[video_id] = _check_rows(value, video_id, what, fields, int(num_frames[video_id]))
        checked.append(out)
    return checked[0], checked[1]


def fpr_curve_area(fpr: np.ndarray, rate: np.ndarray, max_fpr: float = 1.0) -> float:
    """Normalised area under a detection-rate vs false-positive-rate curve.

    The curve starts at (0, 0), is cut at ``max_fpr`` (interpolating linearly) when it goes
    beyond, and is extended flat to ``max_fpr`` when it stops before; the area is taken with
    the trapezoid rule and divided by ``max_fpr``.

    Args:
        fpr: False-positive rates of the curve's points, non-decreasing.
        rate: Detection rates of the same points.
        max_fpr: Upper end of the integrated false-positive range, > 0.

    Returns:
        The area divided by ``max_fpr`` (in [0, 1] for rates in [0, 1]).

    Raises:
        ValueError: if the arrays differ in length, are not finite, ``fpr`` decreases, or
            ``max_fpr`` is not a positive finite number.
    """
    x = np.asarray(fpr, dtype=np.float64).ravel()
    y = np.asarray(rate, dtype=np.float64).ravel()
    if not (math.isfinite(max_fpr) and max_fpr > 0):
        raise ValueError(f'max_fpr must be a positive finite number, got {max_fpr!r}')
    if x.shape != y.shape:
        raise ValueError(f'fpr has {x.size} points, rate has {y.size}')
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError('fpr and rate must be finite')
    if np.any(np.diff(x) < 0) or (x.size and x[0] < 0):
        raise ValueError('fpr must be non-negative and non-decreasing')
    x = np.concatenate([[0.0], x])
    y = np.concatenate([[0.0], y])
    if x[-1] > max_fpr:
        j = int(np.searchsorted(x, max_fpr, side='right'))  # first point beyond max_fpr
        y_cut = y[j - 1] + (y[j] - y[j - 1]) * (max_fpr - x[j - 1]) / (x[j] - x[j - 1])
        x = np.append(x[:j], max_fpr)
        y = np.append(y[:j], y_cut)
    else:
        x = np.append(x, max_fpr)
        y = np.append(y, y[-1])
    area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0)
    return float(area / max_fpr)


def _coverage(p_key: np.ndarray, p_boxes: np.ndarray, p_scores: np.ndarray,
              g_key: np.ndarray, g_boxes: np.ndarray,
              beta: float) -> Tuple[np.ndarray, np.ndarray]:
    """Which predictions cover some ground truth, and each ground-truth region's best score.

    ``p_key`` and ``g_key`` identify (video, frame); only boxes of the same key are compared.
    """
    covers = np.zeros(p_key.size, dtype=bool)
    region_score = np.full(g_key.size, -np.inf)
    order = np.argsort(g_key, kind='stable')
    g_sorted = g_key[order]
    lo = np.searchsorted(g_sorted, p_key, side='left')
    counts = np.searchsorted(g_sorted, p_key, side='right') - lo
    ends = np.cumsum(counts)
    start = 0
    while start < p_key.size:
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + _MAX_PAIRS, side='right')))
        c = counts[start:stop]
        n_pairs = int(c.sum())
        if n_pairs:
            pi = np.repeat(np.arange(start, stop), c)
            first = np.cumsum(c) - c
            gi = order[np.repeat(lo[start:stop] - first, c) + np.arange(n_pairs)]
            hit = paired_iou(p_boxes[pi], g_boxes[gi]) >= beta
            pi, gi = pi[hit], gi[hit]
            covers[pi] = True
            np.maximum.at(region_score, gi, p_scores[pi])
        start = stop
    return covers, region_score


def _track_scores(g_video: np.ndarray, g_track: np.ndarray, region_score: np.ndarray,
                  alpha: float) -> np.ndarray:
    """Score of each track: it is detected at t iff this score is >= t."""
    order = np.lexsort((-region_score, g_track, g_video))
    video, track, score = g_video[order], g_track[order], region_score[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (video[1:] != video[:-1]) | (track[1:] != track[:-1])
    starts = np.flatnonzero(new)
    n = np.diff(np.append(starts, order.size))
    # least k with k / n >= alpha, computed as the comparison itself is (ceil(alpha * n)
    # alone can be one off: 0.1 * 30 is 3.0000000000000004)
    k = np.clip(np.ceil(alpha * n), 1, n).astype(np.int64)
    k = np.where((k > 1) & ((k - 1) / n >= alpha), k - 1, k)
    k = np.where((k < n) & (k / n < alpha), k + 1, k)
    return score[starts + k - 1]


def _count_at_least(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    ordered = np.sort(values)
    return ordered.size - np.searchsorted(ordered, thresholds, side='left')


def _check_fraction(name: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.floating)) and 0 < value <= 1):
        raise ValueError(f'{name} must be in (0, 1], got {value!r}')


def region_track_detection(
    predictions: Mapping[str, np.ndarray],
    ground_truth: Mapping[str, np.ndarray],
    num_frames: Mapping[str, int],
    alpha: float = 0.1,
    beta: float = 0.1,
    max_fpr: float = 1.0,
) -> RegionTrackResult:
    """RBDC and TBDC of predicted anomalous regions (Street Scene protocol).

    Args:
        predictions: ``{video_id: (N, 6) array}`` of predicted regions, rows
            ``(frame_index, x1, y1, x2, y2, score)``; a video may be left out or empty.
        ground_truth: ``{video_id: (M, 6) array}`` of ground-truth anomalous regions, rows
            ``(frame_index, track_id, x1, y1, x2, y2)``; a track is the set of regions with
            one track id in one video. Normal videos may be left out.
        num_frames: ``{video_id: number of frames}`` of every test video; their sum is the
            denominator of the false-positive rate.
        alpha: Fraction of a track's regions that must be detected for the track to count.
        beta: IoU at or above which a predicted region detects a ground-truth region.
        max_fpr: Upper end of the false-positive rate (per frame) range integrated.

    Returns:
        RBDC, TBDC (each in [0, 1]) and the curves, one point per distinct predicted score.

    Raises:
        DataError: if an input is malformed (see :func:`check_region_inputs`) or there are
            no ground-truth regions.
        ValueError: if ``alpha`` or ``beta`` is not in (0, 1] or ``max_fpr`` is not > 0.
    """
    _check_fraction('alpha', alpha)
    _check_fraction('beta', beta)
    if not (isinstance(max_fpr, (int, float, np.floating)) and math.isfinite(max_fpr)
            and max_fpr > 0):
        raise ValueError(f'max_fpr must be a positive finite number, got {max_fpr!r}')
    preds, gts = check_region_inputs(predictions, ground_truth, num_frames)
    total_frames = sum(int(count) for count in num_frames.values())
    index = {video_id: i for i, video_id in enumerate(num_frames)}
    stride = max(int(count) for count in num_frames.values()) + 1

    def stack(arrays: Dict[str, np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        rows = [np.empty((0, 6))] + list(arrays.values())
        video = [np.empty(0, np.int64)] + [np.full(len(a), index[v], np.int64)
                                           for v, a in arrays.items()]
        return np.concatenate(rows), np.concatenate(video)

    p, p_video = stack(preds)
    g, g_video = stack(gts)
    if not g.shape[0]:
        raise DataError('RBDC/TBDC need ground-truth anomalous regions; none were given')
    p_key = p_video * stride + p[:, 0].astype(np.int64)
    g_key = g_video * stride + g[:, 0].astype(np.int64)
    p_scores = p[:, 5]
    covers, region_score = _coverage(p_key, p[:, 1:5], p_scores, g_key, g[:, 2:6], beta)
    track_score = _track_scores(g_video, g[:, 1], region_score, alpha)

    thresholds = np.unique(p_scores)[::-1]
    fpr = _count_at_least(p_scores[~covers], thresholds) / total_frames
    region_rate = _count_at_least(region_score, thresholds) / region_score.size
    track_rate = _count_at_least(track_score, thresholds) / track_score.size
    return RegionTrackResult(
        rbdc=fpr_curve_area(fpr, region_rate, max_fpr),
        tbdc=fpr_curve_area(fpr, track_rate, max_fpr),
        thresholds=thresholds,
        fpr=fpr,
        region_rate=region_rate,
        track_rate=track_rate,
    )
