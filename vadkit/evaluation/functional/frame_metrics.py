"""Frame-level metrics over per-video scores and labels.

Every function takes ``scores`` and ``labels`` as ``{video_id: 1-D array}`` with one entry
per frame, so that which frames belong to which video is never lost.
"""
import sys
from typing import Dict, Mapping, Tuple

import numpy as np
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score
from sklearn.metrics import roc_curve

from vadkit.utils.errors import DataError

Arrays = Mapping[str, np.ndarray]


def check_frame_scores(scores: Arrays, labels: Arrays) -> None:
    """Refuse inputs that would give a silently wrong number.

    Raises:
        DataError: naming the video, if a video has scores but no labels or the reverse,
            lengths differ, or a score is not finite.
    """
    missing = sorted(set(labels) - set(scores))
    unknown = sorted(set(scores) - set(labels))
    if missing:
        raise DataError(f'no scores for ground-truth video(s) {", ".join(missing[:5])}'
                        + (f' and {len(missing) - 5} more' if len(missing) > 5 else ''))
    if unknown:
        raise DataError(f'scores for video(s) without ground truth: {", ".join(unknown[:5])}')
    for video_id, label in labels.items():
        score = np.asarray(scores[video_id])
        if score.shape != np.asarray(label).shape:
            raise DataError(f'video {video_id}: {score.size} scores for {np.asarray(label).size} '
                            'ground-truth frames')
        if not np.all(np.isfinite(score)):
            raise DataError(f'video {video_id}: scores contain NaN or infinity')


def _concat(scores: Arrays, labels: Arrays) -> Tuple[np.ndarray, np.ndarray]:
    check_frame_scores(scores, labels)
    keys = list(labels)
    return (np.concatenate([np.asarray(scores[k], np.float64) for k in keys]),
            np.concatenate([np.asarray(labels[k]).astype(np.int64) for k in keys]))


def _require_both_classes(y: np.ndarray, metric: str) -> None:
    if y.min() == y.max():
        raise DataError(f'{metric} needs normal and anomalous frames; all test frames are '
                        f'{"anomalous" if y.max() else "normal"}')


def micro_auc(scores: Arrays, labels: Arrays) -> float:
    """ROC AUC over all frames of all videos concatenated."""
    s, y = _concat(scores, labels)
    _require_both_classes(y, 'micro AUC')
    return float(roc_auc_score(y, s))


def macro_auc(scores: Arrays, labels: Arrays) -> Tuple[float, Dict[str, float]]:
    """Mean of per-video ROC AUCs.

    A video whose frames are all of one class has no AUC of its own; as in the
    Accurate-Interpretable-VAD evaluation it is padded with one normal frame scored 0 and
    one anomalous frame scored the largest float before its AUC is taken.

    Returns:
        The mean, and each video's AUC.
    """
    check_frame_scores(scores, labels)
    per_video = {}
    for video_id, label in labels.items():
        y = np.asarray(label).astype(np.int64)
        s = np.asarray(scores[video_id], np.float64)
        if y.min() == y.max():
            y = np.concatenate([[0], y, [1]])
            s = np.concatenate([[0.0], s, [sys.float_info.max]])
        per_video[video_id] = float(roc_auc_score(y, s))
    return float(np.mean(list(per_video.values()))), per_video


def average_precision(scores: Arrays, labels: Arrays) -> float:
    """sklearn's ``average_precision_score`` over all frames (step-wise PR area)."""
    s, y = _concat(scores, labels)
    _require_both_classes(y, 'AP')
    return float(average_precision_score(y, s))


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
    normal = [k for k, y in labels.items() if not np.asarray(y).any()]
    if not normal:
        raise DataError('false alarm rate needs normal test videos; every video has '
                        'anomalous frames')
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
