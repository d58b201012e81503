import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from vadkit.evaluation import (ALL_METRICS, average_precision, equal_error_rate,
                               evaluate_frames, false_alarm_rate, macro_auc, metrics_by_group,
                               micro_auc, pr_auc_trapz)
from vadkit.evaluation.functional import check_metric_names
from vadkit.utils.errors import DataError

# three classes of anomalous videos and three normal videos
LABELS = {
    'Abuse001': np.array([0, 1, 1, 0, 0]),
    'Abuse002': np.array([1, 1, 0, 0]),
    'Arson001': np.array([0, 0, 1, 1, 1, 0]),
    'Fight001': np.array([1, 1, 1]),  # anomalous from the first to the last frame
    'Normal001': np.array([0, 0, 0, 0]),
    'Normal002': np.array([0, 0, 0]),
    'Normal003': np.array([0, 0]),
}
SCORES = {
    'Abuse001': np.array([0.2, 0.7, 0.4, 0.5, 0.1]),
    'Abuse002': np.array([0.9, 0.6, 0.6, 0.3]),
    'Arson001': np.array([0.1, 0.3, 0.8, 0.2, 0.9, 0.4]),
    'Fight001': np.array([0.55, 0.65, 0.35]),
    'Normal001': np.array([0.1, 0.5, 0.0, 0.2]),
    'Normal002': np.array([0.3, 0.6, 0.1]),
    'Normal003': np.array([0.05, 0.45]),
}
CLASSES = {k: k[:-3] for k in LABELS}

FUNCTIONS = {
    'micro_auc': micro_auc,
    'macro_auc': lambda s, y: macro_auc(s, y).mean,
    'ap': average_precision,
    'ap_trapz': pr_auc_trapz,
    'far': false_alarm_rate,
    'eer': equal_error_rate,
}


def subset(keys):
    return {k: SCORES[k] for k in keys}, {k: LABELS[k] for k in keys}


def pair_auc(scores, labels) -> float:
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


# ---------------------------------------------------------------------------------------
# evaluate_frames
# ---------------------------------------------------------------------------------------

def test_evaluate_frames_all_metrics():
    out, per_video = evaluate_frames(SCORES, LABELS)
    assert list(out) == list(ALL_METRICS)
    for name, value in out.items():
        assert isinstance(value, float)
        assert value == pytest.approx(FUNCTIONS[name](SCORES, LABELS), abs=1e-15)
    assert set(per_video) == set(LABELS)
    macro = macro_auc(SCORES, LABELS)
    for key, entry in per_video.items():
        assert set(entry) == {'auc', 'single_class', 'num_frames', 'anomalous_frames'}
        assert entry['num_frames'] == LABELS[key].size
        assert entry['anomalous_frames'] == int(LABELS[key].sum())
        assert entry['single_class'] is (key in ('Fight001', 'Normal001', 'Normal002',
                                                 'Normal003'))
        assert entry['auc'] == macro.per_video[key]
    assert per_video['Abuse001']['auc'] == pytest.approx(
        roc_auc_score(LABELS['Abuse001'], SCORES['Abuse001']))


@pytest.mark.parametrize('metrics', [('micro_auc', ), ('far', 'ap'), ('eer', 'ap_trapz'),
                                     'macro_auc', ()])
def test_evaluate_frames_returns_exactly_the_requested_metrics(metrics):
    out, per_video = evaluate_frames(SCORES, LABELS, metrics)
    expected = (metrics, ) if isinstance(metrics, str) else metrics
    assert set(out) == set(expected)
    for name in expected:
        assert out[name] == pytest.approx(FUNCTIONS[name](SCORES, LABELS), abs=1e-15)
    for entry in per_video.values():
        assert {'num_frames', 'anomalous_frames'} <= set(entry)


def test_evaluate_frames_passes_the_options_on():
    out, per_video = evaluate_frames(SCORES, LABELS, ('far', 'macro_auc'), far_threshold=0.3,
                                     single_class='skip')
    assert out['far'] == pytest.approx(false_alarm_rate(SCORES, LABELS, 0.3))
    assert out['macro_auc'] == pytest.approx(macro_auc(SCORES, LABELS, 'skip').mean)
    assert np.isnan(per_video['Normal001']['auc'])
    assert per_video['Normal001']['single_class'] is True
    assert per_video['Abuse001']['single_class'] is False


def test_unknown_metric_names_are_refused():
    with pytest.raises(ValueError, match=r"unknown metrics \['auc'\]"):
        evaluate_frames(SCORES, LABELS, ('micro_auc', 'auc'))
    with pytest.raises(ValueError, match='unknown metrics'):
        metrics_by_group(SCORES, LABELS, CLASSES, ('rbdc', ))
    assert check_metric_names('ap') == ('ap', )


def test_evaluate_frames_refuses_bad_input():
    with pytest.raises(DataError, match='video Abuse001: score of frame 0 is nan'):
        evaluate_frames({**SCORES, 'Abuse001': np.full(5, np.nan)}, LABELS)


# ---------------------------------------------------------------------------------------
# metrics_by_group
# ---------------------------------------------------------------------------------------

