"""Generate a synthetic surveillance world with exact ground truth.

    python tools/misc/make_synthetic.py --out data/synthetic/small [--preset small]
        [--seed 0] [--workers 2] [--set key=value ...] [--contact-sheet PNG]

Writes frames, frame masks, annotations (boxes, tracks, keypoints, scene, anomalous
regions), the one-class / weak / unsupervised splits and OpenCV-readable videos in the
public datasets' layout (see ``vadkit/datasets/synthetic/writer.py``). Deterministic: one
seed gives byte-identical frames and annotations. Interrupted runs resume.
"""
import argparse
import ast
import os.path as osp
import time

from vadkit.datasets.synthetic import PRESETS, WorldConfig, world_config, write_world
from vadkit.utils import ConfigError
from vadkit.utils.cli import run_tool


def parse_overrides(items):
    """``key=value`` pairs, values read as Python literals (``num_frames=(64,96)``)."""
    fields = set(WorldConfig.__dataclass_fields__)
    out = {}
    for item in items or []:
        key, sep, value = item.partition('=')
        if not sep or key not in fields:
            raise ConfigError(f'--set {item}: expected key=value with key one of '
                              f'{sorted(fields)}')
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


@run_tool
def main(argv=None):
    parser = argparse.ArgumentParser(description='Generate a synthetic VAD world')
    parser.add_argument('--out', required=True, help='destination folder')
    parser.add_argument('--preset', default='small', choices=sorted(PRESETS))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=2, help='rendering processes')
    parser.add_argument('--set', nargs='+', metavar='KEY=VALUE',
                        help='override WorldConfig fields, e.g. test_videos=20')
    parser.add_argument('--contact-sheet', help='also write a PNG of sample frames with '
                        'boxes and skeletons (default: <out>/contact_sheet.png)')
    args = parser.parse_args(argv)
    try:
        config = world_config(args.preset, **parse_overrides(args.set))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f'world config: {exc}') from None
    start = time.time()
    plan = write_world(args.out, config, args.seed, workers=args.workers)
    frames = sum(v.num_frames for v in plan.videos)
    print(f'{len(plan.videos)} videos, {frames} frames in {len(plan.scenes)} scenes written '
          f'to {args.out} in {time.time() - start:.1f} s')
    from vadkit.datasets.synthetic.sheet import write_contact_sheet
    sheet = args.contact_sheet or osp.join(args.out, 'contact_sheet.png')
    write_contact_sheet(args.out, sheet)
    print(f'contact sheet: {sheet}')


if __name__ == '__main__':
    main()
