"""Readers of segment features that were extracted elsewhere (the public feature releases of
UCF-Crime, ShanghaiTech and XD-Violence), registered in ``FEATURE_READERS``.

Every reader lists its videos (:meth:`BaseFeatureReader.videos`, in list-file or file-name
order) and gives one video's features as ``float32[T, crops, D]``
(:meth:`BaseFeatureReader.read`; ``crops`` is 1 for single-crop features). The layouts:

- :class:`NpyFeatureReader`: one ``.npy`` per video of shape ``(T, crops, D)`` (RTFM's
  I3D 10-crop features, ``Abuse028_x264_i3d.npy``) or ``(T, D)``; row ``t`` is the snippet
  of frames ``[16 t, 16 t + 16)``.
- :class:`CropFilesFeatureReader`: one ``(T, D)`` file per crop, ``<video>__<k>.npy``
  (XD-Violence's 5-crop I3D features); with a suffix without ``{crop}`` one file per video
  (XD-Violence's audio, ``<video>__vggish.npy``).
- :class:`SultaniTextReader`: Sultani et al.'s C3D text files, ``<video>.txt`` of 32 rows
  of 4096 floats (the 32 segments of the whole video).

The files are found from list files (one path per line, as the releases ship them:
``ucf-i3d.list``, ``rgb.list``, ``rgbtest.list``) or by a glob pattern under
``feature_dir``. Paths of a list file written on another machine are found by their file
name under ``feature_dir``. The video id is the file name less ``suffix``.
"""
import glob
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from vadkit.registry import FEATURE_READERS
from vadkit.utils.errors import ConfigError, DataError

#: The placeholder of the crop index in a crop-file suffix (``'__{crop}.npy'``).
CROP_FIELD = '{crop}'
#: How a layout's rows map to frames: ``'snippets'`` (row ``t`` covers the ``clip_len``
#: frames from ``t * clip_len``) or ``'sultani'`` (the rows are the fixed segments of the
#: whole video, mapped with :func:`~vadkit.scoring.expand.sultani_segment_clips`).
LAYOUTS = ('snippets', 'sultani')

PathArg = Union[None, str, Sequence[str]]
#: One file of a video: ``(path, where)``; ``where`` names the list file and its line, or
#: the file itself.
Entry = Tuple[str, str]


def _paths(value: PathArg, what: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f'{what} must be a path or a list of paths, got {value!r}')


def _resolve(path: str) -> str:
    from vadkit.datasets.store_split import resolve_path
    return resolve_path(path)


class BaseFeatureReader:
    """What every feature reader gives.

    Attributes:
        layout: One of :data:`LAYOUTS`: how the rows map to frames.
    """

    layout = 'snippets'

    def videos(self) -> List[str]:
        """The video ids, in list-file (or file-name) order."""
        raise NotImplementedError

    def read(self, video_id: str) -> np.ndarray:
        """One video's features as ``float32[T, crops, D]`` (memory-mapped when the file
        is already float32 ``(T, crops, D)``)."""
        raise NotImplementedError

    def sources(self, video_id: str) -> List[str]:
        """The files :meth:`read` reads for ``video_id``."""
        raise NotImplementedError

    def describe(self) -> str:
        """Where the reader looks, for messages."""
        return type(self).__name__


