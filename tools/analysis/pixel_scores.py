"""Uninformed pixel scores of any videos, in the score-file format: the floor a method
must beat.

    python tools/analysis/pixel_scores.py DATA_ROOT --out-dir DIR
        [--patterns 'testing/frames/*'] [--prefix scores] [--probes frame_difference ...]

For every frame folder or video file that ``--patterns`` finds under DATA_ROOT (Ped2's test
videos by default), ``frame_difference`` scores each frame by its mean absolute grey-level
difference to the previous frame, and ``pixel_statistics`` by its mean absolute difference
to the video's median frame (how much foreground there is). Written: ``DIR/<prefix>_<probe>
.npz``, one array per video keyed by its id (what ``tools/test.py --out-scores`` writes and
``tools/analysis/eval_scores.py`` reads). Nothing is learnt and no label is read.
"""
import argparse
import os
import os.path as osp

import numpy as np

from vadkit.utils import DataError
from vadkit.utils.cli import run_tool
from vadkit.utils.io import save_npz

PROBES = ('frame_difference', 'pixel_statistics')


def probe_scores(source, probe: str) -> np.ndarray:
    """One score per frame of a video (a :class:`~vadkit.parsing.video_io.VideoSource`):
    :func:`~vadkit.datasets.synthetic.probes.frame_difference` or
    :func:`~vadkit.datasets.synthetic.probes.pixel_statistics` of its grey frames."""
    import cv2

    from vadkit.datasets.synthetic.probes import frame_difference, pixel_statistics
    grey = (cv2.cvtColor(f, cv2.COLOR_BGR2GRAY).astype(np.float32) if f.ndim == 3 else
            f.astype(np.float32) for f in source)
    scores = frame_difference(grey) if probe == 'frame_difference' else pixel_statistics(grey)
    if not len(scores):
        raise DataError(f'video {source.video_id}: no frames')
    return scores


@run_tool
def main(argv=None):
    parser = argparse.ArgumentParser(description='Pixel scores (frame difference, pixel '
                                     'statistics) of videos, as score files')
    parser.add_argument('data_root', help='the folder the patterns are relative to')
    parser.add_argument('--out-dir', required=True, help='where the .npz files go')
    parser.add_argument('--patterns', nargs='+', default=['testing/frames/*'],
                        help="globs of frame folders or video files (default "
                        "'testing/frames/*')")
    parser.add_argument('--prefix', default='scores', help='file name prefix')
    parser.add_argument('--probes', nargs='+', default=list(PROBES), choices=PROBES)
    args = parser.parse_args(argv)
    from tqdm import tqdm

    from vadkit.parsing.video_io import VideoSource, find_videos
    found = find_videos(args.data_root, args.patterns)
    if not found:
        raise DataError(f'no videos under {args.data_root} match {args.patterns}')
    scores = {probe: {} for probe in args.probes}
    for video_id, path in tqdm(found, desc='pixel scores', unit='video'):
        source = VideoSource(path, video_id)
        for probe in args.probes:
            scores[probe][video_id] = probe_scores(source, probe)
    os.makedirs(args.out_dir, exist_ok=True)
    for probe, values in scores.items():
        path = osp.join(args.out_dir, f'{args.prefix}_{probe}.npz')
        save_npz(values, path)
        print(f'{probe}: {len(values)} videos, {sum(len(v) for v in values.values())} frames '
              f'-> {path}')


if __name__ == '__main__':
    main()
