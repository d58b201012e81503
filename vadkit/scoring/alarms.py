"""Alarms from frame scores: a threshold calibrated on normal videos at a chosen
false-alarm rate, and the events (runs of frames above it) of a video.

    threshold = calibrate_threshold(normal_scores, false_alarm_rate=0.01)
    events = alarm_events(scores, threshold, min_frames=5, merge_gap=10)
    # [{'start': 120, 'end': 188, 'peak_frame': 151, 'peak_score': 0.93}, ...]

A frame alarms when its score is strictly above the threshold; ``end`` is exclusive.
"""
from typing import Dict, List, Mapping, Sequence, Tuple, Union

import numpy as np

from vadkit.utils.errors import DataError

Scores = Union[np.ndarray, Sequence[float]]


def true_intervals(mask: Scores) -> List[Tuple[int, int]]:
    """``[(start, stop), ...]`` frame ranges (stop exclusive) where ``mask`` is true."""
    y = np.concatenate([[0], (np.asarray(mask) != 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(y))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def calibrate_threshold(normal_scores: Union[Scores, Mapping[str, Scores]],
                        false_alarm_rate: float) -> float:
    """The lowest threshold at which at most ``false_alarm_rate`` of the normal frames
    alarm (score strictly above it).

    Args:
        normal_scores: Frame scores of normal videos: one array, or ``{video: array}``
            (all frames pooled).
        false_alarm_rate: The fraction of normal frames allowed to alarm, in [0, 1).

    With n frames, k = floor(rate * n) may alarm: the threshold is the (k+1)-th largest
    score, so ties at the threshold do not alarm.
    """
    if not 0.0 <= false_alarm_rate < 1.0:
        raise ValueError(f'false_alarm_rate must be in [0, 1), got {false_alarm_rate}')
    if isinstance(normal_scores, Mapping):
        parts = [np.asarray(s, np.float64).ravel() for s in normal_scores.values()]
        scores = np.concatenate(parts) if parts else np.zeros(0)
    else:
        scores = np.asarray(normal_scores, np.float64).ravel()
    if scores.size == 0:
        raise DataError('no normal frame scores to calibrate the alarm threshold on')
    if not np.all(np.isfinite(scores)):
        raise DataError(f'{int((~np.isfinite(scores)).sum())} normal frame scores are not '
                        'finite')
    allowed = int(np.floor(false_alarm_rate * scores.size + 1e-9))
    return float(np.sort(scores)[::-1][allowed])


def alarm_events(scores: Scores, threshold: float, min_frames: int = 1,
                 merge_gap: int = 0) -> List[Dict[str, float]]:
    """The alarm events of one video.

    Args:
        scores: The video's frame scores.
        threshold: Frames scoring strictly above it alarm.
        merge_gap: Events separated by at most this many quiet frames become one.
        min_frames: Events shorter than this (after merging) are dropped.

    Returns:
        ``[{'start', 'end' (exclusive), 'peak_frame', 'peak_score'}, ...]`` in time order.
    """
    s = np.asarray(scores, np.float64).ravel()
    merged: List[List[int]] = []
    for start, stop in true_intervals(s > threshold):
        if merged and start - merged[-1][1] <= merge_gap:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    events = []
    for start, stop in merged:
        if stop - start < min_frames:
            continue
        peak = start + int(np.argmax(s[start:stop]))
        events.append(dict(start=start, end=stop, peak_frame=peak, peak_score=float(s[peak])))
    return events
