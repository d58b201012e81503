"""Validation without the test split: hold-outs of the training videos and feature-level
pseudo-anomalies, alone and inside SegmentDataset / VideoBagDataset."""
import numpy as np
import pytest
from mmengine.dataset import BaseDataset

from vadkit.datasets import SegmentDataset, VideoBagDataset
from vadkit.datasets.model_selection import PseudoAnomalies, check_holdout, holdout_videos
from vadkit.parsing import FeatureStore
from vadkit.registry import DATASETS
from vadkit.utils.errors import ConfigError, DataError


def test_holdout_is_stratified_disjoint_and_repeatable():
    videos = [f'v{i}' for i in range(10)]
    labels = {v: int(i in (1, 4, 7)) for i, v in enumerate(videos)}  # 7 normal, 3 anomalous
    val = holdout_videos(videos, labels, 0.3, seed=0, part='val')
    train = holdout_videos(videos, labels, 0.3, seed=0, part='train')
    # round(0.3 * 7) = 2 normal, round(0.3 * 3) = 1 anomalous
    assert len(val) == 3 and sum(labels[v] for v in val) == 1
    assert set(val).isdisjoint(train) and sorted(val + train, key=videos.index) == videos
    assert val == sorted(val, key=videos.index)  # order kept
    assert holdout_videos(videos, labels, 0.3, seed=0) == val
    assert any(holdout_videos(videos, labels, 0.3, seed=s) != val for s in range(1, 5))
    # a class of one video stays in training; a class is never held out whole
    assert holdout_videos(['a', 'b', 'c'], {'c': 1}, 0.9, seed=0) == ['a'] or \
        holdout_videos(['a', 'b', 'c'], {'c': 1}, 0.9, seed=0) == ['b']
    with pytest.raises(DataError, match='no video left for validation'):
        holdout_videos(['a'], {}, 0.5)


def test_holdout_options_are_checked():
    assert check_holdout(dict(part='val'), 'train') == dict(part='val', fraction=0.2, seed=0)
    with pytest.raises(ConfigError, match='never on the test split'):
        check_holdout(dict(part='val'), 'test')
    with pytest.raises(ConfigError, match="'train' or 'val'"):
        check_holdout(dict(part='test'), 'train')
    with pytest.raises(ConfigError, match='unknown keys'):
        check_holdout(dict(part='val', ratio=0.1), 'train')
    with pytest.raises(ConfigError, match='fraction'):
        check_holdout(dict(part='val', fraction=1.0), 'train')


def _features(n_videos=6, t=20, d=3, seed=0):
    rng = np.random.default_rng(seed)
    feats = {f'v{i}': rng.normal(0, 1, (t, 1, d)).astype(np.float32) for i in range(n_videos)}
    spans = {v: np.array([(16 * c, 16 * c + 16) for c in range(t)]) for v in feats}
    return feats, spans, {v: 16 * t + 5 for v in feats}


@pytest.mark.parametrize('kind', ['noise', 'shift', 'foreign'])
def test_pseudo_anomalies_change_one_run_and_label_its_frames(kind):
    feats, spans, frames = _features()
    pseudo = PseudoAnomalies(fraction=0.5, length=(0.2, 0.3), kinds=[kind], strength=3.0,
                             seed=1)
    changed, masks, log = pseudo(feats, spans, frames, list(feats))
    assert len(changed) == len(log) == 3 and sorted(masks) == sorted(feats)
    sigma = np.concatenate(list(feats.values())).std(axis=0)
    for entry in log:
        v, a, b = entry['video'], entry['first_segment'], entry['last_segment']
        assert entry['kind'] == kind and 4 <= b - a + 1 <= 6  # 20-30 % of 20 segments
        diff = changed[v] - feats[v]
        assert np.all(diff[:a] == 0) and np.all(diff[b + 1:] == 0)
        assert np.all(np.abs(diff[a:b + 1]).sum(axis=(1, 2)) > 0)
        if kind == 'shift':  # one offset, the same for every segment of the run
            np.testing.assert_allclose(diff[a:b + 1], np.broadcast_to(diff[a], diff[a:b + 1].shape),
                                       atol=1e-5)
        elif kind == 'noise':  # about 3 standard deviations of noise per element
            assert 1.0 < np.abs(diff[a:b + 1] / sigma).mean() < 4.0
        else:  # another video's first segments, in order
            donors = [u for u in feats if u != v and np.allclose(changed[v][a:b + 1],
                                                                 feats[u][:b - a + 1])]
            assert len(donors) == 1
        expected = np.zeros(frames[v], np.uint8)
        expected[16 * a:16 * (b + 1)] = 1
        np.testing.assert_array_equal(masks[v], expected)
        assert entry['frames'] == [16 * a, 16 * (b + 1)]
    for v in set(feats) - set(changed):
        assert masks[v].sum() == 0
    again = pseudo(feats, spans, frames, list(feats))
    assert again[2] == log  # the same seed draws the same runs


