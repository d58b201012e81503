"""VADMetric: scorer pipeline, length reconciliation, evaluated frames, breakdowns."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from vadkit.datasets.annotations import load_mixture_split
from vadkit.evaluation import VADMetric
from vadkit.utils.errors import DataError


def _clip_records(video_id, scores, clip_len=16):
    """One record per whole clip, scored with the clip's mean frame score."""
    n = len(scores) // clip_len * clip_len
    return [dict(video_id=video_id, start=a, end=a + clip_len, track_id=None,
                 scores=dict(final=float(scores[a:a + clip_len].mean())))
            for a in range(0, n, clip_len)]


def _run(metric, labels, scores, num_frames=None, **meta):
    metric.dataset_meta = dict(name='test set', video_gt=labels,
                               num_frames=num_frames or {k: len(v) for k, v in labels.items()},
                               **meta)
    results = [r for k, s in scores.items() for r in _clip_records(k, s)]
    return metric.compute_metrics(results)


def test_mixture_whole_clips_give_the_paper_frame_counts(shared_data):
    """HSC's Table 1: 5,488 / 5,104 / 3,584 test frames once trailing frames are dropped."""
    root = shared_data('ground_truth', 'shanghaitech_mixture')
    rng = np.random.default_rng(0)
    for name, expected in (('01+02', 5488), ('04+08', 5104), ('10+12', 3584)):
        labels = load_mixture_split(root, name).masks
        scores = {k: y + rng.normal(0, 0.5, y.size) for k, y in labels.items()}
        metric = VADMetric(scorers=[dict(type='ExpandToFrames'),
                                    dict(type='TrailingFrames', clip_len=16, mode='drop')],
                           metric=['micro_auc'])
        values = _run(metric, labels, scores)
        assert metric.record['evaluated_frames'] == expected, name
        assert metric.record['ground_truth_frames'] == sum(y.size for y in labels.values())
        # the metric used exactly the whole-clip frames
        keys = list(labels)
        kept = {k: labels[k].size // 16 * 16 for k in keys}
        y = np.concatenate([labels[k][:kept[k]] for k in keys])
        s = np.concatenate([metric.frame_scores[k][:kept[k]] for k in keys])
        assert values['micro_auc'] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        # score files still hold every frame, finite
        assert all(metric.frame_scores[k].size == labels[k].size for k in keys)


def _small_world(seed=0):
    rng = np.random.default_rng(seed)
    labels = {}
    for i, n in enumerate((64, 80, 48, 96)):
        y = np.zeros(n, np.uint8)
        if i < 2:
            y[16:40] = 1
        labels[f'v{i}'] = y
    scores = {k: y + rng.normal(0, 0.6, y.size) for k, y in labels.items()}
    return labels, scores


def test_length_tolerance():
    labels, scores = _small_world()
    num_frames = {k: len(v) for k, v in labels.items()}
    num_frames['v1'] += 3  # scores for 83 frames, ground truth of 80
    with pytest.raises(DataError, match='test set: video v1: 83 scored frames but 80 '
                                        r'ground-truth frames \(length tolerance 0\)'):
        _run(VADMetric(metric=['micro_auc']), labels, scores, num_frames)
    metric = VADMetric(metric=['micro_auc'], length_tolerance=3)
    _run(metric, labels, scores, num_frames)
    assert metric.record['length_cuts'] == {'v1': [83, 80]}
    assert metric.record['evaluated_frames'] == 64 + 80 + 48 + 96


def test_far_needs_normal_videos_and_says_why():
    labels, scores = _small_world()
    anomalous = {k: labels[k] for k in ('v0', 'v1')}
    metric = VADMetric()
    values = _run(metric, anomalous, {k: scores[k] for k in anomalous})
    assert 'far' not in values and 'micro_auc' in values
    assert metric.record['not_computed'] == {'far': 'no normal test video'}
    metric = VADMetric()
    assert 'far' in _run(metric, labels, scores)


def test_group_breakdown():
    labels, scores = _small_world()
    groups = {'scene': {'v0': 'a', 'v1': 'b', 'v2': 'a', 'v3': 'b'}}
    metric = VADMetric(metric=['micro_auc'], group_by='scene', group_metrics=['micro_auc'])
    _run(metric, labels, scores, video_groups=groups)
    frame = {k: metric.frame_scores[k] for k in labels}
    for group, members in (('a', ['v0', 'v2']), ('b', ['v1', 'v3'])):
        y = np.concatenate([labels[k] for k in members])
        s = np.concatenate([frame[k] for k in members])
        entry = metric.per_group['scene'][group]
        assert entry['micro_auc'] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert entry['num_videos'] == 2
    with pytest.raises(DataError, match="group_by 'class': the dataset gives no such"):
        _run(VADMetric(group_by='class'), labels, scores, video_groups=groups)


def test_describe_names_every_choice():
    metric = VADMetric(single_class='skip', far_threshold=0.3,
                       scorers=[dict(type='ExpandToFrames'),
                                dict(type='Normalize', scope='global')])
    record = metric.describe()
    assert record['metrics']['macro_auc'].endswith('single-class videos left out of the mean')
    assert record['metrics']['far'].endswith('threshold 0.3')
    assert record['scorers'][1] == dict(type='Normalize', method='minmax', scope='global',
                                        streams=None, stats=None)
    with pytest.raises(ValueError, match='single_class must be one of'):
        VADMetric(single_class='drop')
    with pytest.raises(ValueError, match='unknown metrics'):
        VADMetric(metric=['auc'])


def test_blind_set_still_scores_every_frame():
    labels, scores = _small_world()
    metric = VADMetric()
    metric.dataset_meta = dict(num_frames={k: len(v) for k, v in labels.items()})
    results = [r for k, s in scores.items() for r in _clip_records(k, s)]
    assert metric.compute_metrics(results) == {}
    assert {k: v.size for k, v in metric.frame_scores.items()} == \
        {k: len(v) for k, v in labels.items()}


def test_flat_floats_keep_the_prefix_of_a_repeated_name():
    from vadkit.evaluation.report import flat_floats
    values = flat_floats({'vad/micro_auc': 0.6, 'vad/ap': 0.3, 'generator/micro_auc': 0.7,
                          'scene/accuracy': 0.9, 'vad/note': 'text'})
    assert values == {'micro_auc': 0.6, 'ap': 0.3, 'generator/micro_auc': 0.7,
                      'accuracy': 0.9}
