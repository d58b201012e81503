import sys

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from vadkit.evaluation import (METRIC_DEFINITIONS, align_lengths, average_precision,
                               equal_error_rate, false_alarm_rate, grouped_auc, macro_auc,
                               micro_auc, pr_auc_trapz)
from vadkit.evaluation.functional import SINGLE_CLASS_RULES, MacroAUC, check_frame_scores
from vadkit.utils.errors import DataError

LABELS = {'a': np.array([0, 0, 1, 1]), 'b': np.array([0, 0, 0])}
SCORES = {'a': np.array([0.1, 0.4, 0.35, 0.8]), 'b': np.array([0.2, 0.6, 0.05])}

BIG = sys.float_info.max


def pair_auc(scores, labels) -> float:
    """ROC AUC by counting (positive, negative) pairs: 1 if the positive is higher, 0.5 on a
    tie."""
    scores = np.asarray(scores, np.float64).ravel()
    labels = np.asarray(labels).ravel()
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    total = 0.0
    for p in pos:
        for n in neg:
            total += 1.0 if p > n else 0.5 if p == n else 0.0
    return total / (len(pos) * len(neg))


def padded(scores, labels):
    """A single-class video padded as the Accurate-Interpretable-VAD evaluation does."""
    return (np.concatenate([[0.0], np.asarray(scores, np.float64), [BIG]]),
            np.concatenate([[0], np.asarray(labels), [1]]))


def concat(scores, labels):
    keys = list(labels)
    return (np.concatenate([np.asarray(scores[k], np.float64) for k in keys]),
            np.concatenate([np.asarray(labels[k]) for k in keys]))


# ---------------------------------------------------------------------------------------
# micro AUC
# ---------------------------------------------------------------------------------------

def test_micro_auc_by_hand():
    # positives 0.35, 0.8 against negatives 0.1, 0.4, 0.2, 0.6, 0.05:
    # 0.35 beats 3 of 5, 0.8 beats 5 of 5 -> (3 + 5) / 10
    assert micro_auc(SCORES, LABELS) == pytest.approx(0.8)
    assert pair_auc(*concat(SCORES, LABELS)) == pytest.approx(0.8)


def test_micro_auc_with_ties_by_pair_counting():
    labels = {'a': np.array([0, 1, 1, 0]), 'b': np.array([1, 0, 0])}
    scores = {'a': np.array([0.2, 0.5, 0.2, 0.5]), 'b': np.array([0.5, 0.1, 0.2])}
    # positives 0.5, 0.2, 0.5; negatives 0.2, 0.5, 0.1, 0.2
    # 0.5: 1 + 0.5 + 1 + 1 = 3.5; 0.2: 0.5 + 0 + 1 + 0.5 = 2; 0.5: 3.5 -> 9 / 12
    assert pair_auc(*concat(scores, labels)) == pytest.approx(0.75)
    assert micro_auc(scores, labels) == pytest.approx(0.75, abs=1e-15)


def test_micro_auc_all_tied_is_one_half():
    labels = {'a': np.array([0, 1, 0]), 'b': np.array([1, 1])}
    scores = {'a': np.full(3, 0.3), 'b': np.full(2, 0.3)}
    assert micro_auc(scores, labels) == 0.5


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_micro_auc_equals_sklearn_with_heavy_ties(seed):
    rng = np.random.default_rng(seed)
    scores, labels = {}, {}
    for i in range(12):
        n = int(rng.integers(1, 40))
        labels[f'v{i}'] = (rng.random(n) < 0.3).astype(np.int64)
        scores[f'v{i}'] = rng.integers(0, 5, n)  # integer scores: many ties
    s, y = concat(scores, labels)
    assert micro_auc(scores, labels) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert micro_auc(scores, labels) == pytest.approx(pair_auc(s, y), abs=1e-12)


def test_micro_auc_accepts_float_and_bool_labels_and_integer_scores():
    labels = {'a': np.array([0.0, 0.0, 1.0, 1.0]), 'b': np.array([False, False, False])}
    scores = {'a': np.array([1, 4, 3, 8]), 'b': np.array([2, 6, 0], dtype=np.uint8)}
    assert micro_auc(scores, labels) == pytest.approx(0.8)


