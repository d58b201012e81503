"""COCO-17 keypoints from MediaPipe's BlazePose, run on a crop around each person box.

MediaPipe is optional (``requirements/parsing.txt``): ``import vadkit`` never imports it;
building :class:`MediaPipePose` checks that it is installed and that the BlazePose model
asked for ships in the package, and the first call imports it. The mediapipe 0.10.14 wheel
bundles the person detector (``modules/pose_detection/pose_detection.tflite``) and only the
"full" landmark model (``modules/pose_landmark/pose_landmark_full.tflite``,
``model_complexity=1``); the lite and heavy models would be downloaded on demand by
mediapipe, which vadkit never lets happen.
"""
import importlib.util
import os.path as osp
import warnings
import weakref
from typing import Any, Optional, Tuple

import cv2
import numpy as np

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import ConfigError, VadkitUserError

from ..base import BasePoseEstimator, VideoInfo
from ..video_io import as_uint8_frame

#: BlazePose landmark index of each COCO-17 keypoint, in COCO order (nose, left/right eye,
#: left/right ear, left/right shoulder, elbow, wrist, hip, knee, ankle).
COCO_FROM_BLAZEPOSE: Tuple[int, ...] = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26,
                                        27, 28)
#: Number of BlazePose landmarks.
NUM_BLAZEPOSE_LANDMARKS = 33

#: Landmark model file of each ``model_complexity`` (under mediapipe/modules/pose_landmark).
LANDMARK_MODELS = {0: 'pose_landmark_lite.tflite', 1: 'pose_landmark_full.tflite',
                   2: 'pose_landmark_heavy.tflite'}
DETECTOR_MODEL = 'pose_detection.tflite'

INSTALL_HINT = ('pip install --no-deps mediapipe==0.10.14 "protobuf>=4.25.3,<5" '
                '"attrs>=19.1.0" (with -c requirements/constraints.txt; see '
                'requirements/parsing.txt for why --no-deps)')


class MediaPipeUnavailableError(VadkitUserError, ImportError):
    """MediaPipe, or a module it needs, is not installed."""


def mediapipe_root() -> Optional[str]:
    """Folder of the installed ``mediapipe`` package, found without importing it; None
    when it is not installed."""
    try:
        spec = importlib.util.find_spec('mediapipe')
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def _missing(detail: str) -> MediaPipeUnavailableError:
    return MediaPipeUnavailableError(
        f'MediaPipePose needs mediapipe ({detail}); install it with {INSTALL_HINT}',
        name='mediapipe')


