"""Printing and saving what a :class:`VADMetric` computed."""
import math
import os.path as osp
from typing import Dict, Mapping

from vadkit.utils.io import dump_json


def flat_floats(metrics: Mapping) -> Dict[str, float]:
    """The numeric metrics as plain floats, under their bare names (``vad/ap`` -> ``ap``);
    a name an earlier metric of the evaluator already gave keeps its prefix
    (``generator/micro_auc`` next to the first VADMetric's ``micro_auc``)."""
    out = {}
    for key, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        bare = key.split('/', 1)[-1]
        out[bare if bare not in out else key] = number
    return out


def format_metrics(values: Mapping[str, float]) -> str:
    """One ``name  value`` line per metric, aligned."""
    if not values:
        return ''
    width = max(len(k) for k in values)
    return '\n'.join(f'{k:<{width}}  {v:.4f}' if math.isfinite(v) else f'{k:<{width}}  nan'
                     for k, v in sorted(values.items()))


def format_groups(per_group: Mapping[str, Mapping[str, dict]]) -> str:
    """A table per grouping: one row per group, one column per metric."""
    lines = []
    for key, groups in per_group.items():
        names = sorted({m for entry in groups.values() for m in entry
                        if m not in ('num_videos', 'num_frames')})
        width = max([len(key)] + [len(g) for g in groups])
        lines.append(f'{key:<{width}}  videos  ' + '  '.join(f'{m:>9}' for m in names))
        for group, entry in groups.items():
            cells = [f'{entry[m]:9.4f}' if m in entry else f'{"-":>9}' for m in names]
            lines.append(f'{group:<{width}}  {entry["num_videos"]:6d}  ' + '  '.join(cells))
    return '\n'.join(lines)


def write_results(metric, values: Mapping[str, float], work_dir: str) -> Dict[str, str]:
    """Write ``metrics.json`` (flat floats), ``metrics_per_video.json``,
    ``metrics_per_group.json`` (when the metric breaks results down) and
    ``evaluation.json`` (scorer steps, metric definitions, length cuts) into ``work_dir``.

    Returns:
        ``{file kind: path}`` of the files written.
    """
    paths = dict(metrics=osp.join(work_dir, 'metrics.json'),
                 per_video=osp.join(work_dir, 'metrics_per_video.json'),
                 evaluation=osp.join(work_dir, 'evaluation.json'))
    dump_json(dict(values), paths['metrics'])
    dump_json(metric.per_video, paths['per_video'])
    dump_json(metric.record, paths['evaluation'])
    if metric.per_group:
        paths['per_group'] = osp.join(work_dir, 'metrics_per_group.json')
        dump_json(metric.per_group, paths['per_group'])
    return paths
