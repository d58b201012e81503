"""Per-frame 0/1 ground-truth masks stored as one ``<video>.npy`` per test video, and frame
counts of extracted-frame folders.

This is the layout of the ``test_frame_mask`` folders released for CUHK Avenue and
ShanghaiTech (and for the ShanghaiTech Mixture splits): file stems are the video names
exactly as written (``01``, ``01_0014``), one 1-D array of 0/1 per video, one entry a frame.
"""
import os
import os.path as osp
from typing import Dict, Iterable, Optional, Sequence

import numpy as np

from vadkit.utils.errors import DataError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def check_frame_mask(mask: np.ndarray, where: str) -> np.ndarray:
    """Check that ``mask`` is a 1-D array of 0/1 values and return it as ``uint8``.

    Args:
        mask: The array as loaded.
        where: What it is, for the error message (the file, or the video).

    Returns:
        The mask as a 1-D ``uint8`` array.
    """
    mask = np.asarray(mask)
    if mask.ndim != 1:
        raise DataError(f'{where}: frame mask must be 1-D (one 0/1 entry a frame), '
                        f'got shape {mask.shape}')
    if mask.dtype.kind not in 'biuf':
        raise DataError(f'{where}: frame mask must be numeric, got dtype {mask.dtype}')
    bad = ~np.isin(mask, (0, 1))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        values = sorted({v.item() for v in np.unique(mask[bad])})[:5]
        raise DataError(f'{where}: frame mask values must be 0 or 1, got {values} '
                        f'(first at frame {first})')
    return mask.astype(np.uint8)


def load_frame_mask(path: str) -> np.ndarray:
    """Load and check one ``<video>.npy`` frame mask.

    Args:
        path: The ``.npy`` file.

    Returns:
        The mask as a 1-D ``uint8`` array of 0/1.
    """
    try:
        mask = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f'frame mask {path} cannot be read: {exc}') from None
    return check_frame_mask(mask, path)


def load_frame_masks(mask_dir: str,
                     videos: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """Load the per-frame 0/1 masks of a ``test_frame_mask`` folder.

    Args:
        mask_dir: Folder of ``<video>.npy`` files (other files are ignored).
        videos: The videos to load; every one must have a file. None loads every ``.npy``
            file of the folder.

    Returns:
        ``{video: mask}`` with ``uint8`` 1-D masks, keyed by file stem; in the order of
        ``videos`` when given, else sorted by name.
    """
    if not osp.isdir(mask_dir):
        raise DataError(f'frame-mask folder not found: {mask_dir}')
    available = {name[:-4] for name in os.listdir(mask_dir)
                 if name.endswith('.npy') and osp.isfile(osp.join(mask_dir, name))}
    if videos is None:
        if not available:
            raise DataError(f'frame-mask folder {mask_dir} holds no <video>.npy files')
        wanted = sorted(available)
    else:
        wanted = list(videos)
        _check_unique(wanted, f'video list for {mask_dir}')
        missing = [v for v in wanted if v not in available]
        if missing:
            more = f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''
            raise DataError(f'video {missing[0]}{more}: no frame mask {missing[0]}.npy in '
                            f'{mask_dir}')
    return {v: load_frame_mask(osp.join(mask_dir, v + '.npy')) for v in wanted}


def count_frames(frames_root: str,
                 extensions: Iterable[str] = IMAGE_EXTENSIONS) -> Dict[str, int]:
    """Count the image files of each video subfolder of an extracted-frames folder.

    E.g. ``ped2/testing/frames/<01..12>/NNN.jpg`` gives ``{'01': 180, ...}``.

    Args:
        frames_root: Folder with one subfolder of frame images per video.
        extensions: File extensions counted as frames (case-insensitive).

    Returns:
        ``{video: number of frames}``, sorted by video name.
    """
    if not osp.isdir(frames_root):
        raise DataError(f'frames folder not found: {frames_root}')
    exts = tuple(e.lower() for e in extensions)
    counts = {}
    for video in sorted(os.listdir(frames_root)):
        folder = osp.join(frames_root, video)
        if not osp.isdir(folder):
            continue
        n = sum(1 for name in os.listdir(folder) if name.lower().endswith(exts)
                and osp.isfile(osp.join(folder, name)))
        if n == 0:
            raise DataError(f'video {video}: no frame images ({", ".join(exts)}) in {folder}')
        counts[video] = n
    if not counts:
        raise DataError(f'frames folder {frames_root} holds no video subfolders')
    return counts


def _check_unique(videos: Sequence[str], what: str) -> None:
    seen = set()
    for video in videos:
        if video in seen:
            raise DataError(f'{what}: video {video} is listed twice')
        seen.add(video)
