"""Alarm thresholds at a false-alarm rate and alarm events, on hand-checked scores."""
import numpy as np
import pytest

from vadkit.scoring import alarm_events, calibrate_threshold, true_intervals
from vadkit.utils.errors import DataError


def test_true_intervals():
    assert true_intervals([0, 1, 1, 0, 0, 1]) == [(1, 3), (5, 6)]
    assert true_intervals([True, True]) == [(0, 2)]
    assert true_intervals(np.zeros(4)) == []


def test_threshold_lets_at_most_the_rate_of_normal_frames_alarm():
    normal = np.arange(100, dtype=float)  # 0 .. 99
    # 5 % of 100 frames: 95..99 may alarm, so the threshold is the 6th largest, 94
    assert calibrate_threshold(normal, 0.05) == 94.0
    assert (normal > 94.0).sum() == 5
    assert calibrate_threshold(normal, 0.0) == 99.0  # nothing above the largest
    # 2.5 % of 100 rounds down to 2 frames: threshold 97
    assert calibrate_threshold(normal, 0.025) == 97.0
    # videos are pooled: 10 frames, 10 % -> one may alarm
    pooled = {'a': [0.1, 0.2, 0.9], 'b': [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.05]}
    assert calibrate_threshold(pooled, 0.1) == 0.8
    # ties at the threshold do not alarm: 3 frames of 1.0 and the rate allows one
    assert calibrate_threshold([0.0] * 7 + [1.0] * 3, 0.1) == 1.0


def test_threshold_rejects_bad_input():
    with pytest.raises(ValueError, match='false_alarm_rate'):
        calibrate_threshold([1.0, 2.0], 1.0)
    with pytest.raises(DataError, match='no normal frame scores'):
        calibrate_threshold({}, 0.1)
    with pytest.raises(DataError, match='1 normal frame scores are not finite'):
        calibrate_threshold([0.0, np.nan], 0.1)


def test_events_merge_drop_and_peak():
    s = np.array([0, 5, 6, 0, 7, 0, 0, 0, 3, 0, 9, 9, 0], float)
    assert alarm_events(s, 2.0) == [
        dict(start=1, end=3, peak_frame=2, peak_score=6.0),
        dict(start=4, end=5, peak_frame=4, peak_score=7.0),
        dict(start=8, end=9, peak_frame=8, peak_score=3.0),
        dict(start=10, end=12, peak_frame=10, peak_score=9.0)]
    # one quiet frame between 1-3 and 4-5 merges them; 8 and 10 merge too
    assert [(e['start'], e['end'], e['peak_frame']) for e in
            alarm_events(s, 2.0, merge_gap=1)] == [(1, 5, 4), (8, 12, 10)]
    # events shorter than 2 frames go
    assert [(e['start'], e['end']) for e in alarm_events(s, 2.0, min_frames=2)] == \
        [(1, 3), (10, 12)]
    assert alarm_events(s, 9.0) == []  # strictly above
