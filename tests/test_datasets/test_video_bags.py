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