def test_micro_auc_accepts_bool_labels_and_lists():
    labels = {'a': [False, False, True, True], 'b': [False, False, False]}
    scores = {k: list(v) for k, v in SCORES.items()}
    assert micro_auc(scores, labels) == pytest.approx(0.8)


# ---------------------------------------------------------------------------------------
# grouped_auc
# ---------------------------------------------------------------------------------------

def random_groups(seed: int, num_groups: int = 9, empty=(4, )):
    rng = np.random.default_rng(seed)
    s_parts, y_parts, g_parts = [], [], []
    for g in range(num_groups):
        if g in empty:
            continue
        n = int(rng.integers(1, 30))
        if g == 1:
            y = np.zeros(n, np.int64)  # only normal frames
        elif g == 2:
            y = np.ones(n, np.int64)  # only anomalous frames
        else:
            y = (rng.random(n) < 0.4).astype(np.int64)
            y[0], y[-1] = 0, 1  # both classes, n >= 2 needed
            if n == 1:
                y = np.array([0, 1])
        n = y.size
        s_parts.append(np.round(rng.normal(size=n) + y, 1))  # rounding makes ties
        y_parts.append(y)
        g_parts.append(np.full(n, g))
    return np.concatenate(s_parts), np.concatenate(y_parts), np.concatenate(g_parts)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_grouped_auc_equals_sklearn_per_group(seed):
    num_groups = 9
    s, y, g = random_groups(seed, num_groups)
    result = grouped_auc(s, y, g, num_groups)
    assert result.shape == (num_groups, )
    for group in range(num_groups):
        mask = g == group
        if group in (1, 2, 4):  # one class only, or no frames
            assert np.isnan(result[group])
        else:
            assert result[group] == pytest.approx(roc_auc_score(y[mask], s[mask]), abs=1e-12)


def test_grouped_auc_counts_groups_from_the_indices_by_default():
    s, y, g = random_groups(5, num_groups=6, empty=())
    result = grouped_auc(s, y, g)
    assert result.shape == (6, )
    # a trailing group index without frames is NaN when num_groups asks for it
    longer = grouped_auc(s, y, g, 8)
    np.testing.assert_array_equal(longer[:6], result)
    assert np.isnan(longer[6:]).all()


@pytest.mark.parametrize('seed', [0, 1])
def test_grouped_auc_does_not_depend_on_frame_order(seed):
    s, y, g = random_groups(seed)
    expected = grouped_auc(s, y, g, 9)
    order = np.random.default_rng(100 + seed).permutation(s.size)
    np.testing.assert_allclose(grouped_auc(s[order], y[order], g[order], 9), expected,
                               rtol=0, atol=1e-12)


def test_grouped_auc_one_group_by_hand():
    # tie between the positive 0.5 and the negative 0.5 -> (1 + 0.5) / 2
    result = grouped_auc(np.array([0.5, 0.5, 0.1]), np.array([1, 0, 0]), np.zeros(3, int))
    assert result.tolist() == [0.75]


# ---------------------------------------------------------------------------------------
# macro AUC
# ---------------------------------------------------------------------------------------

def test_macro_auc_pads_single_class_videos():
    result = macro_auc(SCORES, LABELS)
    mean, per_video = result[0], result[1]
    assert isinstance(result, MacroAUC)
    assert result.mean == mean and result.per_video is per_video
    # a: 0.35 beats 0.1 only, 0.8 beats both -> 3/4
    assert per_video['a'] == pytest.approx(0.75)
    assert per_video['a'] == pytest.approx(pair_auc(SCORES['a'], LABELS['a']))
    # b (all normal) padded with (label 0, score 0) and (label 1, score max float):
    # the padded positive beats all 4 negatives -> 1.0
    assert per_video['b'] == pytest.approx(1.0)
    assert mean == pytest.approx(0.875)
    assert result.single_class == ('b', )
    assert result.rule == SINGLE_CLASS_RULES['pad']


