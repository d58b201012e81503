import numpy as np
import pytest

from vadkit.datasets import PackVADInputs, ToySegmentDataset
from vadkit.structures import VADDataSample
from vadkit.utils import register_all_modules
from vadkit.utils.errors import DataError


def test_train_split_is_normal_and_covers_every_frame():
    ds = ToySegmentDataset(split='train', num_videos=5, num_frames=(40, 50), segment_len=16)
    gt = ds.metainfo['video_gt']
    assert len(gt) == 5 and all(not g.any() for g in gt.values())
    for video_id, labels in gt.items():
        items = [ds.get_data_info(i) for i in range(len(ds))
                 if ds.get_data_info(i)['video_id'] == video_id]
        spans = [(it['start'], it['end']) for it in items]
        assert spans[0][0] == 0 and spans[-1][1] == len(labels)
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
        assert all(it['gt_label'] == 0 for it in items)


def test_test_split_anomalies_and_determinism():
    a = ToySegmentDataset(split='test', num_videos=6, anomaly_rate=0.5, seed=3)
    b = ToySegmentDataset(split='test', num_videos=6, anomaly_rate=0.5, seed=3)
    gt = a.metainfo['video_gt']
    assert sum(bool(g.any()) for g in gt.values()) == 3
    for i in range(len(a)):
        np.testing.assert_array_equal(a.get_data_info(i)['feature'],
                                      b.get_data_info(i)['feature'])
    labels = np.array([a.get_data_info(i)['gt_label'] for i in range(len(a))])
    assert 0 < labels.sum() < len(labels)


def test_anomalous_segments_leave_the_normal_subspace():
    ds = ToySegmentDataset(split='test', num_videos=8, anomaly_strength=3.0, noise=0.1)
    train = ToySegmentDataset(split='train', num_videos=8)
    normal = np.stack([train.get_data_info(i)['feature'] for i in range(len(train))])
    # the normal subspace from training data alone
    _, _, vt = np.linalg.svd(normal - 0, full_matrices=False)
    basis = vt[:4].T
    residual = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        f = info['feature']
        residual.append((np.linalg.norm(f - basis @ (basis.T @ f)), info['gt_label']))
    res = np.array(residual)
    assert res[res[:, 1] == 1, 0].min() > 2.0 > 1.0 > res[res[:, 1] == 0, 0].max()


def test_pack_inputs():
    register_all_modules()  # as the tools do: 'PackVADInputs' is found in scope vadkit
    ds = ToySegmentDataset(split='test', num_videos=2, pipeline=[dict(type='PackVADInputs')])
    packed = ds[0]
    assert packed['inputs'].shape == (32, )
    sample = packed['data_samples']
    assert isinstance(sample, VADDataSample)
    assert sample.video_id == 'test_000' and sample.frame_span == (0, 16)
    assert sample.num_frames == len(ds.metainfo['video_gt']['test_000'])
    with pytest.raises(DataError, match="item of video v has no 'feature' field"):
        PackVADInputs()(dict(video_id='v', clip=np.zeros(3)))


def test_blind_split_hides_labels():
    ds = ToySegmentDataset(split='test', num_videos=2, labelled=False)
    assert ds.metainfo['video_gt'] == {}
    assert len(ds.metainfo['num_frames']) == 2
