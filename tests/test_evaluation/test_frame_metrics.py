import numpy as np
import pytest

from vadkit.evaluation import (average_precision, equal_error_rate, false_alarm_rate,
                               macro_auc, micro_auc, pr_auc_trapz)
from vadkit.utils.errors import DataError

LABELS = {'a': np.array([0, 0, 1, 1]), 'b': np.array([0, 0, 0])}
SCORES = {'a': np.array([0.1, 0.4, 0.35, 0.8]), 'b': np.array([0.2, 0.6, 0.05])}


def test_micro_auc_by_hand():
    # positives 0.35, 0.8 against negatives 0.1, 0.4, 0.2, 0.6, 0.05:
    # 0.35 beats 3 of 5, 0.8 beats 5 of 5 -> (3 + 5) / 10
    assert micro_auc(SCORES, LABELS) == pytest.approx(0.8)


def test_macro_auc_pads_single_class_videos():
    mean, per_video = macro_auc(SCORES, LABELS)
    # a: 0.35 beats 0.1 only, 0.8 beats both -> 3/4
    assert per_video['a'] == pytest.approx(0.75)
    # b (all normal) padded with (label 0, score 0) and (label 1, score max float):
    # the padded positive beats all 4 negatives -> 1.0
    assert per_video['b'] == pytest.approx(1.0)
    assert mean == pytest.approx(0.875)


def test_ap_two_ways_by_hand():
    # ranking: 0.8(+) 0.6(-) 0.4(-) 0.35(+) 0.2 0.1 0.05
    # sklearn AP = sum over positives of precision at their rank / 2 = (1/1 + 2/4) / 2
    assert average_precision(SCORES, LABELS) == pytest.approx(0.75)
    # PR curve points (recall, precision): (0, 1), (0.5, 1), (0.5, 0.5), (0.5, 1/3),
    # (1, 0.5), ... trapezoid: 0.5 * 1 + 0.5 * (1/3 + 0.5) / 2 = 0.7083...
    assert pr_auc_trapz(SCORES, LABELS) == pytest.approx(0.5 + 0.5 * (1 / 3 + 0.5) / 2)


def test_far_counts_only_normal_videos():
    assert false_alarm_rate(SCORES, LABELS, threshold=0.5) == pytest.approx(1 / 3)
    assert false_alarm_rate(SCORES, LABELS, threshold=0.1) == pytest.approx(2 / 3)
    with pytest.raises(DataError, match='needs normal test videos'):
        false_alarm_rate({'a': SCORES['a']}, {'a': LABELS['a']})


def test_eer():
    perfect = {'v': np.array([0.1, 0.2, 0.8, 0.9])}
    assert equal_error_rate(perfect, {'v': np.array([0, 0, 1, 1])}) == pytest.approx(0.0)
    inverted = {'v': np.array([0.9, 0.8, 0.2, 0.1])}
    assert equal_error_rate(inverted, {'v': np.array([0, 0, 1, 1])}) == pytest.approx(1.0)
    # one error of each kind among 2 + 2 -> 0.5
    mixed = {'v': np.array([0.1, 0.7, 0.6, 0.9])}
    assert equal_error_rate(mixed, {'v': np.array([0, 0, 1, 1])}) == pytest.approx(0.5)


@pytest.mark.parametrize('scores,match', [
    ({'a': np.array([0.1, np.nan, 0.3, 0.4]), 'b': SCORES['b']}, 'video a: scores contain NaN'),
    ({'a': np.array([0.1, 0.2]), 'b': SCORES['b']}, 'video a: 2 scores for 4 ground-truth'),
    ({'a': SCORES['a']}, 'no scores for ground-truth video.* b'),
    ({**SCORES, 'c': np.zeros(2)}, 'scores for video.* without ground truth: c'),
])
def test_bad_inputs_are_refused(scores, match):
    with pytest.raises(DataError, match=match):
        micro_auc(scores, LABELS)


def test_single_class_test_set_is_refused():
    with pytest.raises(DataError, match='all test frames are normal'):
        micro_auc({'b': SCORES['b']}, {'b': LABELS['b']})
