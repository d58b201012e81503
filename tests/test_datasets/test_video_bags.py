"""VideoBagDataset: one bag of segments per video, fixed-size training bags, labels
required where training needs them, padding in bag_collate, scores back to frames."""
import numpy as np
import pytest
import torch

from vadkit.datasets.video_bags import (VideoBagDataset, bag_collate, merge_segments,
                                        segment_scores_to_frames)
from vadkit.parsing import FeatureStore
from vadkit.utils.errors import DataError


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('bags') / 'store')
    store = FeatureStore(root, dict(hand_made=True))
    store.create()
    for v, n in enumerate((5, 3)):
        # segment c of video v, patch p, dim d: 100 v + 10 c + p + d / 10
        clips = (100 * v + 10 * np.arange(n)[:, None, None] + np.arange(3)[None, :, None]
                 + np.arange(2)[None, None, :] / 10).astype(np.float32)
        spans = np.array([(16 * c, 16 * c + 16) for c in range(n)], np.int64)
        store.write(f'v{v}', dict(clips=clips, clip_spans=spans), dict(num_frames=16 * n + 4))
    return root


def test_merge_segments_into_a_fixed_bag():
    f = np.arange(5, dtype=np.float32)[:, None]
    spans = np.array([(16 * c, 16 * c + 16) for c in range(5)])
    merged, s = merge_segments(f, spans, 2)  # groups {0, 1} and {2, 3, 4}
    np.testing.assert_allclose(merged[:, 0], [0.5, 3.0])
    assert s.tolist() == [[0, 32], [32, 80]]
    repeated, s = merge_segments(f[:2], spans[:2], 4)  # fewer segments: repeated
    np.testing.assert_allclose(repeated[:, 0], [0, 0, 1, 1])
    assert s.tolist() == [[0, 16], [0, 16], [16, 32], [16, 32]]


def test_bags_patches_and_labels(store):
    data = VideoBagDataset(store, 'test')
    assert len(data) == 2 and data.metainfo['num_frames'] == {'v0': 84, 'v1': 52}
    item = data.get_data_info(1)
    assert item['feature'].shape == (3, 3, 2) and item['label'] == -1
    np.testing.assert_allclose(item['feature'][2, 1], [121.0, 121.1])
    assert item['spans'][-1].tolist() == [32, 48]
    mean = VideoBagDataset(store, 'test', patches='mean').get_data_info(0)['feature']
    assert mean.shape == (5, 1, 2) and mean[0, 0, 0] == pytest.approx(1.0)
    fixed = VideoBagDataset(store, 'test', num_segments=2).get_data_info(0)
    assert fixed['feature'].shape == (2, 3, 2) and fixed['spans'].tolist() == [[0, 32],
                                                                               [32, 80]]
    with pytest.raises(DataError, match='without a video-level label'):
        VideoBagDataset(store, 'train')
    with pytest.raises(ValueError, match='patches'):
        VideoBagDataset(store, 'test', patches=[1])


def test_collate_pads_and_marks_the_real_segments(store):
    data = VideoBagDataset(store, 'test')
    batch = bag_collate([data[0], data[1]])
    x, valid = batch['inputs']['feature'], batch['inputs']['valid']
    assert x.shape == (2, 5, 3, 2) and valid.sum(1).tolist() == [5, 3]
    assert torch.all(x[1, 3:] == 0) and batch['inputs']['video_label'].tolist() == [-1, -1]
    sample = batch['data_samples'][1]
    assert (sample.video_id, sample.start, sample.end, sample.num_frames) == ('v1', 0, 48, 52)


def test_segment_scores_to_frames():
    spans = np.array([[0, 4], [4, 8], [6, 10]])
    frames = segment_scores_to_frames(np.array([0.1, 0.5, 0.3]), spans, 0, 12)
    np.testing.assert_allclose(frames, [0.1] * 4 + [0.5] * 4 + [0.3] * 2 + [0.3] * 2)


@pytest.fixture(scope='module')
def frame_root(store, tmp_path_factory):
    """Frame folders of v0 (84 frames) and v1 (52): frame i is B = i, G = 7, R = 200 - i."""
    import cv2
    root = tmp_path_factory.mktemp('bag_frames')
    for video, n in (('v0', 84), ('v1', 52)):
        (root / 'videos' / video).mkdir(parents=True)
        for i in range(n):
            image = np.empty((20, 30, 3), np.uint8)
            image[..., 0], image[..., 1], image[..., 2] = i, 7, 200 - i
            cv2.imwrite(str(root / 'videos' / video / f'{i:04d}.png'), image)
    return str(root)


def test_bags_give_each_segments_frames(store, frame_root):
    frames = dict(data_root=frame_root, patterns=['videos/*'], size=(10, 15), per_segment=2)
    item = VideoBagDataset(store, 'test', frames=frames)[0]
    assert item['frames'].shape == (5, 2, 10, 15, 3) and item['frames'].dtype == np.uint8
    # segment 1 spans frames 16..31: its first and last frame, RGB (R = 200 - i, B = i)
    assert item['frames'][1, :, 0, 0].tolist() == [[184, 7, 16], [169, 7, 31]]
    merged = VideoBagDataset(store, 'test', frames=frames, num_segments=2)[0]['frames']
    assert merged[:, :, 0, 0, 2].tolist() == [[0, 31], [32, 79]]  # groups [0, 32), [32, 80)
    batch = bag_collate([VideoBagDataset(store, 'test', frames=frames)[i] for i in (0, 1)])
    assert batch['inputs']['frames'].shape == (2, 5, 2, 10, 15, 3)
    assert int(batch['inputs']['frames'][1, 3:].sum()) == 0  # padding
    with pytest.raises(DataError, match='no frames for 2 video'):
        VideoBagDataset(store, 'test', frames=dict(data_root=frame_root, patterns=['x/*']))
    with pytest.raises(ValueError, match='data_root and patterns'):
        VideoBagDataset(store, 'test', frames=dict(data_root=frame_root))


def test_balanced_sampler_pairs_every_normal_bag_with_an_anomalous_one():
    from vadkit.datasets import BalancedBagSampler

    class Bags:
        data_list = [dict(label=v) for v in (0, 1, 0, 0, 1, 0, 0, 0, 0)]  # 7 normal, 2
    sampler = BalancedBagSampler(Bags(), per_class=3, seed=4)
    out = list(sampler)
    assert len(out) == len(sampler) == 14
    labels = [Bags.data_list[i]['label'] for i in out]
    assert labels == [0, 0, 0, 1, 1, 1] * 2 + [0, 1]  # the last batch: one of each
    assert sorted(i for i in out if i not in (1, 4)) == [0, 2, 3, 5, 6, 7, 8]  # each once
    assert out.count(1) + out.count(4) == 7 and abs(out.count(1) - out.count(4)) <= 1
    assert list(sampler) == out  # same epoch, same order
    sampler.set_epoch(1)
    assert list(sampler) != out
    with pytest.raises(DataError, match='needs both'):
        BalancedBagSampler(type('B', (), dict(data_list=[dict(label=0)]))())


def test_a_store_without_segment_features_is_named(tmp_path):
    from vadkit.datasets import SegmentDataset
    root = str(tmp_path / 'store')
    store = FeatureStore(root, dict(hand_made=True))
    store.create()
    store.write('v0', dict(tracks=np.zeros((0, 8), np.float32)), dict(num_frames=10))
    for dataset in (VideoBagDataset, SegmentDataset):
        with pytest.raises(DataError, match=r"video v0 has no \['clips', 'clip_spans'\] "
                                            r"\(it has \['tracks'\]\); its parsing config"):
            dataset(root, 'test')
