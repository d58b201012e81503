"""Steps after the expander: Normalize, GaussianSmooth, Fuse, a plugin's FrameScorer, and
what a pipeline reports (ScoringResult, describe()).

Every expected number is derived by hand in the comment next to it.
"""
import json

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from vadkit.registry import SCORERS
from vadkit.scoring import (ExpandToFrames, FrameScorer, Fuse, GaussianSmooth, Normalize,
                            ScorerPipeline, ScoringResult, TrailingFrames, VideoScores,
                            build_scorer_pipeline, fill_outside)
from vadkit.utils.errors import ConfigError, DataError


def state(**videos):
    """``{video: VideoScores}`` from ``video=[...]`` (stream 'final'), ``video={stream:
    [...]}`` or ``video=(streams, valid)``."""
    out = {}
    for name, value in videos.items():
        valid = None
        if isinstance(value, tuple):
            value, valid = value
            valid = np.asarray(valid, bool)
        streams = value if isinstance(value, dict) else {'final': value}
        out[name] = VideoScores({k: np.asarray(v, np.float64) for k, v in streams.items()},
                                valid)
    return out


def rec(start, end, **scores):
    return dict(start=start, end=end, track_id=None, scores=scores)


# ---------------------------------------------------------------- VideoScores, fill_outside


def test_video_scores_defaults_and_checks():
    video = VideoScores({'a': np.zeros(3), 'b': np.ones(3)})
    assert video.num_frames == 3 and video.valid.tolist() == [True] * 3
    copy = video.replace(streams={'a': np.ones(3)})
    assert list(copy.streams) == ['a'] and copy.valid is video.valid
    with pytest.raises(ValueError, match='differ in length'):
        VideoScores({'a': np.zeros(3), 'b': np.zeros(4)})


def test_fill_outside_after_the_last_evaluated_frame():
    # TrailingFrames' masks: evaluated frames first; frames 2 and 3 repeat frame 1's 2
    valid = np.array([True, True, False, False])
    np.testing.assert_array_equal(fill_outside(np.array([1., 2., 9., 9.]), valid), [1, 2, 2, 2])
    # no evaluated frame: zeros
    np.testing.assert_array_equal(fill_outside(np.array([9., 9.]), np.zeros(2, bool)), [0, 0])


def test_fill_outside_any_mask():
    # frames 0, 2, 4 are not evaluated: frame 0 takes the first evaluated frame after it
    # (1), frames 2 and 4 the nearest evaluated frame before them (1 and 2); the evaluated
    # frames 1 and 3 keep their own scores
    valid = np.array([False, True, False, True, False])
    np.testing.assert_array_equal(fill_outside(np.array([9., 1., 9., 2., 9.]), valid),
                                  [1, 1, 1, 2, 2])


