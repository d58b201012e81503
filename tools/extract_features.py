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
import json
import os
import os.path as osp
import sys
import time

from vadkit.parsing import FeatureStore, VideoInfo, VideoSource, find_videos
from vadkit.registry import PARSERS
from vadkit.utils import CheckpointError, ConfigError, DataError
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

    parser = PARSERS.build(parser_cfg)
    missing = parser.missing_checkpoints()
    if missing:
        listed = '; '.join(f'parser.{key}.checkpoint={path}' for key, path in missing)
        raise CheckpointError(
            f'{args.config}: {len(missing)} weight file(s) not found: {listed}. Download them '
            '(the config says from where) or, for random weights, pass --cfg-options '
            + ' '.join(f'parser.{key}.checkpoint=None' for key, _ in missing))
    store = FeatureStore(args.out, parser_cfg, extra=dict(videos=videos_cfg))
    if rank == 0:
        store.create()
        store.clean_partials()
    _barrier(world_size)

    videos = find_videos(args.data_root, list(videos_cfg.get('patterns', ['*'])))
    if args.videos:
        known = dict(videos)
        missing = [v for v in args.videos if v not in known]
        if missing:
            raise DataError(f'--videos: not found under {args.data_root}: {missing}')
        videos = [(v, known[v]) for v in args.videos]
    if not videos:
        raise DataError(f'no videos under {args.data_root} match {videos_cfg.get("patterns")}')
    mine = videos[rank::world_size]
    todo = [(v, p) for v, p in mine if not store.has(v)]
    if rank == 0:
        print(f'{len(videos)} videos, {len(videos) - sum(not store.has(v) for v, _ in videos)} '
              f'already in {args.out}; {world_size} rank(s)')

    failed = []
    bar = None
    if not args.no_progress and rank == 0 and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc='parsing' if world_size == 1 else
                   f'parsing (rank 0 of {world_size})', unit='video')
    start, objects, frames = time.time(), 0, 0
    for video_id, path in todo:
        try:
            source = VideoSource(path, video_id)
            annotation = None
            pattern = videos_cfg.get('annotations')
            if pattern:
                ann_path = osp.join(args.data_root, pattern.format(video=video_id))
                if osp.isfile(ann_path):
                    with open(ann_path, encoding='utf-8') as f:
                        annotation = json.load(f)
            info = VideoInfo(video_id, source.num_frames, source.width, source.height,
                             source.fps, annotation)
            arrays, meta = parser.parse(source, info)
        except DataError as exc:
            failed.append((video_id, str(exc)))
            print(f'skipping video {video_id}: {exc}', file=sys.stderr)
            continue
        store.write(video_id, arrays, meta, rank)
        objects += meta['counts']['objects']
        frames += meta['num_frames']
        if bar is not None:
            elapsed = max(time.time() - start, 1e-6)
            bar.set_postfix_str(f'{frames / elapsed:.1f} frames/s, '
                                f'{objects / elapsed:.1f} objects/s', refresh=False)
            bar.update()
    if bar is not None:
        bar.close()
    if todo:
        elapsed = max(time.time() - start, 1e-6)
        print(f'rank {rank}: {len(todo) - len(failed)} videos, {frames} frames, {objects} '
              f'object clips in {elapsed:.1f} s ({frames / elapsed:.1f} frames/s, '
              f'{objects / elapsed:.1f} objects/s)')

    _barrier(world_size)
    if rank == 0:
        index = store.write_index()
        print(f'{len(index["videos"])} videos in {args.out} (config hash {store.hash})')
    if failed:
        for video_id, message in failed:
            print(f'failed: {video_id}: {message}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
