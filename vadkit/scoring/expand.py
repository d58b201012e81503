"""Expanders: from item records (object clips, segments, whole videos) to frame scores.

An expander is the first step of every scorer pipeline. It reads ``{video_id: [record,
...]}``, where a record is ``dict(start, end, track_id, scores={stream: value})`` for the
frame span ``[start, end)`` of one dataset item, and gives every video of the test set
(``num_frames``) one float score per frame and stream.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from vadkit.registry import SCORERS
from vadkit.utils.errors import DataError

from .base import BaseScorer, ScoreState, VideoScores

StreamArg = Union[str, Sequence[str]]


def _stream_list(stream: StreamArg) -> List[str]:
    streams = [stream] if isinstance(stream, str) else list(stream)
    if not streams:
        raise ValueError('an expander needs at least one stream')
    return streams


def _check_span(video_id: str, item: dict, n: int) -> tuple:
    start, end = int(item['start']), int(item['end'])
    if not 0 <= start < end <= n:
        raise DataError(f'video {video_id}: item span [{start}, {end}) lies outside its {n} '
                        'frames')
    return start, end


def _item_value(video_id: str, item: dict, stream: str, start: int, end: int) -> np.ndarray:
    if stream not in item['scores']:
        raise DataError(f"video {video_id}: item [{start}, {end}) has no '{stream}' score "
                        f"(it has {sorted(item['scores'])})")
    value = np.asarray(item['scores'][stream], dtype=np.float64).reshape(-1)
    if value.size == 0:
        raise DataError(f"video {video_id}: '{stream}' score of item [{start}, {end}) is empty")
    if not np.isfinite(value).all():
        raise DataError(f"video {video_id}: '{stream}' score of item [{start}, {end}) is not "
                        f'finite ({value[~np.isfinite(value)][0]})')
    return value


def _ordered_videos(records: Mapping[str, list], num_frames: Mapping[str, int]) -> List[str]:
    unknown = [k for k in records if k not in num_frames]
    if unknown:
        raise DataError(f'video {unknown[0]}: number of frames unknown, cannot expand its '
                        'scores to frames')
    return list(num_frames)


@SCORERS.register_module()
class ExpandToFrames(BaseScorer):
    """Give each frame the scores of the items whose span covers it.

    An item's score is a scalar (repeated over its span ``[start, end)``) or an array with
    one value per frame of the span. Where several items cover a frame (overlapping clips,
    several objects in one clip), ``reduce`` combines them: ``'max'`` is the object-centric
    rule "a frame is as anomalous as its most anomalous object". Frames no item covers
    (no object detected, a video with no item at all) get ``fill``.

    Args:
        stream: The ``pred_scores`` field(s) to expand, e.g. ``('appearance', 'motion')``.
        reduce: ``'max'`` or ``'mean'``.
        fill: Score of uncovered frames: a number, or ``'min'`` for the lowest item score
            of the video (a frame without objects is as normal as the most normal item;
            a video without any item takes the lowest item score of the test set).
    """

    expects_records = True

    def __init__(self, stream: StreamArg = 'final', reduce: str = 'max',
                 fill: Union[float, str] = 'min') -> None:
        if reduce not in ('max', 'mean'):
            raise ValueError(f"reduce must be 'max' or 'mean', got {reduce!r}")
        if isinstance(fill, str) and fill != 'min':
            raise ValueError(f"fill must be a number or 'min', got {fill!r}")
        _stream_list(stream)
        self.stream = stream
        self.reduce = reduce
        self.fill = fill

    def _expand(self, video_id: str, items: list, n: int, stream: str) -> np.ndarray:
        total = np.zeros(n)
        count = np.zeros(n, dtype=np.int64)
        best = np.full(n, -np.inf)
        for item in items:
            start, end = _check_span(video_id, item, n)
            value = _item_value(video_id, item, stream, start, end)
            if value.size not in (1, end - start):
                raise DataError(f"video {video_id}: '{stream}' score of item [{start}, {end}) "
                                f'has {value.size} values')
            total[start:end] += value
            count[start:end] += 1
            best[start:end] = np.maximum(best[start:end], value)
        frames = best if self.reduce == 'max' else total / np.maximum(count, 1)
        return np.where(count > 0, frames, np.nan)

    def __call__(self, records: Mapping[str, list], num_frames: Mapping[str, int]) -> ScoreState:
        videos = _ordered_videos(records, num_frames)
        streams = _stream_list(self.stream)
        expanded = {video_id: {s: self._expand(video_id, records.get(video_id, []),
                                               int(num_frames[video_id]), s) for s in streams}
                    for video_id in videos}
        out = {}
        for video_id, per_stream in expanded.items():
            filled = {}
            for stream, frames in per_stream.items():
                covered = ~np.isnan(frames)
                if self.fill != 'min':
                    fill = float(self.fill)
                elif covered.any():
                    fill = frames[covered].min()
                else:
                    fill = _lowest(expanded, stream)
                filled[stream] = np.where(covered, frames, fill)
            out[video_id] = VideoScores(filled)
        return out


def _lowest(expanded: Dict[str, Dict[str, np.ndarray]], stream: str) -> float:
    values = [np.nanmin(v[stream]) for v in expanded.values()
              if v[stream].size and not np.isnan(v[stream]).all()]
    return float(min(values)) if values else 0.0


def sultani_segment_clips(num_clips: int, num_segments: int) -> np.ndarray:
    """Clip range of each of ``num_segments`` segments over ``num_clips`` clips, as
    Sultani et al. (CVPR 2018) map 32 segments onto a video's C3D clips.

    Boundaries are ``round(linspace(1, num_clips, num_segments + 1))`` (1-based, halves
    rounded up as MATLAB does); segment ``i`` covers clips ``b[i]`` to ``b[i+1] - 1``, or
    clip ``b[i]`` alone when that range is empty. The last clip is covered only if a
    boundary repeats, so its frames usually count as trailing frames.

    Returns:
        ``int[num_segments, 2]``: first and last clip (0-based, inclusive) per segment.
    """
    bounds = np.floor(np.linspace(1, num_clips, num_segments + 1) + 0.5).astype(np.int64)
    first = bounds[:-1]
    last = np.maximum(bounds[1:] - 1, first)
    return np.stack([first - 1, last - 1], axis=1)


def sultani_segment_frames(num_frames: int, num_segments: int, clip_len: int = 16,
                           where: str = 'the span') -> np.ndarray:
    """``int64[num_segments, 2]``: the frames ``[first, stop)`` of each segment when
    ``num_segments`` segments are mapped onto the ``num_frames // clip_len`` clips of a
    span (:func:`sultani_segment_clips`), relative to its start.

    Raises:
        DataError: naming ``where`` when the span holds no whole clip.
    """
    num_clips = int(num_frames) // int(clip_len)
    if num_clips < 1:
        raise DataError(f'{where} is shorter than one clip of {clip_len} frames')
    clips = sultani_segment_clips(num_clips, int(num_segments)).astype(np.int64)
    return np.stack([clips[:, 0] * clip_len, (clips[:, 1] + 1) * clip_len], axis=1)


@SCORERS.register_module()
class ExpandSegments(BaseScorer):
    """Expand items that carry one score per segment (a video bag, a long clip) to frames.

    Each item's score is an array of ``T`` segment scores over its span ``[start, end)``:

    - ``mapping='repeat'``: segment ``k`` covers the ``clip_len`` frames from
      ``start + k * clip_len`` (the 16-times repetition of snippet scores in the
      UCF-Crime / XD-Violence weakly supervised code; the last segment may be shorter).
    - ``mapping='sultani'``: the span holds ``(end - start) // clip_len`` clips and the
      ``T`` segments are mapped onto them with :func:`sultani_segment_clips`.

    Frames of the span after the last covered frame (those outside the last full clip)
    take the last segment's score, as both reference evaluations do; use
    :class:`TrailingFrames` after this step to treat them otherwise. Frames outside every
    item get ``fill``.

    Args:
        stream: The ``pred_scores`` field(s) to expand.
        mapping: ``'repeat'`` or ``'sultani'``.
        clip_len: Frames per clip / snippet.
        fill: Score of frames no item spans.
    """

    expects_records = True

    def __init__(self, stream: StreamArg = 'final', mapping: str = 'repeat',
                 clip_len: int = 16, fill: float = 0.0) -> None:
        if mapping not in ('repeat', 'sultani'):
            raise ValueError(f"mapping must be 'repeat' or 'sultani', got {mapping!r}")
        if clip_len < 1:
            raise ValueError(f'clip_len must be positive, got {clip_len}')
        _stream_list(stream)
        self.stream = stream
        self.mapping = mapping
        self.clip_len = clip_len
        self.fill = fill

    def _segment_frames(self, video_id: str, start: int, end: int, num_segments: int
                        ) -> np.ndarray:
        """``int[T, 2]`` frame range ``[first, stop)`` of each segment."""
        span, c = end - start, self.clip_len
        if self.mapping == 'repeat':
            if (num_segments - 1) * c >= span:
                raise DataError(f'video {video_id}: {num_segments} segments of {c} frames do '
                                f'not fit the {span} frames of item [{start}, {end})')
            first = np.arange(num_segments) * c
            return start + np.stack([first, np.minimum(first + c, span)], axis=1)
        return start + sultani_segment_frames(span, num_segments, c,
                                              f'video {video_id}: item [{start}, {end})')

    def __call__(self, records: Mapping[str, list], num_frames: Mapping[str, int]) -> ScoreState:
        out = {}
        for video_id in _ordered_videos(records, num_frames):
            n = int(num_frames[video_id])
            streams = {}
            for stream in _stream_list(self.stream):
                frames = np.full(n, float(self.fill))
                for item in records.get(video_id, []):
                    start, end = _check_span(video_id, item, n)
                    value = _item_value(video_id, item, stream, start, end)
                    ranges = self._segment_frames(video_id, start, end, value.size)
                    for (first, stop), v in zip(ranges, value):  # later segments overwrite
                        frames[first:stop] = v
                    frames[ranges[:, 1].max():end] = value[-1]
                streams[stream] = frames
            out[video_id] = VideoScores(streams)
        return out


@SCORERS.register_module()
class TrailingFrames(BaseScorer):
    """Decide what the frames after a video's last whole clip count for.

    A video of ``n`` frames holds ``n // clip_len`` whole clips; its last ``n % clip_len``
    frames belong to none. Clip-based methods either drop them from evaluation (HSC's
    evaluation: this is how the ShanghaiTech Mixture test sets have 5,488 / 5,104 / 3,584
    frames) or give them a score.

    Args:
        clip_len: Frames per clip.
        mode: ``'drop'`` (not evaluated; in score files they repeat the last whole-clip
            score), ``'extend'`` (evaluated with the last whole-clip score) or ``'fill'``
            (evaluated with ``value``).
        value: The score of ``mode='fill'``.
    """

    def __init__(self, clip_len: int = 16, mode: str = 'drop',
                 value: Optional[float] = None) -> None:
        if mode not in ('drop', 'extend', 'fill'):
            raise ValueError(f"mode must be 'drop', 'extend' or 'fill', got {mode!r}")
        if (mode == 'fill') != (value is not None):
            raise ValueError("value is needed with mode='fill' and only then")
        if clip_len < 1:
            raise ValueError(f'clip_len must be positive, got {clip_len}')
        self.clip_len = clip_len
        self.mode = mode
        self.value = value

    def __call__(self, scores: ScoreState, num_frames=None) -> ScoreState:
        out = {}
        for video_id, video in scores.items():
            whole = video.num_frames // self.clip_len * self.clip_len
            valid = video.valid
            if self.mode == 'drop':
                valid = valid.copy()
                valid[whole:] = False
            streams = {}
            for stream, values in video.streams.items():
                values = values.copy()
                if self.mode == 'fill':
                    values[whole:] = self.value
                elif whole > 0:  # 'extend', and the score files of 'drop'
                    values[whole:] = values[whole - 1]
                streams[stream] = values
            out[video_id] = VideoScores(streams, valid)
        return out