def test_macro_auc_per_video_by_pair_counting():
    labels = {'a': np.array([0, 1, 1, 0, 1]), 'b': np.array([1, 0, 0, 1]),
              'c': np.array([0, 0, 1])}
    scores = {'a': np.array([0.3, 0.3, 0.9, 0.1, 0.2]), 'b': np.array([0.4, 0.4, 0.4, 0.4]),
              'c': np.array([0.9, 0.2, 0.5])}
    result = macro_auc(scores, labels)
    expected = {k: pair_auc(scores[k], labels[k]) for k in labels}
    # a: 0.3 vs (0.3, 0.1) = 1.5, 0.9 = 2, 0.2 vs = 1 -> 4.5 / 6; b: all tied -> 0.5;
    # c: 0.5 beats 0.2 only -> 0.5
    assert expected == pytest.approx({'a': 0.75, 'b': 0.5, 'c': 0.5})
    assert result.per_video == pytest.approx(expected, abs=1e-15)
    assert result.mean == pytest.approx(np.mean(list(expected.values())))
    assert result.single_class == ()


def test_macro_auc_pad_equals_sklearn_on_padded_arrays():
    labels = {'mixed': np.array([0, 1, 0, 1]), 'normal': np.array([0, 0, 0]),
              'anomalous': np.array([1, 1, 1]), 'empty': np.array([], dtype=np.int64)}
    scores = {'mixed': np.array([0.2, 0.7, 0.4, 0.3]), 'normal': np.array([0.9, 0.0, 0.1]),
              'anomalous': np.array([0.0, 0.5, 0.2]), 'empty': np.array([])}
    result = macro_auc(scores, labels, 'pad')
    assert result.single_class == ('normal', 'anomalous', 'empty')
    for key in ('normal', 'anomalous', 'empty'):
        s, y = padded(scores[key], labels[key])
        assert result.per_video[key] == pytest.approx(roc_auc_score(y, s), abs=1e-15)
    # anomalous: positives 0.0 (ties the padded 0), 0.5, 0.2, max vs the padded 0 -> 3.5 / 4
    assert result.per_video['anomalous'] == pytest.approx(0.875)
    assert result.per_video['mixed'] == pytest.approx(roc_auc_score(labels['mixed'],
                                                                     scores['mixed']))
    assert result.mean == pytest.approx(np.mean(list(result.per_video.values())))


def test_macro_auc_pad_with_negative_scores():
    # the padded normal frame scored 0 lies ABOVE all the negative scores of the video
    labels = {'all_anomalous': np.array([1, 1, 1]), 'all_normal': np.array([0, 0]),
              'mixed': np.array([0, 1])}
    scores = {'all_anomalous': np.array([-3.0, -1.0, -0.5]),
              'all_normal': np.array([-2.0, -0.1]), 'mixed': np.array([-5.0, -4.0])}
    result = macro_auc(scores, labels)
    for key in ('all_anomalous', 'all_normal'):
        s, y = padded(scores[key], labels[key])
        assert result.per_video[key] == pytest.approx(roc_auc_score(y, s), abs=1e-15)
        assert result.per_video[key] == pytest.approx(pair_auc(s, y), abs=1e-15)
    # only the padded anomalous frame (max float) beats the padded normal frame 0
    assert result.per_video['all_anomalous'] == pytest.approx(1 / 4)
    # the padded anomalous frame beats every normal frame
    assert result.per_video['all_normal'] == pytest.approx(1.0)
    assert result.per_video['mixed'] == 1.0
    assert result.mean == pytest.approx((0.25 + 1.0 + 1.0) / 3)


def test_macro_auc_skip_leaves_single_class_videos_out():
    labels = {**LABELS, 'c': np.array([1, 0, 1]), 'd': np.array([1, 1])}
    scores = {**SCORES, 'c': np.array([0.5, 0.6, 0.7]), 'd': np.array([0.1, 0.2])}
    result = macro_auc(scores, labels, 'skip')
    assert np.isnan(result.per_video['b']) and np.isnan(result.per_video['d'])
    assert result.per_video['a'] == pytest.approx(0.75)
    assert result.per_video['c'] == pytest.approx(0.5)  # 0.5 loses, 0.7 wins
    assert result.mean == pytest.approx((0.75 + 0.5) / 2)
    assert result.single_class == ('b', 'd')
    assert result.rule == SINGLE_CLASS_RULES['skip']


def test_macro_auc_all_single_class_with_skip_is_refused():
    labels = {'b': LABELS['b'], 'd': np.array([1, 1])}
    scores = {'b': SCORES['b'], 'd': np.array([0.1, 0.2])}
    with pytest.raises(DataError, match="no test video has both.*single_class='skip'"):
        macro_auc(scores, labels, 'skip')
    # padding makes them defined
    assert macro_auc(scores, labels, 'pad').single_class == ('b', 'd')


