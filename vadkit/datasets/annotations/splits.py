"""Video lists of dataset splits: the ShanghaiTech Mixture splits of HSC (Sun & Gong 2023)
and the weakly-supervised ShanghaiTech split of Zhong et al. (2019)."""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from vadkit.utils.errors import DataError

from ._io import read_text_lines
from .masks import load_frame_mask, load_frame_masks

MIXTURE_SPLITS = ('01+02', '04+08', '10+12')
# Where the HSC release keeps the Mixture test masks, relative to the Mixture root.
MIXTURE_MASK_SUBDIR = osp.join('shanghaitech', 'test_frame_mask')
# Videos of ShanghaiTech's original test set are named 'SS_NNNN', those of its one-class
# training set 'SS_NNN'; the official test_frame_mask folder has a mask for every test video.
SHANGHAITECH_TEST_NAME = r'\d{2}_\d{4}'


def load_video_list(path: str) -> List[str]:
    """Read a split file: one video name per line.

    A missing final newline, blank lines and trailing spaces are tolerated.

    Args:
        path: The split file.

    Returns:
        The video names in file order.
    """
    videos: List[str] = []
    first_line: Dict[str, int] = {}
    for number, line in read_text_lines(path, 'video list'):
        fields = line.split()
        if len(fields) != 1:
            raise DataError(f'{path} line {number}: expected one video name, got '
                            f'{len(fields)} fields: {line!r}')
        video = fields[0]
        if video in first_line:
            raise DataError(f'{path} line {number}: video {video} is listed twice (first on '
                            f'line {first_line[video]})')
        first_line[video] = number
        videos.append(video)
    if not videos:
        raise DataError(f'video list {path} is empty')
    return videos


@dataclass
class MixtureSplit:
    """One ShanghaiTech Mixture split of HSC.

    Attributes:
        name: ``'01+02'``, ``'04+08'`` or ``'10+12'`` (the two scenes mixed).
        train: Training videos (normal by the split's definition; some are anomalous test
            videos of the original ShanghaiTech moved to training).
        test: Test videos.
        masks: ``{test video: 0/1 uint8 frame mask}``, in the order of ``test``.
    """

    name: str
    train: List[str]
    test: List[str]
    masks: Dict[str, np.ndarray] = field(repr=False)


def load_mixture_split(root: str, name: str, mask_dir: Optional[str] = None) -> MixtureSplit:
    """Load a ShanghaiTech Mixture split from the HSC release.

    Args:
        root: Folder with ``SHT_{train,test}_mix_<name>_trim.txt``.
        name: One of :data:`MIXTURE_SPLITS`.
        mask_dir: Folder of the test masks; default ``<root>/shanghaitech/test_frame_mask``.

    Returns:
        The split's train and test lists and test masks.
    """
    if name not in MIXTURE_SPLITS:
        raise DataError(f'unknown ShanghaiTech Mixture split {name!r}; valid: '
                        f'{", ".join(MIXTURE_SPLITS)}')
    train, test = _load_train_test(osp.join(root, f'SHT_train_mix_{name}_trim.txt'),
                                   osp.join(root, f'SHT_test_mix_{name}_trim.txt'),
                                   f'Mixture split {name}')
    masks = load_frame_masks(mask_dir or osp.join(root, MIXTURE_MASK_SUBDIR), test)
    return MixtureSplit(name=name, train=train, test=test, masks=masks)


def load_shanghaitech_weak_split(root: str) -> Tuple[List[str], List[str]]:
    """Load the weakly-supervised ShanghaiTech split of Zhong et al. (2019).

    Both lists mix normal and anomalous videos: ``SS_NNNN`` names come from the original
    test set, ``SS_NNN`` names from the original (all-normal) training set.

    Args:
        root: Folder with ``SH_Train.txt`` and ``SH_Test.txt``.

    Returns:
        ``(train, test)`` video lists in file order.
    """
    return _load_train_test(osp.join(root, 'SH_Train.txt'), osp.join(root, 'SH_Test.txt'),
                            'ShanghaiTech weak split')


def _load_train_test(train_file: str, test_file: str, what: str
                     ) -> Tuple[List[str], List[str]]:
    """Two video lists that must not share a video."""
    train, test = load_video_list(train_file), load_video_list(test_file)
    both = sorted(set(train) & set(test))
    if both:
        raise DataError(f'{what}: video {both[0]} is in both {train_file} and {test_file}')
    return train, test


def shanghaitech_weak_masks(test_videos: Sequence[str],
                            mask_dir: str,
                            num_frames: Optional[Mapping[str, int]] = None,
                            require_mask: Optional[str] = SHANGHAITECH_TEST_NAME
                            ) -> Dict[str, np.ndarray]:
    """Frame masks of the weakly-supervised ShanghaiTech test list.

    A video with ``<video>.npy`` in ``mask_dir`` gets that mask; a video without one (a
    normal video of the original training set) gets an all-zero mask of
    ``num_frames[video]`` frames.

    Args:
        test_videos: The test list (see :func:`load_shanghaitech_weak_split`).
        mask_dir: ShanghaiTech's ``test_frame_mask`` folder.
        num_frames: ``{video: number of frames}``; needed for videos without a mask file,
            and checked against the masks of the others when given.
        require_mask: Regular expression of names that must have a mask file (default: the
            original test set's ``SS_NNNN`` names, all of which have one in the official
            release), so that an incomplete mask folder is an error instead of silently
            normal videos; None lets every video fall back to zeros.

    Returns:
        ``{video: 0/1 uint8 frame mask}`` in the order of ``test_videos``.
    """
    if not osp.isdir(mask_dir):
        raise DataError(f'frame-mask folder not found: {mask_dir}')
    num_frames = num_frames or {}
    pattern = re.compile(require_mask) if require_mask is not None else None
    masks: Dict[str, np.ndarray] = {}
    for video in test_videos:
        if video in masks:
            raise DataError(f'ShanghaiTech test list: video {video} is listed twice')
        path = osp.join(mask_dir, video + '.npy')
        if osp.isfile(path):
            mask = load_frame_mask(path)
            if video in num_frames and len(mask) != num_frames[video]:
                raise DataError(f'video {video}: frame mask {path} has {len(mask)} frames, '
                                f'the video has {num_frames[video]}')
        elif pattern is not None and pattern.fullmatch(video):
            raise DataError(f'video {video}: no frame mask {video}.npy in {mask_dir}, and '
                            f'names like {require_mask!r} (original test videos) need one')
        elif video in num_frames:
            mask = np.zeros(int(num_frames[video]), dtype=np.uint8)
        else:
            raise DataError(f'video {video}: no frame mask in {mask_dir} and its number of '
                            f'frames is unknown (not in num_frames), cannot build an '
                            f'all-normal mask')
        masks[video] = mask
    return masks


def shanghaitech_scenes(videos: Sequence[str]) -> Dict[str, str]:
    """``{video: scene}`` for ShanghaiTech names (``'01_0014'`` and ``'01_001'`` are scene
    ``'01'``), the ``video_groups['scene']`` of a per-scene breakdown.

    Raises:
        DataError: naming a video whose name is not ``<scene>_<number>``.
    """
    out = {}
    for video in videos:
        scene, sep, number = str(video).partition('_')
        if not (sep and scene.isdigit() and number.isdigit()):
            raise DataError(f'video {video}: not a ShanghaiTech name (<scene>_<number>)')
        out[video] = scene
    return out
