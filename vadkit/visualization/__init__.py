"""Plots: score curves with ground truth."""
from .score_curves import anomaly_intervals, plot_score_curves

__all__ = ['anomaly_intervals', 'plot_score_curves']
