"""Multi-object tracking measures: identity scores (ID-F1), CLEAR MOT (MOTA, MOTP) and
track-length statistics, on track tables.

A *track table* is ``float[R, 6+]`` with rows ``(frame, track_id, x1, y1, x2, y2, ...)``
(extra columns, e.g. a score, are ignored): one row per track and frame where the track has
a box. Frames and track ids are integers; a ``(frame, track_id)`` pair appears at most once.
Boxes are ``(x1, y1, x2, y2)`` in pixels. A ground-truth box and a predicted box *overlap*
when their IoU is >= ``iou_threshold``. Ratios whose denominator is zero are NaN.

* Identity scores (Ristani et al., "Performance Measures and a Data Set for Multi-Target,
  Multi-Camera Tracking", ECCV 2016 workshops): a one-to-one matching between ground-truth
  and predicted trajectories maximising the number of frames where a matched pair overlaps.
  IDTP is that number; IDFN = ground-truth rows - IDTP (ground-truth boxes not covered by
  their matched trajectory, or whose trajectory is unmatched); IDFP = predicted rows - IDTP;
  IDP = IDTP / (IDTP + IDFP), IDR = IDTP / (IDTP + IDFN),
  IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN).
* CLEAR MOT (Bernardin & Stiefelhagen, "Evaluating Multiple Object Tracking Performance:
  The CLEAR MOT Metrics", EURASIP JIVP 2008): frame by frame, in increasing frame order
  over the frames present in either table, a ground-truth track matched at the previous
  such frame keeps its predicted track when both are present and overlap; the others are
  matched by the Hungarian algorithm maximising the total IoU among overlapping pairs. An
  identity switch is a match of a ground-truth track to another predicted track than at its
  last match (any earlier frame). FN: unmatched ground-truth rows; FP: unmatched predicted
  rows; MOTA = 1 - (FN + FP + switches) / ground-truth rows; MOTP: mean IoU of the matches
  (higher is better). A fragmentation is an interruption of a ground-truth track's
  matched frames that is followed by a match again (its runs of matched frames, counted
  over its own frames, minus one).
"""
from numbers import Integral
from typing import Dict, Iterable, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from vadkit.structures.boxes import box_iou, paired_iou
from vadkit.utils.errors import DataError

#: Leading columns of a track table.
TRACK_TABLE_FIELDS = ('frame', 'track_id', 'x1', 'y1', 'x2', 'y2')


def check_track_table(table, name: str = 'table') -> np.ndarray:
    """``float64[R, 6]``: the leading columns of a valid track table.

    Args:
        table: Array-like ``[R, 6+]`` (an empty array of any shape is an empty table).
        name: What the table is, for the error messages.

    Raises:
        DataError: A wrong shape, non-finite values, non-integer frames or ids, or a
            ``(frame, track_id)`` pair given twice.
    """
    array = np.asarray(table, np.float64)
    if array.size == 0:
        return np.zeros((0, 6))
    if array.ndim != 2 or array.shape[1] < 6:
        raise DataError(f'{name}: a track table must be R x 6+ {TRACK_TABLE_FIELDS}, got '
                        f'shape {array.shape}')
    array = array[:, :6]
    if not np.isfinite(array).all():
        raise DataError(f'{name}: the track table holds NaN or infinite values')
    if (array[:, :2] != np.round(array[:, :2])).any():
        raise DataError(f'{name}: frame and track_id must be integers')
    keys = np.unique(array[:, :2], axis=0)
    if len(keys) != len(array):
        raise DataError(f'{name}: {len(array) - len(keys)} (frame, track_id) pairs appear '
                        'more than once')
    return array


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float('nan')


def _check_threshold(iou_threshold: float) -> float:
    if not 0.0 < float(iou_threshold) <= 1.0:
        raise ValueError(f'iou_threshold must be in (0, 1], got {iou_threshold}')
    return float(iou_threshold)


