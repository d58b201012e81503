"""Draw what a feature store holds for a video: boxes, track ids, classes and skeletons.

    python tools/analysis/show_parsing.py STORE_DIR --data-root DIR --video ID
        [--frames 0 40 80 ...] [--out parsing.png] [--columns 2]

The video's frames are read from DIR with the ``videos.patterns`` of the parsing config
recorded in the store's manifest (or ``--patterns``); without ``--frames``, four evenly
spaced frames are shown.
"""
import argparse
import os.path as osp

import numpy as np

from vadkit.parsing import FeatureStore, VideoSource, find_videos
from vadkit.utils import DataError
from vadkit.utils.cli import run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Draw parsing output on frames')
    parser.add_argument('store', help='feature store folder')
    parser.add_argument('--data-root', required=True, help='folder holding the videos')
    parser.add_argument('--video', required=True, help='video id')
    parser.add_argument('--frames', nargs='+', type=int, help='frame indices')
    parser.add_argument('--patterns', nargs='+',
                        help='globs of the videos under --data-root (default: the manifest\'s)')
    parser.add_argument('--out', default='parsing.png', help='PNG to write')
    parser.add_argument('--columns', type=int, default=2)
    return parser.parse_args(argv)


@run_tool
def main(argv=None):
    from vadkit.visualization import store_sheet
    args = parse_args(argv)
    store = FeatureStore(args.store)
    meta = store.meta(args.video)
    patterns = args.patterns or store.manifest.get('videos', {}).get('patterns') or ['*']
    videos = dict(find_videos(args.data_root, list(patterns)))
    if args.video not in videos:
        raise DataError(f'video {args.video} not found under {args.data_root} with patterns '
                        f'{list(patterns)}')
    frames = args.frames or np.linspace(0, meta['num_frames'] - 1, 4).round().astype(int)
    out = store_sheet(store, args.video, VideoSource(videos[args.video], args.video), frames,
                      args.out, columns=args.columns)
    print(f'wrote {osp.abspath(out)}')


if __name__ == '__main__':
    main()
