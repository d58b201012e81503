"""Scorers: from per-item predictions to per-frame scores, one video at a time.

A scorer pipeline starts with an expander, which turns ``{video_id: [record, ...]}`` (one
record per dataset item: frame span, track id, per-stream scores) into ``{video_id:
float[num_frames]}``; every later step maps per-frame scores to per-frame scores. No step
crosses a video boundary unless its config says so, and the pipeline can describe the
steps it ran (:meth:`ScorerPipeline.describe`) so that a number can be traced.
"""
from .base import BaseScorer, ScorerPipeline, build_scorer_pipeline
from .expand import ExpandToFrames

__all__ = ['BaseScorer', 'ExpandToFrames', 'ScorerPipeline', 'build_scorer_pipeline']
