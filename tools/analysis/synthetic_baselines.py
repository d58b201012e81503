"""Reference scores on a synthetic world, evaluated: how hard is its benchmark?

    python tools/analysis/synthetic_baselines.py WORLD_DIR --work-dir DIR [--regime one_class]
                                                 [--plot-videos 4]

Scores the test videos of WORLD_DIR (``tools/misc/make_synthetic.py``) with
- ``actor_oracle``: actor motion from the annotations, fitted on the training videos (what a
  method that sees the actors could approach),
- ``frame_difference`` and ``pixel_statistics``: uninformed pixel scores,
- ``constant``: every frame the same,
then writes ``<probe>_scores.npz`` (the score-file format ``eval_scores.py`` reads),
``baselines.json`` and score curves of a few videos, and prints a table.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np

from vadkit.datasets.annotations import load_frame_masks
from vadkit.datasets.synthetic.probes import (frame_difference_scores, pixel_statistics_scores,
                                              speed_oracle_scores)
from vadkit.evaluation import evaluate_frames
from vadkit.utils import DataError
from vadkit.utils.cli import run_tool
from vadkit.utils.io import dump_json, save_npz


@run_tool
def main(argv=None):
    parser = argparse.ArgumentParser(description='Reference scores on a synthetic world')
    parser.add_argument('world', help='folder written by tools/misc/make_synthetic.py')
    parser.add_argument('--work-dir', required=True, help='where scores, JSON and plots go')
    parser.add_argument('--regime', default='one_class', choices=['one_class', 'weak'])
    parser.add_argument('--plot-videos', type=int, default=4,
                        help='score curves of this many test videos (0: none)')
    args = parser.parse_args(argv)
    split_path = osp.join(args.world, 'splits', f'{args.regime}.json')
    if not osp.isfile(split_path):
        raise DataError(f'{split_path} not found: is {args.world} a synthetic world?')
    with open(split_path, encoding='utf-8') as f:
        split = json.load(f)
    names = lambda entries: [e if isinstance(e, str) else e['video'] for e in entries]  # noqa
    train, test = names(split['train']), names(split['test'])
    gt = load_frame_masks(osp.join(args.world, 'testing', 'test_frame_mask'), test)
    frame_dirs = {v: osp.join(args.world, 'testing', 'frames', v) for v in test}
    probes = dict(
        actor_oracle=speed_oracle_scores(args.world, train, test),
        frame_difference=frame_difference_scores(frame_dirs),
        pixel_statistics=pixel_statistics_scores(frame_dirs),
        constant={v: np.zeros(len(y)) for v, y in gt.items()})
    os.makedirs(args.work_dir, exist_ok=True)
    table = {}
    for name, scores in probes.items():
        save_npz(scores, osp.join(args.work_dir, f'{name}_scores.npz'))
        values, per_video = evaluate_frames(scores, gt, ('micro_auc', 'macro_auc', 'ap'))
        table[name] = values
        if args.plot_videos and name in ('actor_oracle', 'frame_difference'):
            from vadkit.visualization import plot_score_curves
            anomalous = [v for v in test if gt[v].any()][:args.plot_videos]
            plot_score_curves(scores, osp.join(args.work_dir, 'plots', name), labels=gt,
                              per_video=per_video, videos=anomalous)
    dump_json(dict(world=osp.abspath(args.world), regime=args.regime, num_videos=len(test),
                   num_frames=int(sum(len(y) for y in gt.values())), metrics=table),
              osp.join(args.work_dir, 'baselines.json'))
    width = max(len(k) for k in table)
    print(f'{len(test)} test videos of {args.world} ({args.regime})')
    print(f'{"score":<{width}}  micro_auc  macro_auc      ap')
    for name, v in table.items():
        print(f'{name:<{width}}  {v["micro_auc"]:9.4f}  {v["macro_auc"]:9.4f}  {v["ap"]:6.4f}')
    print(f'scores, baselines.json and plots written to {args.work_dir}')


if __name__ == '__main__':
    main()
