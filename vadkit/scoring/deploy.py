"""A scorer pipeline for scoring one video at a time, fitted on normal videos.

A test-set pipeline may normalise with statistics of the whole test set (HSC min-max
normalises each stream over all test frames), which a single new video does not have, and
per-video normalisation would put every video's peak at the same height, so that no
threshold could mean anything. :func:`fit_pipeline` runs a pipeline on normal (training)
videos and replaces each such :class:`~vadkit.scoring.Normalize` step with
``Normalize(method='stats')`` holding what the step would have used there: ``min`` /
``max - min`` for min-max, ``mean`` / ``std`` for z-scores, per stream. Every frame step
becomes per video (``scope='video'``). The fitted statistics are plain numbers
(:func:`pipeline_from_stats` rebuilds the pipeline from them), and the same fitted steps
score single objects (:func:`object_scores`).
"""
import copy
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from .base import (FrameScorer, ScorerPipeline, ScoringResult, VideoScores,
                   build_scorer_pipeline)
from .fuse import Fuse
from .normalize import Normalize

#: ``{step index: {stream: {'mean': ..., 'std': ...}}}`` of the fitted Normalize steps.
FittedStats = Dict[str, Dict[str, Dict[str, float]]]


def _stats_of(values: np.ndarray, method: str) -> Dict[str, float]:
    if values.size == 0:
        return dict(mean=0.0, std=1.0)
    if method == 'minmax':
        low, span = float(values.min()), float(np.ptp(values))
    else:
        low, span = float(values.mean()), float(values.std())
    return dict(mean=low, std=span if span > 0 else 1.0)


def _per_video(step):
    if isinstance(step, FrameScorer) and step.scope != 'video':
        step = copy.copy(step)
        step.scope = 'video'
    return step


def _stats_step(fitted: Dict[str, Dict[str, float]]) -> Normalize:
    """The ``Normalize(method='stats')`` step that replaces a fitted one."""
    return Normalize(method='stats', scope='video', streams=sorted(fitted), stats=fitted)


def fit_pipeline(pipeline: ScorerPipeline, records: Mapping[str, list],
                 num_frames: Mapping[str, int]) -> Tuple[ScorerPipeline, FittedStats,
                                                         ScoringResult]:
    """Fit ``pipeline``'s normalisation on the item records of normal videos.

    Returns:
        The fitted pipeline, its statistics (JSON-ready) and what it gives on these
        videos (the frame scores a threshold is calibrated on, and the raw ones).
    """
    steps = [pipeline.steps[0]]
    stats: FittedStats = {}
    raw = state = pipeline.steps[0](records, num_frames)
    for index, step in enumerate(pipeline.steps[1:], start=1):
        if isinstance(step, Normalize) and step.method != 'stats':
            names = sorted({s for v in state.values() for s in v.streams}
                           if step.streams is None else step.streams)
            fitted = {}
            for stream in names:
                parts = [v.streams[stream][v.valid] for v in state.values()
                         if stream in v.streams]
                fitted[stream] = _stats_of(np.concatenate(parts) if parts else np.zeros(0),
                                           step.method)
            stats[str(index)] = fitted
            step = _stats_step(fitted)
        step = _per_video(step)
        state = step(state, num_frames)
        steps.append(step)
    return ScorerPipeline(steps), stats, ScoringResult(state, raw)


def pipeline_from_stats(scorers: Sequence[dict], stats: FittedStats) -> ScorerPipeline:
    """The pipeline :func:`fit_pipeline` made, from the scorer configs and its stats."""
    pipeline = build_scorer_pipeline(list(scorers))
    steps = [pipeline.steps[0]]
    for index, step in enumerate(pipeline.steps[1:], start=1):
        if isinstance(step, Normalize) and step.method != 'stats':
            fitted = stats.get(str(index))
            if fitted is None:
                raise ValueError(f'no fitted statistics for scorer step {index} '
                                 f'({type(step).__name__}); calibrate again')
            step = _stats_step(fitted)
        steps.append(_per_video(step))
    return ScorerPipeline(steps)


def object_scores(pipeline: ScorerPipeline, records: Sequence[dict]) -> List[float]:
    """One score per item record (an object in a clip) on the scale of the frame scores:
    the pipeline's point-wise steps (fitted normalisation, fusion) applied to the
    record's stream scores, without the steps that look at neighbouring frames
    (smoothing). Records whose stream scores are not single values give NaN."""
    pointwise = [s for s in pipeline.steps[1:]
                 if isinstance(s, Fuse) or isinstance(s, Normalize) and s.method == 'stats']
    fused = [s.out for s in pointwise if isinstance(s, Fuse)]
    out = []
    for record in records:
        values = {k: np.asarray(v, np.float64).ravel() for k, v in record['scores'].items()}
        if not values or any(v.size != 1 for v in values.values()):
            out.append(float('nan'))
            continue
        state = {'item': VideoScores(values)}
        for step in pointwise:
            state = step(state, None)
        streams = state['item'].streams
        final = streams[fused[-1]] if fused else next(iter(streams.values()))
        out.append(float(final[0]))
    return out
