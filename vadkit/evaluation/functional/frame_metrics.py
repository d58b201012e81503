"""Frame-level metrics over per-video scores and labels.

Every function takes ``scores`` and ``labels`` as ``{video_id: 1-D array}`` with one entry
per frame, so that which frames belong to which video is never lost. ROC AUCs are computed
by counting (anomalous, normal) pairs with one sort and a binary search (ties count one
half, which equals sklearn's area under the ROC curve with ties as diagonal steps), so a
macro AUC over thousands of videos costs about one micro AUC.

:data:`METRIC_DEFINITIONS` says in words how each number is computed; the tools write it
next to the numbers.
"""
import sys
from typing import Dict, Mapping, NamedTuple, Optional, Tuple

import numpy as np
from sklearn.metrics import auc, precision_recall_curve, roc_curve

from vadkit.utils.errors import DataError

Arrays = Mapping[str, np.ndarray]

#: How each metric key is computed, written next to results.
METRIC_DEFINITIONS = {
    'micro_auc': 'frame-level ROC AUC over all test frames concatenated',
    'macro_auc': 'mean of the per-video frame-level ROC AUCs',
    'ap': "sklearn average_precision_score over all test frames (step-wise PR area)",
    'ap_trapz': 'trapezoid area under sklearn precision_recall_curve over all test frames '
                '(the "AP" of the XD-Violence and RTFM code)',
    'far': 'false alarm rate: fraction of the frames of normal test videos (no anomalous '
           'frame) whose score is >= the threshold (a score threshold, as Sultani et al.; '
           'the "0.5%" of the SA-CRF paper read as 0.5 on scores in [0, 1])',
    'eer': 'equal error rate of the frame ROC curve (false positive rate = false negative '
           'rate, linearly interpolated)',
}

#: How :func:`macro_auc` treats a video whose frames are all of one class.
SINGLE_CLASS_RULES = {
    'pad': 'padded with one normal frame scored 0 and one anomalous frame scored the '
           'largest float (Accurate-Interpretable-VAD evaluation)',
    'skip': 'left out of the mean',
}


class MacroAUC(NamedTuple):
    """Result of :func:`macro_auc`."""
    mean: float
    per_video: Dict[str, float]
    single_class: Tuple[str, ...]  # videos whose frames are all of one class
    rule: str


def check_frame_scores(scores: Arrays, labels: Arrays) -> None:
    """Refuse inputs that would give a silently wrong number.

    Raises:
        DataError: naming the video, if a video has scores but no labels or the reverse,
            lengths differ, a label is not 0/1 or a score is not finite.
    """
    missing = [k for k in labels if k not in scores]
    unknown = [k for k in scores if k not in labels]
    if missing:
        raise DataError(f'no scores for ground-truth video(s) {", ".join(missing[:5])}'
                        + (f' and {len(missing) - 5} more' if len(missing) > 5 else ''))
    if unknown:
        raise DataError(f'scores for video(s) without ground truth: {", ".join(unknown[:5])}'
                        + (f' and {len(unknown) - 5} more' if len(unknown) > 5 else ''))
    for video_id, label in labels.items():
        score, label = np.asarray(scores[video_id]), np.asarray(label)
        if score.ndim != 1 or label.ndim != 1:
            raise DataError(f'video {video_id}: scores and labels must be 1-D, got shapes '
                            f'{score.shape} and {label.shape}')
        if score.size != label.size:
            raise DataError(f'video {video_id}: {score.size} scored frames but {label.size} '
                            'ground-truth frames')
        if score.dtype.kind not in 'biuf':
            raise DataError(f'video {video_id}: scores must be numbers, got {score.dtype}')
        if score.dtype.kind == 'f' and not np.isfinite(score).all():
            bad = np.flatnonzero(~np.isfinite(score))
            raise DataError(f'video {video_id}: score of frame {bad[0]} is '
                            f'{score[bad[0]]} ({bad.size} frame(s) not finite)')
        if label.size and not (label.dtype.kind in 'biu' and label.min() >= 0
                               and label.max() <= 1):
            if label.dtype.kind not in 'biuf' or not np.isin(label, (0, 1)).all():
                raise DataError(f'video {video_id}: labels must be 0/1, found '
                                f'{sorted(set(np.unique(label).tolist()) - {0, 1})[:3]}')


