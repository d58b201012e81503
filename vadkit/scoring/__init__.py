"""Scorers: from per-item predictions to per-frame scores, one video at a time.

A scorer pipeline starts with an expander, which turns ``{video_id: [record, ...]}`` (one
record per dataset item: frame span, track id, per-stream scores) into per-stream frame
scores of every test video; every later step maps frame scores to frame scores. No step
crosses a video boundary unless its config says so, and the pipeline can describe the
steps it ran (:meth:`ScorerPipeline.describe`) so that a number can be traced.
"""
from .alarms import alarm_events, calibrate_threshold, true_intervals
from .base import (BaseScorer, FrameScorer, ScorerPipeline, ScoringResult, VideoScores,
                   build_scorer_pipeline, fill_outside)
from .expand import ExpandSegments, ExpandToFrames, TrailingFrames, sultani_segment_clips
from .fuse import Fuse
from .normalize import Normalize
from .smooth import GaussianSmooth

__all__ = [
    'BaseScorer', 'ExpandSegments', 'ExpandToFrames', 'FrameScorer', 'Fuse', 'GaussianSmooth',
    'Normalize', 'ScorerPipeline', 'ScoringResult', 'TrailingFrames', 'VideoScores',
    'alarm_events', 'build_scorer_pipeline', 'calibrate_threshold', 'fill_outside',
    'sultani_segment_clips', 'true_intervals'
]
