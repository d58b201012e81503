"""Import features extracted elsewhere into a feature store, without re-extraction.

:func:`import_features` reads every video of a ``FEATURE_READERS`` reader and writes, per
video, what the feature-store datasets (:class:`~vadkit.datasets.SegmentDataset`,
:class:`~vadkit.datasets.VideoBagDataset`) read:

- ``clips`` ``float32[T, 1, D]``: the crops' mean (``crops='mean'`` / ``'keep'``) or one
  crop (``crops=k``);
- ``crops`` ``float32[T, C, D]`` with ``crops='keep'``: every crop;
- ``clip_spans`` ``int64[T, 2]``: the frames ``[start, end)`` of each row;
- meta ``num_frames``, ``counts=dict(clips=T)``, ``source``, ``crops`` (C),
  ``feature_dim`` (D), ``layout``, ``clip_len``, ``num_frames_from``.

Frame counts and annotations
----------------------------
Snippet features (RTFM, XD-Violence) have row ``t`` cover frames ``[t L, t L + L)``
(``L = clip_len``, 16). Without a frame count the video is taken to have ``T L`` frames;
its true count ``n`` lies in ``[T L - L + 1, T L + L - 1]`` depending on whether the
extractor dropped (``T = n // L``) or padded (``T = ceil(n / L)``) the trailing frames. A
frame-count file pins ``n`` and is checked against ``T`` (``length_rule``). The optional
``annotations`` check builds a test split and requires every annotated video in the store
and every interval to end at most ``L - 1`` frames after the stored ``num_frames``: such an
overrun is the trailing frames the features drop, and the evaluation cuts it when the split
has ``clip=True``; a larger one means the features, the frame counts or the annotation
belong to different copies of the video.
"""
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from vadkit.parsing.base import clip_spans
from vadkit.scoring.expand import sultani_segment_frames
from vadkit.utils.errors import ConfigError, DataError
from vadkit.utils.io import to_jsonable

from .readers import BaseFeatureReader

#: How a snippet layout's ``T`` must relate to a frame count ``n``: ``'either'`` (``n //
#: clip_len`` or ``ceil(n / clip_len)``), ``'floor'``, ``'ceil'`` or ``'none'`` (no check).
LENGTH_RULES = ('either', 'floor', 'ceil', 'none')
#: The keys of a config's ``importer`` dict (``tools/import_features.py``).
IMPORTER_KEYS = ('clip_len', 'crops', 'frame_counts', 'annotations', 'length_rule')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm')

CropsArg = Union[str, int]


def check_import_options(clip_len: int = 16, crops: CropsArg = 'mean',
                         frame_counts: Optional[str] = None,
                         annotations: Optional[dict] = None,
                         length_rule: str = 'either') -> dict:
    """Check the importer options (the ``importer`` dict of an import config).

    Args:
        clip_len: Frames per snippet (16).
        crops: ``'mean'``, ``'keep'`` or a crop index.
        frame_counts: A frame-count file (or mask folder) or None.
        annotations: A DATASETS config of a test split, or None.
        length_rule: One of :data:`LENGTH_RULES`.

    Returns:
        The options as a dict.
    """
    if isinstance(clip_len, bool) or not isinstance(clip_len, int) or clip_len < 1:
        raise ConfigError(f'importer: clip_len must be a positive integer, got {clip_len!r}')
    if not (crops in ('mean', 'keep') or (isinstance(crops, int) and not
                                            isinstance(crops, bool) and crops >= 0)):
        raise ConfigError(f"importer: crops must be 'mean', 'keep' or a crop index >= 0, got "
                          f'{crops!r}')
    if frame_counts is not None and not isinstance(frame_counts, str):
        raise ConfigError(f'importer: frame_counts must be a file path or None, got '
                          f'{frame_counts!r}')
    if annotations is not None and (not isinstance(annotations, dict)
                                    or 'type' not in annotations):
        raise ConfigError('importer: annotations must be a DATASETS config dict of a test split '
                          f"(e.g. dict(type='UCFCrimeSplit', split='test')), got {annotations!r}")
    if length_rule not in LENGTH_RULES:
        raise ConfigError(f'importer: length_rule must be one of {LENGTH_RULES}, got '
                          f'{length_rule!r}')
    return dict(clip_len=clip_len, crops=crops, frame_counts=frame_counts,
                annotations=annotations, length_rule=length_rule)


