"""Frame-level metrics of video anomaly detection: pure functions and Runner wrappers."""
from .functional import (average_precision, equal_error_rate, false_alarm_rate, macro_auc,
                         micro_auc, pr_auc_trapz)
from .metrics import VADMetric

__all__ = ['VADMetric', 'average_precision', 'equal_error_rate', 'false_alarm_rate',
           'macro_auc', 'micro_auc', 'pr_auc_trapz']
