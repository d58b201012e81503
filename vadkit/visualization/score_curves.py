"""Per-video frame score curves with the ground-truth anomalies shaded."""
import os
import os.path as osp
from typing import Dict, Mapping, Optional, Sequence

import numpy as np

from vadkit.scoring.alarms import true_intervals as anomaly_intervals


def plot_score_curves(scores: Mapping[str, np.ndarray], out_dir: str,
                      labels: Optional[Mapping[str, np.ndarray]] = None,
                      evaluated: Optional[Mapping[str, np.ndarray]] = None,
                      per_video: Optional[Mapping[str, dict]] = None,
                      videos: Optional[Sequence[str]] = None,
                      thresholds: Optional[Mapping[str, float]] = None,
                      alarms: Optional[Mapping[str, Sequence[dict]]] = None,
                      suffix: str = '', dpi: int = 100) -> Dict[str, str]:
    """Write one PNG per video: its frame scores over time, ground-truth anomalous frames
    shaded red, frames left out of evaluation shaded grey, the video's AUC in the title,
    and where given an alarm threshold (dashed) and its alarm events (orange band).

    Args:
        scores: ``{video_id: float[n]}``.
        out_dir: Folder of the PNGs (``<video_id>.png``), created if needed.
        labels: ``{video_id: 0/1[n]}`` ground truth, if known.
        evaluated: ``{video_id: bool[n]}`` frames the metrics used.
        per_video: ``{video_id: {'auc': value, ...}}`` shown in the titles.
        videos: Plot only these videos.
        thresholds: ``{video_id: threshold}`` drawn as a dashed line.
        alarms: ``{video_id: [{'start', 'end', ...}, ...]}`` (end exclusive), banded.
        suffix: Added to the file names (``<video_id><suffix>.png``).
        dpi: Resolution.

    Returns:
        ``{video_id: png path}``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for video_id in (videos if videos is not None else list(scores)):
        s = np.asarray(scores[video_id], np.float64)
        fig, ax = plt.subplots(figsize=(8, 2.6))
        if labels is not None and video_id in labels:
            for start, stop in anomaly_intervals(labels[video_id]):
                ax.axvspan(start, stop, color='tab:red', alpha=0.25, lw=0,
                           label='ground-truth anomaly')
        if evaluated is not None and video_id in evaluated:
            for start, stop in anomaly_intervals(~np.asarray(evaluated[video_id], bool)):
                ax.axvspan(start, stop, color='0.6', alpha=0.35, lw=0, label='not evaluated')
        ax.plot(np.arange(s.size), s, color='tab:blue', lw=1.2, label='anomaly score')
        threshold = (thresholds or {}).get(video_id)
        if threshold is not None:
            ax.axhline(threshold, color='0.2', ls='--', lw=1.0, label='alarm threshold')
        events = (alarms or {}).get(video_id) or []
        if events:
            low, high = ax.get_ylim()
            band = low + 0.04 * (high - low)
            for event in events:
                ax.fill_between([event['start'], max(event['end'] - 1, event['start'])],
                                low, band, color='tab:orange', lw=0, label='alarm')
                ax.plot(event['peak_frame'], event['peak_score'], 'v', color='tab:orange',
                        ms=5)
            ax.set_ylim(low, high)
        title = f'video {video_id}'
        record = (per_video or {}).get(video_id, {})
        auc = record.get('auc')
        if events:
            title += f'   {len(events)} alarm' + ('s' if len(events) > 1 else '')
        if auc is not None and np.isfinite(auc):
            # a video of one class has its AUC from the padding rule, not from its frames
            title += f'   AUC {auc:.3f}' + (' (one class: padded)'
                                             if record.get('single_class') else '')
        ax.set_title(title, fontsize=10)
        ax.set_xlabel('frame')
        ax.set_ylabel('score')
        ax.set_xlim(0, max(s.size - 1, 1))
        handles, names = ax.get_legend_handles_labels()
        unique = dict(zip(names, handles))
        ax.legend(unique.values(), unique.keys(), loc='upper right', fontsize=7)
        fig.tight_layout()
        path = osp.join(out_dir, f'{video_id}{suffix}.png')
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        written[video_id] = path
    return written