def align_lengths(scores: Arrays, labels: Arrays, tolerance: int = 0
                  ) -> Tuple[Dict[str, np.ndarray], Dict[str, np.ndarray], Dict[str, list]]:
    """Reconcile the number of scored frames with the number of ground-truth frames.

    Args:
        scores: ``{video_id: scores}``.
        labels: ``{video_id: labels}``; every video of ``scores`` must be here.
        tolerance: Largest difference accepted; both are then cut to the shorter length.

    Returns:
        Scores and labels of equal lengths, and ``{video_id: [num_scores, num_labels]}``
        for every video that was cut.

    Raises:
        DataError: naming the video and both lengths when they differ by more than
            ``tolerance``.
    """
    out_scores, out_labels, cut = {}, {}, {}
    for video_id, label in labels.items():
        if video_id not in scores:
            out_labels[video_id] = np.asarray(label)
            continue
        s, y = np.asarray(scores[video_id]), np.asarray(label)
        if s.size != y.size:
            if abs(s.size - y.size) > tolerance:
                raise DataError(f'video {video_id}: {s.size} scored frames but {y.size} '
                                f'ground-truth frames (length tolerance {tolerance})')
            cut[video_id] = [int(s.size), int(y.size)]
            n = min(s.size, y.size)
            s, y = s[:n], y[:n]
        out_scores[video_id], out_labels[video_id] = s, y
    out_scores.update({k: v for k, v in scores.items() if k not in labels})
    return out_scores, out_labels, cut


def _concat(scores: Arrays, labels: Arrays) -> Tuple[np.ndarray, np.ndarray]:
    check_frame_scores(scores, labels)
    keys = list(labels)
    if not keys:
        raise DataError('no test videos to evaluate')
    return (np.concatenate([np.asarray(scores[k], np.float64) for k in keys]),
            np.concatenate([np.asarray(labels[k]).astype(np.int8) for k in keys]))


def _require_both_classes(y: np.ndarray, metric: str) -> None:
    if y.size == 0 or y.min() == y.max():
        kind = 'no' if y.size == 0 else 'anomalous' if y.max() else 'normal'
        raise DataError(f'{metric} needs normal and anomalous frames; the test frames are '
                        f'{"none" if kind == "no" else "all " + kind}')


def binary_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC of one set of frames by counting pairs: the fraction of (anomalous, normal)
    pairs where the anomalous frame scores higher, ties counting one half. NaN without
    both classes."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, np.float64)
    positive, negative = scores[labels], np.sort(scores[~labels])
    if positive.size == 0 or negative.size == 0:
        return float('nan')
    below = np.searchsorted(negative, positive, side='left').sum()
    up_to = np.searchsorted(negative, positive, side='right').sum()
    return float((int(below) + int(up_to)) / (2.0 * positive.size * negative.size))


def grouped_auc(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray,
                num_groups: Optional[int] = None) -> np.ndarray:
    """ROC AUC of each group of frames (:func:`binary_auc` per group).

    Args:
        scores: ``float[N]``.
        labels: ``0/1[N]``.
        groups: ``int[N]`` group index of each frame (a video), ``0 <= g < num_groups``.
        num_groups: Number of groups; ``groups.max() + 1`` by default.

    Returns:
        ``float[num_groups]``; NaN for a group without both classes.
    """
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels).astype(bool)
    groups = np.asarray(groups, np.int64)
    num_groups = int(groups.max()) + 1 if num_groups is None else num_groups
    if groups.size > 1 and np.any(groups[1:] < groups[:-1]):
        order = np.argsort(groups, kind='stable')
        scores, labels, groups = scores[order], labels[order], groups[order]
    bounds = np.searchsorted(groups, np.arange(num_groups + 1), side='left')
    return np.array([binary_auc(scores[a:b], labels[a:b])
                     for a, b in zip(bounds[:-1], bounds[1:])])


def micro_auc(scores: Arrays, labels: Arrays) -> float:
    """ROC AUC over all frames of all videos concatenated."""
    s, y = _concat(scores, labels)
    _require_both_classes(y, 'micro AUC')
    return binary_auc(s, y)