class Record(FrameScorer):
    """Adds 100 and remembers what transform saw."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen = []

    def transform(self, values, stream):
        self._seen.append((stream, values.tolist()))
        return values + 100


def test_frame_scorer_sees_only_evaluated_frames():
    # per video: a's evaluated frames (1, 2) and b's (3); global: (1, 2, 3) in test-set order
    scores = state(a=([1., 2., 50.], [1, 1, 0]), b=([3., 60.], [1, 0]))
    step = Record()
    out = step(scores)
    assert step._seen == [('final', [1., 2.]), ('final', [3.])]
    # the dropped frames repeat the video's last evaluated score
    assert out['a'].streams['final'].tolist() == [101., 102., 102.]
    assert out['b'].streams['final'].tolist() == [103., 103.]
    assert out['a'].valid.tolist() == [True, True, False]
    step = Record(scope='global')
    step(scores)
    assert step._seen == [('final', [1., 2., 3.])]
    # the input is left as it was
    assert scores['a'].streams['final'].tolist() == [1., 2., 50.]


def test_frame_scorer_with_a_dropped_first_frame():
    # evaluated frames 1, 2 become 3 + 100, 4 + 100; the dropped frame 0 takes 103
    out = Record()(state(b=([60., 3., 4.], [0, 1, 1])))
    assert out['b'].streams['final'].tolist() == [103., 103., 104.]


def test_frame_scorer_checks_its_arguments_and_output():
    with pytest.raises(ValueError, match='scope must be'):
        Record(scope='dataset')

    class Bad(FrameScorer):
        def transform(self, values, stream):
            return values[:-1]

    with pytest.raises(RuntimeError, match=r'Bad.transform returned shape \(1,\) for 2 frames'):
        Bad()(state(v=[1., 2.]))


# ---------------------------------------------------------------- Normalize


def test_normalize_minmax_per_video():
    # a: (x - 2) / (10 - 2) -> 0, .25, .5, 1;  b: constant -> zeros
    out = Normalize()(state(a=[2., 4., 6., 10.], b=[5., 5.]))
    np.testing.assert_allclose(out['a'].streams['final'], [0, .25, .5, 1])
    np.testing.assert_array_equal(out['b'].streams['final'], [0, 0])


def test_normalize_zscore_per_video():
    # 2 4 4 4 5 5 7 9: mean 40 / 8 = 5, squared deviations 9 1 1 1 0 0 4 16 -> variance
    # 32 / 8 = 4, std 2 -> -1.5 -.5 -.5 -.5 0 0 1 2;  constant -> zeros
    out = Normalize(method='zscore')(state(a=[2., 4., 4., 4., 5., 5., 7., 9.], b=[3., 3., 3.]))
    np.testing.assert_allclose(out['a'].streams['final'], [-1.5, -.5, -.5, -.5, 0, 0, 1, 2])
    np.testing.assert_array_equal(out['b'].streams['final'], [0, 0, 0])


def test_normalize_global_scope_uses_every_video():
    # min 0 (from a) and max 6 (from b): a -> 0, 1/6, 2/6;  b -> 4/6, 1
    out = Normalize(scope='global')(state(a=[0., 1., 2.], b=[4., 6.]))
    np.testing.assert_allclose(out['a'].streams['final'], [0, 1 / 6, 2 / 6])
    np.testing.assert_allclose(out['b'].streams['final'], [4 / 6, 1])
    # per video each one spans 0..1 on its own
    out = Normalize()(state(a=[0., 1., 2.], b=[4., 6.]))
    np.testing.assert_allclose(out['a'].streams['final'], [0, .5, 1])
    np.testing.assert_allclose(out['b'].streams['final'], [0, 1])
    # global z-score of 0 4 | 2 2: mean 2, variance (4 + 4 + 0 + 0) / 4 = 2
    out = Normalize(method='zscore', scope='global')(state(a=[0., 4.], b=[2., 2.]))
    np.testing.assert_allclose(out['a'].streams['final'], [-np.sqrt(2), np.sqrt(2)])
    np.testing.assert_allclose(out['b'].streams['final'], [0, 0])
    # a constant test set -> zeros
    out = Normalize(scope='global')(state(a=[3., 3.], b=[3.]))
    assert out['a'].streams['final'].tolist() == [0, 0]
    assert out['b'].streams['final'].tolist() == [0]


def test_normalize_stats_one_for_every_stream():
    # (x - 2) / 4: 2 -> 0, 6 -> 1, -2 -> -1, 4 -> .5 in both streams
    out = Normalize(method='stats', stats=dict(mean=2, std=4))(
        state(v=dict(appearance=[2., 6.], motion=[-2., 4.])))
    np.testing.assert_allclose(out['v'].streams['appearance'], [0, 1])
    np.testing.assert_allclose(out['v'].streams['motion'], [-1, .5])


PER_STREAM = {'appearance': dict(mean=1, std=2), 'motion': dict(mean=10, std=5)}


def check_per_stream(out):
    # appearance (x - 1) / 2: 1 -> 0, 3 -> 1;  motion (x - 10) / 5: 10 -> 0, 20 -> 2
    np.testing.assert_allclose(out['v'].streams['appearance'], [0, 1])
    np.testing.assert_allclose(out['v'].streams['motion'], [0, 2])


def test_normalize_stats_per_stream():
    scores = state(v=dict(appearance=[1., 3.], motion=[10., 20.]))
    check_per_stream(Normalize(method='stats', stats=PER_STREAM)(scores))


def test_normalize_stats_from_a_json_file(tmp_path):
    path = tmp_path / 'train_stats.json'
    path.write_text(json.dumps(PER_STREAM))
    step = Normalize(method='stats', stats=str(path))
    check_per_stream(step(state(v=dict(appearance=[1., 3.], motion=[10., 20.]))))
    # the path, not its content, is what describe() writes
    assert step.describe() == dict(type='Normalize', scope='video', streams=None,
                                   method='stats', stats=str(path))


def test_normalize_stats_errors(tmp_path):
    scores = state(v=dict(appearance=[1., 3.], motion=[10., 20.]))
    with pytest.raises(DataError, match="no training mean/std for stream 'motion'"):
        Normalize(method='stats', stats={'appearance': dict(mean=1, std=2)})(scores)
    with pytest.raises(DataError, match="training std of stream 'final' is 0"):
        Normalize(method='stats', stats=dict(mean=1, std=0))(state(v=[1., 2.]))
    with pytest.raises(ConfigError, match='Normalize stats file'):
        Normalize(method='stats', stats=str(tmp_path / 'missing.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text('{mean: 1')
    with pytest.raises(ConfigError, match='bad.json'):
        Normalize(method='stats', stats=str(bad))
    with pytest.raises(ValueError, match='stats are needed'):
        Normalize(method='stats')
    with pytest.raises(ValueError, match='stats are needed'):
        Normalize(method='minmax', stats=dict(mean=0, std=1))
    with pytest.raises(ValueError, match='method must be'):
        Normalize(method='rank')


def test_normalize_only_some_streams():
    # motion 10 20 30 -> 0 .5 1; appearance is left as it is
    scores = state(v=dict(appearance=[7., 8., 9.], motion=[10., 20., 30.]))
    out = Normalize(streams=['motion'])(scores)
    np.testing.assert_allclose(out['v'].streams['motion'], [0, .5, 1])
    np.testing.assert_array_equal(out['v'].streams['appearance'], [7, 8, 9])
    with pytest.raises(DataError, match=r"Normalize: video v has no stream\(s\) \['flow'\]"):
        Normalize(streams=['flow'])(scores)


def test_normalize_only_evaluated_frames():
    # evaluated 2 4 6 -> 0 .5 1; the two dropped frames (100) play no part and repeat the
    # last evaluated value, 1 (over all frames the result would be (x - 2) / 98)
    out = Normalize()(state(v=([2., 4., 6., 100., 100.], [1, 1, 1, 0, 0])))
    np.testing.assert_allclose(out['v'].streams['final'], [0, .5, 1, 1, 1])
    assert out['v'].valid.tolist() == [True, True, True, False, False]
    # global: a's 0 10 and b's evaluated 5 -> min 0, max 10; b's dropped frame repeats .5
    out = Normalize(scope='global')(state(a=[0., 10.], b=([5., 1000.], [1, 0])))
    np.testing.assert_allclose(out['a'].streams['final'], [0, 1])
    np.testing.assert_allclose(out['b'].streams['final'], [.5, .5])
    # a video without any evaluated frame (shorter than one clip) keeps its scores
    out = Normalize()(state(v=([4., 8.], [0, 0])))
    assert out['v'].streams['final'].tolist() == [4., 8.]


def test_normalize_after_trailing_frames_drop():
    # 37 frames: clips [0, 16) = 2 and [16, 32) = 6, and the partial clip [32, 37) scored
    # 100; TrailingFrames drops frames 32..36 (they take frame 31's 6), Normalize maps the
    # evaluated 2 / 6 to 0 / 1 and the dropped frames repeat the last evaluated value, 1
    records = {'v': [rec(0, 16, final=2.), rec(16, 32, final=6.), rec(32, 37, final=100.)]}
    result = ScorerPipeline([ExpandToFrames(), TrailingFrames(mode='drop'), Normalize()])(
        records, {'v': 37})
    np.testing.assert_allclose(result.frame_scores()['v'], [0.] * 16 + [1.] * 16 + [1.] * 5)
    assert result.evaluated()['v'].sum() == 32
    # the expander's output still has the partial clip's score
    assert result.raw_scores()['v'][32:].tolist() == [100.] * 5
    # with 'extend' every frame is evaluated with the last whole clip's score: same numbers
    result = ScorerPipeline([ExpandToFrames(), TrailingFrames(mode='extend'), Normalize()])(
        records, {'v': 37})
    np.testing.assert_allclose(result.frame_scores()['v'], [0.] * 16 + [1.] * 21)
    # without TrailingFrames 100 is the maximum: (x - 2) / 98
    result = ScorerPipeline([ExpandToFrames(), Normalize()])(records, {'v': 37})
    np.testing.assert_allclose(result.frame_scores()['v'],
                               [0.] * 16 + [4 / 98] * 16 + [1.] * 5)


# ---------------------------------------------------------------- GaussianSmooth


def test_gaussian_matches_scipy_per_video():
    rng = np.random.default_rng(0)
    a, b = rng.random(50), rng.random(30)
    out = GaussianSmooth(sigma=3)(state(a=a, b=b))
    np.testing.assert_allclose(out['a'].streams['final'], gaussian_filter1d(a, 3.))
    np.testing.assert_allclose(out['b'].streams['final'], gaussian_filter1d(b, 3.))
    out = GaussianSmooth(sigma=2, truncate=2., mode='nearest')(state(a=a))
    np.testing.assert_allclose(out['a'].streams['final'],
                               gaussian_filter1d(a, 2., truncate=2., mode='nearest'))


def test_gaussian_per_video_does_not_leak_but_global_does():
    # a spike on the last frame of a; b is all zeros and comes right after a
    a, b = np.zeros(20), np.zeros(20)
    a[-1] = 10.
    out = GaussianSmooth(sigma=3)(state(a=a, b=b))
    assert out['b'].streams['final'].tolist() == [0.] * 20
    assert out['a'].streams['final'][-1] < 10 and out['a'].streams['final'].sum() > 0
    out = GaussianSmooth(sigma=3, scope='global')(state(a=a, b=b))
    whole = gaussian_filter1d(np.concatenate([a, b]), 3.)
    np.testing.assert_allclose(out['a'].streams['final'], whole[:20])
    np.testing.assert_allclose(out['b'].streams['final'], whole[20:])
    # the spike leaks into b's first frames, decreasing with distance
    assert out['b'].streams['final'][0] > out['b'].streams['final'][1] > 0.1


def test_gaussian_list_of_sigmas_is_successive_filters():
    x = np.random.default_rng(1).random(60)
    out = GaussianSmooth(sigma=[1, 2, 3])(state(v=x))
    expected = gaussian_filter1d(gaussian_filter1d(gaussian_filter1d(x, 1.), 2.), 3.)
    np.testing.assert_allclose(out['v'].streams['final'], expected)
    # the six filters of sigma 1..6 of the Local Patterns code
    out = GaussianSmooth(sigma=range(1, 7))(state(v=x))
    for sigma in range(1, 7):
        x = gaussian_filter1d(x, float(sigma))
    np.testing.assert_allclose(out['v'].streams['final'], x)


def test_gaussian_sigma_zero_is_identity():
    x = np.array([0., 5., 1., 9.])
    for sigma in (0, [0, 0]):
        out = GaussianSmooth(sigma=sigma)(state(v=x))
        np.testing.assert_array_equal(out['v'].streams['final'], x)


def test_gaussian_radius():
    # sigma 1, radius 1: kernel exp(-x^2 / 2) on x = -1, 0, 1, normalised:
    # centre 1 / (1 + 2 e^-0.5) = 0.45186, sides e^-0.5 / (1 + 2 e^-0.5) = 0.27407;
    # frames 0 and 4 lie 2 frames from the impulse, outside the kernel: exactly 0
    e = np.exp(-.5)
    out = GaussianSmooth(sigma=1, radius=1)(state(v=[0., 0., 1., 0., 0.]))
    np.testing.assert_allclose(out['v'].streams['final'],
                               [0, e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e), 0])
    np.testing.assert_allclose(1 / (1 + 2 * e), 0.45186, atol=1e-5)
    # without radius the kernel reaches 4 sigmas: frame 0 gets exp(-2) / sum > 0
    out = GaussianSmooth(sigma=1)(state(v=[0., 0., 1., 0., 0.]))
    assert out['v'].streams['final'][0] > 0.05
    # radius 0: a one-frame kernel
    out = GaussianSmooth(sigma=1, radius=0)(state(v=[0., 0., 1., 0., 0.]))
    np.testing.assert_array_equal(out['v'].streams['final'], [0, 0, 1, 0, 0])


def test_gaussian_only_evaluated_frames():
    # the dropped frame's 100 is not smoothed into the evaluated zeros; it then repeats
    # the last evaluated value, 0
    out = GaussianSmooth(sigma=2)(state(v=([0., 0., 0., 0., 100.], [1, 1, 1, 1, 0])))
    assert out['v'].streams['final'].tolist() == [0.] * 5


@pytest.mark.parametrize('kwargs,match', [
    (dict(sigma=-1), 'sigma must be >= 0'),
    (dict(sigma=[1, -2]), 'sigma must be >= 0'),
    (dict(sigma=[]), 'sigma must be >= 0'),
    (dict(radius=-1), 'radius must be >= 0'),
    (dict(scope='all'), 'scope must be'),
])
def test_gaussian_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianSmooth(**kwargs)


# ---------------------------------------------------------------- Fuse


def test_fuse_half_half():
    # .5 * (0, 1, .5) + .5 * (1, 1, 0) = (.5, 1, .25)
    out = Fuse(weights=dict(appearance=.5, motion=.5))(
        state(v=dict(appearance=[0., 1., .5], motion=[1., 1., 0.])))
    assert list(out['v'].streams) == ['final']
    np.testing.assert_allclose(out['v'].streams['final'], [.5, 1, .25])


def test_fuse_other_weights_keep_inputs_and_valid():
    # .3 * (1, 2) + .7 * (10, 0) = (.3 + 7, .6) = (7.3, .6); the unfused stream 'extra' stays
    scores = state(v=(dict(appearance=[1., 2.], motion=[10., 0.], extra=[4., 4.]), [1, 0]))
    out = Fuse(weights=dict(appearance=.3, motion=.7), out='fused')(scores)
    assert sorted(out['v'].streams) == ['extra', 'fused']
    np.testing.assert_allclose(out['v'].streams['fused'], [7.3, .6])
    assert out['v'].valid.tolist() == [True, False]
    out = Fuse(weights=dict(appearance=.3, motion=.7), keep_inputs=True)(scores)
    assert sorted(out['v'].streams) == ['appearance', 'extra', 'final', 'motion']
    np.testing.assert_array_equal(out['v'].streams['motion'], [10, 0])


def test_fuse_errors():
    scores = state(a=dict(appearance=[1.], motion=[1.]), b=dict(appearance=[1.]))
    with pytest.raises(DataError, match=r"Fuse: video b has no stream\(s\) \['motion'\] "
                       r"\(it has \['appearance'\]\)"):
        Fuse(weights=dict(appearance=.5, motion=.5))(scores)
    with pytest.raises(ValueError, match='at least one stream'):
        Fuse(weights={})


def test_two_streams_at_the_end_need_a_fuse():
    records = {'v': [rec(0, 2, appearance=1., motion=2.)]}
    result = ScorerPipeline([ExpandToFrames(stream=('appearance', 'motion'))])(records,
                                                                             {'v': 2})
    with pytest.raises(ConfigError, match=r"\['appearance', 'motion'\] for video v; add a Fuse"):
        result.frame_scores()
    assert result.evaluated()['v'].tolist() == [True, True]


# ---------------------------------------------------------------- pipelines


HSC_LIKE = [
    dict(type='ExpandToFrames', stream=('appearance', 'motion')),
    dict(type='Normalize', method='minmax', scope='global'),
    dict(type='GaussianSmooth', sigma=30, radius=39, scope='global'),
    dict(type='Fuse', weights=dict(appearance=.5, motion=.5)),
]


def test_describe_lists_every_step_with_its_arguments():
    pipeline = build_scorer_pipeline(HSC_LIKE)
    assert pipeline.describe() == [
        dict(type='ExpandToFrames', stream=('appearance', 'motion'), reduce='max', fill='min'),
        dict(type='Normalize', scope='global', streams=None, method='minmax', stats=None),
        dict(type='GaussianSmooth', scope='global', streams=None, sigma=30, truncate=4.0,
             radius=39, mode='reflect'),
        dict(type='Fuse', weights={'appearance': .5, 'motion': .5}, out='final',
             keep_inputs=False),
    ]


def test_pipeline_normalize_and_fuse_by_hand():
    # a: [0, 2) app 1 mot 10, [2, 4) app 3 mot 30;  b: [0, 2) app 5 mot 20
    # global min-max: appearance (x - 1) / 4 -> a 0 0 .5 .5, b 1 1;
    #                 motion (x - 10) / 20  -> a 0 0 1 1,   b .5 .5
    # fused .5 / .5: a 0 0 .75 .75, b .75 .75
    records = {'a': [rec(0, 2, appearance=1., motion=10.), rec(2, 4, appearance=3., motion=30.)],
               'b': [rec(0, 2, appearance=5., motion=20.)]}
    steps = [HSC_LIKE[0], HSC_LIKE[1], HSC_LIKE[3]]
    result = build_scorer_pipeline(steps)(records, {'a': 4, 'b': 2})
    assert isinstance(result, ScoringResult)
    np.testing.assert_allclose(result.frame_scores()['a'], [0, 0, .75, .75])
    np.testing.assert_allclose(result.frame_scores()['b'], [.75, .75])
    # raw_scores: the expander's output, one 'stream/video' key per stream and video
    raw = result.raw_scores()
    assert sorted(raw) == ['appearance/a', 'appearance/b', 'motion/a', 'motion/b']
    np.testing.assert_array_equal(raw['appearance/a'], [1, 1, 3, 3])
    np.testing.assert_array_equal(raw['motion/a'], [10, 10, 30, 30])
    np.testing.assert_array_equal(raw['motion/b'], [20, 20])
    # the raw state is not changed by the later steps
    np.testing.assert_array_equal(result.raw['a'].streams['appearance'], [1, 1, 3, 3])


def test_raw_scores_single_stream_keys_are_videos():
    result = build_scorer_pipeline([dict(type='ExpandToFrames'), dict(type='Normalize')])(
        {'a': [rec(0, 2, final=4.)], 'b': [rec(0, 1, final=2.)]}, {'a': 2, 'b': 2})
    raw = result.raw_scores()
    assert list(raw) == ['a', 'b']
    assert raw['a'].tolist() == [4., 4.] and raw['b'].tolist() == [2., 2.]
    # after Normalize both videos are constant: zeros
    assert result.frame_scores()['a'].tolist() == [0., 0.]


# ---------------------------------------------------------------- a plugin's FrameScorer


def test_median_smooth_plugin_removes_a_spike():
    from vadkit_plugin_example import MedianSmooth

    assert issubclass(MedianSmooth, FrameScorer)
    # kernel 3: the single-frame spike 7 at frame 2 has median(0, 7, 0) = 0; the interval
    # 5 5 5 5 keeps its edges: frame 4 median(0, 0, 5) = 0, frame 5 median(0, 5, 5) = 5,
    # frame 8 median(5, 5, 0) = 5, frame 9 median(5, 0, 0) = 0
    scores = np.array([0., 0., 7., 0., 0., 5., 5., 5., 5., 0., 0.])
    pipeline = build_scorer_pipeline([dict(type='ExpandToFrames'),
                                      dict(type='MedianSmooth', kernel_size=3)])
    assert pipeline.describe()[1] == dict(type='MedianSmooth', scope='video', streams=None,
                                          kernel_size=3)
    result = pipeline({'v': [rec(0, 11, final=scores)]}, {'v': 11})
    np.testing.assert_array_equal(result.frame_scores()['v'],
                                  [0, 0, 0, 0, 0, 5, 5, 5, 5, 0, 0])
    # kernel 5 also removes a two-frame spike: frame 2 median(0, 0, 8, 8, 0) = 0
    out = MedianSmooth(kernel_size=5)(state(v=[0., 0., 8., 8., 0., 0., 0.]))
    assert out['v'].streams['final'].tolist() == [0.] * 7
    # mode='nearest' repeats the first score: a spike on frame 0 sees (9, 9, 0) and stays
    out = MedianSmooth(kernel_size=3)(state(v=[9., 0., 0., 0.]))
    assert out['v'].streams['final'].tolist() == [9., 0., 0., 0.]
    # per video: b's first frame is not pulled up by a's last one
    out = MedianSmooth(kernel_size=3)(state(a=[0., 6., 6.], b=[0., 0.]))
    assert out['a'].streams['final'].tolist() == [0., 6., 6.]
    assert out['b'].streams['final'].tolist() == [0., 0.]
    with pytest.raises(ValueError, match='positive odd'):
        MedianSmooth(kernel_size=4)
    assert SCORERS.get('MedianSmooth') is MedianSmooth
