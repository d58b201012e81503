"""Expanders (item records -> frame scores), Sultani's segment mapping and trailing frames.

Every expected number is derived by hand in the comment next to it.
"""
import numpy as np
import pytest

from vadkit.datasets.annotations import MIXTURE_SPLITS, load_mixture_split
from vadkit.registry import SCORERS
from vadkit.scoring import (ExpandSegments, ExpandToFrames, ScorerPipeline, TrailingFrames,
                            VideoScores, build_scorer_pipeline, sultani_segment_clips)
from vadkit.utils.errors import ConfigError, DataError


def rec(start, end, score, stream='final', track_id=None):
    scores = dict(score) if isinstance(score, dict) else {stream: score}
    return dict(start=start, end=end, track_id=track_id, scores=scores)


def final(state, video):
    """The single 'final' stream of one video of an expander's output."""
    assert isinstance(state[video], VideoScores)
    assert list(state[video].streams) == ['final']
    return state[video].streams['final']


# ---------------------------------------------------------------- ExpandToFrames


def test_scalar_items_repeat_and_fill_min():
    # items [0, 4) = .2 and [6, 8) = .9; frames 4, 5, 8, 9 are uncovered and take the
    # lowest item score of the video, .2
    out = ExpandToFrames()({'v': [rec(0, 4, 0.2), rec(6, 8, 0.9)]}, {'v': 10})
    np.testing.assert_allclose(final(out, 'v'), [.2, .2, .2, .2, .2, .2, .9, .9, .2, .2])
    assert out['v'].valid.tolist() == [True] * 10


def test_scalar_items_through_the_pipeline():
    # the same records through a one-step pipeline: frame_scores() is the single stream,
    # every frame is evaluated and raw_scores() is the expander's output
    result = ScorerPipeline([ExpandToFrames()])({'v': [rec(0, 4, 0.2), rec(6, 8, 0.9)]},
                                                {'v': 10})
    expected = [.2, .2, .2, .2, .2, .2, .9, .9, .2, .2]
    np.testing.assert_allclose(result.frame_scores()['v'], expected)
    np.testing.assert_allclose(result.raw_scores()['v'], expected)
    assert result.evaluated()['v'].sum() == 10


def test_overlaps_max_and_mean():
    # [0, 4) = 1 and [2, 6) = 3 overlap on frames 2, 3; frame 6 is uncovered
    # max: 1 1 max(1,3)=3 3 3 3 fill(-1);  mean: 1 1 (1+3)/2=2 2 3 3 fill(0)
    records = {'v': [rec(0, 4, 1.0, track_id=1), rec(2, 6, 3.0, track_id=2)]}
    np.testing.assert_allclose(final(ExpandToFrames(reduce='max', fill=-1)(records, {'v': 7}),
                                     'v'), [1, 1, 3, 3, 3, 3, -1])
    np.testing.assert_allclose(final(ExpandToFrames(reduce='mean', fill=0)(records, {'v': 7}),
                                     'v'), [1, 1, 2, 2, 3, 3, 0])


def test_overlapping_per_frame_arrays_max_and_mean():
    # [0, 3) = (1, 5, 2) and [1, 4) = (3, 3, 7): frame 0 -> 1, frame 1 -> {5, 3},
    # frame 2 -> {2, 3}, frame 3 -> 7
    # max: 1 5 3 7;  mean: 1 (5+3)/2=4 (2+3)/2=2.5 7
    records = {'v': [rec(0, 3, np.array([1., 5., 2.])), rec(1, 4, np.array([3., 3., 7.]))]}
    np.testing.assert_allclose(final(ExpandToFrames(reduce='max')(records, {'v': 4}), 'v'),
                               [1, 5, 3, 7])
    np.testing.assert_allclose(final(ExpandToFrames(reduce='mean')(records, {'v': 4}), 'v'),
                               [1, 4, 2.5, 7])


def test_per_frame_item_scores():
    # item [1, 4) carries one value per frame; frame 0 is uncovered and takes the
    # lowest value, .1
    out = ExpandToFrames()({'v': [rec(1, 4, np.array([0.1, 0.5, 0.3]))]}, {'v': 4})
    np.testing.assert_allclose(final(out, 'v'), [0.1, 0.1, 0.5, 0.3])