class ListedFilesReader(BaseFeatureReader):
    """The files of a list file, or of a glob under ``feature_dir``, grouped by video.

    Args:
        list_file: A list file (one path per line; blank lines skipped), a list of them
            (read one after the other: e.g. the training and the test list), or None to
            glob ``pattern`` under ``feature_dir``.
        feature_dir: Folder (or folders, searched in order) of the feature files. With a
            list file, every line is resolved by its file name under them, so a list
            written on another machine works; None takes the lines as paths (relative
            ones from the working directory, else from the list file's folder).
        suffix: What the file names end with after the video id; ``{crop}`` stands for
            the crop index (``'__{crop}.npy'``).
        pattern: Glob of the feature files under ``feature_dir`` when there is no list
            file (``**`` descends); default ``'*' + suffix`` (``{crop}`` as ``*``). Files
            whose name does not end with ``suffix`` are left out.
    """

    #: Whether the suffix may name a crop index.
    crop_files = False

    def __init__(self, list_file: PathArg = None, feature_dir: PathArg = None,
                 suffix: str = '.npy', pattern: Optional[str] = None) -> None:
        if not isinstance(suffix, str) or not suffix:
            raise ConfigError(f'{type(self).__name__}: suffix must be a non-empty string, '
                              f'got {suffix!r}')
        if suffix.count(CROP_FIELD) > 1 or (CROP_FIELD in suffix and not self.crop_files):
            raise ConfigError(f'{type(self).__name__}: suffix {suffix!r} names {CROP_FIELD} '
                              + ('more than once' if self.crop_files else
                                 '; per-crop files are read by CropFilesFeatureReader'))
        self.list_files = _paths(list_file, 'list_file')
        self.feature_dirs = _paths(feature_dir, 'feature_dir')
        if not self.list_files and not self.feature_dirs:
            raise ConfigError(f'{type(self).__name__}: give list_file or feature_dir')
        self.suffix = suffix
        self.pattern = pattern or '*' + suffix.replace(CROP_FIELD, '*')
        head, _, tail = suffix.partition(CROP_FIELD)
        self._name_re = re.compile('(?P<video>.+)' + re.escape(head) + (
            r'(?P<crop>\d+)' + re.escape(tail) if CROP_FIELD in suffix else '') + '$')
        self._index: Optional['OrderedDict[str, Dict[int, Entry]]'] = None

    def describe(self) -> str:
        if self.list_files:
            return f'list file(s) {", ".join(self.list_files)}'
        return f'{", ".join(self.feature_dirs)} ({self.pattern})'

    # -- finding the files ---------------------------------------------------------------
    def _parse_name(self, path: str) -> Optional[Tuple[str, int]]:
        match = self._name_re.match(osp.basename(path))
        if match is None:
            return None
        crop = match.groupdict().get('crop')
        return match.group('video'), int(crop) if crop is not None else 0

    def _find(self, line: str, list_file: str, number: int) -> str:
        where = f'list file {list_file} line {number}'
        if self.feature_dirs:
            name = osp.basename(line.replace('\\', '/'))
            dirs = [_resolve(d) for d in self.feature_dirs]
            for folder in dirs:
                if osp.isfile(osp.join(folder, name)):
                    return osp.join(folder, name)
            raise DataError(f'{where}: feature file {name} ({line}) not found under '
                            f'{", ".join(dirs)}')
        candidates = [line] if osp.isabs(line) else \
            [line, osp.join(osp.dirname(osp.abspath(list_file)), line)]
        for path in candidates:
            if osp.isfile(path):
                return path
        raise DataError(f'{where}: feature file {line} not found; a list written on another '
                        'machine needs feature_dir (--feature-dir), the folder that holds '
                        'the files, to find them by name')

    def _entries(self) -> List[Tuple[str, str]]:
        """``(path, where)`` of every feature file, in order."""
        from vadkit.datasets.annotations._io import read_text_lines
        out = []
        if self.list_files:
            for list_file in self.list_files:
                path = _resolve(list_file)
                lines = read_text_lines(path, 'feature list file')
                if not lines:
                    raise DataError(f'feature list file {path} is empty')
                for number, line in lines:
                    out.append((self._find(line, path, number),
                                f'list file {path} line {number}'))
                    if self._parse_name(out[-1][0]) is None:
                        raise DataError(f'list file {path} line {number}: file name '
                                        f'{osp.basename(out[-1][0])} does not end with the '
                                        f'suffix {self.suffix!r}')
            return out
        for folder in self.feature_dirs:
            folder = _resolve(folder)
            if not osp.isdir(folder):
                raise DataError(f'feature folder {folder} does not exist')
            for path in sorted(glob.glob(osp.join(folder, self.pattern), recursive=True)):
                if osp.isfile(path) and self._parse_name(path) is not None:
                    out.append((path, f'file {path}'))
        if not out:
            raise DataError(f'no feature files {self.pattern} (suffix {self.suffix!r}) under '
                            f'{", ".join(self.feature_dirs)}')
        return out

    def index(self) -> 'OrderedDict[str, Dict[int, Entry]]':
        """``{video: {crop index: (path, where)}}`` in order of first appearance."""
        if self._index is not None:
            return self._index
        index: 'OrderedDict[str, Dict[int, Entry]]' = OrderedDict()
        for path, where in self._entries():
            video, crop = self._parse_name(path)
            files = index.setdefault(video, {})
            if crop in files:
                what = f'crop {crop} of video {video}' if CROP_FIELD in self.suffix \
                    else f'video {video}'
                raise DataError(f'{where}: {what} is listed twice (first at '
                                f'{files[crop][1]})')
            files[crop] = (path, where)
        self._index = index
        return index

    def videos(self) -> List[str]:
        return list(self.index())

    def _files(self, video_id: str) -> Dict[int, Entry]:
        index = self.index()
        if video_id not in index:
            raise DataError(f'{self.describe()}: no feature file of video {video_id}')
        return index[video_id]

    def sources(self, video_id: str) -> List[str]:
        files = self._files(video_id)
        return [files[k][0] for k in sorted(files)]