@EXTRACTORS.register_module()
class MediaPipePose(BasePoseEstimator):
    """BlazePose (33 landmarks, one person per image) on a square crop of each box.

    For each box ``(x1, y1, x2, y2)`` of height at least ``min_box_height``, a square
    centred on the box with side ``max(w, h) * (1 + 2 * margin)`` is cut out of the frame
    (parts outside the frame filled with ``pad_value``) and resized, never shrunk, to
    ``max(side, min_crop)`` pixels; BlazePose runs on it in static-image mode (no smoothing
    across frames, so boxes of different tracks are independent). The 17 COCO keypoints are
    the BlazePose landmarks :data:`COCO_FROM_BLAZEPOSE`, mapped back to frame pixels, with
    the landmark visibility (in ``[0, 1]``) as score. A crop where BlazePose finds nobody,
    and a box smaller than ``min_box_height``, get zeros. The ``Pose`` graph is created on
    first use, one per estimator, and closed by :meth:`reset` (each video), :meth:`close`,
    garbage collection or the end of the process.

    Args:
        margin: Context added on each side of the box, as a fraction of its larger side
            (0.25: the square is 1.5 times the box's larger side).
        min_crop: Smallest side of the image given to BlazePose, pixels; smaller crops are
            upscaled (bilinear) to it.
        min_detection_confidence: BlazePose's person-detection threshold, in ``[0, 1]``.
        model_complexity: BlazePose landmark model: 0 lite, 1 full, 2 heavy. Only 1 ships
            in the mediapipe 0.10.14 wheel; the others are refused unless their model file
            is already inside the installed package.
        min_box_height: Boxes less tall than this (pixels) get zeros without running the
            model.
        pad_value: Grey level (0-255) of the crop outside the frame.

    Raises:
        MediaPipeUnavailableError: (an ImportError) mediapipe is not installed.
        ConfigError: The model file of ``model_complexity`` is not installed.
    """

    def __init__(self, margin: float = 0.25, min_crop: int = 256,
                 min_detection_confidence: float = 0.5, model_complexity: int = 1,
                 min_box_height: float = 0.0, pad_value: int = 0) -> None:
        self._pose: Any = None
        self._closer: Optional[weakref.finalize] = None
        if not 0.0 <= float(margin) <= 2.0:
            raise ValueError(f'margin must be in [0, 2], got {margin}')
        if int(min_crop) < 32:
            raise ValueError(f'min_crop must be at least 32 pixels, got {min_crop}')
        if not 0.0 <= float(min_detection_confidence) <= 1.0:
            raise ValueError('min_detection_confidence must be in [0, 1], got '
                             f'{min_detection_confidence}')
        if model_complexity not in LANDMARK_MODELS:
            raise ValueError(f'model_complexity must be 0, 1 or 2, got {model_complexity!r}')
        if float(min_box_height) < 0:
            raise ValueError(f'min_box_height must be non-negative, got {min_box_height}')
        if not 0 <= int(pad_value) <= 255:
            raise ValueError(f'pad_value must be in [0, 255], got {pad_value}')
        self.margin = float(margin)
        self.min_crop = int(min_crop)
        self.min_detection_confidence = float(min_detection_confidence)
        self.model_complexity = int(model_complexity)
        self.min_box_height = float(min_box_height)
        self.pad_value = int(pad_value)
        self._check_models()

    def _check_models(self) -> None:
        root = mediapipe_root()
        if root is None:
            raise _missing('it is not installed')
        modules = osp.join(root, 'modules')
        landmark = osp.join(modules, 'pose_landmark', LANDMARK_MODELS[self.model_complexity])
        if not osp.isfile(landmark):
            raise ConfigError(
                f'MediaPipePose: model_complexity={self.model_complexity} needs {landmark}, '
                'which the mediapipe wheel does not ship (mediapipe would download it, and '
                'vadkit does not download weights); use model_complexity=1, whose model '
                f'({LANDMARK_MODELS[1]}) is bundled, or put the file there yourself')
        detector = osp.join(modules, 'pose_detection', DETECTOR_MODEL)
        if not osp.isfile(detector):
            raise ConfigError(f'MediaPipePose: the person detector {detector} is missing '
                              'from the installed mediapipe; reinstall it with '
                              f'{INSTALL_HINT}')

    def _graph(self):
        """The BlazePose graph, created on first use."""
        if self._pose is None:
            try:
                from mediapipe.python.solutions import pose as mp_pose
            except ImportError as exc:
                raise _missing(f'importing it failed: {exc}') from exc
            pose = mp_pose.Pose(
                static_image_mode=True, model_complexity=self.model_complexity,
                smooth_landmarks=False, enable_segmentation=False,
                min_detection_confidence=self.min_detection_confidence)
            # Closes the graph when the estimator is collected, or at exit while the
            # interpreter still runs: closing it during interpreter teardown deadlocks.
            self._closer = weakref.finalize(self, pose.close)
            self._pose = pose
        return self._pose

    def close(self) -> None:
        """Release the BlazePose graph (it is created again on the next call)."""
        closer, self._closer, self._pose = self._closer, None, None
        if closer is not None:
            closer()

    def reset(self, info: VideoInfo) -> None:
        """Start a new video with a fresh graph."""
        self.close()

    def crop(self, frame: np.ndarray, box: np.ndarray) -> Tuple[np.ndarray, float, float,
                                                                 float]:
        """The square BGR crop BlazePose sees for ``box``.

        Args:
            frame: ``uint8[H, W, 3]`` BGR frame.
            box: ``(x1, y1, x2, y2)`` in pixels.

        Returns:
            ``(crop, x0, y0, scale)``: the ``uint8[s, s, 3]`` crop, and the frame point
            ``(x0, y0)`` of its top-left corner and its pixels per frame pixel, so that
            crop point ``(u, v)`` is frame point ``(x0 + u / scale, y0 + v / scale)``.
        """
        x1, y1, x2, y2 = (float(v) for v in box[:4])
        side = max(x2 - x1, y2 - y1) * (1.0 + 2.0 * self.margin)
        size = max(int(round(side)), self.min_crop)
        scale = size / side
        x0 = 0.5 * (x1 + x2) - 0.5 * side
        y0 = 0.5 * (y1 + y2) - 0.5 * side
        # Pixel centres sit at integer + 0.5 in the continuous coordinates used above.
        matrix = np.array([[scale, 0.0, (0.5 - x0) * scale - 0.5],
                           [0.0, scale, (0.5 - y0) * scale - 0.5]], np.float64)
        crop = cv2.warpAffine(frame, matrix, (size, size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(self.pad_value, ) * 3)
        return crop, x0, y0, scale

    def landmarks(self, crop: np.ndarray) -> Optional[np.ndarray]:
        """``float32[33, 3]`` BlazePose landmarks ``(u, v, visibility)`` in crop pixels, or
        None when no person is found.

        Args:
            crop: ``uint8[s, s, 3]`` BGR image.
        """
        rgb = np.ascontiguousarray(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        graph = self._graph()
        with warnings.catch_warnings():
            # mediapipe 0.10.14 calls an API that protobuf 4.25 marks deprecated, per frame.
            warnings.filterwarnings('ignore', message='SymbolDatabase.GetPrototype',
                                    category=UserWarning)
            result = graph.process(rgb)
        found = getattr(result, 'pose_landmarks', None)
        if found is None:
            return None
        height, width = crop.shape[:2]
        return np.array([(p.x * width, p.y * height, p.visibility) for p in found.landmark],
                        np.float32)

    def __call__(self, frame: np.ndarray, frame_index: int, boxes: np.ndarray,
                 track_ids: np.ndarray) -> np.ndarray:
        """Keypoints of the people in ``boxes``.

        Args:
            frame: ``uint8[H, W, 3]`` BGR (or ``H x W`` grey) frame.
            frame_index: Index of the frame in the video.
            boxes: ``float[N, 4]`` ``(x1, y1, x2, y2)``.
            track_ids: ``int[N]`` (unused: every box is estimated on its own).

        Returns:
            ``float32[N, 17, 3]`` ``(x, y, score)`` in frame pixels.
        """
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        out = np.zeros((len(boxes), 17, 3), np.float32)
        if not len(boxes):
            return out
        image = as_uint8_frame(frame, f'MediaPipePose: frame {frame_index}', 'bgr')
        heights = boxes[:, 3] - boxes[:, 1]
        widths = boxes[:, 2] - boxes[:, 0]
        for k in np.flatnonzero((heights >= self.min_box_height) & (heights > 0) & (widths > 0)):
            crop, x0, y0, scale = self.crop(image, boxes[k])
            found = self.landmarks(crop)
            if found is None:
                continue
            picked = found[list(COCO_FROM_BLAZEPOSE)]
            out[k, :, 0] = x0 + picked[:, 0] / scale
            out[k, :, 1] = y0 + picked[:, 1] / scale
            out[k, :, 2] = np.clip(picked[:, 2], 0.0, 1.0)
        return out

    def describe(self) -> dict:
        return dict(type=type(self).__name__, margin=self.margin, min_crop=self.min_crop,
                    min_detection_confidence=self.min_detection_confidence,
                    model_complexity=self.model_complexity,
                    min_box_height=self.min_box_height, pad_value=self.pad_value)