def test_videos_stay_separate():
    # each video only sees its own items (and its own fill)
    out = ExpandToFrames()({'a': [rec(0, 2, 5.0)], 'b': [rec(0, 3, 1.0)]}, {'a': 2, 'b': 3})
    assert final(out, 'a').tolist() == [5.0, 5.0] and final(out, 'b').tolist() == [1.0] * 3


def test_several_streams_and_a_video_without_records():
    # a: [0, 2) app .4 mot 2;  b: [1, 3) app .3 mot 5 in 4 frames;  c: 3 frames, no record
    records = {'a': [rec(0, 2, dict(appearance=.4, motion=2.))],
               'b': [rec(1, 3, dict(appearance=.3, motion=5.))]}
    num_frames = {'a': 2, 'b': 4, 'c': 3}
    out = ExpandToFrames(stream=('appearance', 'motion'))(records, num_frames)
    # every video of num_frames is scored, in num_frames' order
    assert list(out) == ['a', 'b', 'c']
    assert all(list(v.streams) == ['appearance', 'motion'] for v in out.values())
    np.testing.assert_allclose(out['a'].streams['appearance'], [.4, .4])
    np.testing.assert_allclose(out['a'].streams['motion'], [2, 2])
    # b's uncovered frames 0 and 3 take b's own lowest item score, per stream
    np.testing.assert_allclose(out['b'].streams['appearance'], [.3, .3, .3, .3])
    np.testing.assert_allclose(out['b'].streams['motion'], [5, 5, 5, 5])
    # c has no item: it takes the lowest item score of the test set, per stream:
    # appearance min(.4, .3) = .3, motion min(2, 5) = 2
    np.testing.assert_allclose(out['c'].streams['appearance'], [.3, .3, .3])
    np.testing.assert_allclose(out['c'].streams['motion'], [2, 2, 2])
    assert out['c'].valid.tolist() == [True] * 3
    # with a numeric fill every uncovered frame gets that number instead
    out = ExpandToFrames(stream=['appearance', 'motion'], fill=-1)(records, num_frames)
    np.testing.assert_allclose(out['b'].streams['motion'], [-1, 5, 5, -1])
    np.testing.assert_allclose(out['c'].streams['appearance'], [-1, -1, -1])


def test_fill_min_with_per_frame_arrays_takes_the_lowest_frame_value():
    # a: [0, 2) = (.9, .2);  b has no record -> lowest frame value of the test set, .2
    out = ExpandToFrames()({'a': [rec(0, 2, np.array([.9, .2]))]}, {'a': 3, 'b': 2})
    np.testing.assert_allclose(final(out, 'a'), [.9, .2, .2])
    np.testing.assert_allclose(final(out, 'b'), [.2, .2])


def test_fill_min_without_any_record_is_zero():
    out = ExpandToFrames()({}, {'a': 2})
    np.testing.assert_allclose(final(out, 'a'), [0, 0])


@pytest.mark.parametrize('records,num_frames,match', [
    ({'v': [rec(0, 12, 1.0)]}, {'v': 10}, r'video v: item span \[0, 12\) lies outside its 10'),
    ({'v': [rec(3, 3, 1.0)]}, {'v': 10}, r'video v: item span \[3, 3\)'),
    ({'v': [rec(-1, 3, 1.0)]}, {'v': 10}, r'video v: item span \[-1, 3\)'),
    ({'v': [rec(0, 2, 1.0, stream='appearance')]}, {'v': 4},
     r"video v: item \[0, 2\) has no 'final' score \(it has \['appearance'\]\)"),
    ({'v': [rec(0, 4, np.ones(3))]}, {'v': 4},
     r"video v: 'final' score of item \[0, 4\) has 3 values"),
    ({'v': [rec(0, 4, 1.0)]}, {}, 'video v: number of frames unknown'),
    ({'v': [rec(0, 4, 1.0)]}, {'w': 4}, 'video v: number of frames unknown'),
])
def test_bad_records_name_the_video(records, num_frames, match):
    with pytest.raises(DataError, match=match):
        ExpandToFrames()(records, num_frames)


