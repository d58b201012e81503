"""Compare runs over seeds: mean, spread and a plot (GCL's Fig. 10 style).

    python tools/analysis/compare_runs.py --run NAME=WORK_DIR [WORK_DIR ...] [--run ...]
        [--metric micro_auc generator/micro_auc] [--metric-labels D G] [--plot runs.png]
        [--title TEXT] [--json OUT]

Each ``--run`` names a method and the work dirs of its seeds; quoted glob patterns are
expanded here (``--run 'GCL_PT=work_dirs/gcl_pt_*'``), and a ``NAME=`` repeated on later
dirs is allowed (what ``GCL_PT=work_dirs/gcl_pt_{0,1,2}`` becomes in bash). Each work dir
holds the ``metrics.json`` that ``tools/test.py`` wrote. Prints one line per method and
metric (mean +- std, min, max, seeds), and with ``--plot`` draws every seed and the mean +-
std per method and metric. A work dir without ``metrics.json``, or one without a requested
metric, is an error naming it.
"""
import argparse
import glob
import json
import os.path as osp

from vadkit.utils import ConfigError, DataError
from vadkit.utils.cli import run_tool
from vadkit.utils.io import dump_json
from vadkit.visualization import plot_run_spread, summarize_runs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Compare runs over seeds')
    parser.add_argument('--run', nargs='+', action='append', required=True,
                        metavar='NAME=DIR', help='a method and its seeds\' work dirs')
    parser.add_argument('--metric', nargs='+', default=['micro_auc'],
                        help='keys of metrics.json (default micro_auc)')
    parser.add_argument('--metric-labels', nargs='+',
                        help='names of the metrics in the plot legend, in --metric order')
    parser.add_argument('--plot', help='write the plot here (.png)')
    parser.add_argument('--title', help='title of the plot')
    parser.add_argument('--json', help='write the summary here')
    return parser.parse_args(argv)


def read_runs(groups, metrics):
    """``{name: {metric: [values]}}`` from ``[[NAME=DIR, DIR, ...], ...]``."""
    values = {}
    for group in groups:
        name, sep, first = group[0].partition('=')
        if not sep or not name or not first:
            raise ConfigError(f'--run {group[0]}: expected NAME=WORK_DIR')
        if name in values:
            raise ConfigError(f'--run {name} is given twice')
        values[name] = {m: [] for m in metrics}
        folders = []
        for item in [first, *group[1:]]:
            item = item[len(name) + 1:] if item.startswith(name + '=') else item
            matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
            if not matches:
                raise DataError(f'run {name}: no work dir matches {item}')
            folders += matches
        for folder in folders:
            path = osp.join(folder, 'metrics.json')
            if not osp.isfile(path):
                raise DataError(f'run {name}: {path} not found (run tools/test.py on it)')
            with open(path, encoding='utf-8') as f:
                found = json.load(f)
            for metric in metrics:
                if metric not in found:
                    raise DataError(f'run {name}: {path} has no {metric!r} (it has '
                                    f'{sorted(found)})')
                values[name][metric].append(float(found[metric]))
    return values


@run_tool
def main(argv=None):
    args = parse_args(argv)
    values = read_runs(args.run, args.metric)
    summary = summarize_runs(values)
    width = max(len(n) for n in summary)
    for name, metrics in summary.items():
        for metric, s in metrics.items():
            print(f'{name:<{width}}  {metric:<22} {s["mean"]:.4f} +- {s["std"]:.4f}  '
                  f'(min {s["min"]:.4f}, max {s["max"]:.4f}, {s["n"]} runs)')
    if args.metric_labels and len(args.metric_labels) != len(args.metric):
        raise ConfigError(f'--metric-labels gives {len(args.metric_labels)} names for '
                          f'{len(args.metric)} metrics')
    if args.plot:
        labels = dict(zip(args.metric, args.metric_labels or args.metric))
        out = plot_run_spread(values, args.plot, title=args.title, metric_labels=labels)
        print(f'plot written to {out}')
    if args.json:
        dump_json(summary, args.json)


if __name__ == '__main__':
    main()
