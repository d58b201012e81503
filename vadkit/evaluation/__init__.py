"""Metrics of video anomaly detection: pure functions and Runner wrappers."""
from .functional import (ALL_METRICS, METRIC_DEFINITIONS, align_lengths, average_precision,
                         equal_error_rate, evaluate_frames, false_alarm_rate, grouped_auc,
                         macro_auc, metrics_by_group, micro_auc, pr_auc_trapz,
                         region_track_detection)
from .functional.video_metrics import video_level_metrics, video_scores
from .metrics import RegionMetric, VADMetric, VideoLevelMetric

__all__ = [
    'ALL_METRICS', 'METRIC_DEFINITIONS', 'RegionMetric', 'VADMetric', 'VideoLevelMetric',
    'align_lengths',
    'average_precision', 'equal_error_rate', 'evaluate_frames', 'false_alarm_rate',
    'grouped_auc', 'macro_auc', 'metrics_by_group', 'micro_auc', 'pr_auc_trapz',
    'region_track_detection', 'video_level_metrics', 'video_scores'
]
