"""Plots: score curves with ground truth, parsing output drawn on frames."""
from .parsing import draw_tracks, store_overlay, store_sheet, track_colour
from .score_curves import anomaly_intervals, plot_score_curves

__all__ = ['anomaly_intervals', 'draw_tracks', 'plot_score_curves', 'store_overlay',
           'store_sheet', 'track_colour']