def load_npy(path: str, video_id: str) -> np.ndarray:
    """A feature ``.npy``, memory-mapped, with errors naming the file and the video.

    Args:
        path: The file.
        video_id: Its video, for messages.

    Returns:
        The array (not yet checked for its shape).
    """
    try:
        array = np.load(path, mmap_mode='r', allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f'video {video_id}: feature file {path} cannot be read: {exc}') \
            from None
    if array.dtype.kind not in 'fiu':
        raise DataError(f'video {video_id}: feature file {path} holds {array.dtype}, not '
                        'numbers')
    return array


def _as_float32(array: np.ndarray) -> np.ndarray:
    return array if array.dtype == np.float32 else np.asarray(array, np.float32)


@FEATURE_READERS.register_module()
class NpyFeatureReader(ListedFilesReader):
    """One ``.npy`` per video: ``(T, crops, D)`` (RTFM's 10-crop I3D features) or
    ``(T, D)``.

    Args:
        list_file: List file(s) of the feature files, or None to glob (see
            :class:`ListedFilesReader`).
        feature_dir: Folder(s) of the files.
        suffix: What follows the video id in the file names, e.g. ``'_i3d.npy'``
            (RTFM), ``'.npy'``; it may not name ``{crop}``.
        pattern: Glob under ``feature_dir`` without a list file.
    """

    def __init__(self, list_file: PathArg = None, feature_dir: PathArg = None,
                 suffix: str = '.npy', pattern: Optional[str] = None) -> None:
        super().__init__(list_file, feature_dir, suffix, pattern)

    def read(self, video_id: str) -> np.ndarray:
        path = self.sources(video_id)[0]
        array = load_npy(path, video_id)
        if array.ndim == 2:
            array = array[:, None, :]
        if array.ndim != 3 or min(array.shape) < 1:
            raise DataError(f'video {video_id}: feature file {path} has shape {array.shape}; '
                            'expected (T, D) or (T, crops, D) with T, crops, D > 0')
        return _as_float32(array)


