"""Scene plots: confusion / contingency heat maps and 2-D views of scene clusters.

``plot_confusion_matrix`` draws HSC's Fig. 6 (rows the scene pseudo-label, columns the
scene classifier's prediction, each row normalised) and, with other axis names, the
true-scene x cluster contingency of ``tools/cluster_scenes.py``; ``plot_scene_embedding``
draws clips in the 2-D space DBSCAN ran in (Fig. 4 style), one colour per cluster and,
when the true scenes are known, one marker per true scene.
"""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np

NORMALIZATIONS = ('row', None)
#: Markers of the true scenes in :func:`plot_scene_embedding` (cycled).
MARKERS = ('o', 's', '^', 'D', 'v', 'P', '*', 'X', '<', '>')



def _finish(fig, ax, xlabel: str, ylabel: str, title: Optional[str], out_path: str,
            dpi: int) -> str:
    """Label the axes, save the figure to ``out_path`` (its folder made) and close it."""
    import matplotlib.pyplot as plt
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    fig.savefig(out_path, dpi=dpi)
    plt.close(fig)
    return out_path

def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def row_normalize(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its sum; rows that sum to 0 stay 0."""
    m = np.asarray(matrix, np.float64)
    sums = m.sum(axis=1, keepdims=True)
    return np.divide(m, sums, out=np.zeros_like(m), where=sums > 0)


def plot_confusion_matrix(matrix, labels: Sequence, out_path: str, title: str = '',
                          normalize: Optional[str] = 'row',
                          col_labels: Optional[Sequence] = None,
                          xlabel: str = 'predicted scene',
                          ylabel: str = 'scene pseudo-label',
                          annotate: Optional[bool] = None, dpi: int = 100) -> str:
    """Write a heat map of a count matrix as a PNG.

    Args:
        matrix: Counts ``[R, C]`` (a confusion matrix is square).
        labels: Names of the rows (and of the columns unless ``col_labels``).
        out_path: The PNG to write (its folder is created).
        title: Figure title.
        normalize: ``'row'`` (default): colours and numbers are the fraction of each
            row's count (a row of zeros stays 0); None: the raw counts.
        col_labels: Names of the columns when they differ from the rows'.
        xlabel: Column axis name. Default ``'predicted scene'``.
        ylabel: Row axis name. Default ``'scene pseudo-label'``.
        annotate: Write each cell's value (and, normalised, its count) in it; None
            (default): when the matrix has at most 30 rows and columns.
        dpi: Resolution.

    Returns:
        ``out_path``.
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f'normalize must be one of {NORMALIZATIONS}, got {normalize!r}')
    counts = np.asarray(matrix, np.float64)
    if counts.ndim != 2:
        raise ValueError(f'matrix must be 2-D, got shape {counts.shape}')
    rows = [str(x) for x in labels]
    cols = [str(x) for x in (col_labels if col_labels is not None else labels)]
    if (len(rows), len(cols)) != counts.shape:
        raise ValueError(f'{len(rows)} row and {len(cols)} column labels for a matrix of '
                         f'shape {counts.shape}')
    values = row_normalize(counts) if normalize == 'row' else counts
    n_rows, n_cols = counts.shape
    if annotate is None:
        annotate = max(n_rows, n_cols) <= 30
    plt = _pyplot()
    side = float(np.clip(0.45 * max(n_rows, n_cols) + 2.5, 4.0, 14.0))
    fig, ax = plt.subplots(figsize=(side * max(n_cols, 1) / max(n_rows, n_cols, 1) + 1.5,
                                    side * max(n_rows, 1) / max(n_rows, n_cols, 1) + 1.0))
    vmax = 1.0 if normalize == 'row' else max(float(values.max(initial=0.0)), 1.0)
    image = ax.imshow(values, cmap='Blues', vmin=0.0, vmax=vmax, aspect='auto')
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                 label='fraction of the row' if normalize == 'row' else 'count')
    if annotate:
        small = max(n_rows, n_cols) <= 12
        for i in range(n_rows):
            for j in range(n_cols):
                v = values[i, j]
                if normalize is None:
                    text = f'{int(round(v))}'
                else:  # the fraction, and the count where there is room
                    text = f'{v:.2f}\n({int(round(counts[i, j]))})' if small else f'{v:.2f}'
                ax.text(j, i, text, ha='center', va='center', fontsize=8 if small else 6,
                        color='white' if v > 0.6 * vmax else 'black')
    long_names = max((len(c) for c in cols), default=0) > 3
    ax.set_xticks(range(n_cols))
    ax.set_xticklabels(cols, rotation=45 if long_names else 0,
                       ha='right' if long_names else 'center', fontsize=8)
    ax.set_yticks(range(n_rows))
    ax.set_yticklabels(rows, fontsize=8)
    return _finish(fig, ax, xlabel, ylabel, title, out_path, dpi)


