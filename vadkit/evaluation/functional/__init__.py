from .frame_metrics import (average_precision, check_frame_scores, equal_error_rate,
                            false_alarm_rate, macro_auc, micro_auc, pr_auc_trapz)

__all__ = ['average_precision', 'check_frame_scores', 'equal_error_rate', 'false_alarm_rate',
           'macro_auc', 'micro_auc', 'pr_auc_trapz']
