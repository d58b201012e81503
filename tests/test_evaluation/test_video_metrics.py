"""Video-level scores and metrics (weakly-supervised validation) checked by hand."""
import numpy as np
import pytest

from vadkit.evaluation import VideoLevelMetric, video_level_metrics, video_scores
from vadkit.structures import VADDataSample
from vadkit.utils.errors import DataError


def test_video_scores_reductions():
    frames = {'a': np.array([0.1, 0.9, 0.2, 0.4]), 'b': np.array([0.3, 0.3, np.nan])}
    assert video_scores(frames) == {'a': 0.9, 'b': 0.3}
    assert video_scores(frames, 'mean')['a'] == pytest.approx(0.4)
    # top 50 %: the 2 highest of a (0.9, 0.4)
    assert video_scores(frames, 'topk_mean', 0.5)['a'] == pytest.approx(0.65)
    with pytest.raises(DataError, match='video c: no finite'):
        video_scores({'c': np.array([np.nan])})


def test_video_level_auc_and_ap_by_hand():
    scores = {'a': 0.9, 'b': 0.2, 'c': 0.5, 'd': 0.7}
    labels = {'a': 1, 'b': 0, 'c': 1, 'd': 0}
    out = video_level_metrics(scores, labels)
    # pairs (anomalous, normal): (a, b) (a, d) (c, b) win, (c, d) loses: 3 / 4
    assert out['video_auc'] == pytest.approx(0.75)
    # ranking a(1) d(0) c(1) b(0): AP = (1/1 + 2/3) / 2
    assert out['video_ap'] == pytest.approx((1 + 2 / 3) / 2)
    with pytest.raises(DataError, match='without a 0/1 video label'):
        video_level_metrics(scores, {'a': 1})
    with pytest.raises(DataError, match='all normal'):
        video_level_metrics({'b': 0.1, 'd': 0.2}, labels)


def test_video_level_metric_from_item_predictions():
    metric = VideoLevelMetric(reduce='max')
    metric.dataset_meta = dict(num_frames={'a': 4, 'b': 4, 'c': 4},
                               video_labels={'a': 1, 'b': 0, 'c': 0, 'x': 1})
    samples = []
    for video, values in (('a', (0.2, 0.8)), ('b', (0.5, 0.1)), ('c', (0.3, 0.9))):
        for k, v in enumerate(values):
            s = VADDataSample(metainfo=dict(video_id=video, start=2 * k, end=2 * k + 2))
            s.set_pred_score('final', v)
            samples.append(s)
    metric.process(None, samples)
    out = metric.evaluate(len(samples))
    # maxima a 0.8, b 0.5, c 0.9: a beats b, loses to c
    assert out == {'video/video_auc': pytest.approx(0.5), 'video/video_ap': pytest.approx(0.5)}