def test_missing_stream_of_several_names_the_video():
    records = {'ok': [rec(0, 2, dict(appearance=1., motion=1.))],
               'bad': [rec(0, 2, dict(appearance=1.))]}
    with pytest.raises(DataError, match=r"video bad: item \[0, 2\) has no 'motion' score"):
        ExpandToFrames(stream=('appearance', 'motion'))(records, {'ok': 2, 'bad': 2})


@pytest.mark.parametrize('kwargs,match', [
    (dict(reduce='median'), 'reduce must be'),
    (dict(fill='max'), 'fill must be'),
])
def test_expand_to_frames_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ExpandToFrames(**kwargs)


def test_pipeline_order_is_checked():
    expand = SCORERS.build(dict(type='ExpandToFrames', stream='motion'))
    pipeline = build_scorer_pipeline([expand])
    assert pipeline.describe() == [dict(type='ExpandToFrames', stream='motion', reduce='max',
                                        fill='min')]
    assert build_scorer_pipeline(pipeline) is pipeline
    with pytest.raises(ConfigError, match='must start with an expander'):
        ScorerPipeline([])
    with pytest.raises(ConfigError, match='must start with an expander'):
        ScorerPipeline([TrailingFrames(), expand])
    with pytest.raises(ConfigError, match='only the first scorer'):
        ScorerPipeline([expand, ExpandToFrames()])


# ---------------------------------------------------------------- sultani_segment_clips


def segments_from_bounds(bounds):
    """The documented rule: segment i covers clips b[i] .. max(b[i+1] - 1, b[i]) (1-based),
    returned 0-based."""
    return [[b - 1, max(c - 1, b) - 1] for b, c in zip(bounds[:-1], bounds[1:])]


def test_sultani_100_clips():
    # linspace(1, 100, 33) = 1 + k * 99/32 = 1 + 3.09375 k, rounded half up:
    # k = 0..5: 1, 4.09, 7.19, 10.28, 13.38, 16.47          -> 1 4 7 10 13 16
    # k = 6..10: 19.56, 22.66, 25.75, 28.84, 31.94          -> 20 23 26 29 32
    # k = 11..15: 35.03, 38.13, 41.22, 44.31, 47.41         -> 35 38 41 44 47
    # k = 16: 1 + 49.5 = 50.5 exactly                        -> 51 (numpy's round: 50)
    # k = 17..21: 53.59, 56.69, 59.78, 62.88, 65.97         -> 54 57 60 63 66
    # k = 22..26: 69.06, 72.16, 75.25, 78.34, 81.44         -> 69 72 75 78 81
    # k = 27..32: 84.53, 87.63, 90.72, 93.81, 96.91, 100    -> 85 88 91 94 97 100
    bounds = [1, 4, 7, 10, 13, 16, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47, 51, 54, 57, 60, 63,
              66, 69, 72, 75, 78, 81, 85, 88, 91, 94, 97, 100]
    clips = sultani_segment_clips(100, 32)
    assert clips.shape == (32, 2)
    assert clips.tolist() == segments_from_bounds(bounds)
    assert clips[0].tolist() == [0, 2]      # clips 1..3, 1-based
    assert clips[5].tolist() == [15, 18]    # 16..19: four clips
    assert clips[15].tolist() == [46, 49]   # 47..50 (50 with banker's rounding: 47..49)
    assert clips[16].tolist() == [50, 52]   # 51..53 (50..53 with banker's rounding)
    # the last clip (100, 0-based 99) is not covered: its frames are trailing frames
    assert clips[31].tolist() == [96, 98]
    assert clips.max() == 98


def test_sultani_half_up_where_bankers_rounding_differs():
    # n = 100, k = 16: linspace gives exactly 50.5 (49.5 = 16 * 3.09375 is exact in
    # binary); MATLAB's round gives 51, numpy's round-half-to-even gives 50
    value = np.linspace(1, 100, 33)[16]
    assert value == 50.5 and np.round(value) == 50
    assert sultani_segment_clips(100, 32)[16, 0] == 51 - 1
    # n = 5: 1 + k/8 hits 1.5, 2.5, 3.5, 4.5 at k = 4, 12, 20, 28;
    # half up -> 2, 3, 4, 5 (numpy -> 2, 2, 4, 4), so segments 12 and 28 start at clips
    # 3 and 5 (1-based), where numpy's rounding would start them at 2 and 4
    clips = sultani_segment_clips(5, 32)
    assert clips[12, 0] == 2 and clips[28, 0] == 4
    assert not np.array_equal(np.floor(np.linspace(1, 5, 33) + .5), np.round(
        np.linspace(1, 5, 33)))


