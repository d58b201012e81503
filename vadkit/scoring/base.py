"""Base classes and pipeline of scorers.

The pipeline's state is ``{video_id: VideoScores}``: per-stream frame scores of one video
and which of its frames the metrics evaluate. An expander creates it from item records;
every later step maps it to a new state, one video at a time unless its config says
``scope='global'``.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from vadkit.registry import SCORERS
from vadkit.utils.errors import ConfigError, DataError


@dataclass
class VideoScores:
    """Frame scores of one video.

    Args:
        streams: ``{stream: float64[num_frames]}``, e.g. ``appearance`` and ``motion``
            before fusion, ``final`` after.
        valid: ``bool[num_frames]``, the frames the metrics evaluate (all by default;
            :class:`~vadkit.scoring.TrailingFrames` with ``mode='drop'`` clears the frames
            after the last whole clip). Frames outside it still carry a finite score
            (that of the nearest evaluated frame) so that score files stay complete.
    """

    streams: Dict[str, np.ndarray]
    valid: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        lengths = {len(v) for v in self.streams.values()}
        if len(lengths) > 1:
            raise ValueError(f'streams of one video differ in length: {lengths}')
        if self.valid is None:
            self.valid = np.ones(lengths.pop() if lengths else 0, dtype=bool)
        elif lengths and lengths != {len(self.valid)}:
            raise ValueError(f'valid has {len(self.valid)} frames, the streams {lengths}')

    @property
    def num_frames(self) -> int:
        return len(self.valid)

    def replace(self, streams: Optional[Dict[str, np.ndarray]] = None,
                valid: Optional[np.ndarray] = None) -> 'VideoScores':
        return VideoScores(dict(self.streams if streams is None else streams),
                           self.valid if valid is None else valid)


ScoreState = Dict[str, VideoScores]


def fill_outside(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Frame scores of one video from the scores of its evaluated frames: a frame outside
    ``valid`` takes the score of the nearest evaluated frame before it (after it, for
    frames before the first one); a video with no evaluated frame scores 0."""
    index = np.flatnonzero(valid)
    if index.size == 0:
        return np.zeros(len(valid))
    source = np.searchsorted(index, np.arange(len(valid)), side='right') - 1
    return np.asarray(values, np.float64)[index[np.maximum(source, 0)]]


class BaseScorer:
    """A step of the scorer pipeline.

    Subclasses implement :meth:`__call__`; ``expects_records`` says whether the step
    consumes per-item records (an expander, first in a pipeline) or a score state.
    """

    expects_records: bool = False

    def __call__(self, scores: Mapping, num_frames: Mapping[str, int]) -> ScoreState:
        raise NotImplementedError

    def describe(self) -> dict:
        """The step's type and arguments, written next to results."""
        args = {k: v for k, v in vars(self).items() if not k.startswith('_')}
        return dict(type=type(self).__name__, **args)


class FrameScorer(BaseScorer):
    """A step that maps the evaluated frame scores of each stream to new ones.

    Subclasses implement :meth:`transform` on a 1-D array: one video's evaluated frames
    (``scope='video'``, the default), or those of all videos concatenated in test-set order
    (``scope='global'``, which crosses video boundaries and exists only to reproduce
    papers that did so).

    Args:
        scope: ``'video'`` or ``'global'``.
        streams: The streams to change; ``None`` for all of them.
    """

    def __init__(self, scope: str = 'video', streams: Optional[Sequence[str]] = None) -> None:
        if scope not in ('video', 'global'):
            raise ValueError(f"scope must be 'video' or 'global', got {scope!r}")
        self.scope = scope
        self.streams = None if streams is None else list(streams)

    def transform(self, values: np.ndarray, stream: str) -> np.ndarray:
        """New scores for ``values`` (float64, 1-D) of stream ``stream``."""
        raise NotImplementedError

    def _streams_of(self, video_id: str, video: VideoScores) -> List[str]:
        if self.streams is None:
            return list(video.streams)
        missing = [s for s in self.streams if s not in video.streams]
        if missing:
            raise DataError(f'{type(self).__name__}: video {video_id} has no stream(s) '
                            f'{missing} (it has {sorted(video.streams)})')
        return self.streams

    def __call__(self, scores: ScoreState, num_frames=None) -> ScoreState:
        out = {video_id: video.replace() for video_id, video in scores.items()}
        names = {s for video_id, video in scores.items() for s in self._streams_of(video_id, video)}
        for stream in sorted(names):
            videos = [k for k, v in scores.items() if stream in v.streams]
            values = [scores[k].streams[stream][scores[k].valid] for k in videos]
            if self.scope == 'global':
                joined = self.transform(np.concatenate(values) if values else np.zeros(0),
                                        stream)
                values = np.split(np.asarray(joined, np.float64),
                                  np.cumsum([len(v) for v in values])[:-1])
            else:
                values = [np.asarray(self.transform(v, stream), np.float64) for v in values]
            for video_id, new in zip(videos, values):
                valid = scores[video_id].valid
                if not valid.any():  # nothing evaluated: the scores stay as they are
                    continue
                if new.shape != (int(valid.sum()), ):
                    raise RuntimeError(f'{type(self).__name__}.transform returned shape '
                                       f'{new.shape} for {int(valid.sum())} frames')
                full = np.empty(len(valid))
                full[valid] = new
                out[video_id].streams[stream] = fill_outside(full, valid) \
                    if not valid.all() else new
        return out