def _same_frame_pairs(gt: np.ndarray, pred: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Row indices ``(gi, pi)`` of every ground-truth / predicted pair of one frame."""
    g_order = np.argsort(gt[:, 0], kind='stable')
    p_order = np.argsort(pred[:, 0], kind='stable')
    p_frames = pred[p_order, 0]
    start = np.searchsorted(p_frames, gt[g_order, 0], side='left')
    counts = np.searchsorted(p_frames, gt[g_order, 0], side='right') - start
    total = int(counts.sum())
    gi = np.repeat(g_order, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    pi = p_order[np.repeat(start, counts) + offsets]
    return gi, pi


def id_scores(gt, pred, iou_threshold: float = 0.5) -> Dict[str, float]:
    """Identity precision, recall and F1 of predicted tracks against ground truth.

    Args:
        gt: Ground-truth track table ``[R, 6+]`` ``(frame, track_id, x1, y1, x2, y2)``.
        pred: Predicted track table, same layout.
        iou_threshold: Least IoU of a ground-truth and a predicted box to count a frame
            as covered, in ``(0, 1]``.

    Returns:
        ``idf1``, ``idp``, ``idr`` (floats, NaN for 0 / 0) and ``idtp``, ``idfp``, ``idfn``,
        ``num_gt_tracks``, ``num_pred_tracks`` (ints); see the module docstring.

    >>> gt = [[f, 1, 0, 0, 10, 10] for f in range(4)]
    >>> pred = [[f, 7 + f // 2, 0, 0, 10, 10] for f in range(4)]
    >>> s = id_scores(gt, pred); (s['idtp'], s['idfp'], s['idfn'], s['idf1'])
    (2, 2, 2, 0.5)
    """
    threshold = _check_threshold(iou_threshold)
    gt, pred = check_track_table(gt, 'ground truth'), check_track_table(pred, 'prediction')
    gt_ids, gt_track = np.unique(gt[:, 1], return_inverse=True)
    pred_ids, pred_track = np.unique(pred[:, 1], return_inverse=True)
    idtp = 0
    if len(gt) and len(pred):
        gi, pi = _same_frame_pairs(gt, pred)
        hit = paired_iou(gt[gi, 2:6], pred[pi, 2:6]) >= threshold
        cell = gt_track[gi[hit]] * len(pred_ids) + pred_track[pi[hit]]
        overlap = np.bincount(cell, minlength=len(gt_ids) * len(pred_ids)).reshape(
            len(gt_ids), len(pred_ids))
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        idtp = int(overlap[rows, cols].sum())
    idfn, idfp = len(gt) - idtp, len(pred) - idtp
    return dict(idf1=_ratio(2 * idtp, 2 * idtp + idfp + idfn), idp=_ratio(idtp, idtp + idfp),
                idr=_ratio(idtp, idtp + idfn), idtp=idtp, idfp=idfp, idfn=idfn,
                num_gt_tracks=len(gt_ids), num_pred_tracks=len(pred_ids))


def clear_mot(gt, pred, iou_threshold: float = 0.5) -> Dict[str, float]:
    """CLEAR MOT measures of predicted tracks against ground truth.

    Args:
        gt: Ground-truth track table ``[R, 6+]`` ``(frame, track_id, x1, y1, x2, y2)``.
        pred: Predicted track table, same layout.
        iou_threshold: Least IoU of a match, in ``(0, 1]``.

    Returns:
        ``mota`` (at most 1, may be negative; NaN without ground truth), ``motp`` (mean IoU
        of the matches; NaN without matches), and the counts ``num_switches``,
        ``num_fragmentations``, ``fp``, ``fn``, ``num_matches``, ``num_gt`` (ground-truth
        rows); see the module docstring.

    >>> gt = [[f, 1, 0, 0, 10, 10] for f in range(4)]
    >>> pred = [[f, 7 + f // 2, 0, 0, 10, 10] for f in range(4)]
    >>> m = clear_mot(gt, pred); (m['num_switches'], m['mota'], m['motp'])
    (1, 0.75, 1.0)
    """
    threshold = _check_threshold(iou_threshold)
    gt, pred = check_track_table(gt, 'ground truth'), check_track_table(pred, 'prediction')
    gt = gt[np.lexsort((gt[:, 1], gt[:, 0]))]
    pred = pred[np.lexsort((pred[:, 1], pred[:, 0]))]
    frames = np.union1d(gt[:, 0], pred[:, 0])
    g_bounds = np.searchsorted(gt[:, 0], np.append(frames, np.inf))
    p_bounds = np.searchsorted(pred[:, 0], np.append(frames, np.inf))
    gt_matched = np.zeros(len(gt), bool)
    previous: Dict[int, int] = {}  # gt id -> pred id at the previous frame
    last: Dict[int, int] = {}  # gt id -> pred id at its last match
    switches = matches = 0
    iou_sum = 0.0
    for k in range(len(frames)):
        g0, g1, p0, p1 = g_bounds[k], g_bounds[k + 1], p_bounds[k], p_bounds[k + 1]
        if g0 == g1 or p0 == p1:
            previous = {}
            continue
        g_ids = gt[g0:g1, 1].astype(np.int64)
        p_ids = pred[p0:p1, 1].astype(np.int64)
        iou = box_iou(gt[g0:g1, 2:6], pred[p0:p1, 2:6])
        valid = iou >= threshold
        pairs = []
        p_col = {int(p): j for j, p in enumerate(p_ids)}
        for i, g in enumerate(g_ids):
            j = p_col.get(previous.get(int(g)))
            if j is not None and valid[i, j]:
                pairs.append((i, j))
        if pairs:
            kept_rows, kept_cols = map(list, zip(*pairs))
            valid[kept_rows, :] = False
            valid[:, kept_cols] = False
        if valid.any():
            rows, cols = linear_sum_assignment(np.where(valid, iou, 0.0), maximize=True)
            pairs.extend((int(i), int(j)) for i, j in zip(rows, cols) if valid[i, j])
        previous = {}
        for i, j in pairs:
            g, p = int(g_ids[i]), int(p_ids[j])
            if g in last and last[g] != p:
                switches += 1
            last[g] = previous[g] = p
            gt_matched[g0 + i] = True
            iou_sum += float(iou[i, j])
        matches += len(pairs)
    fn, fp = len(gt) - matches, len(pred) - matches
    return dict(mota=1.0 - _ratio(fn + fp + switches, len(gt)),
                motp=_ratio(iou_sum, matches), num_switches=switches,
                num_fragmentations=_fragmentations(gt[:, 1], gt_matched), fp=fp, fn=fn,
                num_matches=matches, num_gt=len(gt))


def _fragmentations(track_ids: np.ndarray, matched: np.ndarray) -> int:
    """Sum over tracks of (runs of matched rows - 1), rows being sorted by frame."""
    order = np.argsort(track_ids, kind='stable')  # by track, frames stay increasing
    ids, flags = track_ids[order], matched[order].astype(np.int64)
    starts = flags.copy()
    starts[1:] &= ~((ids[1:] == ids[:-1]) & (flags[:-1] == 1))  # a run starts here
    runs = np.bincount(np.unique(ids, return_inverse=True)[1], weights=starts)
    return int(np.clip(runs - 1, 0, None).sum())


def track_length_stats(table) -> Dict[str, float]:
    """How long the tracks of a table are.

    Args:
        table: Track table ``[R, 6+]``.

    Returns:
        ``num_tracks`` and ``num_rows`` (ints), ``mean_length``, ``median_length``,
        ``min_length``, ``max_length`` (frames with a box per track; NaN without tracks).

    >>> s = track_length_stats([[0, 1, 0, 0, 1, 1], [1, 1, 0, 0, 1, 1], [5, 2, 0, 0, 1, 1]])
    >>> (s['num_tracks'], s['mean_length'], s['max_length'])
    (2, 1.5, 2.0)
    """
    table = check_track_table(table)
    lengths = np.unique(table[:, 1], return_counts=True)[1]
    if lengths.size == 0:
        nan = float('nan')
        return dict(num_tracks=0, num_rows=0, mean_length=nan, median_length=nan,
                    min_length=nan, max_length=nan)
    return dict(num_tracks=int(lengths.size), num_rows=int(lengths.sum()),
                mean_length=float(lengths.mean()), median_length=float(np.median(lengths)),
                min_length=float(lengths.min()), max_length=float(lengths.max()))


def tracklets_to_table(tracklets: Iterable) -> np.ndarray:
    """``float[R, 7]`` ``(frame, track_id, x1, y1, x2, y2, score)`` of tracklets (any
    objects with ``track_id``, ``frames``, ``boxes`` and ``scores``, e.g.
    :class:`vadkit.parsing.Tracklet`), by track then frame."""
    parts = []
    for t in tracklets:
        frames = np.asarray(t.frames, np.float64).reshape(-1)
        if not isinstance(t.track_id, Integral) and int(t.track_id) != t.track_id:
            raise DataError(f'tracklet id {t.track_id!r} is not an integer')
        parts.append(np.column_stack([
            frames, np.full(len(frames), float(t.track_id)),
            np.asarray(t.boxes, np.float64).reshape(-1, 4),
            np.asarray(t.scores, np.float64).reshape(-1)]))
    return np.concatenate(parts) if parts else np.zeros((0, 7))
