"""Fusion of score streams."""
from typing import Dict

import numpy as np

from vadkit.registry import SCORERS
from vadkit.utils.errors import DataError

from .base import BaseScorer, ScoreState, VideoScores


@SCORERS.register_module()
class Fuse(BaseScorer):
    """Weighted sum of score streams, per frame: ``out = sum_s w_s * score_s``.

    Normalise the streams first when their scales differ (HSC fuses min-max normalised
    appearance and motion scores with weights 0.5 / 0.5).

    Args:
        weights: ``{stream: weight}``.
        out: Name of the fused stream.
        keep_inputs: Keep the fused streams next to the result.
    """

    def __init__(self, weights: Dict[str, float], out: str = 'final',
                 keep_inputs: bool = False) -> None:
        if not weights:
            raise ValueError('Fuse needs at least one stream weight')
        self.weights = {str(k): float(v) for k, v in dict(weights).items()}
        self.out = out
        self.keep_inputs = keep_inputs

    def __call__(self, scores: ScoreState, num_frames=None) -> ScoreState:
        out = {}
        for video_id, video in scores.items():
            missing = [s for s in self.weights if s not in video.streams]
            if missing:
                raise DataError(f'Fuse: video {video_id} has no stream(s) {missing} (it has '
                                f'{sorted(video.streams)})')
            fused = sum(w * np.asarray(video.streams[s], np.float64)
                        for s, w in self.weights.items())
            streams = {s: v for s, v in video.streams.items()
                       if self.keep_inputs or s not in self.weights}
            streams[self.out] = fused
            out[video_id] = VideoScores(streams, video.valid)
        return out