def test_sultani_fewer_clips_than_segments():
    # n = 3: linspace(1, 3, 33) = 1 + k/16; below 1.5 for k <= 7 -> 1; k = 8 is 1.5 -> 2;
    # below 2.5 up to k = 23 -> 2; k = 24 is 2.5 -> 3 (half up); up to k = 32 -> 3
    # bounds: eight 1s, sixteen 2s, nine 3s; every segment covers exactly one clip:
    # segments 0..7 -> clip 0 (segment 7: b = 1, b' = 2 -> clips 1..1),
    # segments 8..23 -> clip 1, segments 24..31 -> clip 2
    clips = sultani_segment_clips(3, 32)
    assert clips[:, 0].tolist() == [0] * 8 + [1] * 16 + [2] * 8
    assert clips[:, 1].tolist() == clips[:, 0].tolist()
    # one clip: every bound is 1, every segment covers clip 0
    assert sultani_segment_clips(1, 32).tolist() == [[0, 0]] * 32


# ---------------------------------------------------------------- ExpandSegments


def test_expand_segments_sultani_70_frames():
    # 70 frames hold 70 // 16 = 4 clips; linspace(1, 4, 33) = 1 + 3k/32 rounded half up:
    # k = 0..5 -> 1 (k = 5: 1.47), k = 6..15 -> 2 (k = 6: 1.56, k = 15: 2.41),
    # k = 16 -> 2.5 -> 3, k = 16..26 -> 3 (k = 26: 3.44), k = 27..32 -> 4 (k = 27: 3.53)
    # segment i covers clip b[i] alone: clip 1 <- segments 0..5, clip 2 <- 6..15,
    # clip 3 <- 16..26, clip 4 <- 27..31; later segments overwrite earlier ones, so with
    # segment i scoring i: frames 0-15 -> 5, 16-31 -> 15, 32-47 -> 26, 48-63 -> 31, and the
    # trailing frames 64-69 take the last segment's score, 31
    scores = np.arange(32, dtype=float)
    out = ExpandSegments(mapping='sultani')({'v': [rec(0, 70, scores)]}, {'v': 70})
    expected = [5.] * 16 + [15.] * 16 + [26.] * 16 + [31.] * 16 + [31.] * 6
    np.testing.assert_array_equal(final(out, 'v'), expected)


def test_expand_segments_sultani_overwrite_and_trailing_frames():
    # 50 frames, 3 clips (see test_sultani_fewer_clips_than_segments): clip 0 <- segments
    # 0..7, clip 1 <- 8..23, clip 2 <- 24..31; segment i scores 10 i, so frames 0-15 ->
    # 70, 16-31 -> 230, 32-47 -> 310 and trailing frames 48, 49 -> the last score, 310
    scores = 10. * np.arange(32)
    out = ExpandSegments(mapping='sultani')({'v': [rec(0, 50, scores)]}, {'v': 50})
    np.testing.assert_array_equal(final(out, 'v'), [70.] * 16 + [230.] * 16 + [310.] * 18)


def test_expand_segments_sultani_100_clips_leaves_the_last_clip_trailing():
    # 1,605 frames = 100 clips + 5 frames; segment 31 covers clips 96..98 (0-based), so
    # frames 96*16 = 1536 .. 1583 score 31 and the last clip (1584..1599) and the 5 extra
    # frames are trailing frames with the last segment's score, 31;
    # segment 16 covers clips 50..52: frames 800..847 score 16, frame 799 (clip 49,
    # segment 15) scores 15
    out = ExpandSegments(mapping='sultani')({'v': [rec(0, 1605, np.arange(32.))]},
                                            {'v': 1605})
    frames = final(out, 'v')
    assert frames[0] == 0 and frames[47] == 0 and frames[48] == 1
    assert frames[799] == 15 and frames[800] == 16 and frames[847] == 16 and frames[848] == 17
    assert (frames[1536:] == 31).all() and frames[1535] == 30