def plot_scene_embedding(points, labels, out_path: str, title: str = '',
                         true_scenes: Optional[Sequence] = None, xlabel: str = 'dim 1',
                         ylabel: str = 'dim 2', dpi: int = 100) -> str:
    """Write a scatter plot of clips in a 2-D space as a PNG.

    Args:
        points: ``float[N, 2]`` coordinates (a t-SNE / PCA view of the scene features).
        labels: ``int[N]`` cluster of each point, one colour each; ``-1`` (DBSCAN noise)
            is drawn grey.
        out_path: The PNG to write (its folder is created).
        title: Figure title.
        true_scenes: The true scene of each point (``N`` names), one marker each, or None.
        xlabel: Horizontal axis name. Default ``'dim 1'``.
        ylabel: Vertical axis name. Default ``'dim 2'``.
        dpi: Resolution.

    Returns:
        ``out_path``.
    """
    xy = np.asarray(points, np.float64)
    cluster = np.asarray(labels).astype(np.int64).reshape(-1)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f'points must be [N, 2], got shape {xy.shape}')
    if len(cluster) != len(xy):
        raise ValueError(f'{len(cluster)} labels for {len(xy)} points')
    truth = None if true_scenes is None else np.asarray([str(t) for t in true_scenes])
    if truth is not None and len(truth) != len(xy):
        raise ValueError(f'{len(truth)} true scenes for {len(xy)} points')
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.6, 5.2))
    ids = sorted(set(cluster.tolist()))
    palette = plt.get_cmap('tab20' if len(ids) > 10 else 'tab10')
    kinds = sorted(set(truth.tolist())) if truth is not None else [None]
    for c_index, c in enumerate(ids):
        colour = '0.6' if c < 0 else palette(c_index % palette.N)
        for k_index, kind in enumerate(kinds):
            keep = cluster == c
            if kind is not None:
                keep &= truth == kind
            if not keep.any():
                continue
            ax.scatter(xy[keep, 0], xy[keep, 1], s=18, color=colour, alpha=0.8,
                       marker=MARKERS[k_index % len(MARKERS)], linewidths=0)
    # two legends: colours = clusters, markers = true scenes
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], ls='', marker='o', color='0.6' if c < 0 else
                      palette(i % palette.N), label='noise' if c < 0 else f'cluster {c}')
               for i, c in enumerate(ids)]
    first = ax.legend(handles=handles[:20], loc='upper left', bbox_to_anchor=(1.01, 1.0),
                      fontsize=7, title='cluster', title_fontsize=7)
    if truth is not None:
        ax.add_artist(first)
        marks = [Line2D([], [], ls='', marker=MARKERS[i % len(MARKERS)], color='black',
                        label=kind) for i, kind in enumerate(kinds)]
        ax.legend(handles=marks[:20], loc='lower left', bbox_to_anchor=(1.01, 0.0),
                  fontsize=7, title='true scene', title_fontsize=7)
    return _finish(fig, ax, xlabel, ylabel, title, out_path, dpi)
