"""Write small generated stand-ins of the public pre-extracted feature releases.

    python tools/misc/make_feature_standins.py --out DIR [--benchmark ucf_crime ...]
        [--dim 32] [--train NORMAL ANOMALOUS] [--test NORMAL ANOMALOUS] [--seed 0]

Each benchmark goes to ``DIR/<benchmark>`` in the layout its import config
(``configs/features/*.py``) expects, with annotation files in the public formats, so

    python tools/import_features.py configs/features/rtfm_i3d_ucf_crime.py \\
        --out DIR/stores/ucf_crime --cfg-options data_root=DIR/ucf_crime
    python tools/train.py configs/sacrf/sacrf_i3d_ucf_crime.py --cfg-options \\
        data_root=DIR/ucf_crime feature_root=DIR/stores/ucf_crime model.in_channels=32

run without the real data (vadkit/datasets/synthetic/feature_standins.py says what the
features are). Not a benchmark.
"""
import argparse
import os.path as osp

from vadkit.datasets.synthetic.feature_standins import BENCHMARKS, write_feature_standin
from vadkit.utils.cli import run_tool


@run_tool
def main(argv=None):
    parser = argparse.ArgumentParser(description='Write stand-ins of feature releases')
    parser.add_argument('--out', required=True, help='destination folder')
    parser.add_argument('--benchmark', nargs='+', choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument('--dim', type=int, default=32, help='feature width')
    parser.add_argument('--train', type=int, nargs=2, default=(16, 8),
                        metavar=('NORMAL', 'ANOMALOUS'))
    parser.add_argument('--test', type=int, nargs=2, default=(8, 8),
                        metavar=('NORMAL', 'ANOMALOUS'))
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    for benchmark in args.benchmark:
        root = osp.join(args.out, benchmark)
        out = write_feature_standin(benchmark, root, tuple(args.train), tuple(args.test),
                                    dim=args.dim, seed=args.seed)
        print(f'{benchmark}: {len(out["train"])} training and {len(out["test"])} test videos '
              f'in {root}')


if __name__ == '__main__':
    main()