class ScoringResult:
    """What a pipeline produced: the final state and the state after the expander
    (``raw``, before any post-processing)."""

    def __init__(self, scores: ScoreState, raw: ScoreState) -> None:
        self.scores = scores
        self.raw = raw

    @staticmethod
    def _single_stream(state: ScoreState) -> Dict[str, np.ndarray]:
        out = {}
        for video_id, video in state.items():
            if len(video.streams) != 1:
                raise ConfigError(f'the scorer pipeline ends with streams '
                                  f'{sorted(video.streams)} for video {video_id}; add a Fuse '
                                  'step to combine them into one score')
            out[video_id] = next(iter(video.streams.values()))
        return out

    def frame_scores(self) -> Dict[str, np.ndarray]:
        """``{video_id: float64[num_frames]}`` of the final single stream."""
        return self._single_stream(self.scores)

    def evaluated(self) -> Dict[str, np.ndarray]:
        """``{video_id: bool[num_frames]}``: the frames the metrics evaluate."""
        return {video_id: video.valid for video_id, video in self.scores.items()}

    def raw_scores(self) -> Dict[str, np.ndarray]:
        """Scores after the expander: ``{video_id: array}`` with one stream, else
        ``{'<stream>/<video_id>': array}``."""
        if all(len(v.streams) == 1 for v in self.raw.values()):
            return self._single_stream(self.raw)
        return {f'{stream}/{video_id}': values for video_id, video in self.raw.items()
                for stream, values in video.streams.items()}


class ScorerPipeline:
    """Run scorers in order: an expander first, then steps on frame scores.

    Args:
        steps: Built scorers.
    """

    def __init__(self, steps: Sequence[BaseScorer]) -> None:
        if not steps or not steps[0].expects_records:
            raise ConfigError('a scorer pipeline must start with an expander that turns item '
                              f'records into frame scores (e.g. ExpandToFrames), got '
                              f'{[type(s).__name__ for s in steps]}')
        late = [type(s).__name__ for s in steps[1:] if s.expects_records]
        if late:
            raise ConfigError(f'only the first scorer may read item records; {late} come later')
        self.steps = list(steps)

    def __call__(self, records: Mapping[str, list],
                 num_frames: Mapping[str, int]) -> ScoringResult:
        raw = self.steps[0](records, num_frames)
        scores = raw
        for step in self.steps[1:]:
            scores = step(scores, num_frames)
        return ScoringResult(scores, raw)

    def describe(self) -> List[dict]:
        return [step.describe() for step in self.steps]


def build_scorer_pipeline(cfgs: Union[Sequence[Union[dict, BaseScorer]], ScorerPipeline]
                          ) -> ScorerPipeline:
    """Build a :class:`ScorerPipeline` from a list of SCORERS configs."""
    if isinstance(cfgs, ScorerPipeline):
        return cfgs
    return ScorerPipeline([c if isinstance(c, BaseScorer) else SCORERS.build(c) for c in cfgs])
