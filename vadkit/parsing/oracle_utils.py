"""Reading the synthetic world's ground truth for the oracle backends."""
from typing import Dict, List

import numpy as np

from vadkit.utils.errors import DataError

from .base import VideoInfo

#: Box classes of the synthetic world (its annotation's ``category``).
WORLD_CATEGORIES = ('person', 'cyclist', 'cart', 'car')


def require_annotation(info: VideoInfo, who: str) -> dict:
    """The ground-truth annotation of the video, or a DataError naming it."""
    if info.annotation is None:
        raise DataError(f'{who}: video {info.video_id} has no ground-truth annotation (the '
                        "oracle backends need the synthetic world's annotations/<video>.json; "
                        "set videos.annotations in the parsing config)")
    return info.annotation


def boxes_by_frame(annotation: dict) -> Dict[int, List[tuple]]:
    """``{frame: [(track_id, category, box[4], keypoints[17, 3] or None), ...]}``."""
    out: Dict[int, List[tuple]] = {}
    for track in annotation['tracks']:
        boxes = np.asarray(track['boxes'], np.float64).reshape(-1, 4)
        keypoints = np.asarray(track['keypoints'], np.float64) if 'keypoints' in track \
            else None
        for i, box in enumerate(boxes):
            out.setdefault(int(track['first_frame']) + i, []).append(
                (int(track['track_id']), track['category'], box,
                 None if keypoints is None else keypoints[i]))
    return out
