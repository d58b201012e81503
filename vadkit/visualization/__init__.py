"""Plots: score curves with ground truth, parsing output drawn on frames, scene clusters and
confusion matrices, and runs over seeds."""
from .parsing import draw_tracks, store_overlay, store_sheet, track_colour
from .runs import plot_run_spread, summarize_runs
from .scenes import plot_confusion_matrix, plot_scene_embedding, row_normalize
from .score_curves import anomaly_intervals, plot_score_curves

__all__ = ['anomaly_intervals', 'draw_tracks', 'plot_confusion_matrix', 'plot_run_spread',
           'plot_scene_embedding', 'plot_score_curves', 'row_normalize', 'store_overlay',
           'store_sheet', 'summarize_runs', 'track_colour']
