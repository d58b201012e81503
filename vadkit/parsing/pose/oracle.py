"""Ground-truth keypoints as pose estimates (the synthetic world, ablations)."""
import numpy as np

from vadkit.registry import EXTRACTORS
from vadkit.structures.boxes import box_iou

from ..base import BasePoseEstimator, VideoInfo
from ..oracle_utils import boxes_by_frame, require_annotation


@EXTRACTORS.register_module()
class OraclePose(BasePoseEstimator):
    """The annotated COCO-17 keypoints (score = visibility / 2).

    Args:
        match: ``'iou'`` gives each box the keypoints of the annotated person it overlaps
            most (IoU >= ``min_iou``), for boxes from a real tracker whose ids differ from
            the annotation's; ``'track_id'`` looks the annotated track up by id (with the
            oracle tracker).
        min_iou: Least IoU of an ``'iou'`` match; boxes without one get zeros.
    """

    def __init__(self, match: str = 'iou', min_iou: float = 0.3) -> None:
        if match not in ('iou', 'track_id'):
            raise ValueError(f"match must be 'iou' or 'track_id', got {match!r}")
        self.match = match
        self.min_iou = min_iou

    def reset(self, info: VideoInfo) -> None:
        self._by_frame = boxes_by_frame(require_annotation(info, 'OraclePose'))

    def __call__(self, frame: np.ndarray, frame_index: int, boxes: np.ndarray,
                 track_ids: np.ndarray) -> np.ndarray:
        out = np.zeros((len(boxes), 17, 3), np.float32)
        people = [e for e in self._by_frame.get(frame_index, []) if e[3] is not None]
        if not people or not len(boxes):
            return out
        truth = np.stack([e[3] for e in people]).astype(np.float32)
        truth[:, :, 2] /= 2.0
        if self.match == 'track_id':
            ids = {e[0]: i for i, e in enumerate(people)}
            for k, track_id in enumerate(np.asarray(track_ids, np.int64)):
                if int(track_id) in ids:
                    out[k] = truth[ids[int(track_id)]]
            return out
        iou = box_iou(boxes, np.stack([e[2] for e in people]))
        best = iou.argmax(axis=1)
        for k in range(len(boxes)):
            if iou[k, best[k]] >= self.min_iou:
                out[k] = truth[best[k]]
        return out