def load_frame_counts(path: str) -> Dict[str, int]:
    """Read frame counts: a JSON file ``{video: n}``, a text file of ``video n`` lines, or
    a folder of ``<video>.npy`` frame masks (ShanghaiTech's ``test_frame_mask``: each
    mask's length).

    A video-file extension on a name (``.mp4``, ``.avi``) is dropped.

    Args:
        path: The file or folder.

    Returns:
        ``{video: number of frames}``.
    """
    from vadkit.datasets.annotations._io import read_text_lines
    from vadkit.datasets.store_split import resolve_path
    path = resolve_path(path)
    entries: List[Tuple[str, object, str]] = []
    if osp.isdir(path):
        for name in sorted(os.listdir(path)):
            if name.endswith('.npy'):
                mask = _npy_length(osp.join(path, name))
                entries.append((name[:-4], mask, osp.join(path, name)))
    elif not osp.isfile(path):
        raise DataError(f'frame counts not found: {path} (a JSON or text file, or a folder of '
                        '<video>.npy frame masks)')
    elif path.lower().endswith('.json'):
        try:
            with open(path, encoding='utf-8') as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise DataError(f'frame-count file {path} cannot be read: {exc}') from None
        if not isinstance(data, dict):
            raise DataError(f'frame-count file {path}: expected a JSON object '
                            '{video: frames}')
        entries = [(str(k), v, f'{path} (video {k})') for k, v in data.items()]
    else:
        for number, line in read_text_lines(path, 'frame-count file'):
            fields = line.rsplit(None, 1)
            if len(fields) != 2:
                raise DataError(f"{path} line {number}: expected 'video frames', got {line!r}")
            entries.append((fields[0], fields[1], f'{path} line {number} (video {fields[0]})'))
    counts: Dict[str, int] = {}
    for video, value, where in entries:
        for ext in VIDEO_EXTENSIONS:
            if video.lower().endswith(ext):
                video = video[:-len(ext)]
        try:
            n = int(value)
        except (TypeError, ValueError):
            n = -1
        if isinstance(value, bool) or n < 0 or str(n) != str(value).strip():
            raise DataError(f'{where}: number of frames is {value!r}, expected an integer '
                            '>= 0')
        if video in counts:
            raise DataError(f'{where}: video {video} has two frame counts')
        counts[video] = n
    if not counts:
        raise DataError(f'frame counts {path}: no videos in it')
    return counts


def _npy_length(path: str) -> int:
    """The number of entries of a 1-D ``.npy`` (a frame mask), from its header."""
    try:
        array = np.load(path, mmap_mode='r', allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f'frame mask {path} cannot be read: {exc}') from None
    if array.ndim != 1:
        raise DataError(f'frame mask {path} has shape {array.shape}, expected 1-D')
    return int(array.shape[0])


def check_length(video: str, rows: int, num_frames: int, clip_len: int, rule: str,
                 source: str) -> None:
    """Refuse a snippet count that does not fit a frame count.

    Args:
        video: The video, for messages.
        rows: ``T``, its feature rows.
        num_frames: Its frame count ``n``.
        clip_len: Frames per snippet.
        rule: One of :data:`LENGTH_RULES`.
        source: Where ``n`` comes from, for messages.
    """
    floor, ceil = num_frames // clip_len, -(-num_frames // clip_len)
    allowed = dict(either=(floor, ceil), floor=(floor, ), ceil=(ceil, ), none=None)[rule]
    if allowed is not None and rows not in allowed:
        raise DataError(
            f'video {video}: {rows} feature rows (T) do not fit its {num_frames} frames in '
            f'{source}: {clip_len}-frame snippets give T = {floor} (n // {clip_len}) or '
            f'{ceil} (ceil(n / {clip_len})); length_rule={rule!r}')


def _reader(reader_cfg) -> BaseFeatureReader:
    from vadkit.registry import FEATURE_READERS
    if not isinstance(reader_cfg, dict) or 'type' not in reader_cfg:
        raise ConfigError(f'reader must be a FEATURE_READERS config dict with a type, got '
                          f'{reader_cfg!r}')
    return FEATURE_READERS.build(dict(reader_cfg))