def test_pseudo_anomaly_options_are_checked():
    with pytest.raises(ConfigError, match='kinds'):
        PseudoAnomalies(kinds=['blur'])
    with pytest.raises(ConfigError, match='length'):
        PseudoAnomalies(length=(0.5, 0.2))
    with pytest.raises(ConfigError, match='strength'):
        PseudoAnomalies(strength=0)
    feats, spans, frames = _features(2)
    with pytest.raises(DataError, match='no normal held-out video'):
        PseudoAnomalies()(feats, spans, frames, [])


@DATASETS.register_module(force=True)
class LabelledTestVideos(BaseDataset):
    """v0..v9, the first four labelled anomalous."""

    def __init__(self, **kwargs):
        super().__init__(ann_file='', serialize_data=False, **kwargs)

    def load_data_list(self):
        return [dict(video_id=f'v{i}', label=int(i < 4)) for i in range(10)]


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('selection') / 'store')
    store = FeatureStore(root, dict(hand_made=True))
    store.create()
    rng = np.random.default_rng(0)
    for v in range(10):
        clips = rng.normal(0, 1, (12, 2, 4)).astype(np.float32)
        spans = np.array([(16 * c, 16 * c + 16) for c in range(12)], np.int64)
        store.write(f'v{v}', dict(clips=clips, clip_spans=spans),
                    dict(num_frames=16 * 12 + 3, counts=dict(clips=12)))
    return root


def test_segment_dataset_holdout_and_pseudo_anomalies(store):
    holdout = dict(fraction=0.3, seed=0)
    train = SegmentDataset(store, 'train', holdout=dict(holdout, part='train'))
    val = SegmentDataset(store, 'train', holdout=dict(holdout, part='val'), patches='all',
                         pseudo_anomalies=dict(fraction=0.5, kinds=['shift'], seed=0))
    tv, vv = train.metainfo['videos'], val.metainfo['videos']
    assert len(tv) == 7 and len(vv) == 3 and set(tv).isdisjoint(vv)
    assert sorted(val.metainfo['num_frames']) == sorted(vv) and len(val) == 36
    gt, log = val.metainfo['video_gt'], val.metainfo['pseudo_anomalies']
    assert sorted(gt) == sorted(vv) and len(log) == 2  # round(0.5 * 3) = 2 videos
    plain = SegmentDataset(store, 'train', holdout=dict(holdout, part='val'), patches='all')
    for entry in log:
        v, a, b = entry['video'], entry['first_segment'], entry['last_segment']
        rows = [i for i in range(len(val)) if val.get_data_info(i)['video_id'] == v]
        diff = val.features(rows) - plain.features(rows)
        assert np.all(diff[a:b + 1] != 0) and np.all(diff[:a] == 0) and np.all(diff[b + 1:] == 0)
        assert gt[v].sum() == 16 * (b - a + 1) and len(gt[v]) == 16 * 12 + 3
    # videos labelled anomalous (v0..v3) leave a pseudo-anomaly validation set
    labelled = SegmentDataset(store, 'train', videos=dict(type='LabelledTestVideos'),
                              pseudo_anomalies=dict(fraction=1.0))
    assert labelled.metainfo['videos'] == [f'v{i}' for i in range(4, 10)]
    assert len(labelled.metainfo['pseudo_anomalies']) == 6
    with pytest.raises(ConfigError, match='test split has real labels'):
        SegmentDataset(store, 'test', pseudo_anomalies=dict())


