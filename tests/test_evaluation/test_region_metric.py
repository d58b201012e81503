"""RegionMetric: RBDC / TBDC through the Runner's metric interface."""
import numpy as np
import pytest
import torch

from vadkit.evaluation import RegionMetric, region_track_detection
from vadkit.registry import METRICS
from vadkit.structures import VADDataSample
from vadkit.utils.errors import DataError


def test_records_from_samples_match_the_function():
    # video a: track 0 in frames 0..9 at (0, 0, 10, 10); video b is normal
    gt = {'a': np.array([[f, 0, 0, 0, 10, 10] for f in range(10)], float)}
    num_frames = {'a': 10, 'b': 10}
    hit = np.array([[f, 1, 1, 10, 10, 0.9] for f in range(0, 10, 2)])  # every other frame
    miss = np.array([[3, 50, 50, 60, 60, 0.8]])
    false_b = np.array([[f, 0, 0, 5, 5, 0.95] for f in range(5)])
    samples = [VADDataSample(metainfo=dict(video_id='a', start=0, end=10,
                                           pred_regions=torch.from_numpy(hit))),
               dict(video_id='a', start=0, end=10, pred_regions=miss),
               VADDataSample(metainfo=dict(video_id='b', start=0, end=10,
                                           pred_regions=false_b)),
               VADDataSample(metainfo=dict(video_id='b', start=0, end=10))]  # no regions
    metric = METRICS.build(dict(type='RegionMetric'))
    assert isinstance(metric, RegionMetric)
    metric.dataset_meta = dict(region_gt=gt, num_frames=num_frames)
    metric.process({}, samples)
    values = metric.compute_metrics(metric.results)
    expected = region_track_detection({'a': np.vstack([hit, miss]), 'b': false_b}, gt,
                                      num_frames)
    assert values == dict(rbdc=pytest.approx(expected.rbdc, abs=1e-12),
                          tbdc=pytest.approx(expected.tbdc, abs=1e-12))
    # by hand: at t = 0.95 five false positives in 20 frames (fpr .25), nothing detected;
    # at t = 0.9 half the regions and the track are detected; at 0.8 one more false positive
    np.testing.assert_allclose(metric.curves['fpr'], [0.25, 0.25, 0.3])
    np.testing.assert_allclose(metric.curves['region_rate'], [0, 0.5, 0.5])
    np.testing.assert_allclose(metric.curves['track_rate'], [0, 1, 1])


def test_without_region_ground_truth_nothing_is_computed():
    metric = RegionMetric()
    metric.dataset_meta = dict(num_frames={'a': 4})
    assert metric.compute_metrics([dict(video_id='a', regions=np.zeros((0, 6)))]) == {}


def test_bad_regions_name_the_dataset_and_video():
    metric = RegionMetric()
    metric.dataset_meta = dict(name='street', region_gt={'a': np.array([[0, 0, 0, 0, 4, 4.]])},
                               num_frames={'a': 4})
    with pytest.raises(DataError, match="RBDC/TBDC of street: .*video 'a'.*frame_index"):
        metric.compute_metrics([dict(video_id='a', regions=np.array([[9, 0, 0, 2, 2, .5]]))])
