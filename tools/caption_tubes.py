"""Caption the object tubes of a feature store: one sentence per kind for every tube.

    python tools/caption_tubes.py CONFIG --store STORE --out CAPTIONS.json
        [--videos PATTERN ...] [--data-root DIR] [--cfg-options k=v ...] [--no-progress]

CONFIG holds ``captioner`` (a CAPTIONERS config: ``SyntheticCaptioner`` for the generated
world's ground truth, ``CLIPTemplateCaptioner`` for the paper's CLIP-chosen words,
``FileCaptioner`` to re-check a file). The store must have been parsed with a
``tube_builder`` (``tubes``, ``tube_members``; ``tube_crops`` for captioners that read
pixels). ``--videos`` keeps the store's videos matching any of the glob patterns;
``--data-root`` replaces ``captioner.data_root``.

The output is the format :class:`~vadkit.parsing.captioners.FileCaptioner` reads
(``kinds``, ``videos: {video: [{end_frame, box, <kind>: sentence, ...}]}``, plus the
``captioner`` config and the ``store``). It is written atomically, every 30 seconds and at
the end, so an interrupted run leaves a valid file: run again with the same arguments and
the videos already in it are skipped. A file of another captioner config is refused.
"""
import argparse
import fnmatch
import json
import os
import os.path as osp
import time

from vadkit.utils import ConfigError, DataError
from vadkit.utils.cli import load_config, run_tool
from vadkit.utils.io import dump_json
from vadkit.utils.setup_env import register_all_modules

#: Seconds between two writes of the partial output.
SAVE_EVERY = 30.0


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Caption the object tubes of a feature store')
    parser.add_argument('config', help='captioning config (captioner)')
    parser.add_argument('--store', required=True, help='feature store folder (with tubes)')
    parser.add_argument('--out', required=True, help='captions JSON file')
    parser.add_argument('--videos', nargs='+', metavar='PATTERN',
                        help='only the videos matching these glob patterns')
    parser.add_argument('--data-root', help='replaces captioner.data_root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def select_videos(available, patterns, store_root: str):
    """The videos matching any pattern (all without patterns), sorted."""
    if not patterns:
        return sorted(available)
    chosen = sorted(v for v in available if any(fnmatch.fnmatchcase(v, p) for p in patterns))
    if not chosen:
        raise DataError(f'feature store {store_root}: no video matches {list(patterns)} (it has '
                        f'{len(available)} videos, e.g. {sorted(available)[:3]})')
    return chosen


def read_partial(path: str, header: dict) -> dict:
    """The videos of an earlier, possibly interrupted run into ``path`` (none when the file
    does not exist); refuses a file of another captioner config or other kinds."""
    if not osp.isfile(path):
        return {}
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise DataError(f'cannot read the existing captions {path}: {exc}; remove it or choose '
                        'another --out') from None
    for key in ('captioner', 'kinds'):
        if data.get(key) != header[key]:
            raise ConfigError(f'{path} holds captions of another {key} ({data.get(key)!r}, '
                              f'this run {header[key]!r}); use another --out, or remove it')
    return dict(data.get('videos') or {})


def caption_store_video(captioner, store, video_id: str) -> list:
    """The caption entries of one stored video."""
    meta = store.meta(video_id)
    have = meta['arrays']
    lacking = [n for n in ('tubes', 'tube_members') if n not in have]
    if lacking:
        raise DataError(f'feature store {store.root}: video {video_id} has no {lacking}; parse '
                        "it with tube_builder=dict(type='ObjectTubeBuilder', ...)")
    names = ['tubes', 'tube_members'] + [n for n in ('tube_crops', 'tracks') if n in have]
    if not getattr(captioner, 'needs_crops', False) and 'tube_crops' in names:
        names.remove('tube_crops')
    arrays = store.read(video_id, names)
    tubes = arrays['tubes']
    captioner.reset()
    sentences = captioner.caption_video(video_id, tubes, arrays['tube_members'],
                                        crops=arrays.get('tube_crops'),
                                        tracks=arrays.get('tracks'))
    if len(sentences) != len(tubes):
        raise RuntimeError(f'{type(captioner).__name__} gave {len(sentences)} captions for the '
                           f'{len(tubes)} tubes of video {video_id}')
    return [dict(end_frame=int(round(float(t[0]))), box=[round(float(v), 2) for v in t[1:5]],
                 **{kind: s[kind] for kind in captioner.kinds})
            for t, s in zip(tubes, sentences)]


@run_tool
def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    if 'captioner' not in cfg:
        raise ConfigError(f'{args.config} needs `captioner` (a CAPTIONERS config)')
    captioner_cfg = cfg.captioner.to_dict() if hasattr(cfg.captioner, 'to_dict') \
        else dict(cfg.captioner)
    if args.data_root:
        captioner_cfg['data_root'] = args.data_root
    from vadkit.parsing import FeatureStore
    from vadkit.parsing.captioners.file import FORMAT_VERSION
    from vadkit.registry import CAPTIONERS
    captioner = CAPTIONERS.build(captioner_cfg)
    store = FeatureStore(args.store)
    videos = select_videos(store.videos(), args.videos, args.store)
    header = dict(format_version=FORMAT_VERSION, kinds=list(captioner.kinds),
                  captioner=captioner_cfg, store=args.store)
    done = read_partial(args.out, header)
    todo = [v for v in videos if v not in done]

    def save():
        dump_json(dict(header, videos=done), args.out)

    bar = None
    if not args.no_progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc='captioning', unit='video')
    tubes, last_save = 0, time.monotonic()
    try:
        for video_id in todo:
            done[video_id] = caption_store_video(captioner, store, video_id)
            tubes += len(done[video_id])
            if bar is not None:
                bar.update()
            if time.monotonic() - last_save > SAVE_EVERY:
                save()
                last_save = time.monotonic()
    finally:
        if bar is not None:
            bar.close()
        if todo or not osp.isfile(args.out):
            save()
    skipped = len(videos) - len(todo)
    print(f'{args.out}: {len(todo)} videos captioned ({tubes} tubes), {skipped} already there '
          f'(skipped); kinds {"/".join(captioner.kinds)}, {type(captioner).__name__}')


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
