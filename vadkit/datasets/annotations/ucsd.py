"""UCSD Ped1/Ped2 frame-level ground truth in the Matlab ``UCSDped<k>.m`` format.

The file assigns one entry per test video, in order::

    TestVideoFile = {};
    TestVideoFile{end+1}.gt_frame = [61:180];
    TestVideoFile{end+1}.gt_frame = [1:80, 100:150];

Each ``gt_frame`` lists Matlab ranges ``a:b`` (1-based, both ends included) or single
frames, separated by commas or spaces; an explicit index ``TestVideoFile{3}`` is accepted
too. Video ``k`` (counted from 1) is keyed ``'%02d' % k`` like the frame folders
(``testing/frames/01``).
"""
import os.path as osp
import re
from typing import Dict, List, Mapping, Tuple

import numpy as np

from vadkit.utils.errors import DataError

from .intervals import intervals_to_mask

_ENTRY = re.compile(r'TestVideoFile\s*\{\s*(end\s*\+\s*1|\d+)\s*\}\s*\.\s*gt_frame\s*=\s*'
                    r'\[([^\]]*)\]\s*;?')
_RANGE = re.compile(r'(\d+)(?::(\d+))?')


def parse_ucsd_gt_m(path_or_text: str,
                    num_frames: Mapping[str, int],
                    clip: bool = False) -> Dict[str, np.ndarray]:
    """Parse a ``UCSDped<k>.m`` ground-truth file into per-video 0/1 frame masks.

    Args:
        path_or_text: The ``.m`` file, or its text (anything containing ``gt_frame`` or a
            newline is taken as text).
        num_frames: ``{video: number of frames}`` keyed ``'01'``, ``'02'``, ... (e.g. from
            :func:`~vadkit.datasets.annotations.count_frames`); must name exactly the videos
            of the file.
        clip: Cut ranges at the video's end instead of raising
            :class:`~vadkit.utils.errors.DataError`.

    Returns:
        ``{video: uint8 mask}`` keyed ``'01'``, ``'02'``, ... in order.
    """
    if 'gt_frame' in path_or_text or '\n' in path_or_text:
        source, text = 'UCSD ground-truth text', path_or_text
    else:
        source = path_or_text
        if not osp.isfile(source):
            raise DataError(f'UCSD ground-truth file not found: {source}')
        with open(source, encoding='utf-8', errors='replace') as f:
            text = f.read()
    entries: Dict[int, Tuple[int, List[Tuple[int, int]]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split('%', 1)[0].strip()
        if 'gt_frame' not in line:
            continue
        where = f'{source} line {number}'
        match = _ENTRY.fullmatch(line)
        if match is None:
            raise DataError(f"{where}: expected 'TestVideoFile{{end+1}}.gt_frame = [a:b, ...];'"
                            f', got {line!r}')
        index = len(entries) + 1 if match.group(1).startswith('end') else int(match.group(1))
        if index in entries:
            raise DataError(f'{where}: video {index:02d} is assigned twice (first on line '
                            f'{entries[index][0]})')
        entries[index] = (number, _parse_ranges(match.group(2), f'{where} (video {index:02d})'))
    if not entries:
        raise DataError(f'{source}: no TestVideoFile{{...}}.gt_frame entries')
    videos = {f'{i:02d}': entry for i, entry in sorted(entries.items())}
    missing = sorted(set(videos) - set(num_frames))
    extra = sorted(set(num_frames) - set(videos))
    if missing or extra:
        raise DataError(f'{source}: ground truth for videos {", ".join(videos)} but frame '
                        f'counts for {", ".join(sorted(num_frames))} (no count for '
                        f'{missing or "-"}, no ground truth for {extra or "-"})')
    return {video: intervals_to_mask(ranges, num_frames[video], one_based=True,
                                     end_inclusive=True, clip=clip,
                                     video=f'{video} ({source} line {number})')
            for video, (number, ranges) in videos.items()}


def _parse_ranges(content: str, where: str) -> List[Tuple[int, int]]:
    ranges = []
    for token in re.split(r'[,\s]+', re.sub(r'\s*:\s*', ':', content.strip())):
        if not token:
            continue
        match = _RANGE.fullmatch(token)
        if match is None:
            raise DataError(f"{where}: frame range {token!r} is not 'a:b' or a frame number")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) is not None else start
        ranges.append((start, end))
    return ranges
