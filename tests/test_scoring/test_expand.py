import numpy as np
import pytest

from vadkit.registry import SCORERS
from vadkit.scoring import ExpandToFrames, ScorerPipeline, build_scorer_pipeline
from vadkit.utils.errors import ConfigError, DataError


def rec(start, end, score, stream='final', track_id=None):
    return dict(start=start, end=end, track_id=track_id, scores={stream: score})


def test_scalar_items_repeat_and_fill_min():
    out = ExpandToFrames()({'v': [rec(0, 4, 0.2), rec(6, 8, 0.9)]}, {'v': 10})
    np.testing.assert_allclose(out['v'], [.2, .2, .2, .2, .2, .2, .9, .9, .2, .2])


def test_overlaps_max_and_mean():
    records = {'v': [rec(0, 4, 1.0, track_id=1), rec(2, 6, 3.0, track_id=2)]}
    np.testing.assert_allclose(ExpandToFrames(reduce='max', fill=-1)(records, {'v': 7})['v'],
                               [1, 1, 3, 3, 3, 3, -1])
    np.testing.assert_allclose(ExpandToFrames(reduce='mean', fill=0)(records, {'v': 7})['v'],
                               [1, 1, 2, 2, 3, 3, 0])


def test_per_frame_item_scores():
    out = ExpandToFrames()({'v': [rec(1, 4, np.array([0.1, 0.5, 0.3]))]}, {'v': 4})
    np.testing.assert_allclose(out['v'], [0.1, 0.1, 0.5, 0.3])


def test_videos_stay_separate():
    out = ExpandToFrames()({'a': [rec(0, 2, 5.0)], 'b': [rec(0, 3, 1.0)]}, {'a': 2, 'b': 3})
    assert out['a'].tolist() == [5.0, 5.0] and out['b'].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize('records,num_frames,match', [
    ({'v': [rec(0, 12, 1.0)]}, {'v': 10}, r'video v: item span \[0, 12\) lies outside its 10'),
    ({'v': [rec(0, 2, 1.0, stream='appearance')]}, {'v': 4}, "has no 'final' score"),
    ({'v': [rec(0, 4, np.ones(3))]}, {'v': 4}, 'has 3 values'),
    ({'v': [rec(0, 4, 1.0)]}, {}, 'video v: number of frames unknown'),
])
def test_bad_records_name_the_video(records, num_frames, match):
    with pytest.raises(DataError, match=match):
        ExpandToFrames()(records, num_frames)


def test_pipeline_order_is_checked():
    expand = SCORERS.build(dict(type='ExpandToFrames', stream='motion'))
    pipeline = build_scorer_pipeline([expand])
    assert pipeline.describe() == [dict(type='ExpandToFrames', stream='motion', reduce='max',
                                        fill='min')]
    with pytest.raises(ConfigError, match='must start with an expander'):
        ScorerPipeline([])
    with pytest.raises(ConfigError, match='only the first scorer'):
        ScorerPipeline([expand, ExpandToFrames()])
