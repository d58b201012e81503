"""Captions read from a JSON file: written by hand, by another program, or by
``tools/caption_tubes.py`` (which writes this format)."""
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from vadkit.registry import CAPTIONERS
from vadkit.structures.boxes import box_iou
from vadkit.utils.errors import DataError

from .base import BaseCaptioner, check_tubes

#: Version of the caption file format (``format_version``; absent means 1).
FORMAT_VERSION = 1


def box_key(box) -> Tuple[float, float, float, float]:
    """A box rounded to half a pixel, the exact key tubes are looked up by."""
    return tuple(float(v) for v in np.round(np.asarray(box, np.float64) * 2.0) / 2.0)


@CAPTIONERS.register_module()
class FileCaptioner(BaseCaptioner):
    """Captions of the tubes from a JSON file.

    The file::

        {"format_version": 1,
         "kinds": ["actions", "clothes", "places", "objects"],
         "videos": {
            "01_0001": [
               {"end_frame": 12, "box": [40.5, 20.0, 104.5, 84.0],
                "actions": "a person is walking", "clothes": "a person in a red shirt",
                "places": "a person is in a walkway", "objects": "there is a lamp post"},
               ...],
            ...}}

    ``kinds`` lists the sentence kinds; every entry of a video gives a tube's end frame,
    its square ``box`` ``[x1, y1, x2, y2]`` in pixels (the ``tubes`` row of the store) and
    one sentence per kind. Other top-level keys (``captioner``, ``store``, written by the
    tool) and other keys of an entry are ignored; ``format_version`` may be left out.

    A tube is looked up by its end frame and its box rounded to half a pixel; failing
    that, the entry of the same end frame whose box overlaps it most, with an IoU of at
    least ``min_iou``, is taken (boxes written with fewer decimals still match).

    Args:
        path: The JSON file.
        min_iou: Least IoU of the nearest box of the same end frame. Default 0.9.

    Raises:
        DataError: When the file is missing or malformed (naming the file, video, entry
            and field).
    """

    def __init__(self, path: str, min_iou: float = 0.9) -> None:
        if not 0.0 < float(min_iou) <= 1.0:
            raise ValueError(f'min_iou must be in (0, 1], got {min_iou}')
        self.path = str(path)
        self.min_iou = float(min_iou)
        data = self._read()
        self.kinds = tuple(data['kinds'])
        self._videos: Dict[str, Dict[int, Tuple[np.ndarray, List[Dict[str, str]]]]] = {}
        for video_id, entries in data['videos'].items():
            self._videos[str(video_id)] = self._index(str(video_id), entries)

    def _read(self) -> dict:
        if not osp.isfile(self.path):
            raise DataError(f'caption file {self.path} does not exist')
        try:
            with open(self.path, encoding='utf-8') as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise DataError(f'cannot read caption file {self.path}: {exc}') from None
        if not isinstance(data, dict) or not isinstance(data.get('videos'), dict):
            raise DataError(f'caption file {self.path}: needs an object with "videos" '
                            '({video: [entries]}) and "kinds"')
        kinds = data.get('kinds')
        if not isinstance(kinds, list) or not kinds or \
                not all(isinstance(k, str) for k in kinds):
            raise DataError(f'caption file {self.path}: "kinds" must be a non-empty list of '
                            f'sentence kinds, got {kinds!r}')
        version = data.get('format_version', FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise DataError(f'caption file {self.path}: format_version {version!r}, this '
                            f'vadkit reads {FORMAT_VERSION}')
        return data

    def _index(self, video_id: str, entries) -> Dict[int, Tuple[np.ndarray, List[dict]]]:
        where = f'caption file {self.path}: video {video_id}'
        if not isinstance(entries, list):
            raise DataError(f'{where}: must be a list of entries, got {type(entries).__name__}')
        by_frame: Dict[int, Tuple[list, list]] = {}
        for i, entry in enumerate(entries):
            at = f'{where}, entry {i}'
            if not isinstance(entry, dict):
                raise DataError(f'{at}: must be an object, got {type(entry).__name__}')
            frame, box = entry.get('end_frame'), entry.get('box')
            if not isinstance(frame, (int, float)) or isinstance(frame, bool) or \
                    float(frame) != int(frame):
                raise DataError(f'{at}: end_frame must be an integer, got {frame!r}')
            try:
                box = np.asarray(box, np.float64).reshape(4)
            except (TypeError, ValueError):
                raise DataError(f'{at}: box must be [x1, y1, x2, y2], got {box!r}') from None
            if not np.all(np.isfinite(box)):
                raise DataError(f'{at}: box holds NaN or infinite values: {box.tolist()}')
            sentences = {}
            for kind in self.kinds:
                if not isinstance(entry.get(kind), str):
                    raise DataError(f'{at} (end frame {int(frame)}): the {kind!r} sentence is '
                                    f'missing or not a string, got {entry.get(kind)!r}')
                sentences[kind] = entry[kind]
            boxes, captions = by_frame.setdefault(int(frame), ([], []))
            boxes.append(box)
            captions.append(sentences)
        return {f: (np.stack(b), c) for f, (b, c) in by_frame.items()}

    def videos(self) -> List[str]:
        """The videos of the file, sorted."""
        return sorted(self._videos)

    def describe(self) -> dict:
        return dict(super().describe(), path=self.path)

    def lookup(self, video_id: str, end_frame: int, box) -> Optional[Dict[str, str]]:
        """The sentences of the tube ending at ``end_frame`` with square ``box``, or None
        when the file has none of it (the video must be in the file)."""
        frames = self._videos[video_id]
        if int(end_frame) not in frames:
            return None
        boxes, captions = frames[int(end_frame)]
        key = box_key(box)
        for candidate, sentences in zip(boxes, captions):
            if box_key(candidate) == key:
                return dict(sentences)
        iou = box_iou(np.asarray(box, np.float64).reshape(1, 4), boxes)[0]
        best = int(iou.argmax())
        return dict(captions[best]) if iou[best] >= self.min_iou else None

    def caption_video(self, video_id: str, tubes: np.ndarray, members: np.ndarray,
                      crops: Optional[np.ndarray] = None,
                      tracks: Optional[np.ndarray] = None) -> List[Dict[str, str]]:
        """The file's sentences of every tube of one video (``members``, ``crops`` and
        ``tracks`` are not used).

        Raises:
            DataError: When the file has no entry of the video, or none of a tube.
        """
        tubes, _ = check_tubes(video_id, tubes, members, type(self).__name__)
        if video_id not in self._videos:
            raise DataError(f'caption file {self.path} has no video {video_id} (it has '
                            f'{len(self._videos)} videos); caption the store again')
        out = []
        for tube in tubes:
            frame = int(round(tube[0]))
            sentences = self.lookup(video_id, frame, tube[1:5])
            if sentences is None:
                box = [round(float(v), 2) for v in tube[1:5]]
                raise DataError(f'caption file {self.path}: video {video_id} has no caption '
                                f'of the tube ending at frame {frame} with box {box} (none '
                                f'of that end frame overlaps it with IoU >= {self.min_iou}); '
                                'the store was parsed again or with another config: caption '
                                'it again')
            out.append(sentences)
        return out
