"""Test (score and evaluate) a trained vadkit model.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out-scores FILE.npz]
                         [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]

CHECKPOINT is a checkpoint file or a work dir (its ``last_checkpoint`` is used). The
final metrics are printed and written to ``<work_dir>/metrics.json`` (a flat object of
floats, fractions not percentages), per-video values to ``metrics_per_video.json`` and the
scorer steps that produced the frame scores to ``scorer_pipeline.json``.
"""
import argparse
import math
import os.path as osp

from mmengine.dist import is_main_process

from vadkit.evaluation import VADMetric
from vadkit.utils import CheckpointError, ConfigError
from vadkit.utils.cli import (add_runner_args, build_runner, load_config, parse_runner_args,
                              prepare_runner_cfg, run_tool)
from vadkit.utils.io import dump_json, save_npz


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (score and evaluate) a vadkit model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir to take its latest')
    parser.add_argument('--work-dir', help='where metrics.json and the logs are written')
    parser.add_argument('--out-scores', help='save per-video frame scores to this .npz file')
    add_runner_args(parser)
    return parse_runner_args(parser, argv)


def resolve_checkpoint(path: str) -> str:
    """A checkpoint file, or the one a work dir's ``last_checkpoint`` names."""
    if osp.isdir(path):
        pointer = osp.join(path, 'last_checkpoint')
        if not osp.isfile(pointer):
            raise CheckpointError(f'{path} is a directory without a last_checkpoint file')
        with open(pointer, encoding='utf-8') as f:
            path = f.read().strip()
    if not osp.isfile(path):
        raise CheckpointError(f'checkpoint {path} does not exist')
    return path


def flat_floats(metrics: dict) -> dict:
    """The numeric metrics as plain floats, under their bare names (``vad/ap`` -> ``ap``)."""
    out = {}
    for key, value in metrics.items():
        try:
            out[key.split('/', 1)[-1]] = float(value)
        except (TypeError, ValueError):
            continue
    return out


@run_tool
def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    cfg = prepare_runner_cfg(cfg, args, strict_checkpoint=True)
    cfg.load_from = resolve_checkpoint(args.checkpoint)
    cfg.resume = False
    runner = build_runner(cfg)
    metrics = runner.test()
    if not is_main_process():
        return

    work_dir = cfg.work_dir
    vad_metrics = [m for m in runner.test_evaluator.metrics if isinstance(m, VADMetric)]
    if args.out_scores and not vad_metrics:
        raise ConfigError('--out-scores needs a VADMetric in test_evaluator')
    values = flat_floats(metrics)
    dump_json(values, osp.join(work_dir, 'metrics.json'))
    if vad_metrics:
        dump_json(vad_metrics[0].per_video, osp.join(work_dir, 'metrics_per_video.json'))
        dump_json(vad_metrics[0].scorer_steps, osp.join(work_dir, 'scorer_pipeline.json'))
        if args.out_scores:
            save_npz(vad_metrics[0].frame_scores, args.out_scores)
            print(f'frame scores of {len(vad_metrics[0].frame_scores)} videos written to '
                  f'{args.out_scores}')
    if not values:
        print('the test set has no labels: no metrics; metrics.json is {}')
    else:
        width = max(len(k) for k in values)
        print('\n'.join(f'{k:<{width}}  {v:.4f}' if math.isfinite(v) else f'{k:<{width}}  nan'
                        for k, v in sorted(values.items())))
    print(f'metrics written to {osp.join(work_dir, "metrics.json")}')


if __name__ == '__main__':
    main()
