"""Imported multi-crop features: one crop, or a random crop per read (augmentation)."""
import numpy as np
import pytest

from vadkit.datasets import SegmentDataset, VideoBagDataset
from vadkit.parsing import FeatureStore
from vadkit.utils.errors import ConfigError, DataError


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('crops') / 'store')
    store = FeatureStore(root, dict(hand_made=True))
    store.create()
    for v in range(2):
        # segment t, crop k, dim d: 100 v + 10 t + k + d / 10
        crops = (100 * v + 10 * np.arange(6)[:, None, None] + np.arange(5)[None, :, None]
                 + np.arange(2)[None, None, :] / 10).astype(np.float32)
        spans = np.array([(16 * t, 16 * t + 16) for t in range(6)], np.int64)
        store.write(f'v{v}', dict(clips=crops.mean(1, keepdims=True), crops=crops,
                                  clip_spans=spans), dict(num_frames=96))
    return root


def test_segments_take_a_crop_or_draw_one_per_segment(store):
    mean = SegmentDataset(store, 'train')
    np.testing.assert_allclose(mean.features([7]), [[112.0, 112.1]])  # crop mean 2
    fixed = SegmentDataset(store, 'train', crops=3)
    np.testing.assert_allclose(fixed.features([0, 7]), [[3.0, 3.1], [113.0, 113.1]])
    assert fixed.metainfo['feature_dim'] == 2
    np.random.seed(0)
    drawn = SegmentDataset(store, 'train', crops='random').features(list(range(12)) * 5)
    crop = np.round(drawn[:, 0] % 10).astype(int)
    assert set(crop) == set(range(5))  # 60 draws from 5 crops
    np.testing.assert_allclose(drawn[:, 1] - drawn[:, 0], 0.1, atol=1e-4)  # one crop per row
    with pytest.raises(DataError, match='crop 7 asked for, the array has 5 crops'):
        SegmentDataset(store, 'train', crops=7)
    with pytest.raises(ConfigError, match='not on the test split'):
        SegmentDataset(store, 'test', crops='random')


def test_bags_draw_one_crop_for_the_whole_bag(store):
    np.random.seed(1)
    data = VideoBagDataset(store, 'train', crops='random', require_labels=False)
    seen = set()
    for _ in range(20):
        x = data[1]['feature'][:, 0, 0]  # [T]
        k = np.round(x - 100 - 10 * np.arange(6)).astype(int)
        assert len(set(k)) == 1  # the same crop for every segment of the bag
        seen.add(int(k[0]))
    assert len(seen) >= 3
    np.testing.assert_allclose(VideoBagDataset(store, 'test', crops=4)[0]['feature'][:, 0, 0],
                               10 * np.arange(6) + 4)