def import_features(reader_cfg: dict,
                    out: str,
                    clip_len: int = 16,
                    crops: CropsArg = 'mean',
                    frame_counts: Optional[str] = None,
                    annotations: Optional[dict] = None,
                    length_rule: str = 'either',
                    progress: bool = True,
                    videos: Optional[Sequence[str]] = None) -> dict:
    """Write the features of a reader into the feature store ``out``.

    The store's manifest config (its hash) is ``reader_cfg`` with ``clip_len``, ``crops``
    and ``frame_counts``: a store written with other values is refused, never mixed. The
    checks (``annotations``, ``length_rule``) are outside the hash. Videos the store
    already holds are skipped, so an interrupted import resumes.

    Args:
        reader_cfg: A ``FEATURE_READERS`` config (``NpyFeatureReader``,
            ``CropFilesFeatureReader``, ``SultaniTextReader``).
        out: The feature store folder.
        clip_len: Frames per snippet / C3D clip (16).
        crops: ``'mean'`` (``clips`` is the crops' mean), ``'keep'`` (that, and every crop
            in ``crops``) or an index ``k`` (``clips`` is crop ``k``).
        frame_counts: JSON ``{video: n}``, text ``video n`` lines or a folder of frame
            masks (:func:`load_frame_counts`). Snippet layouts take
            ``num_frames`` from it (``T * clip_len`` for a video it lacks) and check ``T``
            against it (``length_rule``); Sultani's layout needs it for every video.
        annotations: A DATASETS config of a split with frame annotations
            (``UCFCrimeSplit``, ``ShanghaiTechWeakSplit``, ``XDViolenceSplit`` with
            ``split='test'``), checked once the videos are in: every annotated video must
            be in the store (unless ``videos`` picks some), and every interval must end at
            most ``clip_len - 1`` frames after the video's ``num_frames``. A smaller overrun
            is the trailing frames the snippet features drop and is allowed (the evaluation
            cuts it when the split has ``clip=True``; a note says which videos need it); a
            frame mask (ShanghaiTech) must have exactly ``num_frames`` frames.
        length_rule: One of :data:`LENGTH_RULES`.
        progress: Show a progress bar.
        videos: Import only these video ids (of the reader's).

    Returns:
        A summary: ``out``, ``imported``, ``skipped``, ``videos``, ``rows`` (min, max T),
        ``feature_dim``, ``crops``, ``overruns`` (videos whose intervals run into the
        dropped trailing frames).
    """
    from vadkit.parsing.store import FeatureStore
    options = check_import_options(clip_len, crops, frame_counts, annotations, length_rule)
    reader_cfg = to_jsonable(reader_cfg)
    reader = _reader(reader_cfg)
    config = dict(kind='imported features', reader=reader_cfg, clip_len=clip_len,
                  crops=crops, frame_counts=frame_counts)
    store = FeatureStore(out, config, extra=dict(
        annotations=to_jsonable(annotations), length_rule=length_rule))
    counts = load_frame_counts(frame_counts) if frame_counts else {}
    count_source = frame_counts or ''

    listed = reader.videos()
    if videos:
        known = set(listed)
        unknown = [v for v in videos if v not in known]
        if unknown:
            raise DataError(f'{reader.describe()}: no features of {len(unknown)} video(s) '
                            f'asked for: {unknown[:10]}')
        listed = [v for v in listed if v in set(videos)]
    if reader.layout == 'sultani':
        lacking = [v for v in listed if v not in counts]
        if lacking:
            where = f'frame-count file {frame_counts}' if frame_counts else \
                'no frame_counts given'
            raise DataError(f"{type(reader).__name__}: Sultani's segments span the whole video, "
                            f'so every video needs a frame count ({where}); {len(lacking)} '
                            f'video(s) have none: {", ".join(lacking)}')
    store.create()
    store.clean_partials()
    todo = [v for v in listed if not store.has(v)]
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc='importing', unit='video')
    for video in todo:
        arrays, meta = _convert(reader, video, options, counts, count_source)
        store.write(video, arrays, meta)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    store.write_index()
    summary = dict(out=out, imported=len(todo), skipped=len(listed) - len(todo),
                   videos=len(listed))
    metas = [store.meta(v) for v in listed]
    rows = [int(m['counts']['clips']) for m in metas]
    summary.update(rows=(min(rows), max(rows)) if rows else (0, 0),
                   feature_dim=sorted({int(m['feature_dim']) for m in metas}),
                   crops=sorted({int(m['crops']) for m in metas}), overruns=[])
    if annotations is not None:
        summary['overruns'] = check_annotations(store, annotations, clip_len,
                                                require_all=not videos)
        if summary['overruns']:
            names = summary['overruns']
            print(f'note: {len(names)} annotated video(s) have intervals ending less than '
                  f'{clip_len} frames after num_frames (the trailing frames the features '
                  f'drop), e.g. {names[:5]}; give the split clip=True in the dataset configs '
                  'so that the evaluation cuts them', file=sys.stderr)
    return summary


