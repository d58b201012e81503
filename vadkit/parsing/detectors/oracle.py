"""Ground-truth boxes as detections (the synthetic world, ablations)."""
import numpy as np

from vadkit.registry import DETECTORS

from ..base import BaseDetector, VideoInfo
from ..oracle_utils import WORLD_CATEGORIES, boxes_by_frame, require_annotation


@DETECTORS.register_module()
class OracleDetector(BaseDetector):
    """Returns the annotated boxes of each frame with score 1: perfect detection, for the
    generated world and for ablations of the parsing stage."""

    classes = WORLD_CATEGORIES

    def reset(self, info: VideoInfo) -> None:
        self._by_frame = boxes_by_frame(require_annotation(info, 'OracleDetector'))

    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        rows = [[*box, 1.0, self.classes.index(cat)]
                for _, cat, box, _ in self._by_frame.get(frame_index, [])]
        return np.asarray(rows, np.float64).reshape(-1, 6)