def macro_auc(scores: Arrays, labels: Arrays, single_class: str = 'pad') -> MacroAUC:
    """Mean of per-video ROC AUCs.

    Args:
        scores: ``{video_id: scores}``.
        labels: ``{video_id: 0/1 labels}``.
        single_class: What to do with a video whose frames are all of one class (its AUC
            is undefined): ``'pad'`` it with one normal frame scored 0 and one anomalous
            frame scored the largest float, as the Accurate-Interpretable-VAD evaluation
            does, or ``'skip'`` it.

    Returns:
        :class:`MacroAUC`: the mean, each video's AUC (NaN for skipped videos), the
        single-class videos and the rule applied to them.
    """
    if single_class not in SINGLE_CLASS_RULES:
        raise ValueError(f'single_class must be one of {list(SINGLE_CLASS_RULES)}, '
                         f'got {single_class!r}')
    check_frame_scores(scores, labels)
    keys = list(labels)
    if not keys:
        raise DataError('no test videos to evaluate')
    aucs, single = np.full(len(keys), np.nan), []
    for index, key in enumerate(keys):
        s = np.asarray(scores[key], np.float64)
        y = np.asarray(labels[key]).astype(np.int8)
        if y.size == 0 or y.min() == y.max():
            single.append(key)
            if single_class == 'skip':
                continue
            s = np.concatenate([[0.0], s, [sys.float_info.max]])
            y = np.concatenate([[0], y, [1]]).astype(np.int8)
        aucs[index] = binary_auc(s, y)
    per_video = dict(zip(keys, aucs.tolist()))
    defined = aucs[~np.isnan(aucs)]
    if defined.size == 0:
        raise DataError('macro AUC: no test video has both normal and anomalous frames '
                        f"(single_class='{single_class}')")
    return MacroAUC(float(defined.mean()), per_video, tuple(single),
                    SINGLE_CLASS_RULES[single_class])


def average_precision(scores: Arrays, labels: Arrays) -> float:
    """Average precision over all frames, ``sum_n (R_n - R_{n-1}) P_n`` over the distinct
    score thresholds: the step-wise area of sklearn's ``average_precision_score``."""
    s, y = _concat(scores, labels)
    _require_both_classes(y, 'AP')
    order = np.argsort(s)[::-1]
    s, y = s[order], y[order].astype(np.int64)
    last_of_threshold = np.append(np.flatnonzero(np.diff(s)), s.size - 1)
    true_pos = np.cumsum(y)[last_of_threshold]
    precision = true_pos / (last_of_threshold + 1.0)
    recall_gain = np.diff(true_pos, prepend=0) / true_pos[-1]
    return float(np.sum(recall_gain * precision))


def pr_auc_trapz(scores: Arrays, labels: Arrays) -> float:
    """Trapezoid area under ``precision_recall_curve``, as the XD-Violence and RTFM code
    compute "AP"."""
    s, y = _concat(scores, labels)
    _require_both_classes(y, 'AP (trapezoid)')
    precision, recall, _ = precision_recall_curve(y, s)
    return float(auc(recall, precision))


def false_alarm_rate(scores: Arrays, labels: Arrays, threshold: float = 0.5) -> float:
    """Fraction of frames of normal videos scored at or above ``threshold``.

    Reads "threshold of 0.5" as a score threshold on scores in [0, 1], as Sultani et al.
    do. Only videos with no anomalous frame count.
    """
    check_frame_scores(scores, labels)
    if not labels:
        raise DataError('no test videos to evaluate')
    normal = [k for k, y in labels.items() if np.size(y) and not np.asarray(y).any()]
    if not normal:
        raise DataError('false alarm rate needs normal test videos (with frames); every '
                        'video has anomalous frames or none')
    s = np.concatenate([np.asarray(scores[k], np.float64) for k in normal])
    return float(np.mean(s >= threshold))


def equal_error_rate(scores: Arrays, labels: Arrays) -> float:
    """The rate where false positives equal false negatives on the frame ROC curve
    (linear interpolation between the two ROC points that bracket it)."""
    s, y = _concat(scores, labels)
    _require_both_classes(y, 'EER')
    fpr, tpr, _ = roc_curve(y, s)
    fnr = 1 - tpr
    diff = fpr - fnr  # increases from -1 to 1 along the curve
    i = int(np.searchsorted(diff, 0.0))
    if i == 0:
        return float(fpr[0])
    d0, d1 = diff[i - 1], diff[i]
    w = 0.0 if d1 == d0 else -d0 / (d1 - d0)
    return float(fpr[i - 1] + w * (fpr[i] - fpr[i - 1]))