def test_macro_auc_unknown_rule():
    with pytest.raises(ValueError, match='single_class must be one of'):
        macro_auc(SCORES, LABELS, 'drop')


# ---------------------------------------------------------------------------------------
# AP, both ways
# ---------------------------------------------------------------------------------------

AP_SCORES = {'x': np.array([0.9, 0.8, 0.4]), 'y': np.array([0.8, 0.6, 0.2])}
AP_LABELS = {'x': np.array([1, 0, 1]), 'y': np.array([1, 0, 0])}


def pr_points(scores, labels):
    """(recall, precision) at each distinct threshold, highest threshold first."""
    s, y = np.asarray(scores, np.float64), np.asarray(labels)
    points = []
    for t in sorted(set(s.tolist()), reverse=True):
        hit = s >= t
        tp = int(np.sum(hit & (y == 1)))
        points.append((tp / int(np.sum(y == 1)), tp / int(np.sum(hit))))
    return points


def step_ap(scores, labels) -> float:
    previous, total = 0.0, 0.0
    for recall, precision in pr_points(scores, labels):
        total += (recall - previous) * precision
        previous = recall
    return total


def trapezoid_pr(scores, labels) -> float:
    points = [(0.0, 1.0)] + pr_points(scores, labels)
    return sum((r1 - r0) * (p0 + p1) / 2 for (r0, p0), (r1, p1) in zip(points, points[1:]))


def test_ap_two_ways_by_hand():
    # ranking: 0.8(+) 0.6(-) 0.4(-) 0.35(+) 0.2 0.1 0.05
    # sklearn AP = sum over positives of precision at their rank / 2 = (1/1 + 2/4) / 2
    assert average_precision(SCORES, LABELS) == pytest.approx(0.75)
    # PR curve points (recall, precision): (0, 1), (0.5, 1), (0.5, 0.5), (0.5, 1/3),
    # (1, 0.5), ... trapezoid: 0.5 * 1 + 0.5 * (1/3 + 0.5) / 2 = 0.7083...
    assert pr_auc_trapz(SCORES, LABELS) == pytest.approx(0.5 + 0.5 * (1 / 3 + 0.5) / 2)


def test_ap_step_wise_with_a_tie():
    # 6 frames by score: 0.9(+) 0.8(+) 0.8(-) 0.6(-) 0.4(+) 0.2(-), the 0.8s tied
    # thresholds: 0.9 R=1/3 P=1; 0.8 R=2/3 P=2/3; 0.6 R=2/3 P=1/2; 0.4 R=1 P=3/5
    # AP = 1/3 * 1 + 1/3 * 2/3 + 0 + 1/3 * 3/5 = 34/45
    s, y = concat(AP_SCORES, AP_LABELS)
    assert step_ap(s, y) == pytest.approx(34 / 45)
    assert average_precision(AP_SCORES, AP_LABELS) == pytest.approx(34 / 45, abs=1e-12)


def test_pr_auc_trapz_with_a_tie_differs_from_ap():
    # trapezoids (0,1)-(1/3,1): 1/3; (1/3,1)-(2/3,2/3): 5/18; (2/3,2/3)-(2/3,1/2): 0;
    # (2/3,1/2)-(1,3/5): 11/60 -> 143/180
    s, y = concat(AP_SCORES, AP_LABELS)
    assert trapezoid_pr(s, y) == pytest.approx(143 / 180)
    trapz = pr_auc_trapz(AP_SCORES, AP_LABELS)
    ap = average_precision(AP_SCORES, AP_LABELS)
    assert trapz == pytest.approx(143 / 180, abs=1e-12)
    assert ap == pytest.approx(136 / 180, abs=1e-12)
    assert trapz - ap == pytest.approx(7 / 180, abs=1e-12)


# ---------------------------------------------------------------------------------------
# FAR
# ---------------------------------------------------------------------------------------

def test_far_counts_only_normal_videos():
    assert false_alarm_rate(SCORES, LABELS, threshold=0.5) == pytest.approx(1 / 3)
    assert false_alarm_rate(SCORES, LABELS, threshold=0.1) == pytest.approx(2 / 3)
    with pytest.raises(DataError, match='needs normal test videos'):
        false_alarm_rate({'a': SCORES['a']}, {'a': LABELS['a']})