def _convert(reader: BaseFeatureReader, video: str, options: dict, counts: Dict[str, int],
             count_source: str) -> Tuple[Dict[str, np.ndarray], dict]:
    """The store arrays and meta of one video."""
    features = reader.read(video)
    sources = reader.sources(video)
    if features.ndim != 3 or min(features.shape) < 1:
        raise DataError(f'video {video}: {sources[0]} gives features of shape '
                        f'{features.shape}, expected (T, crops, D)')
    rows, num_crops, dim = (int(s) for s in features.shape)
    clip_len, crops = options['clip_len'], options['crops']
    if isinstance(crops, int) and crops >= num_crops:
        raise DataError(f'video {video}: crops={crops} asks for crop {crops}, but '
                        f'{sources[0]} has {num_crops} crop(s)')
    if video in counts:
        num_frames, num_frames_from = counts[video], 'frame_counts'
    else:
        num_frames, num_frames_from = rows * clip_len, 'features'
    if reader.layout == 'sultani':
        spans = sultani_segment_frames(num_frames, rows, clip_len,
                                       f'video {video} ({num_frames} frames)')
    else:
        if video in counts:
            check_length(video, rows, num_frames, clip_len, options['length_rule'],
                         f'frame-count file {count_source}')
        spans = clip_spans(rows * clip_len, clip_len, clip_len)  # row t: [t L, (t + 1) L)
    if isinstance(crops, int):
        clips = np.array(features[:, crops:crops + 1], np.float32)
    else:
        clips = np.asarray(features, np.float32).mean(axis=1, keepdims=True)
    arrays = dict(clips=clips, clip_spans=spans)
    if crops == 'keep':
        arrays['crops'] = np.asarray(features, np.float32)
    meta = dict(num_frames=int(num_frames), counts=dict(clips=rows), source=sources,
                crops=num_crops, feature_dim=dim, layout=reader.layout, clip_len=clip_len,
                num_frames_from=num_frames_from)
    return arrays, meta


def _split_source(split) -> str:
    for key in ('annotation', 'mask_dir'):
        value = getattr(split, key, None)
        if isinstance(value, str):
            return value
    return type(split).__name__


def check_annotations(store, split_cfg: dict, clip_len: int = 16,
                      require_all: bool = True) -> List[str]:
    """Check a feature store against the frame annotations of a test split.

    Args:
        store: The :class:`~vadkit.parsing.FeatureStore`.
        split_cfg: A DATASETS config of a split with ``annotated_intervals()``.
        clip_len: Frames per snippet: an interval may end up to ``clip_len - 1`` frames
            after ``num_frames`` (the trailing frames snippet features drop).
        require_all: Refuse annotated videos the store lacks.

    Returns:
        The videos whose intervals end after ``num_frames`` (by less than ``clip_len``).
    """
    from vadkit.registry import DATASETS
    split = DATASETS.build(to_jsonable(split_cfg))
    if not hasattr(split, 'annotated_intervals'):
        raise ConfigError(f'annotations: {type(split).__name__} has no frame annotations; '
                          'name UCFCrimeSplit, ShanghaiTechWeakSplit or XDViolenceSplit')
    annotated = split.annotated_intervals()
    source = _split_source(split)
    if not annotated:
        raise ConfigError(f"annotations: the {getattr(split, 'split', '?')} split of "
                          f"{type(split).__name__} ({source}) has no annotated videos; use "
                          "split='test'")
    stored = set(store.videos())
    missing = [v for v in annotated if v not in stored]
    if missing and require_all:
        more = f' and {len(missing) - 10} more' if len(missing) > 10 else ''
        raise DataError(f'feature store {store.root} lacks {len(missing)} of the '
                        f'{len(annotated)} annotated video(s) of {source}: '
                        f'{", ".join(missing[:10])}{more}')
    overruns = []
    for video, (intervals, length) in annotated.items():
        if video not in stored:
            continue
        meta = store.meta(video)
        num_frames, rows = int(meta['num_frames']), int(meta['counts']['clips'])
        if length is not None and int(length) != num_frames:
            raise DataError(
                f'video {video}: the frame mask in {source} has {length} frames, the store '
                f'{num_frames} (T = {rows}, num_frames from {meta.get("num_frames_from")}); '
                'the evaluation needs the exact count: give frame_counts (e.g. the mask '
                'lengths)')
        over = max([int(end) - num_frames for _, end in intervals] + [0])
        for start, end in intervals:
            if int(end) - num_frames >= clip_len:
                raise DataError(
                    f'video {video}: interval [{start}, {end}) (0-based, end-exclusive) of '
                    f'{source} ends {int(end) - num_frames} frames after the video\'s '
                    f'{num_frames} frames in the store (T = {rows}, num_frames from '
                    f'{meta.get("num_frames_from")}); at most {clip_len - 1} can be trailing '
                    'frames the features drop: the features, the frame counts or the '
                    'annotation belong to another copy of the video')
        if over > 0:
            overruns.append(video)
    return overruns
