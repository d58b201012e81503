"""Interfaces of the video-parsing components and the records they pass along.

Parsing components take numpy frames (``uint8 H x W x 3``, BGR as OpenCV reads them) and
boxes and return numpy arrays; they never touch files (the parser reads videos and the
store writes features). Each component is built from a config dict through its registry:

- DETECTORS: :class:`BaseDetector` -- one frame to boxes ``(x1, y1, x2, y2, score, cls)``;
- TRACKERS: :class:`BaseTracker` -- per-frame detections to :class:`Tracklet` s;
- EXTRACTORS: :class:`BasePoseEstimator` (boxes to COCO-17 keypoints),
  :class:`BaseObjectExtractor` (object clips to vectors: appearance, motion),
  :class:`BaseSceneExtractor` (a clip's frames to a scene vector) and
  :class:`BaseClipExtractor` (a segment's frames to a vector per patch of a grid).

Every component gets :meth:`reset` with the video's :class:`VideoInfo` before the video's
first frame, so that stateful ones (trackers, background models, the ground-truth
"oracle" backends) start clean for each video.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: Box rows of a detector: ``(x1, y1, x2, y2, score, class_index)``.
DETECTION_FIELDS = ('x1', 'y1', 'x2', 'y2', 'score', 'class_index')


@dataclass
class VideoInfo:
    """What components may know about the video being parsed.

    Attributes:
        video_id: Name of the video.
        num_frames: Number of frames.
        width: Frame width.
        height: Frame height.
        fps: Frames per second.
        annotation: Ground-truth annotation (the synthetic world's JSON), for oracle
            backends; None for real videos.
    """

    video_id: str
    num_frames: int
    width: int
    height: int
    fps: float = 25.0
    annotation: Optional[dict] = None


@dataclass
class Tracklet:
    """One tracked object.

    Attributes:
        track_id: Unique within the video.
        label: Class name (``'person'``, ``'cyclist'``, ``'car'`` ...).
        frames: ``int[T]`` frame indices, increasing (gaps allowed where the tracker
            coasted without a detection).
        boxes: ``float[T, 4]`` ``(x1, y1, x2, y2)``.
        scores: ``float[T]`` detection scores (1 for oracle boxes).
        keypoints: ``float[T, 17, 3]`` COCO keypoints ``(x, y, score)`` once a pose
            estimator ran, else None.
    """

    track_id: int
    label: str
    frames: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    keypoints: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.frames)

    def span(self, start: int, end: int) -> np.ndarray:
        """Indices (into this tracklet's arrays) of its frames in ``[start, end)``."""
        return np.flatnonzero((self.frames >= start) & (self.frames < end))


@dataclass
class ObjectClip:
    """A tracklet seen within one clip: the item of the object-centric regime.

    Attributes:
        clip_index: Index of the clip in the video.
        start: First frame of the clip.
        end: One past its last frame.
        track_id: The tracklet's id.
        label: Its class name.
        frames: ``int[t]`` the tracked frames inside the clip.
        boxes: ``float[t, 4]``.
        keypoints: ``float[t, 17, 3]`` or None.
        track_length: Number of frames of the whole tracklet (motion features need
            tracklets longer than a minimum).
    """

    clip_index: int
    start: int
    end: int
    track_id: int
    label: str
    frames: np.ndarray
    boxes: np.ndarray
    keypoints: Optional[np.ndarray]
    track_length: int
    extra: Dict[str, np.ndarray] = field(default_factory=dict)


class BaseComponent:
    """Common base: ``reset`` per video and a description for the store's manifest."""

    def reset(self, info: VideoInfo) -> None:
        """Start a new video."""

    def describe(self) -> dict:
        args = {k: v for k, v in vars(self).items() if not k.startswith('_')}
        return dict(type=type(self).__name__, **args)


class BaseDetector(BaseComponent):
    """Finds objects in one frame.

    Attributes:
        classes: Class names, indexed by the ``class_index`` column.
    """

    classes: Tuple[str, ...] = ('person', )

    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        """``float[N, 6]`` rows ``(x1, y1, x2, y2, score, class_index)``."""
        raise NotImplementedError


class BaseTracker(BaseComponent):
    """Links per-frame detections into tracklets."""

    def update(self, frame_index: int, detections: np.ndarray,
               frame: Optional[np.ndarray] = None) -> np.ndarray:
        """Feed one frame's detections (``float[N, 6]``); returns the boxes of the tracks
        confirmed at this frame as ``float[M, 7]`` ``(x1, y1, x2, y2, score, class_index,
        track_id)``."""
        raise NotImplementedError

    def finish(self, classes: Sequence[str]) -> List[Tracklet]:
        """All tracklets of the video, after its last frame (``classes`` names the class
        indices)."""
        raise NotImplementedError


def check_detections(who: str, video: str, frame_index, last_frame: Optional[int],
                     detections) -> Tuple[int, np.ndarray]:
    """Validate what a tracker is fed for one frame.

    Args:
        who: The tracker's name, for messages.
        video: The video's id, for messages.
        frame_index: The frame; a non-negative integer above ``last_frame``.
        last_frame: The previous frame fed since ``reset``, or None.
        detections: ``N x 6`` rows ``(x1, y1, x2, y2, score, class_index)``.

    Returns:
        ``(frame_index as int, float64[N, 6])`` (``zeros((0, 6))`` for no detection).

    Raises:
        DataError: naming the tracker, video and frame.
    """
    from vadkit.utils.errors import DataError
    where = f'{who}: video {video}, frame {frame_index}'
    if isinstance(frame_index, bool) or int(frame_index) != frame_index or frame_index < 0:
        raise DataError(f'{where}: the frame index must be a non-negative integer')
    frame_index = int(frame_index)
    if last_frame is not None and frame_index <= last_frame:
        raise DataError(f'{where}: frame indices must increase (the previous one was '
                        f'{last_frame}); call reset() before a new video')
    dets = np.asarray(detections, np.float64)
    if dets.size == 0:
        return frame_index, np.zeros((0, 6))
    if dets.ndim != 2 or dets.shape[1] != len(DETECTION_FIELDS):
        raise DataError(f'{where}: detections must be N x 6 {DETECTION_FIELDS}, got '
                        f'shape {dets.shape}')
    if not np.isfinite(dets).all():
        raise DataError(f'{where}: detections hold NaN or infinite values')
    if (dets[:, 2] < dets[:, 0]).any() or (dets[:, 3] < dets[:, 1]).any():
        raise DataError(f'{where}: a detection box has x2 < x1 or y2 < y1')
    cls = dets[:, 5]
    if (cls < 0).any() or (cls != np.round(cls)).any():
        raise DataError(f'{where}: class_index must hold non-negative integers')
    return frame_index, dets


class BasePoseEstimator(BaseComponent):
    """COCO-17 keypoints of boxed people."""

    def __call__(self, frame: np.ndarray, frame_index: int, boxes: np.ndarray,
                 track_ids: np.ndarray) -> np.ndarray:
        """``float[N, 17, 3]`` ``(x, y, score)`` for ``boxes`` (``float[N, 4]``) of the
        tracks ``track_ids`` in ``frame``."""
        raise NotImplementedError


class BaseObjectExtractor(BaseComponent):
    """One vector per object clip (appearance, motion), and optionally more per-object
    outputs (an action classifier's scores, say).

    Attributes:
        dim: Width of the vector.
        extra_dims: ``{name: width}`` of the extra outputs of :meth:`extract`; the parser
            stores each as ``objects_<extractor name>_<name>`` (``float32[N, width]``, zeros
            for the objects the extractor did not run on).
    """

    dim: int = 0
    extra_dims: Dict[str, int] = {}

    def __call__(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]) -> np.ndarray:
        """``float32[len(clips), dim]``; ``frames`` are the clip's frames, ``frames[i]``
        being frame ``clips[k].start + i``."""
        raise NotImplementedError

    def extract(self, frames: Sequence[np.ndarray],
                clips: Sequence[ObjectClip]) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
        """The vectors and the extra outputs (``{name: float32[len(clips), width]}`` for
        every name of :attr:`extra_dims`); by default the vectors alone."""
        return self(frames, clips), {}


class BaseSceneExtractor(BaseComponent):
    """One vector per clip describing the scene (not the objects in it)."""

    dim: int = 0

    def __call__(self, frames: Sequence[np.ndarray], start: int) -> np.ndarray:
        """``float32[dim]`` for the clip whose first frame is ``start``."""
        raise NotImplementedError


class BaseClipExtractor(BaseComponent):
    """Vectors per segment for the segment and video-bag regimes, one per patch of a grid
    (the whole frame, then 2x2 and 3x3 patches: 1 + 4 + 9 = 14 patches by default)."""

    dim: int = 0
    num_patches: int = 1

    def __call__(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """``float32[num_patches, dim]`` for one segment's frames."""
        raise NotImplementedError


def clip_spans(num_frames: int, clip_len: int = 16, stride: int = 16) -> np.ndarray:
    """``int[C, 2]`` ``[start, end)`` of the whole clips of a video (trailing frames that
    do not fill a clip belong to none)."""
    if clip_len < 1 or stride < 1:
        raise ValueError(f'clip_len and stride must be positive, got {clip_len}, {stride}')
    starts = np.arange(0, max(num_frames - clip_len + 1, 0), stride)
    return np.stack([starts, starts + clip_len], axis=1) if starts.size else \
        np.zeros((0, 2), np.int64)