def test_far_threshold_is_inclusive_and_ignores_anomalous_videos():
    labels = {'n1': np.zeros(4, int), 'n2': np.zeros(2, int), 'anom': np.array([0, 0, 1])}
    scores = {'n1': np.array([0.5, 0.49, 0.51, 0.0]), 'n2': np.array([0.5, 0.2]),
              'anom': np.array([0.9, 0.9, 0.9])}  # normal frames of an anomalous video
    # alarms: 0.5, 0.51 in n1 and 0.5 in n2 -> 3 of 6 normal-video frames
    assert false_alarm_rate(scores, labels) == pytest.approx(0.5)
    assert false_alarm_rate(scores, labels, threshold=0.51) == pytest.approx(1 / 6)
    assert false_alarm_rate(scores, labels, threshold=0.0) == 1.0
    assert false_alarm_rate(scores, labels, threshold=0.95) == 0.0


# ---------------------------------------------------------------------------------------
# EER
# ---------------------------------------------------------------------------------------

def test_eer():
    perfect = {'v': np.array([0.1, 0.2, 0.8, 0.9])}
    assert equal_error_rate(perfect, {'v': np.array([0, 0, 1, 1])}) == pytest.approx(0.0)
    inverted = {'v': np.array([0.9, 0.8, 0.2, 0.1])}
    assert equal_error_rate(inverted, {'v': np.array([0, 0, 1, 1])}) == pytest.approx(1.0)
    # one error of each kind among 2 + 2 -> 0.5
    mixed = {'v': np.array([0.1, 0.7, 0.6, 0.9])}
    assert equal_error_rate(mixed, {'v': np.array([0, 0, 1, 1])}) == pytest.approx(0.5)


def test_eer_on_a_roc_point():
    # 4 negatives, 4 positives; at threshold 0.5: FP = 1 (0.6), FN = 1 (0.3) -> 1/4 on the
    # ROC point (fpr 1/4, tpr 3/4)
    labels = {'v': np.array([0, 0, 0, 0, 1, 1, 1, 1])}
    scores = {'v': np.array([0.1, 0.2, 0.4, 0.6, 0.3, 0.5, 0.7, 0.9])}
    assert equal_error_rate(scores, labels) == pytest.approx(0.25, abs=1e-12)


def test_eer_interpolated():
    # negatives 0.1, 0.2, 0.5; positives 0.5, 0.9. ROC points (fpr, tpr): (0, 0), (0, 1/2),
    # (1/3, 1) across the tie at 0.5, (1, 1). On the segment (t/3, 1/2 + t/2):
    # fpr = fnr <=> t/3 = 1/2 - t/2 <=> t = 3/5 -> EER = 1/5
    labels = {'a': np.array([0, 1]), 'b': np.array([0, 0, 1])}
    scores = {'a': np.array([0.1, 0.5]), 'b': np.array([0.2, 0.5, 0.9])}
    assert equal_error_rate(scores, labels) == pytest.approx(0.2, abs=1e-12)


def test_eer_perfect_separation_with_ties_inside_classes():
    labels = {'a': np.array([0, 0, 0, 1]), 'b': np.array([1, 1, 0])}
    scores = {'a': np.array([0.2, 0.2, 0.1, 0.7]), 'b': np.array([0.7, 0.8, 0.2])}
    assert equal_error_rate(scores, labels) == 0.0


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------

ALL_FRAME_METRICS = [micro_auc, macro_auc, average_precision, pr_auc_trapz, false_alarm_rate,
                     equal_error_rate]


