"""Reading a synthetic video's annotation back into actor tracks."""
import json
from typing import Dict, List, Tuple

import numpy as np

from vadkit.utils.errors import DataError

from .types import ActorTrack

REQUIRED = ('video', 'scene_id', 'num_frames', 'label', 'tracks', 'anomalous_regions')


def read_annotation(path: str) -> dict:
    """The annotation JSON of one video, checked for the fields vadkit relies on."""
    try:
        with open(path, encoding='utf-8') as f:
            ann = json.load(f)
    except (OSError, ValueError) as exc:
        raise DataError(f'cannot read annotation {path}: {exc}') from None
    missing = [k for k in REQUIRED if k not in ann]
    if missing:
        raise DataError(f'annotation {path}: missing field(s) {missing}')
    return ann


def tracks_from_annotation(ann: dict) -> List[ActorTrack]:
    """The annotation's tracks as :class:`ActorTrack` (boxes, keypoints, anomaly flags and
    colours; headings are not stored and come back as zeros, and the colours of an
    annotation written before they were stored come back grey)."""
    tracks = []
    for entry in ann['tracks']:
        n = int(entry['num_frames'])
        frames = np.arange(n) + int(entry['first_frame'])
        keypoints = np.asarray(entry.get('keypoints', np.zeros((n, 17, 3))), np.float64)
        boxes = np.asarray(entry['boxes'], np.float64).reshape(n, 4)
        extra = {}
        if 'thrown_object' in entry:
            extra['object'] = np.asarray(entry['thrown_object'], np.float64)
        tracks.append(ActorTrack(
            track_id=int(entry['track_id']), behaviour=entry['behaviour'],
            category=entry['category'], frames=frames, keypoints=keypoints.reshape(n, 17, 3),
            boxes=boxes, anomalous=np.asarray(entry['anomalous'], bool), heading=np.zeros(n),
            colors=_colors(entry),
            scale=np.maximum(boxes[:, 3] - boxes[:, 1], 1.0), extra=extra))
    return tracks


#: Colours of the tracks of annotations written before colours were stored.
GREY_COLORS = dict(shirt=(128, 128, 128), pants=(96, 96, 96), skin=(150, 170, 200),
                   body=(128, 128, 128))


def _colors(entry: dict) -> Dict[str, Tuple[int, int, int]]:
    """A track's ``colors`` (``{part: [b, g, r]}``) as tuples, or the grey fallback."""
    colors = entry.get('colors')
    if not isinstance(colors, dict) or not colors:
        return dict(GREY_COLORS)
    try:
        return {str(part): tuple(int(c) for c in bgr) for part, bgr in colors.items()}
    except (TypeError, ValueError):
        raise DataError(f'annotation track {entry.get("track_id")}: colors must be '
                        f'{{part: [b, g, r]}}, got {colors!r}') from None
