"""Parse videos into a feature store: detection, tracking, pose, object / scene / clip
features, per video, resumable, sharded across ranks.

    python tools/extract_features.py CONFIG --data-root DIR --out STORE_DIR
        [--videos ID ...] [--cfg-options k=v ...] [--launcher none|pytorch]
    bash: torchrun --nproc_per_node N tools/extract_features.py ... --launcher pytorch

CONFIG holds ``parser`` (a PARSERS config) and ``videos`` (``patterns``: globs, or
``dict(glob=..., prefix=...)`` to keep equal names of two folders apart, under
DIR of frame folders or video files; ``annotations``: optional path pattern of a
ground-truth JSON per video, ``{video}`` replaced, for the oracle backends). The store's
manifest records the hash of ``parser``; a store of another hash is refused. Videos
already in the store are skipped, so an interrupted run resumes; with several ranks each
takes every N-th video. A video that cannot be read is reported by name and skipped; the
run then exits with status 1 and lists them.
"""
import argparse
import os
import sys

from vadkit.parsing.extract import extract_features
from vadkit.utils import ConfigError
from vadkit.utils.cli import load_config, run_tool
from vadkit.utils.setup_env import register_all_modules


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Extract features into a feature store')
    parser.add_argument('config', help='parsing config (parser + videos)')
    parser.add_argument('--data-root', required=True, help='folder holding the videos')
    parser.add_argument('--out', required=True, help='feature store folder')
    parser.add_argument('--videos', nargs='+', help='only these video ids')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--launcher', default='none', choices=['none', 'pytorch'])
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def _dist(launcher: str):
    if launcher == 'none':
        return 0, 1
    import torch.distributed as dist
    if not dist.is_initialized():  # ranks only share barriers: gloo, with or without CUDA
        dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                world_size=int(os.environ['WORLD_SIZE']))
    return dist.get_rank(), dist.get_world_size()


def _barrier(world_size: int) -> None:
    if world_size > 1:
        import torch.distributed as dist
        dist.barrier()


@run_tool
def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    if 'parser' not in cfg or 'videos' not in cfg:
        raise ConfigError(f'{args.config} needs `parser` and `videos`')
    parser_cfg = cfg.parser.to_dict() if hasattr(cfg.parser, 'to_dict') else dict(cfg.parser)
    videos_cfg = dict(cfg.videos)
    rank, world_size = _dist(args.launcher)

    store, failed = extract_features(
        parser_cfg, videos_cfg, args.data_root, args.out, videos=args.videos, rank=rank,
        world_size=world_size, progress=not args.no_progress, source=args.config,
        barrier=(lambda: _barrier(world_size)) if world_size > 1 else None)
    if failed:
        for video_id, message in failed:
            print(f'failed: {video_id}: {message}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
