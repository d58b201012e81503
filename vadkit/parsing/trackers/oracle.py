"""Ground-truth tracks as tracking output (the synthetic world, ablations)."""
from typing import List, Optional, Sequence

import numpy as np

from vadkit.registry import TRACKERS

from ..base import BaseTracker, Tracklet, VideoInfo
from ..oracle_utils import WORLD_CATEGORIES, boxes_by_frame, require_annotation


@TRACKERS.register_module()
class OracleTracker(BaseTracker):
    """Ignores the detections and returns the annotated tracks exactly (ids, frames,
    boxes; keypoints with their visibility / 2 as score where annotated)."""

    def reset(self, info: VideoInfo) -> None:
        self._annotation = require_annotation(info, 'OracleTracker')
        self._by_frame = boxes_by_frame(self._annotation)

    def update(self, frame_index: int, detections: np.ndarray,
               frame: Optional[np.ndarray] = None) -> np.ndarray:
        rows = [[*box, 1.0, WORLD_CATEGORIES.index(cat), track_id]
                for track_id, cat, box, _ in self._by_frame.get(frame_index, [])]
        return np.asarray(rows, np.float64).reshape(-1, 7)

    def finish(self, classes: Sequence[str]) -> List[Tracklet]:
        out = []
        for track in self._annotation['tracks']:
            n = int(track['num_frames'])
            keypoints = None
            if 'keypoints' in track:
                keypoints = np.asarray(track['keypoints'], np.float32).reshape(n, 17, 3).copy()
                keypoints[:, :, 2] /= 2.0
            out.append(Tracklet(int(track['track_id']), track['category'],
                                int(track['first_frame']) + np.arange(n),
                                np.asarray(track['boxes'], np.float64).reshape(n, 4),
                                np.ones(n), keypoints))
        return out
