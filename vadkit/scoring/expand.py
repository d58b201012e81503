"""Expansion of item scores (segments, object clips) to frame scores."""
from typing import Mapping, Union

import numpy as np

from vadkit.registry import SCORERS
from vadkit.utils.errors import DataError

from .base import BaseScorer, FrameScores


@SCORERS.register_module()
class ExpandToFrames(BaseScorer):
    """Give each frame the scores of the items whose span covers it.

    An item's score is a scalar (repeated over its span ``[start, end)``) or an array with
    one value per frame of the span. Where several items cover a frame (overlapping clips,
    several objects), ``reduce`` combines them; frames no item covers get ``fill``.

    Args:
        stream: Which ``pred_scores`` field to expand.
        reduce: ``'max'`` (object-centric methods: the most anomalous object) or ``'mean'``.
        fill: Score of uncovered frames: a number, or ``'min'`` for the lowest score of
            the video (a frame without objects is as normal as the most normal item).
    """

    expects_records = True

    def __init__(self, stream: str = 'final', reduce: str = 'max',
                 fill: Union[float, str] = 'min') -> None:
        if reduce not in ('max', 'mean'):
            raise ValueError(f"reduce must be 'max' or 'mean', got {reduce!r}")
        if isinstance(fill, str) and fill != 'min':
            raise ValueError(f"fill must be a number or 'min', got {fill!r}")
        self.stream = stream
        self.reduce = reduce
        self.fill = fill

    def __call__(self, records: Mapping[str, list], num_frames: Mapping[str, int]) -> FrameScores:
        out = {}
        for video_id, items in records.items():
            if video_id not in num_frames:
                raise DataError(f'video {video_id}: number of frames unknown, cannot expand '
                                'its scores to frames')
            n = int(num_frames[video_id])
            total = np.zeros(n, dtype=np.float64)
            count = np.zeros(n, dtype=np.int64)
            best = np.full(n, -np.inf)
            for item in items:
                start, end = int(item['start']), int(item['end'])
                if not 0 <= start < end <= n:
                    raise DataError(f'video {video_id}: item span [{start}, {end}) lies outside '
                                    f'its {n} frames')
                if self.stream not in item['scores']:
                    raise DataError(f'video {video_id}: item [{start}, {end}) has no '
                                    f"'{self.stream}' score (it has {sorted(item['scores'])})")
                value = np.asarray(item['scores'][self.stream], dtype=np.float64).reshape(-1)
                if value.size not in (1, end - start):
                    raise DataError(f"video {video_id}: '{self.stream}' score of item "
                                    f'[{start}, {end}) has {value.size} values')
                total[start:end] += value
                count[start:end] += 1
                best[start:end] = np.maximum(best[start:end], value)
            covered = count > 0
            frames = best if self.reduce == 'max' else total / np.maximum(count, 1)
            if self.fill == 'min':
                fill = frames[covered].min() if covered.any() else 0.0
            else:
                fill = float(self.fill)
            frames = np.where(covered, frames, fill)
            out[video_id] = frames
        return out
