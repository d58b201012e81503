"""Runs side by side: one metric of several methods over seeds (GCL's Fig. 10 style).

:func:`summarize_runs` gives each method's mean, spread and per-seed values;
:func:`plot_run_spread` draws every seed as a dot and the mean +- one standard deviation as
a bar, one row per method and one colour per metric.
"""
import os
import os.path as osp
from typing import Dict, Mapping, Optional, Sequence

import numpy as np


def summarize_runs(values: Mapping[str, Mapping[str, Sequence[float]]], ddof: int = 0
                   ) -> Dict[str, Dict[str, dict]]:
    """``{method: {metric: dict(mean, std, min, max, n, values)}}`` (population std by
    default, as ``mean +- std`` over seeds is reported in the papers; ``ddof=1``: the
    sample std, 0.0 for a single value). Missing and non-finite values are left out."""
    out: Dict[str, Dict[str, dict]] = {}
    for method, metrics in values.items():
        out[method] = {}
        for metric, seeds in metrics.items():
            x = np.asarray([v for v in seeds if v is not None and np.isfinite(v)], np.float64)
            std = float(x.std(ddof=ddof)) if len(x) > ddof else 0.0
            out[method][metric] = dict(
                mean=float(x.mean()) if len(x) else float('nan'),
                std=std if len(x) else float('nan'),
                min=float(x.min()) if len(x) else float('nan'),
                max=float(x.max()) if len(x) else float('nan'), n=int(len(x)),
                values=[float(v) for v in x])
    return out


def plot_run_spread(values: Mapping[str, Mapping[str, Sequence[float]]], out_path: str,
                    title: Optional[str] = None, xlabel: str = 'micro AUC',
                    chance: Optional[float] = 0.5,
                    metric_labels: Optional[Mapping[str, str]] = None, dpi: int = 120) -> str:
    """Draw ``{method: {metric: [one value per seed]}}`` to ``out_path``: a row per method
    (in the given order, top to bottom), a colour per metric (named in the legend by
    ``metric_labels`` where given), seeds as dots, the mean as a bar with +- one standard
    deviation; ``chance`` draws a dashed line."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    summary = summarize_runs(values)
    methods = list(values)
    metrics = []
    for method in methods:
        metrics += [m for m in values[method] if m not in metrics]
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    height = 0.8 / max(len(metrics), 1)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(methods) * max(len(metrics), 1) + 1.4))
    for k, metric in enumerate(metrics):
        colour = colours[k % len(colours)]
        for row, method in enumerate(methods):
            if metric not in summary[method] or not summary[method][metric]['n']:
                continue
            entry = summary[method][metric]
            y = len(methods) - 1 - row + (k - (len(metrics) - 1) / 2) * height
            ax.barh(y, entry['mean'], height=height * 0.9, color=colour, alpha=0.35,
                    xerr=entry['std'], error_kw=dict(ecolor=colour, capsize=3),
                    label=(metric_labels or {}).get(metric, metric) if row == 0 else None)
            ax.plot(entry['values'], [y] * entry['n'], 'o', color=colour, markersize=4)
            ax.text(entry['mean'] + entry['std'] + 0.005, y,
                    f"{entry['mean']:.3f} +- {entry['std']:.3f}", va='center', fontsize=7)
    if chance is not None:
        ax.axvline(chance, color='grey', linestyle='--', linewidth=0.8)
    ax.set_yticks(range(len(methods)))
    ax.set_yticklabels(list(reversed(methods)), fontsize=8)
    low = min([e['min'] for m in summary.values() for e in m.values() if e['n']] + [chance or 1])
    ax.set_xlim(max(0.0, low - 0.05), 1.0)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    if len(metrics) > 1:
        ax.legend(fontsize=7, loc='lower right')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    fig.savefig(out_path, dpi=dpi)
    plt.close(fig)
    return out_path
