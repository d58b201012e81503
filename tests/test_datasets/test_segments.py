"""SegmentDataset: segments of a feature store, patch choices, video labels, batched
fetching through the torch DataLoader, temporal differences."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from vadkit.datasets import SegmentDataset, batch_collate
from vadkit.parsing import FeatureStore
from vadkit.utils.errors import DataError


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('segments') / 'store')
    store = FeatureStore(root, dict(hand_made=True))
    store.create()
    for v, n in enumerate((3, 2)):
        # clip c of video v, patch p, dim d: 100 v + 10 c + p + d / 10
        clips = (100 * v + 10 * np.arange(n)[:, None, None] + np.arange(3)[None, :, None]
                 + np.arange(2)[None, None, :] / 10).astype(np.float32)
        spans = np.array([(16 * c, 16 * c + 16) for c in range(n)], np.int64)
        store.write(f'v{v}', dict(clips=clips, clip_spans=spans),
                    dict(num_frames=16 * n + 3, counts=dict(clips=n)))
    return root


def test_items_and_patch_choices(store):
    data = SegmentDataset(store, videos=['v*'])
    assert len(data) == 5 and data.metainfo['feature_dim'] == 2
    item = data.get_data_info(4)  # v1, clip 1
    assert (item['video_id'], item['start'], item['end'], item['segment']) == ('v1', 16, 32, 1)
    np.testing.assert_allclose(item['feature'], [110.0, 110.1])  # patch 0
    assert item['video_label'] == -1
    np.testing.assert_allclose(SegmentDataset(store, patches='mean').get_data_info(0)['feature'],
                               [1.0, 1.1])
    np.testing.assert_allclose(SegmentDataset(store, patches='all').get_data_info(1)['feature'],
                               [10.0, 10.1, 11.0, 11.1, 12.0, 12.1])
    np.testing.assert_allclose(SegmentDataset(store, patches=[2]).get_data_info(1)['feature'],
                               [12.0, 12.1])
    assert data.metainfo['num_frames'] == {'v0': 51, 'v1': 35}
    with pytest.raises(DataError, match='has 3 patches'):
        SegmentDataset(store, patches=[5])
    with pytest.raises(ValueError, match='patches'):
        SegmentDataset(store, patches='max')


def test_batches_come_whole_through_the_dataloader(store):
    data = SegmentDataset(store)
    loader = DataLoader(data, batch_size=4, sampler=[4, 0, 3, 1, 2], collate_fn=batch_collate)
    first, second = list(loader)
    np.testing.assert_allclose(first['inputs']['feature'][:, 0].numpy(), [110, 0, 100, 10])
    assert first['inputs']['segment'].tolist() == [1, 0, 0, 1]
    assert [s.video_id for s in first['data_samples']] == ['v1', 'v0', 'v1', 'v0']
    assert first['data_samples'][0].start == 16 and first['data_samples'][0].end == 32
    assert second['inputs']['feature'].shape == (1, 2)
    for i in range(len(data)):  # the batched path gives what single items give
        assert torch.allclose(data.__getitems__([i])[0]['inputs']['feature'][0],
                              torch.from_numpy(data.get_data_info(i)['feature']))


def test_temporal_differences_stay_within_videos(store):
    diff = SegmentDataset(store).temporal_differences()
    # patch 0 moves by 10 per clip in both dimensions: ||(10, 10)|| = 14.14
    np.testing.assert_allclose(diff, [np.inf, 10 * np.sqrt(2), 10 * np.sqrt(2), np.inf,
                                      10 * np.sqrt(2)])


def test_temporal_differences_come_with_the_items_when_asked(store):
    data = SegmentDataset(store, with_temporal_difference=True)
    assert data.get_data_info(1)['td'] == pytest.approx(10 * np.sqrt(2), rel=1e-6)
    batch = data.__getitems__([3, 4])[0]['inputs']
    assert batch['td'][0] == np.inf and batch['td'][1] == pytest.approx(14.142, rel=1e-4)
    assert 'td' not in SegmentDataset(store).__getitems__([0])[0]['inputs']


def test_video_labels_from_a_video_dataset(tmp_path):
    from tests.helpers.world import write_tiny_world
    from vadkit.parsing.extract import extract_features
    world = write_tiny_world(str(tmp_path / 'world'), test_videos=2, num_frames=(48, 48))
    parser = dict(type='VideoParser', clip_extractor=dict(type='MotionEnergyClip'),
                  clip_len=16, stride=16)
    extract_features(parser, dict(patterns=['training/frames/*', 'testing/frames/*']),
                     world, str(tmp_path / 'store'), progress=False)
    data = SegmentDataset(str(tmp_path / 'store'), split='test',
                          videos=dict(type='SyntheticVideos', data_root=world, split='test',
                                      regime='one_class'))
    labels = data.metainfo['video_labels']
    assert sorted(labels) == data.metainfo['videos'] and set(labels.values()) <= {0, 1}
    assert set(data.rows['label']) == set(labels.values())
    assert len(data) == 3 * len(labels)  # 48 frames: 3 segments of 16
    assert data.metainfo['video_gt'] and data.metainfo['feature_dim'] == 25



def test_label_fraction_keeps_a_share_of_each_class(store):
    """GCL_WS's supervision levels: that share of the anomalous and of the normal videos
    keep their label, the same ones for one seed."""
    data = SegmentDataset(store)
    labels = {f'v{v:02d}': int(v < 3) for v in range(12)}  # 3 anomalous, 9 normal
    assert data._kept_labels(labels) == labels
    for fraction, anomalous, normal in ((1 / 3, 1, 3), (2 / 3, 2, 6), (0.0, 0, 0)):
        data.label_fraction = fraction
        kept = data._kept_labels(labels)
        assert sum(kept.values()) == anomalous and len(kept) - anomalous == normal
        assert all(labels[v] == lbl for v, lbl in kept.items())
    data.label_fraction = 2 / 3
    picks = []
    for seed in (0, 0, 1):
        data.label_seed = seed
        picks.append(sorted(data._kept_labels(labels)))
    assert picks[0] == picks[1] and picks[0] != picks[2]
    with pytest.raises(ValueError, match='label_fraction'):
        SegmentDataset(store, label_fraction=1.5)
