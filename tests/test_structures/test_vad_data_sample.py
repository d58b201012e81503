import doctest

import numpy as np
import pytest
import torch

from vadkit.structures import VADDataSample
from vadkit.structures import vad_data_sample


def test_doctests_pass():
    result = doctest.testmod(vad_data_sample, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


def test_meta_and_span():
    sample = VADDataSample(metainfo=dict(video_id='v1', start=4, end=20, track_id=7,
                                         num_frames=100))
    assert sample.video_id == 'v1'
    assert sample.track_id == 7
    assert sample.frame_span == (4, 20)
    assert sample.num_span_frames == 16


def test_span_missing_names_video():
    sample = VADDataSample(metainfo=dict(video_id='cam3'))
    with pytest.raises(AttributeError, match='cam3'):
        _ = sample.frame_span


def test_labels_are_long_tensors():
    sample = VADDataSample(metainfo=dict(video_id='v', start=0, end=3))
    sample.gt_label = np.int64(1)
    sample.gt_frame_labels = np.array([0, 1, 1], dtype=np.uint8)
    assert sample.gt_label.dtype == torch.long and int(sample.gt_label) == 1
    assert sample.gt_frame_labels.tolist() == [0, 1, 1]
    assert sample.gt_frame_labels.dtype == torch.long
    with pytest.raises(ValueError, match=r'2 entries for the 3 frames of span \[0, 3\)'):
        sample.gt_frame_labels = [0, 1]


def test_stream_scores():
    sample = VADDataSample(metainfo=dict(video_id='v', start=0, end=4))
    assert sample.get_pred_score('appearance') is None
    sample.set_pred_score('appearance', np.float64(0.5))
    sample.set_pred_score('motion', torch.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True))
    assert sample.get_pred_score('appearance').dtype == torch.float32
    motion = sample.get_pred_score('motion')
    assert not motion.requires_grad
    assert torch.allclose(motion, torch.tensor([0.1, 0.2, 0.3, 0.4]))
    assert set(sample.pred_scores.keys()) == {'appearance', 'motion'}
    with pytest.raises(AssertionError):
        sample.pred_scores = {'not': 'a data element'}