@FEATURE_READERS.register_module()
class CropFilesFeatureReader(ListedFilesReader):
    """One ``(T, D)`` file per crop, ``<video>__<k>.npy`` for ``k = 0 .. crops-1``
    (XD-Violence's 5-crop I3D features), stacked to ``(T, crops, D)``.

    A list file repeats a video once per crop; its lines are grouped by video. With a
    ``suffix`` without ``{crop}`` each video has one file (XD-Violence's audio
    ``'__vggish.npy'``, ``(T, 128)``), read as one crop.

    Args:
        list_file: List file(s) of the feature files, or None to glob (see
            :class:`ListedFilesReader`).
        feature_dir: Folder(s) of the files.
        suffix: What follows the video id, ``{crop}`` the crop index. Default
            ``'__{crop}.npy'``.
        pattern: Glob under ``feature_dir`` without a list file.
        crops: The number of crops every video must have; None: one more than the largest
            crop index of any video.
    """

    crop_files = True

    def __init__(self, list_file: PathArg = None, feature_dir: PathArg = None,
                 suffix: str = '__{crop}.npy', pattern: Optional[str] = None,
                 crops: Optional[int] = None) -> None:
        super().__init__(list_file, feature_dir, suffix, pattern)
        if crops is not None and (isinstance(crops, bool) or not isinstance(crops, int)
                                  or crops < 1):
            raise ConfigError(f'CropFilesFeatureReader: crops must be a positive integer or '
                              f'None, got {crops!r}')
        self.crops = crops
        self._num_crops: Optional[int] = None

    def num_crops(self) -> int:
        """The number of crops every video has."""
        if self._num_crops is None:
            self._num_crops = self.crops or 1 + max(max(f) for f in self.index().values())
        return self._num_crops

    def _files(self, video_id: str) -> Dict[int, Entry]:
        files = super()._files(video_id)
        expected = list(range(self.num_crops()))
        if sorted(files) != expected:
            missing = [k for k in expected if k not in files]
            extra = [k for k in sorted(files) if k >= self.num_crops()]
            first = files[min(files)][1]
            problem = (f'crop file(s) of crop(s) {missing} missing' if missing else
                       f'crop index(es) {extra} beyond the {self.num_crops()} crops')
            raise DataError(f'video {video_id}: {problem} (it has crops {sorted(files)}; '
                            f'{self.describe()}, first at {first})')
        return files

    def read(self, video_id: str) -> np.ndarray:
        files = self._files(video_id)
        arrays, first = [], None
        for k in sorted(files):
            path = files[k][0]
            array = load_npy(path, video_id)
            if array.ndim == 3 and array.shape[1] == 1:
                array = array[:, 0]
            if array.ndim != 2 or min(array.shape) < 1:
                raise DataError(f'video {video_id}: crop file {path} has shape {array.shape}; '
                                'expected (T, D) with T, D > 0')
            if first is None:
                first = (path, array.shape)
            elif array.shape != first[1]:
                raise DataError(f'video {video_id}: crop files differ in shape: {first[0]} is '
                                f'{tuple(first[1])}, {path} is {tuple(array.shape)} (every '
                                'crop of a video needs the same T and D)')
            arrays.append(array)
        if len(arrays) == 1:
            return _as_float32(arrays[0][:, None, :])
        return np.stack([np.asarray(a, np.float32) for a in arrays], axis=1)


@FEATURE_READERS.register_module()
class SultaniTextReader(ListedFilesReader):
    """Sultani et al.'s C3D features: ``<video>.txt`` holding ``num_segments`` rows of
    space-separated floats (32 rows of 4096), the segments of the whole video.

    The rows are not snippets: the importer maps them to frames from the video's frame
    count (``layout = 'sultani'``), so importing needs a frame count for every video.

    Args:
        list_file: List file(s) of the text files, or None to glob (see
            :class:`ListedFilesReader`).
        feature_dir: Folder(s) of the files.
        suffix: What follows the video id. Default ``'.txt'``.
        pattern: Glob under ``feature_dir`` without a list file.
        num_segments: The rows every file must have (32); None accepts any number.
    """

    layout = 'sultani'

    def __init__(self, list_file: PathArg = None, feature_dir: PathArg = None,
                 suffix: str = '.txt', pattern: Optional[str] = None,
                 num_segments: Optional[int] = 32) -> None:
        super().__init__(list_file, feature_dir, suffix, pattern)
        if num_segments is not None and (isinstance(num_segments, bool)
                                         or not isinstance(num_segments, int)
                                         or num_segments < 1):
            raise ConfigError(f'SultaniTextReader: num_segments must be a positive integer or '
                              f'None, got {num_segments!r}')
        self.num_segments = num_segments

    def read(self, video_id: str) -> np.ndarray:
        from vadkit.datasets.annotations._io import read_text_lines
        path = self.sources(video_id)[0]
        rows = []
        for number, line in read_text_lines(path, f'C3D feature file of video {video_id}'):
            try:
                row = np.array(line.split(), dtype=np.float32)
            except ValueError as exc:
                raise DataError(f'video {video_id}: {path} line {number}: not a row of '
                                f'numbers ({exc})') from None
            if rows and len(row) != len(rows[0]):
                raise DataError(f'video {video_id}: {path} line {number} has {len(row)} '
                                f'values, the first row {len(rows[0])}')
            rows.append(row)
        if not rows:
            raise DataError(f'video {video_id}: {path} holds no rows')
        if self.num_segments is not None and len(rows) != self.num_segments:
            raise DataError(f'video {video_id}: {path} has {len(rows)} rows, expected '
                            f'{self.num_segments} (one per segment)')
        return np.stack(rows)[:, None, :]
