"""People detection with OpenCV's built-in HOG descriptor and linear SVM (no weight file)."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from vadkit.registry import DETECTORS
from vadkit.structures.boxes import nms

from ..base import BaseDetector, VideoInfo
from ..video_io import as_uint8_frame

#: Detection window of OpenCV's default people detector, ``(width, height)`` pixels.
HOG_WINDOW = (64, 128)
#: Block stride of the default descriptor; ``win_stride`` must be a multiple of it.
HOG_BLOCK_STRIDE = 8


def _pair(value, name: str, cast=int) -> Tuple:
    """``(a, b)`` from a scalar or a pair."""
    if np.isscalar(value):
        return cast(value), cast(value)
    values = tuple(value)
    if len(values) != 2:
        raise ValueError(f'{name} must be a number or a pair, got {value!r}')
    return cast(values[0]), cast(values[1])


@DETECTORS.register_module()
class HOGPeopleDetector(BaseDetector):
    """Pedestrians found by OpenCV's default HOG + linear SVM people detector.

    The descriptor is ``cv2.HOGDescriptor()`` (64 x 128 window, 16 x 16 blocks, 8 x 8
    cells, 9 bins) with the SVM of ``cv2.HOGDescriptor_getDefaultPeopleDetector()``, which
    ships inside OpenCV: nothing is downloaded. The frame (or its ``roi``) is resized by
    ``upscale`` and scanned at every level of an image pyramid (step ``scale``) with
    stride ``win_stride``; windows whose SVM margin exceeds ``hit_threshold`` are kept,
    optionally grouped by OpenCV (``group_threshold``), reduced by greedy non-maximum
    suppression (``nms_iou``), mapped back to the frame's pixels, tightened about their
    centre by ``shrink`` and filtered by height.

    The window is 128 px tall and the person in it about 96 px, so people shorter than
    about 100 px are only found with ``upscale > 1``: UCSD Ped2's 20-35 px pedestrians need
    about 3-4. The default detector was trained on photographs and is weak on drawn
    figures: on the generated world (320 x 240, people 40-100 px tall) it reaches
    precision 0.76 and recall 0.22 at IoU 0.5 with ``upscale=1.5``.

    Score: ``sigmoid(margin) = 1 / (1 + exp(-margin))`` of the window's SVM margin, in
    ``(0, 1)``; with ``hit_threshold=0`` every detection scores at least 0.5.

    Args:
        upscale: Resize factor applied to the frame before detection (boxes are mapped
            back), > 0. Default 1.
        win_stride: Window stride ``(x, y)`` in pixels of the resized frame, multiples of
            8 (the block stride). Default ``(8, 8)``.
        padding: Padding ``(x, y)`` in pixels added around the resized frame so that
            people at its border fit a window, >= 0. Default ``(8, 8)``.
        scale: Ratio between consecutive pyramid levels, > 1. Default 1.05.
        hit_threshold: Minimum SVM margin of a window (OpenCV's ``hitThreshold``).
            Default 0.
        group_threshold: OpenCV's rectangle grouping (``groupThreshold``): 0 keeps every
            window (then only ``nms_iou`` merges them); ``g > 0`` keeps groups of more
            than ``g`` similar windows, which removes isolated false hits but also
            small or partly hidden people. Default 0.
        score_threshold: Minimum output score (the sigmoid of the margin), in [0, 1).
            Default 0.6 (margin > 0.41).
        nms_iou: IoU above which a lower-scored box is suppressed
            (:func:`vadkit.structures.boxes.nms`), in (0, 1]. Default 0.3.
        min_height: Minimum height of an output box, pixels of the original frame.
            Default 0.
        max_height: Maximum height of an output box, pixels of the original frame;
            None: no limit. Default None.
        shrink: Factor ``(sx, sy)`` (or one number for both) by which each box is scaled
            about its centre: the default detector's windows pad the person. On the
            generated world the annotated boxes are a median 0.70 x 0.83 of the matched
            windows (upscale 1.5; the drawn figures swing arms and legs wide), on PETS
            2009 (vtest.avi) the people fill about 0.6 x 0.8; ``(0.6, 0.8)`` raises the
            world's precision at IoU 0.5 from 0.47 to 0.76 (upscale 1.5). 1 keeps
            OpenCV's boxes. Values in (0, 1]. Default ``(0.6, 0.8)``.
        roi: Optional region ``(x1, y1, x2, y2)`` of the original frame (pixels) to which
            the search is restricted (clipped to the frame); None: the whole frame.
            Default None.
    """

    classes = ('person', )

    def __init__(self, upscale: float = 1.0, win_stride: Sequence[int] = (8, 8),
                 padding: Sequence[int] = (8, 8), scale: float = 1.05,
                 hit_threshold: float = 0.0, group_threshold: int = 0,
                 score_threshold: float = 0.6, nms_iou: float = 0.3,
                 min_height: float = 0.0, max_height: Optional[float] = None,
                 shrink: Union[float, Sequence[float]] = (0.6, 0.8),
                 roi: Optional[Sequence[float]] = None) -> None:
        upscale = float(upscale)
        if not np.isfinite(upscale) or upscale <= 0:
            raise ValueError(f'upscale must be a positive number, got {upscale}')
        win_stride = _pair(win_stride, 'win_stride')
        if any(v < HOG_BLOCK_STRIDE or v % HOG_BLOCK_STRIDE for v in win_stride):
            raise ValueError(f'win_stride must be positive multiples of {HOG_BLOCK_STRIDE} '
                             f'(the block stride), got {win_stride}')
        padding = _pair(padding, 'padding')
        if any(v < 0 for v in padding):
            raise ValueError(f'padding must be >= 0, got {padding}')
        if not float(scale) > 1.0:
            raise ValueError(f'scale (the pyramid step) must be > 1, got {scale}')
        if int(group_threshold) < 0 or int(group_threshold) != group_threshold:
            raise ValueError(f'group_threshold must be an integer >= 0, got {group_threshold}')
        if not 0.0 <= float(score_threshold) < 1.0:
            raise ValueError(f'score_threshold must be in [0, 1), got {score_threshold}')
        if not 0.0 < float(nms_iou) <= 1.0:
            raise ValueError(f'nms_iou must be in (0, 1], got {nms_iou}')
        if float(min_height) < 0:
            raise ValueError(f'min_height must be >= 0, got {min_height}')
        if max_height is not None and not float(max_height) > float(min_height):
            raise ValueError(f'max_height must be None or > min_height={min_height}, '
                             f'got {max_height}')
        shrink = _pair(shrink, 'shrink', float)
        if any(not 0.0 < v <= 1.0 for v in shrink):
            raise ValueError(f'shrink factors must be in (0, 1], got {shrink}')
        if roi is not None:
            roi = tuple(float(v) for v in roi)
            if len(roi) != 4 or roi[2] <= roi[0] or roi[3] <= roi[1] or min(roi) < 0:
                raise ValueError(f'roi must be (x1, y1, x2, y2) with 0 <= x1 < x2 and '
                                 f'0 <= y1 < y2, got {roi}')
        self.upscale = upscale
        self.win_stride = win_stride
        self.padding = padding
        self.scale = float(scale)
        self.hit_threshold = float(hit_threshold)
        self.group_threshold = int(group_threshold)
        self.score_threshold = float(score_threshold)
        self.nms_iou = float(nms_iou)
        self.min_height = float(min_height)
        self.max_height = None if max_height is None else float(max_height)
        self.shrink = shrink
        self.roi = roi
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self._video_id = '?'

    def reset(self, info: VideoInfo) -> None:
        """Start a new video (the detector keeps no state between frames)."""
        self._video_id = info.video_id

    def _search_area(self, height: int, width: int) -> Tuple[int, int, int, int]:
        if self.roi is None:
            return 0, 0, width, height
        x1, y1, x2, y2 = self.roi
        x1, y1 = int(np.clip(np.floor(x1), 0, width)), int(np.clip(np.floor(y1), 0, height))
        x2, y2 = int(np.clip(np.ceil(x2), 0, width)), int(np.clip(np.ceil(y2), 0, height))
        return x1, y1, x2, y2

    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        """Detect the people of one frame.

        Args:
            frame: ``uint8`` H x W x 3 BGR or H x W grey.
            frame_index: Index of the frame in the video (unused: no state).

        Returns:
            ``float64[N, 6]`` rows ``(x1, y1, x2, y2, score, 0)`` in the frame's pixels,
            best score first.
        """
        image = as_uint8_frame(frame, f'{type(self).__name__}: video {self._video_id}')
        height, width = image.shape[:2]
        ox, oy, ex, ey = self._search_area(height, width)
        empty = np.zeros((0, 6), np.float64)
        if ex <= ox or ey <= oy:
            return empty
        crop = image[oy:ey, ox:ex]
        if self.upscale != 1.0:
            size = (max(int(round(crop.shape[1] * self.upscale)), 1),
                    max(int(round(crop.shape[0] * self.upscale)), 1))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR
                              if self.upscale > 1 else cv2.INTER_AREA)
        win_w, win_h = HOG_WINDOW
        if crop.shape[1] + 2 * self.padding[0] < win_w or \
                crop.shape[0] + 2 * self.padding[1] < win_h:
            return empty
        rects, margins = self._hog.detectMultiScale(
            crop, hitThreshold=self.hit_threshold, winStride=self.win_stride,
            padding=self.padding, scale=self.scale, groupThreshold=self.group_threshold)
        rects = np.asarray(rects, np.float64).reshape(-1, 4)
        margins = np.asarray(margins, np.float64).ravel()
        if not len(rects) or len(margins) != len(rects):
            return empty
        scores = 1.0 / (1.0 + np.exp(-margins))
        boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], axis=1)
        keep = scores >= self.score_threshold
        boxes, scores = boxes[keep], scores[keep]
        if not len(boxes):
            return empty
        order = nms(boxes, scores, self.nms_iou)
        boxes, scores = boxes[order] / self.upscale, scores[order]
        boxes += np.array([ox, oy, ox, oy], np.float64)
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        half = (boxes[:, 2:] - boxes[:, :2]) / 2 * np.asarray(self.shrink)
        boxes = np.concatenate([centre - half, centre + half], axis=1)
        boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, width)
        boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, height)
        tall = boxes[:, 3] - boxes[:, 1]
        keep = (tall >= self.min_height) & (boxes[:, 2] > boxes[:, 0]) & (tall > 0)
        if self.max_height is not None:
            keep &= tall <= self.max_height
        rows = np.column_stack([boxes[keep], scores[keep], np.zeros(int(keep.sum()))])
        return rows.astype(np.float64).reshape(-1, 6)

    def describe(self) -> dict:
        return dict(type=type(self).__name__, upscale=self.upscale,
                    win_stride=list(self.win_stride), padding=list(self.padding),
                    scale=self.scale, hit_threshold=self.hit_threshold,
                    group_threshold=self.group_threshold,
                    score_threshold=self.score_threshold, nms_iou=self.nms_iou,
                    min_height=self.min_height, max_height=self.max_height,
                    shrink=list(self.shrink), roi=None if self.roi is None else list(self.roi))
