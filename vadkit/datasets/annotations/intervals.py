"""Temporal (frame-interval) annotations of UCF-Crime and XD-Violence.

Frame-numbering conventions
---------------------------
The two files number frames differently; each :class:`IntervalAnnotation` keeps its
numbers as written and records its convention, and :meth:`IntervalAnnotation.to_mask` /
:func:`intervals_to_mask` turn them into 0/1 frame masks.

* UCF-Crime ``Temporal_Anomaly_Annotation.txt``: **1-based, end-inclusive** (``s..e`` marks
  frames ``s-1 .. e-1`` of a 0-based frame array). Reason: the dataset authors'
  evaluation (``Evaluate_Anomaly_Detector.m`` of Sultani et al. 2018) builds the ground
  truth in Matlab as ``GT(max(s,1):min(e,Actual_frames)) = 1``, a 1-based inclusive range,
  and no row of the file starts at 0 (the smallest start is 1). Later Python
  re-implementations disagree by one frame at an interval's ends: RTFM's ``make_gt.py``
  (the widely reused ``gt-ucf.npy``) marks 0-based ``range(s, e + 1)``, VadCLIP's
  ``make_gt_ucf.py`` marks ``gt[s:e]``. To reproduce the former, call
  ``intervals_to_mask(ann.intervals, n, one_based=False, end_inclusive=True)``.
* XD-Violence ``XD_Annotation.txt``: **0-based, end-exclusive** (``s e`` marks
  ``mask[s:e]``). Reason: the dataset authors' ``list/make_gt.py`` (XDVioDet, Wu et al.
  2020) sets ``gt_vec[s:e] = 1`` on a vector of the video's frame count, as does VadCLIP's
  ``make_gt_xd.py``; and 88 of the 500 rows start at frame 0, which only a 0-based
  numbering allows.

Intervals beyond the video: both reference implementations clip silently (Matlab's
``min(e, Actual_frames)``; numpy slicing past the end). Here that is an error by default
(``clip=False``), because an interval running past the end usually means the frame count
is wrong (frames counted from features, or from a re-encoded video); ``clip=True``
reproduces the reference behaviour.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from vadkit.utils.errors import DataError

from ._io import parse_int, read_text_lines

UCF_CRIME_CLASSES = ('Abuse', 'Arrest', 'Arson', 'Assault', 'Burglary', 'Explosion',
                     'Fighting', 'RoadAccidents', 'Robbery', 'Shooting', 'Shoplifting',
                     'Stealing', 'Vandalism')
UCF_CRIME_NORMAL = 'Normal'
# Codes of the '_label_<c1>-<c2>-<c3>' part of XD-Violence names ('0' pads unused slots).
XD_VIOLENCE_CLASSES = {'A': 'Normal', 'B1': 'Fighting', 'B2': 'Shooting', 'B4': 'Riot',
                       'B5': 'Abuse', 'B6': 'Car accident', 'G': 'Explosion'}

Interval = Tuple[int, int]


@dataclass
class IntervalAnnotation:
    """Anomalous frame intervals of one video.

    Attributes:
        video: The video's name (UCF-Crime: the stem without ``.mp4``; XD-Violence: as
            written in the file, less a ``.mp4`` suffix some copies of the file carry).
        label: The class name (UCF-Crime: one of :data:`UCF_CRIME_CLASSES` or
            ``'Normal'``; XD-Violence: the first class of the name's ``label_`` part), or
            None where the name does not give it.
        intervals: ``(start, end)`` pairs as written in the file; empty for a normal video.
        one_based: Whether frame numbers count from 1.
        end_inclusive: Whether ``end`` is itself an anomalous frame.
        labels: Every class the annotation names (XD-Violence videos may have up to three).
    """

    video: str
    label: Optional[str]
    intervals: List[Interval]
    one_based: bool
    end_inclusive: bool
    labels: Tuple[str, ...] = field(default=())

    @property
    def is_anomalous(self) -> bool:
        """Whether the video has at least one anomalous interval."""
        return bool(self.intervals)

    def frame_ranges(self) -> List[Interval]:
        """The intervals as 0-based, end-exclusive ``(start, stop)`` (Python slices).

        Returns:
            One ``(start, stop)`` per interval.
        """
        return [_to_slice(s, e, self.one_based, self.end_inclusive) for s, e in self.intervals]

    def to_mask(self, num_frames: int, clip: bool = False) -> np.ndarray:
        """The video's 0/1 frame mask.

        Args:
            num_frames: Frames of the video.
            clip: Cut intervals at the video's end instead of raising
                :class:`~vadkit.utils.errors.DataError`.

        Returns:
            ``uint8`` array of ``num_frames`` entries, 1 on anomalous frames.
        """
        return intervals_to_mask(self.intervals, num_frames, one_based=self.one_based,
                                 end_inclusive=self.end_inclusive, clip=clip, video=self.video)


def intervals_to_mask(intervals: Sequence[Interval],
                      num_frames: int,
                      one_based: bool = False,
                      end_inclusive: bool = False,
                      clip: bool = False,
                      video: Optional[str] = None) -> np.ndarray:
    """Build a 0/1 frame mask from frame intervals.

    The default convention is 0-based, end-exclusive (XD-Violence's, Python slices); pass
    ``one_based=True, end_inclusive=True`` for UCF-Crime's numbers, or use
    :meth:`IntervalAnnotation.to_mask`, which knows its file's convention.

    Args:
        intervals: ``(start, end)`` pairs.
        num_frames: Frames of the video.
        one_based: Whether frame numbers count from 1.
        end_inclusive: Whether ``end`` is itself an anomalous frame.
        clip: Cut intervals at the video's end instead of raising
            :class:`~vadkit.utils.errors.DataError`.
        video: The video's name, for error messages.

    Returns:
        ``uint8`` array of ``num_frames`` entries, 1 inside the intervals.
    """
    who = f'video {video}' if video is not None else 'intervals_to_mask'
    if num_frames < 0:
        raise DataError(f'{who}: number of frames must be >= 0, got {num_frames}')
    mask = np.zeros(int(num_frames), dtype=np.uint8)
    for start, end in intervals:
        _check_interval(start, end, one_based, end_inclusive, who)
        lo, hi = _to_slice(start, end, one_based, end_inclusive)
        if hi > num_frames:
            if not clip:
                last = 'last frame' if end_inclusive else 'end'
                raise DataError(f'{who}: interval {start}..{end} ({last} {end}) runs past the '
                                f"video's {num_frames} frames; pass clip=True to cut it")
            hi = num_frames
        mask[lo:max(lo, hi)] = 1
    return mask


def load_ucf_crime_annotations(path: str) -> Dict[str, IntervalAnnotation]:
    """Read UCF-Crime's ``Temporal_Anomaly_Annotation.txt``.

    Each row is ``name class s1 e1 s2 e2`` (separated by spaces), ``-1 -1`` for an absent
    interval; normal videos have class ``Normal`` and no interval. Frame numbers are kept as
    written: 1-based, end-inclusive (see the module docstring for the evidence).

    Args:
        path: The annotation file.

    Returns:
        ``{video stem: annotation}`` in file order, keyed without ``.mp4``
        (e.g. ``'Abuse028_x264'``).
    """
    known = set(UCF_CRIME_CLASSES) | {UCF_CRIME_NORMAL}
    annotations: Dict[str, IntervalAnnotation] = {}
    first_line: Dict[str, int] = {}
    name = osp.basename(path)
    for number, line in read_text_lines(path, 'UCF-Crime annotation'):
        fields = line.split()
        if len(fields) != 6:
            raise DataError(f"{path} line {number}: expected 'name class s1 e1 s2 e2', got "
                            f'{len(fields)} fields')
        video = _strip_mp4(fields[0])
        where = f'{path} line {number} ({video})'
        label = fields[1]
        if label not in known:
            raise DataError(f'{where}: unknown class {label!r}; UCF-Crime classes: '
                            f'{", ".join(UCF_CRIME_CLASSES)}, {UCF_CRIME_NORMAL}')
        values = [parse_int(v, where, f) for v, f in zip(fields[2:], ('s1', 'e1', 's2', 'e2'))]
        intervals = []
        for k, (start, end) in enumerate(zip(values[::2], values[1::2]), start=1):
            if start == -1 and end == -1:
                continue
            if start == -1 or end == -1:
                raise DataError(f'{where}: s{k} e{k} = {start} {end}; an absent interval is '
                                f'-1 -1')
            _check_interval(start, end, True, True, where)
            intervals.append((start, end))
        if label == UCF_CRIME_NORMAL and intervals:
            raise DataError(f'{where}: class Normal but anomalous interval(s) {intervals}')
        if label != UCF_CRIME_NORMAL and not intervals:
            raise DataError(f'{where}: class {label} but no interval (s1 e1 s2 e2 all -1)')
        if video in annotations:
            raise DataError(f'{where}: video {video} is annotated twice in {name} (first on '
                            f'line {first_line[video]})')
        first_line[video] = number
        annotations[video] = IntervalAnnotation(video=video, label=label, intervals=intervals,
                                                one_based=True, end_inclusive=True,
                                                labels=(label,))
    if not annotations:
        raise DataError(f'UCF-Crime annotation {path} is empty')
    return annotations


def ucf_crime_classes(
        annotations: Mapping[str, Union[IntervalAnnotation, str]]) -> List[str]:
    """The anomaly classes present in UCF-Crime annotations (``Normal`` excluded).

    Args:
        annotations: As returned by :func:`load_ucf_crime_annotations` (or ``{stem: class}``
            from :func:`load_ucf_crime_train_list`).

    Returns:
        Sorted class names; 13 for the full test or training set.
    """
    labels = {a.label if isinstance(a, IntervalAnnotation) else a
              for a in annotations.values()}
    return sorted(lbl for lbl in labels if lbl and lbl != UCF_CRIME_NORMAL)


def load_ucf_crime_train_list(path: str) -> Dict[str, str]:
    """Read UCF-Crime's ``Anomaly_Train.txt`` (lines like ``Abuse/Abuse001_x264.mp4``).

    Normal training videos live in ``Training_Normal_Videos_Anomaly/`` and get class
    ``'Normal'``; the others get their folder's class.

    Args:
        path: The training list.

    Returns:
        ``{video stem: class}`` in file order.
    """
    videos: Dict[str, str] = {}
    first_line: Dict[str, int] = {}
    for number, line in read_text_lines(path, 'UCF-Crime training list'):
        parts = line.split('/')
        if len(parts) != 2 or not all(parts) or len(line.split()) != 1:
            raise DataError(f"{path} line {number}: expected '<class folder>/<video>.mp4', "
                            f'got {line!r}')
        folder, video = parts[0], _strip_mp4(parts[1])
        if 'Normal' in folder:
            label = UCF_CRIME_NORMAL
        elif folder in UCF_CRIME_CLASSES:
            label = folder
        else:
            raise DataError(f'{path} line {number} ({video}): unknown class folder {folder!r}; '
                            f'UCF-Crime classes: {", ".join(UCF_CRIME_CLASSES)}')
        if video in videos:
            raise DataError(f'{path} line {number}: video {video} is listed twice (first on '
                            f'line {first_line[video]})')
        first_line[video] = number
        videos[video] = label
    if not videos:
        raise DataError(f'UCF-Crime training list {path} is empty')
    return videos


def xd_violence_labels(video: str) -> Tuple[str, ...]:
    """The classes named by an XD-Violence video name's ``label_<c1>-<c2>-<c3>`` part.

    Args:
        video: E.g. ``'v=u5SF4SlqNDQ__#00-00-00_00-01-00_label_G-0-0'``.

    Returns:
        Class names (see :data:`XD_VIOLENCE_CLASSES`) in the name's order; empty when the
        name has no ``label_`` part or an unknown code.
    """
    if 'label_' not in video:
        return ()
    codes = [c for c in video.rsplit('label_', 1)[1].split('-') if c != '0']
    if not codes or any(c not in XD_VIOLENCE_CLASSES for c in codes):
        return ()
    return tuple(XD_VIOLENCE_CLASSES[c] for c in codes)


def load_xd_violence_annotations(path: str) -> Dict[str, IntervalAnnotation]:
    """Read XD-Violence's test annotation (rows ``name s1 e1 [s2 e2 ...]``).

    Only violent videos are listed. Frame numbers are kept as written: 0-based,
    end-exclusive (see the module docstring for the evidence).

    Args:
        path: The annotation file (``XD_Annotation.txt``, ``annotations.txt``).

    Returns:
        ``{video name as written (less a ``.mp4`` suffix): annotation}`` in file order;
        ``label`` is the first class of the name's ``label_`` part, None when it cannot be
        parsed.
    """
    annotations: Dict[str, IntervalAnnotation] = {}
    first_line: Dict[str, int] = {}
    name = osp.basename(path)
    for number, line in read_text_lines(path, 'XD-Violence annotation'):
        fields = line.split()
        if len(fields) < 3 or len(fields) % 2 == 0:
            raise DataError(f"{path} line {number}: expected 'name s1 e1 [s2 e2 ...]', got "
                            f'{len(fields)} fields')
        video = _strip_mp4(fields[0])
        where = f'{path} line {number} ({video})'
        values = [parse_int(v, where, f'{"se"[i % 2]}{i // 2 + 1}')
                  for i, v in enumerate(fields[1:])]
        intervals = list(zip(values[::2], values[1::2]))
        for start, end in intervals:
            _check_interval(start, end, False, False, where)
        if video in annotations:
            raise DataError(f'{where}: video {video} is annotated twice in {name} (first on '
                            f'line {first_line[video]})')
        first_line[video] = number
        labels = xd_violence_labels(video)
        annotations[video] = IntervalAnnotation(
            video=video, label=labels[0] if labels else None, intervals=intervals,
            one_based=False, end_inclusive=False, labels=labels)
    if not annotations:
        raise DataError(f'XD-Violence annotation {path} is empty')
    return annotations


def _strip_mp4(name: str) -> str:
    return name[:-4] if name.lower().endswith('.mp4') else name


def _check_interval(start: int, end: int, one_based: bool, end_inclusive: bool,
                    where: str) -> None:
    first = 1 if one_based else 0
    if start < first:
        raise DataError(f'{where}: interval {start}..{end} starts before frame {first} '
                        f'({"1" if one_based else "0"}-based numbering)')
    if end < start or (end == start and not end_inclusive):
        raise DataError(f'{where}: interval {start}..{end} is empty or reversed '
                        f'(end {"before" if end_inclusive else "not after"} start)')


def _to_slice(start: int, end: int, one_based: bool, end_inclusive: bool) -> Interval:
    offset = 1 if one_based else 0
    return start - offset, end - offset + (1 if end_inclusive else 0)
