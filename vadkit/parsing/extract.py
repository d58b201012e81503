"""Parse videos into a feature store: the loop of ``tools/extract_features.py``, as a
function that a dataset config can also call to build its own features."""
import json
import os.path as osp
import sys
import time
from typing import List, Optional, Sequence, Tuple

from vadkit.utils.errors import CheckpointError, DataError

from .store import FeatureStore
from .base import VideoInfo
from .video_io import VideoSource, find_videos


def check_checkpoints(parser, source: str) -> None:
    """Refuse to start when weight files named by the parser's components are missing."""
    missing = parser.missing_checkpoints()
    if missing:
        listed = '; '.join(f'parser.{key}.checkpoint={path}' for key, path in missing)
        raise CheckpointError(
            f'{source}: {len(missing)} weight file(s) not found: {listed}. Download them '
            '(the config says from where) or, for random weights, pass --cfg-options '
            + ' '.join(f'parser.{key}.checkpoint=None' for key, _ in missing))


def extract_features(parser_cfg: dict, videos_cfg: dict, data_root: str, out: str,
                     videos: Optional[Sequence[str]] = None, rank: int = 0,
                     world_size: int = 1, progress: bool = True,
                     source: str = 'parsing config',
                     barrier=None) -> Tuple[FeatureStore, List[Tuple[str, str]]]:
    """Parse the videos of ``data_root`` that ``out`` does not hold yet.

    Args:
        parser_cfg: A PARSERS config (its hash keys the store).
        videos_cfg: ``patterns`` (globs under ``data_root``) and optionally
            ``annotations`` (a path pattern with ``{video}`` of ground-truth JSONs, for the
            oracle backends).
        data_root: The folder of frame folders or video files.
        out: The feature store folder.
        videos: Only these video ids.
        rank, world_size: This process's share: videos ``rank, rank + world_size, ...``.
        progress: Show a progress bar (rank 0).
        source: What to name in error messages (the config file).
        barrier: Called between the phases when several ranks run.

    Returns:
        The store and the ``(video, message)`` of every video that could not be read
        (skipped; the others are written).
    """
    from vadkit.registry import PARSERS
    parser = PARSERS.build(parser_cfg)
    check_checkpoints(parser, source)
    store = FeatureStore(out, parser_cfg, extra=dict(videos=videos_cfg))
    if rank == 0:
        store.create()
        store.clean_partials()
    if barrier is not None:
        barrier()
    found = find_videos(data_root, list(videos_cfg.get('patterns', ['*'])))
    if videos:
        known = dict(found)
        missing = [v for v in videos if v not in known]
        if missing:
            raise DataError(f'videos not found under {data_root}: {missing}')
        found = [(v, known[v]) for v in videos]
    if not found:
        raise DataError(f'no videos under {data_root} match {videos_cfg.get("patterns")}')
    todo = [(v, p) for v, p in found[rank::world_size] if not store.has(v)]
    if rank == 0:
        print(f'{len(found)} videos, {len(found) - sum(not store.has(v) for v, _ in found)} '
              f'already in {out}; {world_size} rank(s)')
    failed = []
    bar = None
    if progress and rank == 0 and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc='parsing' if world_size == 1 else
                   f'parsing (rank 0 of {world_size})', unit='video')
    start, objects, frames = time.time(), 0, 0
    for video_id, path in todo:
        try:
            video = VideoSource(path, video_id)
            annotation = None
            pattern = videos_cfg.get('annotations')
            if pattern:
                ann_path = osp.join(data_root, pattern.format(video=video_id))
                if osp.isfile(ann_path):
                    with open(ann_path, encoding='utf-8') as f:
                        annotation = json.load(f)
            info = VideoInfo(video_id, video.num_frames, video.width, video.height,
                             video.fps, annotation)
            arrays, meta = parser.parse(video, info)
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
    if barrier is not None:
        barrier()
    if rank == 0:
        index = store.write_index()
        print(f'{len(index["videos"])} videos in {out} (config hash {store.hash})')
    return store, failed
