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


def plot_score_grid(methods: Mapping[str, Mapping[str, np.ndarray]], out_path: str,
                    labels: Optional[Mapping[str, np.ndarray]] = None, columns: int = 3,
                    title: str = '', dpi: int = 100) -> str:
    """One PNG of every video's scores by every method, one panel per video, each curve
    min-max scaled within its video (the methods' scales differ), ground truth shaded
    where given.

    Args:
        methods: ``{method: {video_id: float[n]}}``; the videos of the first method are
            drawn, in sorted order.
        out_path: The PNG.
        labels: ``{video_id: 0/1[n]}``, if known.
        columns: Panels per row.
        title: Figure title.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    if not methods:
        raise ValueError('plot_score_grid needs at least one method')
    videos = sorted(next(iter(methods.values())))
    rows = max(1, -(-len(videos) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.2 * rows),
                             squeeze=False)
    colours = ['tab:blue', 'tab:green', 'tab:orange', 'tab:purple', 'tab:brown', 'tab:gray']
    for ax, video_id in zip(axes.ravel(), videos):
        if labels is not None and video_id in labels:
            for start, stop in anomaly_intervals(labels[video_id]):
                ax.axvspan(start, stop, color='tab:red', alpha=0.2, lw=0)
        for k, (name, scores) in enumerate(methods.items()):
            if video_id not in scores:
                continue
            s = np.asarray(scores[video_id], np.float64)
            span = np.ptp(s)
            s = (s - s.min()) / span if span > 0 else np.zeros_like(s)
            ax.plot(np.arange(s.size), s, color=colours[k % len(colours)], lw=1.0,
                    label=name)
        ax.set_title(f'video {video_id}', fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(videos):]:
        ax.axis('off')
    handles, names = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, names, loc='lower center', ncol=len(names), fontsize=8,
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97 if title else 1))
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    fig.savefig(out_path, dpi=dpi)
    plt.close(fig)
    return out_path