@pytest.mark.parametrize('metric', ALL_FRAME_METRICS, ids=lambda f: f.__name__)
@pytest.mark.parametrize('scores,labels,match', [
    ({'a': np.array([0.1, np.nan, 0.3, 0.4]), 'b': SCORES['b']}, LABELS,
     r'video a: score of frame 1 is nan'),
    ({'a': SCORES['a'], 'b': np.array([0.1, 0.2, np.inf])}, LABELS,
     r'video b: score of frame 2 is inf'),
    ({'a': SCORES['a'], 'b': np.array([-np.inf, 0.2, np.inf])}, LABELS,
     r'video b: score of frame 0 is -inf \(2 frame\(s\) not finite\)'),
    ({'a': np.array([0.1, 0.2]), 'b': SCORES['b']}, LABELS,
     'video a: 2 scored frames but 4 ground-truth frames'),
    (SCORES, {'a': np.array([0, 2, 1, 1]), 'b': LABELS['b']},
     r'video a: labels must be 0/1, found \[2\]'),
    (SCORES, {'a': LABELS['a'], 'b': np.array([0, 0.5, 0])},
     r'video b: labels must be 0/1, found \[0.5\]'),
    ({'a': np.array(['0.1', '0.2', '0.3', '0.4']), 'b': SCORES['b']}, LABELS,
     'video a: scores must be numbers, got <U3'),
    ({'a': SCORES['a'], 'b': np.array([0.1, None, 0.2], dtype=object)}, LABELS,
     'video b: scores must be numbers, got object'),
    (SCORES, {'a': LABELS['a'], 'b': np.array([0, np.nan, 0])},
     r'video b: labels must be 0/1, found \[nan\]'),
    (SCORES, {'a': np.array(['0', '0', '1', '1']), 'b': LABELS['b']},
     'video a: labels must be 0/1'),
    (SCORES, {'a': np.array([0, -1, 1, 1]), 'b': LABELS['b']},
     r'video a: labels must be 0/1, found \[-1\]'),
    ({'a': SCORES['a'].reshape(2, 2), 'b': SCORES['b']}, LABELS,
     r'video a: scores and labels must be 1-D, got shapes \(2, 2\) and \(4,\)'),
    ({'a': SCORES['a']}, LABELS, 'no scores for ground-truth video.* b'),
    ({**SCORES, 'c': np.zeros(2)}, LABELS, 'scores for video.* without ground truth: c'),
])
def test_bad_inputs_are_refused(metric, scores, labels, match):
    with pytest.raises(DataError, match=match):
        metric(scores, labels)


def test_many_missing_videos_are_counted():
    labels = {f'v{i}': np.array([0, 1]) for i in range(8)}
    with pytest.raises(DataError, match='v0, v1, v2, v3, v4 and 3 more'):
        check_frame_scores({}, labels)
    with pytest.raises(DataError, match='without ground truth: v0, v1, v2, v3, v4 and 3 more'):
        check_frame_scores({k: np.zeros(2) for k in labels}, {})


def test_check_frame_scores_accepts_good_input():
    assert check_frame_scores(SCORES, LABELS) is None
    # an empty video is fine
    check_frame_scores({'e': np.array([])}, {'e': np.array([], dtype=int)})


@pytest.mark.parametrize('metric,name', [(micro_auc, 'micro AUC'), (average_precision, 'AP'),
                                         (pr_auc_trapz, 'AP'), (equal_error_rate, 'EER')])
def test_single_class_test_set_is_refused(metric, name):
    with pytest.raises(DataError, match=f'{name}.*the test frames are all normal'):
        metric({'b': SCORES['b']}, {'b': LABELS['b']})
    with pytest.raises(DataError, match=f'{name}.*the test frames are all anomalous'):
        metric({'d': np.array([0.1, 0.2])}, {'d': np.array([1, 1])})
    with pytest.raises(DataError, match=f'{name}.*the test frames are none'):
        metric({'e': np.array([])}, {'e': np.array([], dtype=int)})


@pytest.mark.parametrize('metric', [micro_auc, macro_auc, average_precision, pr_auc_trapz,
                                    equal_error_rate], ids=lambda f: f.__name__)
def test_empty_input_is_refused(metric):
    with pytest.raises(DataError, match='no test videos to evaluate'):
        metric({}, {})


def test_far_empty_input_is_refused():
    with pytest.raises(DataError, match='no test videos to evaluate'):
        false_alarm_rate({}, {})


def test_metric_definitions_cover_the_metric_keys():
    assert set(METRIC_DEFINITIONS) == {'micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'far',
                                       'eer'}
    assert all(isinstance(v, str) and v for v in METRIC_DEFINITIONS.values())


# ---------------------------------------------------------------------------------------
# align_lengths
# ---------------------------------------------------------------------------------------