def test_video_bags_validation_part_keeps_labels_and_injects(store):
    from vadkit.datasets.model_selection import normal_videos
    labels = {f'v{i}': int(i < 4) for i in range(10)}
    assert normal_videos(list(labels), labels) == [f'v{i}' for i in range(4, 10)]
    holdout = dict(fraction=0.3, seed=0)
    val = VideoBagDataset(store, 'train', require_labels=False,
                          holdout=dict(holdout, part='val'),
                          pseudo_anomalies=dict(fraction=1.0, kinds=['noise'], seed=3))
    log = val.metainfo['pseudo_anomalies']
    assert len(log) == 3 and sorted(val.metainfo['video_gt']) == sorted(val.metainfo['videos'])
    plain = VideoBagDataset(store, 'train', require_labels=False,
                            holdout=dict(holdout, part='val'))
    for i in range(len(val)):
        entry = next(e for e in log if e['video'] == val[i]['video_id'])
        a, b = entry['first_segment'], entry['last_segment']
        diff = val[i]['feature'] - plain[i]['feature']
        assert np.all(diff[a:b + 1] != 0) and np.all(diff[:a] == 0) and np.all(diff[b + 1:] == 0)


def test_the_same_runs_for_arrays_of_different_widths():
    feats, spans, frames = _features(d=3)
    wide = {v: np.repeat(x, 5, axis=2) for v, x in feats.items()}
    pseudo = PseudoAnomalies(fraction=0.5, kinds=['noise', 'shift'], seed=2)
    _, masks, log = pseudo(feats, spans, frames, list(feats))
    _, wide_masks, wide_log = pseudo(wide, spans, frames, list(wide))
    assert log == wide_log and all(np.array_equal(masks[v], wide_masks[v]) for v in masks)


def test_object_clips_validation_with_pseudo_anomalies(tmp_path):
    from tests.helpers.store import write_object_store
    from vadkit.datasets import ObjectClipDataset
    videos = {f'v{i}': (6, [(c, k, 0, 1) for c in range(6) for k in range(2)])
              for i in range(8)}
    write_object_store(str(tmp_path / 'objects'), videos)
    holdout = dict(fraction=0.25, seed=0)
    train = ObjectClipDataset(str(tmp_path / 'objects'), holdout=dict(holdout, part='train'))
    val = ObjectClipDataset(str(tmp_path / 'objects'), holdout=dict(holdout, part='val'),
                            pseudo_anomalies=dict(fraction=1.0, kinds=['shift'], seed=0))
    plain = ObjectClipDataset(str(tmp_path / 'objects'), holdout=dict(holdout, part='val'))
    assert len(train.metainfo['videos']) == 6 and len(val.metainfo['videos']) == 2
    assert set(train.metainfo['videos']).isdisjoint(val.metainfo['videos'])
    log, gt = val.metainfo['pseudo_anomalies'], val.metainfo['video_gt']
    assert len(log) == 2
    for stream in ('appearance', 'motion'):
        changed = np.abs(val.stream_features(stream) - plain.stream_features(stream)).sum(1) > 0
        for entry in log:  # the same objects changed in both streams
            rows = np.flatnonzero(val.rows['video_id'] == entry['video'])
            expected = np.zeros(len(rows), bool)
            expected[entry['first_segment']:entry['last_segment'] + 1] = True
            np.testing.assert_array_equal(changed[rows], expected)
    for entry in log:  # the frames of the changed objects' clips are anomalous
        first, last = entry['first_segment'], entry['last_segment']
        mask = np.zeros(6 * 16 + 5, np.uint8)
        mask[16 * (first // 2):16 * (last // 2 + 1)] = 1
        np.testing.assert_array_equal(gt[entry['video']], mask)