def test_expand_segments_sultani_item_inside_a_video():
    # item [10, 45) of a 50-frame video: 35 // 16 = 2 clips; linspace(1, 2, 33) = 1 + k/32
    # -> 1 for k <= 15, 2 from k = 16 (1.5 -> 2): segments 0..15 -> clip 0, 16..31 -> clip 1
    # frames 10-25 -> 15, 26-41 -> 31, 42-44 (trailing) -> 31, outside the item -> fill -1
    out = ExpandSegments(mapping='sultani', fill=-1)({'v': [rec(10, 45, np.arange(32.))]},
                                                     {'v': 50})
    expected = [-1.] * 10 + [15.] * 16 + [31.] * 16 + [31.] * 3 + [-1.] * 5
    np.testing.assert_array_equal(final(out, 'v'), expected)


def test_expand_segments_repeat():
    # T = 4 snippet scores, 16 frames each, over 64 frames: 0-15 -> 1, ..., 48-63 -> 4
    out = ExpandSegments(mapping='repeat')({'v': [rec(0, 64, np.array([1., 2., 3., 4.]))]},
                                           {'v': 64})
    np.testing.assert_array_equal(final(out, 'v'), np.repeat([1., 2., 3., 4.], 16))


def test_expand_segments_repeat_partial_last_segment():
    # 50 frames, T = 4: segments [0, 16), [16, 32), [32, 48), and the last one is the 2
    # frames [48, 50)
    out = ExpandSegments()({'v': [rec(0, 50, np.array([1., 2., 3., 4.]))]}, {'v': 50})
    np.testing.assert_array_equal(final(out, 'v'), [1.] * 16 + [2.] * 16 + [3.] * 16 + [4.] * 2)


def test_expand_segments_repeat_trailing_frames_and_fill():
    # video of 80 frames, item [4, 74) with T = 4 scores: segments cover 4-19, 20-35,
    # 36-51, 52-67; frames 68-73 (after the last segment, inside the item) take the last
    # score 4; frames 0-3 and 74-79 lie outside every item -> fill 0.5
    out = ExpandSegments(fill=.5)({'v': [rec(4, 74, np.array([1., 2., 3., 4.]))]}, {'v': 80})
    expected = [.5] * 4 + [1.] * 16 + [2.] * 16 + [3.] * 16 + [4.] * 16 + [4.] * 6 + [.5] * 6
    np.testing.assert_array_equal(final(out, 'v'), expected)


def test_expand_segments_several_streams_and_clip_len():
    # clip_len 2: appearance (1, 2) -> frames 0-1, 2-3, trailing 4 -> 2;
    # motion (5, 6, 7) -> 0-1, 2-3, 4 (partial last segment); video w has no item -> fill 0
    records = {'v': [rec(0, 5, dict(appearance=np.array([1., 2.]),
                                    motion=np.array([5., 6., 7.])))]}
    out = ExpandSegments(stream=('appearance', 'motion'), clip_len=2)(records, {'v': 5, 'w': 3})
    np.testing.assert_array_equal(out['v'].streams['appearance'], [1, 1, 2, 2, 2])
    np.testing.assert_array_equal(out['v'].streams['motion'], [5, 5, 6, 6, 7])
    np.testing.assert_array_equal(out['w'].streams['motion'], [0, 0, 0])


@pytest.mark.parametrize('mapping,span,num_segments,match', [
    # repeat: T segments need more than (T - 1) * 16 frames; 5 segments in 64 frames:
    # 4 * 16 = 64 >= 64, the fifth would start after the item
    ('repeat', 64, 5, r'video v: 5 segments of 16 frames do not fit the 64 frames of item '
     r'\[0, 64\)'),
    ('sultani', 15, 32, r'video v: item \[0, 15\) is shorter than one clip of 16 frames'),
])
def test_expand_segments_errors_name_the_video(mapping, span, num_segments, match):
    records = {'v': [rec(0, span, np.ones(num_segments))]}
    with pytest.raises(DataError, match=match):
        ExpandSegments(mapping=mapping)(records, {'v': span})


