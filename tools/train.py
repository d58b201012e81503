"""Train a vadkit model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                                 [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]

A config with ``val_dataloader`` validates during training; with ``model_selection =
dict(metric=..., rule=...)`` it keeps the best validation checkpoint as ``best.pth`` (see
docs/model_selection.md). A validation set that names the test split is refused.

A config with ``stages`` trains them first, each in ``<work_dir>/<name>`` and starting
from the previous one's last checkpoint, then itself (:mod:`vadkit.engine.stages`); a
finished stage is not trained again, and ``--resume`` resumes an unfinished one.
"""
import argparse
import copy
import os.path as osp

from vadkit.engine.model_selection import prepare_model_selection
from vadkit.engine.stages import (carried_checkpoint, finished_stage, last_checkpoint,
                                  mark_finished, split_stages)
from vadkit.utils.cli import (add_runner_args, build_runner, load_config, parse_runner_args,
                              prepare_runner_cfg, run_tool)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a vadkit model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest checkpoint of the work '
        'dir when no path is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate with the total batch size')
    add_runner_args(parser)
    return parse_runner_args(parser, argv)


def merge_args(cfg, args):
    """Apply the command line to the config, as mmengine's tools do."""
    cfg = prepare_runner_cfg(cfg, args, strict_checkpoint=None)
    cfg = prepare_model_selection(cfg)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    return cfg


def start_from(cfg, previous):
    """Resume the stage's own last checkpoint when asked and there is one, else start from
    the previous stage's checkpoint."""
    if cfg.get('resume') and cfg.get('load_from') is None and \
            last_checkpoint(cfg.work_dir) is not None:
        return cfg
    if previous is not None and not (cfg.get('resume') and cfg.get('load_from')):
        cfg.resume, cfg.load_from = False, previous
    return cfg


@run_tool
def main(argv=None):
    args = parse_args(argv)
    raw, stages = split_stages(load_config(args.config, args.cfg_options))
    cfg = merge_args(raw, args)
    previous = None
    for name, stage in stages:
        stage_args = copy.copy(args)
        stage_args.work_dir = osp.join(cfg.work_dir, name)
        stage_args.resume = None if args.resume is None else 'auto'
        stage = merge_args(stage, stage_args)
        done = finished_stage(stage.work_dir, stage)
        if done is not None:
            print(f'stage {name}: finished before, starting from {done}')
            previous = carried_checkpoint(stage, done)
            continue
        build_runner(start_from(stage, previous)).train()
        previous = carried_checkpoint(stage, mark_finished(stage.work_dir, stage, name))
    build_runner(start_from(cfg, previous)).train()


if __name__ == '__main__':
    main()