def test_align_lengths_tolerance_zero_refuses_one_frame():
    labels = {'same': np.zeros(3, int), 'long': np.zeros(5, int)}
    scores = {'same': np.zeros(3), 'long': np.zeros(4)}
    with pytest.raises(DataError, match=r'video long: 4 scored frames but 5 ground-truth '
                                        r'frames \(length tolerance 0\)'):
        align_lengths(scores, labels)


def test_align_lengths_cuts_to_the_shorter_within_tolerance():
    labels = {'same': np.array([0, 1, 0]), 'more_labels': np.array([0, 0, 1, 1, 0]),
              'more_scores': np.array([1, 0])}
    scores = {'same': np.array([0.1, 0.2, 0.3]), 'more_labels': np.array([0.1, 0.2, 0.3]),
              'more_scores': np.array([0.5, 0.6, 0.7, 0.8])}
    out_scores, out_labels, cut = align_lengths(scores, labels, tolerance=2)
    assert cut == {'more_labels': [3, 5], 'more_scores': [4, 2]}
    np.testing.assert_array_equal(out_scores['more_labels'], [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(out_labels['more_labels'], [0, 0, 1])
    np.testing.assert_array_equal(out_scores['more_scores'], [0.5, 0.6])
    np.testing.assert_array_equal(out_labels['more_scores'], [1, 0])
    # untouched
    assert out_scores['same'] is scores['same'] and out_labels['same'] is labels['same']
    # the inputs are not changed
    assert scores['more_scores'].size == 4 and labels['more_labels'].size == 5
    # a difference above the tolerance is still refused
    with pytest.raises(DataError, match=r'video more_labels: 3 scored frames but 6'):
        align_lengths(scores, {**labels, 'more_labels': np.zeros(6, int)}, tolerance=2)


def test_align_lengths_keeps_missing_and_unknown_videos_for_the_checks():
    labels = {'a': np.array([0, 1]), 'no_scores': np.array([0])}
    scores = {'a': np.array([0.1, 0.2]), 'no_labels': np.array([0.3])}
    out_scores, out_labels, cut = align_lengths(scores, labels)
    assert cut == {}
    assert set(out_scores) == {'a', 'no_labels'} and set(out_labels) == {'a', 'no_scores'}
    with pytest.raises(DataError, match='no scores for ground-truth video.* no_scores'):
        micro_auc(out_scores, out_labels)


# ---------------------------------------------------------------------------------------
# a UCF-Crime-shaped test set
# ---------------------------------------------------------------------------------------

def ucf_like(seed: int = 7, num_videos: int = 50):
    rng = np.random.default_rng(seed)
    scores, labels = {}, {}
    for i in range(num_videos):
        n = int(rng.integers(30, 600))
        y = np.zeros(n, np.int64)
        if i % 2:  # anomalous video: one or two anomalous segments
            for _ in range(int(rng.integers(1, 3))):
                start = int(rng.integers(0, n - 10))
                y[start:start + int(rng.integers(5, n // 2 + 6))] = 1
        if i == 3:
            y[:] = 1  # anomalous from the first to the last frame
        labels[f'video_{i:03d}'] = y
        scores[f'video_{i:03d}'] = y + rng.normal(0.0, 0.35, n)
    return scores, labels


def test_ucf_crime_shaped_micro_and_macro_auc():
    scores, labels = ucf_like()
    s, y = concat(scores, labels)
    micro = micro_auc(scores, labels)
    assert micro > 0.9
    assert micro == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    per_video = []
    for key in labels:
        s_k, y_k = scores[key], labels[key]
        if y_k.min() == y_k.max():
            s_k, y_k = padded(s_k, y_k)
        per_video.append(roc_auc_score(y_k, s_k))
    result = macro_auc(scores, labels)
    assert result.mean == pytest.approx(np.mean(per_video), abs=1e-12)
    np.testing.assert_allclose(list(result.per_video.values()), per_video, rtol=0, atol=1e-12)
    assert len(result.single_class) >= 25  # the normal videos, and video_003
    assert 'video_003' in result.single_class


@pytest.mark.filterwarnings('ignore::RuntimeWarning')
def test_far_without_normal_frames_is_refused():
    labels = {'empty': np.array([], dtype=np.int64), 'anom': np.array([0, 1])}
    scores = {'empty': np.array([]), 'anom': np.array([0.1, 0.9])}
    with pytest.raises(DataError, match='normal'):
        false_alarm_rate(scores, labels)