def test_expand_segments_repeat_just_fits():
    # 5 segments in 65 frames: 4 * 16 = 64 < 65, the fifth is the single frame 64
    out = ExpandSegments()({'v': [rec(0, 65, np.arange(5.))]}, {'v': 65})
    assert final(out, 'v')[63] == 3 and final(out, 'v')[64] == 4


@pytest.mark.parametrize('mapping', ['repeat', 'sultani'])
def test_expand_segments_empty_scores_name_the_video(mapping):
    with pytest.raises(DataError, match='video v'):
        ExpandSegments(mapping=mapping)({'v': [rec(0, 32, np.zeros(0))]}, {'v': 32})


@pytest.mark.parametrize('expander', [ExpandToFrames, ExpandSegments])
def test_non_finite_item_scores_name_the_video(expander):
    # a NaN from the model must not pass as an uncovered frame
    with pytest.raises(DataError, match=r"video v: 'final' score of item \[0, 32\) is not "
                                        'finite'):
        expander()({'v': [rec(0, 32, np.array([np.nan]))]}, {'v': 32})


def test_expanders_need_a_stream():
    for expander in (ExpandToFrames, ExpandSegments):
        with pytest.raises(ValueError, match='at least one stream'):
            expander(stream=[])


@pytest.mark.parametrize('kwargs,match', [
    (dict(mapping='linear'), 'mapping must be'),
    (dict(clip_len=0), 'clip_len must be positive'),
])
def test_expand_segments_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ExpandSegments(**kwargs)


# ---------------------------------------------------------------- TrailingFrames


def video_37():
    # 37 frames, scores 0..36, so frame 31 (the last of the 2 whole clips) scores 31
    return {'v': VideoScores({'final': np.arange(37.)})}


def test_trailing_drop():
    # 37 // 16 * 16 = 32: frames 0..31 are evaluated, 32..36 are not and repeat frame 31
    out = TrailingFrames(clip_len=16, mode='drop')(video_37())
    assert out['v'].valid.tolist() == [True] * 32 + [False] * 5
    np.testing.assert_array_equal(out['v'].streams['final'], list(range(32)) + [31.] * 5)


def test_trailing_extend():
    # evaluated everywhere; frames 32..36 take frame 31's score
    out = TrailingFrames(mode='extend')(video_37())
    assert out['v'].valid.all()
    np.testing.assert_array_equal(out['v'].streams['final'], list(range(32)) + [31.] * 5)


def test_trailing_fill():
    out = TrailingFrames(mode='fill', value=-2.5)(video_37())
    assert out['v'].valid.all()
    np.testing.assert_array_equal(out['v'].streams['final'], list(range(32)) + [-2.5] * 5)


def test_trailing_does_not_change_its_input():
    scores = video_37()
    TrailingFrames(mode='fill', value=0.)(scores)
    TrailingFrames(mode='drop')(scores)
    np.testing.assert_array_equal(scores['v'].streams['final'], np.arange(37.))
    assert scores['v'].valid.all()


def test_trailing_drop_through_the_pipeline_every_stream():
    # two 16-frame clips scored (1, 3) in appearance and (10, 30) in motion over 37 frames:
    # the 5 uncovered frames first get the fill (the minimum), then TrailingFrames gives them
    # frame 31's score (3 / 30) and drops them from evaluation
    records = {'v': [rec(0, 16, dict(appearance=1., motion=10.)),
                     rec(16, 32, dict(appearance=3., motion=30.))]}
    pipeline = ScorerPipeline([ExpandToFrames(stream=('appearance', 'motion')),
                               TrailingFrames(mode='drop')])
    result = pipeline(records, {'v': 37})
    assert result.evaluated()['v'].sum() == 32
    assert result.scores['v'].streams['appearance'][32:].tolist() == [3.] * 5
    assert result.scores['v'].streams['motion'][32:].tolist() == [30.] * 5
    # raw_scores() keeps the expander's output: the trailing frames still hold the fill
    raw = result.raw_scores()
    assert sorted(raw) == ['appearance/v', 'motion/v']
    assert raw['appearance/v'][32:].tolist() == [1.] * 5
    assert raw['motion/v'][32:].tolist() == [10.] * 5