def test_metrics_by_group_equals_evaluate_frames_on_each_class():
    metrics = ('micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'eer')
    out = metrics_by_group(SCORES, LABELS, CLASSES, metrics)
    assert list(out) == ['Abuse', 'Arson', 'Fight', 'Normal']
    for group in ('Abuse', 'Arson'):
        keys = [k for k in LABELS if CLASSES[k] == group]
        expected, _ = evaluate_frames(*subset(keys), metrics)
        assert out[group] == {**expected, 'num_videos': len(keys),
                              'num_frames': sum(LABELS[k].size for k in keys)}
    # Abuse by pair counting over its 9 frames
    s = np.concatenate([SCORES['Abuse001'], SCORES['Abuse002']])
    y = np.concatenate([LABELS['Abuse001'], LABELS['Abuse002']])
    assert out['Abuse']['micro_auc'] == pytest.approx(pair_auc(s, y))


def test_metrics_by_group_leaves_out_undefined_metrics():
    out = metrics_by_group(SCORES, LABELS, CLASSES, ('micro_auc', 'ap', 'far', 'eer'))
    assert out['Normal'] == {'num_videos': 3, 'num_frames': 9,
                             'far': pytest.approx(false_alarm_rate(*subset(
                                 ['Normal001', 'Normal002', 'Normal003'])))}
    assert out['Normal']['far'] == pytest.approx(2 / 9)  # 0.5 and 0.6 of 9 frames
    # Fight001 is all anomalous: no AUC, AP, EER and no normal video for a FAR
    assert out['Fight'] == {'num_videos': 1, 'num_frames': 3}


def test_metrics_by_group_macro_auc_skip_leaves_normal_group_without_auc():
    out = metrics_by_group(SCORES, LABELS, CLASSES, ('micro_auc', 'macro_auc'),
                           single_class='skip')
    assert out['Normal'] == {'num_videos': 3, 'num_frames': 9}
    assert 'macro_auc' in out['Abuse']


def test_metrics_by_group_normal_group_has_no_macro_auc_with_padding():
    out = metrics_by_group(SCORES, LABELS, CLASSES, ('micro_auc', 'macro_auc'))
    assert 'micro_auc' not in out['Normal']
    assert 'macro_auc' not in out['Normal']


def test_metrics_by_group_with_normal_videos():
    normal = ['Normal001', 'Normal002', 'Normal003']
    out = metrics_by_group(SCORES, LABELS, CLASSES, ('micro_auc', 'macro_auc', 'far'),
                           with_normal_videos=True)
    for group, own in (('Abuse', ['Abuse001', 'Abuse002']), ('Arson', ['Arson001']),
                       ('Fight', ['Fight001'])):
        keys = own + normal
        assert out[group]['num_videos'] == len(keys)
        assert out[group]['num_frames'] == sum(LABELS[k].size for k in keys)
        s = np.concatenate([SCORES[k] for k in keys])
        y = np.concatenate([LABELS[k] for k in keys])
        assert out[group]['micro_auc'] == pytest.approx(pair_auc(s, y), abs=1e-12)
        assert out[group]['micro_auc'] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert out[group]['macro_auc'] == pytest.approx(macro_auc(*subset(keys)).mean)
        assert out[group]['far'] == pytest.approx(2 / 9)
    # Fight001 alone has no AUC; with the normal videos it has: its 3 frames against the
    # 9 normal frames
    assert out['Fight']['micro_auc'] == pytest.approx(
        pair_auc(np.concatenate([SCORES[k] for k in ['Fight001'] + normal]),
                 np.concatenate([LABELS[k] for k in ['Fight001'] + normal])))
    # the group of normal videos is not changed
    assert out['Normal']['num_videos'] == 3
    assert 'micro_auc' not in out['Normal']


def test_metrics_by_group_with_normal_videos_does_not_count_a_video_twice():
    groups = {'Abuse001': 'scene_1', 'Normal001': 'scene_1', 'Arson001': 'scene_2'}
    out = metrics_by_group(SCORES, LABELS, groups, ('micro_auc', ), with_normal_videos=True)
    assert out['scene_1']['num_videos'] == 4  # Abuse001 + Normal001, Normal002, Normal003
    assert out['scene_2']['num_videos'] == 4
    keys = ['Abuse001', 'Normal001', 'Normal002', 'Normal003']
    s = np.concatenate([SCORES[k] for k in keys])
    y = np.concatenate([LABELS[k] for k in keys])
    assert out['scene_1']['micro_auc'] == pytest.approx(pair_auc(s, y))


def test_metrics_by_group_leaves_out_videos_without_a_group():
    out = metrics_by_group(SCORES, LABELS, {'Abuse001': 1, 'Arson001': 1}, ('micro_auc', ))
    assert list(out) == ['1']  # group names become strings
    assert out['1']['num_videos'] == 2 and out['1']['num_frames'] == 11
    expected = micro_auc(*subset(['Abuse001', 'Arson001']))
    assert out['1']['micro_auc'] == pytest.approx(expected)


def test_metrics_by_group_unknown_video_is_refused():
    with pytest.raises(DataError, match=r"group given for video\(s\) without ground truth: "
                                        r"\['Stealing001'\]"):
        metrics_by_group(SCORES, LABELS, {**CLASSES, 'Stealing001': 'Stealing'})


def test_metrics_by_group_refuses_nan_scores():
    scores = {**SCORES, 'Abuse001': np.array([0.2, np.nan, 0.4, 0.5, 0.1])}
    with pytest.raises(DataError, match='video Abuse001: score of frame 1 is nan'):
        metrics_by_group(scores, LABELS, CLASSES)


def test_metrics_by_group_refuses_a_video_without_scores():
    scores = {k: v for k, v in SCORES.items() if k != 'Arson001'}
    with pytest.raises(DataError, match='Arson001'):
        metrics_by_group(scores, LABELS, CLASSES)
