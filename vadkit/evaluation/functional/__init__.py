from .frame_metrics import (METRIC_DEFINITIONS, SINGLE_CLASS_RULES, MacroAUC, align_lengths,
                            average_precision, check_frame_scores, equal_error_rate,
                            false_alarm_rate, grouped_auc, macro_auc, micro_auc, pr_auc_trapz)
from .region_metrics import (RegionTrackResult, check_region_inputs, fpr_curve_area,
                             region_track_detection)
from .summary import ALL_METRICS, check_metric_names, evaluate_frames, metrics_by_group
from .tracking import (check_track_table, clear_mot, id_scores, track_length_stats,
                       tracklets_to_table)

__all__ = [
    'ALL_METRICS', 'METRIC_DEFINITIONS', 'MacroAUC', 'RegionTrackResult', 'SINGLE_CLASS_RULES',
    'align_lengths', 'average_precision', 'check_frame_scores', 'check_metric_names',
    'check_region_inputs', 'check_track_table', 'clear_mot', 'equal_error_rate',
    'evaluate_frames', 'false_alarm_rate', 'fpr_curve_area', 'grouped_auc', 'id_scores',
    'macro_auc', 'metrics_by_group', 'micro_auc', 'pr_auc_trapz', 'region_track_detection',
    'track_length_stats', 'tracklets_to_table'
]