def test_trailing_video_shorter_than_one_clip():
    # 10 frames < 16: no whole clip; 'drop' evaluates none of them (scores kept as they
    # are), 'extend' has no whole clip to copy from and keeps them, 'fill' sets all
    scores = {'v': VideoScores({'final': np.arange(10.)})}
    dropped = TrailingFrames(mode='drop')(scores)
    assert not dropped['v'].valid.any()
    np.testing.assert_array_equal(dropped['v'].streams['final'], np.arange(10.))
    extended = TrailingFrames(mode='extend')(scores)
    assert extended['v'].valid.all()
    np.testing.assert_array_equal(extended['v'].streams['final'], np.arange(10.))
    filled = TrailingFrames(mode='fill', value=7.)(scores)
    assert filled['v'].valid.all()
    np.testing.assert_array_equal(filled['v'].streams['final'], [7.] * 10)


def test_trailing_whole_clips_only_is_unchanged():
    # 48 = 3 * 16 frames: nothing trails
    scores = {'v': VideoScores({'final': np.arange(48.)})}
    for mode, value in (('drop', None), ('extend', None), ('fill', 9.)):
        out = TrailingFrames(mode=mode, value=value)(scores)
        assert out['v'].valid.all()
        np.testing.assert_array_equal(out['v'].streams['final'], np.arange(48.))


def test_trailing_describe():
    assert TrailingFrames(clip_len=8, mode='fill', value=0.).describe() == dict(
        type='TrailingFrames', clip_len=8, mode='fill', value=0.)


@pytest.mark.parametrize('kwargs,match', [
    (dict(mode='crop'), 'mode must be'),
    (dict(mode='fill'), 'value is needed'),
    (dict(mode='drop', value=0.), 'value is needed'),
    (dict(mode='extend', value=1.), 'value is needed'),
    (dict(clip_len=0), 'clip_len must be positive'),
    (dict(clip_len=-16), 'clip_len must be positive'),
])
def test_trailing_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrailingFrames(**kwargs)


# ---------------------------------------------------------------- real data

# (split, evaluated frames of HSC's Table 1, all test frames)
MIXTURE_FRAMES = [('01+02', 5488, 5547), ('04+08', 5104, 5161), ('10+12', 3584, 3615)]


@pytest.mark.parametrize('name,evaluated,total', MIXTURE_FRAMES)
def test_mixture_test_sets_in_16_frame_clips(shared_data, name, evaluated, total):
    # one record per whole 16-frame clip; HSC drops the frames after a video's last whole
    # clip, which leaves the frame counts of its Table 1
    split = load_mixture_split(shared_data('ground_truth', 'shanghaitech_mixture'), name)
    num_frames = {video: len(mask) for video, mask in split.masks.items()}
    records = {video: [rec(16 * k, 16 * k + 16, float(k % 5)) for k in range(n // 16)]
               for video, n in num_frames.items()}
    result = ScorerPipeline([ExpandToFrames(), TrailingFrames(mode='drop')])(records,
                                                                             num_frames)
    frames = result.frame_scores()
    valid = result.evaluated()
    assert list(frames) == split.test
    assert sum(int(v.sum()) for v in valid.values()) == evaluated
    assert sum(int(np.isfinite(f).sum()) for f in frames.values()) == total
    assert sum(len(f) for f in frames.values()) == total
    for video, n in num_frames.items():
        whole = n // 16 * 16
        assert valid[video].tolist() == [True] * whole + [False] * (n - whole)
        # frame i of the evaluated part scores its clip's (i // 16) % 5; trailing frames
        # repeat the score of the last whole clip
        np.testing.assert_array_equal(frames[video][:whole], np.arange(whole) // 16 % 5)
        assert (frames[video][whole:] == (whole // 16 - 1) % 5).all()


def test_mixture_splits_are_all_checked():
    assert [m[0] for m in MIXTURE_FRAMES] == list(MIXTURE_SPLITS)
