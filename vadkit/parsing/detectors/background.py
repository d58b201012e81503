"""Moving objects of a fixed camera by background subtraction (no weight file)."""
from collections import deque
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from vadkit.registry import DETECTORS
from vadkit.structures.boxes import box_iou
from vadkit.utils.errors import DataError

from ..base import BaseDetector, VideoInfo
from ..video_io import as_uint8_frame

#: Background models of :class:`BackgroundSubtractionDetector`.
BACKGROUND_MODES = ('median', 'mog2', 'knn')
#: Pixels whose background is darker than this (grey levels) do not vote for the light gain.
_GAIN_MIN_LEVEL = 16.0
#: Step of the pixel grid on which the light gain is estimated.
_GAIN_GRID = 4
#: Grey-level bins of the brightness transfer curve (width, count) and the grid pixels a
#: bin needs for a gain of its own.
_GAIN_BIN, _GAIN_BINS, _GAIN_MIN_PIXELS = 16.0, 16, 40
#: Slopes tried by :class:`PersonHeightModel` (pixels of height per row of the feet).
_SLOPES = np.linspace(0.0, 0.9, 91)
#: Components closer than this to the frame's border (pixels) do not teach the height model.
_BORDER = 2


def _kernel(size: int) -> Optional[np.ndarray]:
    return None if size <= 1 else cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _bootstrap_point(count: int) -> bool:
    """Whether the bootstrap background is recomputed after ``count`` samples: 1, 2, 3, 5,
    9, 17, 33 ... (one plus a power of two), so that its cost stays logarithmic."""
    return count == 1 or ((count - 1) & (count - 2)) == 0


class PersonHeightModel:
    """Height of a standing person (pixels) as a linear function of the image row of the
    feet, ``h = slope * y_bottom + intercept``: the perspective of a fixed camera looking
    down on a ground plane.

    Fitted robustly: of the slopes 0, 0.01 ... 0.9, each with the median intercept, the
    one with the most samples within 15 % of its line (merged or partial blobs are
    outliers) among those whose horizon (the row where the height reaches 0) lies above
    the heads of 95 % of the samples, as for a camera above the people; then least
    squares on these inliers, kept if it is as good. With too little spread of the feet
    rows (standard deviation under ``min_spread`` px), the model is the median height.
    Predictions are made at feet rows clipped to the range of the inliers (no
    extrapolation).

    Args:
        min_samples: Samples needed before the model predicts anything, >= 2.
        max_samples: The most recent samples kept.
        min_spread: Standard deviation of the feet rows (pixels) needed for a slope.
    """

    def __init__(self, min_samples: int = 20, max_samples: int = 500,
                 min_spread: float = 8.0) -> None:
        self.min_samples = max(int(min_samples), 2)
        self.min_spread = float(min_spread)
        self._samples = deque(maxlen=max(int(max_samples), self.min_samples))
        self._fitted: Optional[Tuple[float, float, float, float]] = None
        self._dirty = False

    def __len__(self) -> int:
        return len(self._samples)

    def add(self, bottom: float, height: float) -> None:
        """Add one person's feet row and height (pixels)."""
        self._samples.append((float(bottom), float(height)))
        self._dirty = True

    @property
    def coef(self) -> Optional[Tuple[float, float]]:
        """``(slope, intercept)``, or None with fewer than ``min_samples`` samples."""
        fitted = self._fit()
        return None if fitted is None else fitted[:2]

    def _fit(self) -> Optional[Tuple[float, float, float, float]]:
        """``(slope, intercept, lowest, highest feet row)``, refitted after new samples."""
        if not self._dirty:
            return self._fitted
        self._dirty = False
        self._fitted = None
        if len(self._samples) < self.min_samples:
            return None
        data = np.asarray(self._samples, np.float64)
        bottom, height = data[:, 0], data[:, 1]
        coef = (0.0, float(np.median(height)))
        if bottom.std() >= self.min_spread:
            best = (self._inliers(coef, bottom, height).sum(), coef)
            for slope in _SLOPES[1:]:
                candidate = (float(slope), float(np.median(height - slope * bottom)))
                count = self._inliers(candidate, bottom, height).sum()
                if count > best[0] and self._plausible(candidate, bottom, height):
                    best = (count, candidate)
            count, coef = best
            inliers = self._inliers(coef, bottom, height)
            if inliers.sum() >= 2 and bottom[inliers].std() >= self.min_spread / 2:
                design = np.stack([bottom[inliers], np.ones(int(inliers.sum()))], axis=1)
                refined = tuple(float(v) for v in np.linalg.lstsq(
                    design, height[inliers], rcond=None)[0])
                if 0 <= refined[0] < 1 and self._plausible(refined, bottom, height) and \
                        self._inliers(refined, bottom, height).sum() >= count:
                    coef = refined
        inliers = self._inliers(coef, bottom, height)
        used = bottom[inliers] if inliers.any() else bottom
        self._fitted = (coef[0], coef[1], float(used.min()), float(used.max()))
        return self._fitted

    @staticmethod
    def _plausible(coef: Tuple[float, float], bottom: np.ndarray, height: np.ndarray
                   ) -> bool:
        """Whether the horizon of a fit (the row where heights reach 0) lies above the
        heads of at least 95 % of the samples, as it does for a camera above them."""
        slope, intercept = coef
        if slope <= 0:
            return True
        return float(np.mean(bottom - height < -intercept / slope)) <= 0.05

    @staticmethod
    def _inliers(coef: Tuple[float, float], bottom: np.ndarray, height: np.ndarray
                 ) -> np.ndarray:
        predicted = np.maximum(coef[0] * bottom + coef[1], 1.0)
        return np.abs(height - predicted) <= 0.15 * predicted

    def __call__(self, bottom: float) -> Optional[float]:
        """Expected height of a person whose feet are at row ``bottom``, or None."""
        fitted = self._fit()
        if fitted is None:
            return None
        slope, intercept, low, high = fitted
        return max(slope * float(np.clip(bottom, low, high)) + intercept, 1.0)

    def top_to_bottom(self, top: float) -> Optional[float]:
        """Feet row of a person whose head is at row ``top`` (``b - h(b) = top``)."""
        fitted = self._fit()
        if fitted is None or fitted[0] >= 1.0:
            return None
        slope, intercept, low, high = fitted
        bottom = (float(top) + intercept) / (1.0 - slope)
        if low <= bottom <= high:
            return bottom
        return float(top) + self(bottom)


def _tight(mask: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
    """``(x1, y1, x2, y2)`` (exclusive ends) of the foreground of ``mask``, or None."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def head_splits(mask: np.ndarray, prominence: float, min_separation: float) -> List[int]:
    """Columns at which a blob of people standing side by side is cut: the lowest points
    of its top outline between two heads.

    A head is a local maximum of the top outline (the first foreground row of each
    column, smoothed over ``min_separation / 2`` columns) in the upper 40 % of the blob;
    two heads must be at least ``min_separation`` columns apart and the outline must dip
    by at least ``prominence`` rows between them.

    Args:
        mask: ``bool[h, w]`` the blob.
        prominence: Minimum dip of the outline between two heads, rows.
        min_separation: Minimum distance between two heads, columns.

    Returns:
        Increasing cut columns (empty: one person).
    """
    height, width = mask.shape
    if width < 2 * min_separation:
        return []
    filled = mask.any(axis=0)
    top = np.where(filled, mask.argmax(axis=0), height).astype(np.float64)
    window = max(int(min_separation // 2) | 1, 1)
    smooth = np.convolve(np.pad(top, window // 2, mode='edge'), np.ones(window) / window,
                         mode='valid')
    peaks = []
    for x in range(width):
        lo, hi = max(0, x - window), min(width, x + window + 1)
        if smooth[x] <= smooth[lo:hi].min() and smooth[x] < 0.4 * height:
            if peaks and x - peaks[-1] < min_separation:
                if smooth[x] < smooth[peaks[-1]]:
                    peaks[-1] = x
                continue
            peaks.append(x)
    cuts = []
    kept = peaks[:1]
    for x in peaks[1:]:
        segment = smooth[kept[-1]:x + 1]
        valley = int(np.argmax(segment))
        if segment[valley] - max(smooth[kept[-1]], smooth[x]) >= prominence:
            cuts.append(kept[-1] + valley)
            kept.append(x)
        elif smooth[x] < smooth[kept[-1]]:
            kept[-1] = x
    return cuts


@DETECTORS.register_module()
class BackgroundSubtractionDetector(BaseDetector):
    """Moving objects of a fixed camera: what differs from the background.

    Background models (``mode``):

    - ``'median'``: the per-pixel median of up to ``background_frames`` frames sampled
      evenly over the whole video by :meth:`prepare` (the parser calls it after
      :meth:`reset` and before the first frame), then, frame by frame, blended with a
      running average of the pixels found to be background (rate ``learning_rate``;
      foreground pixels follow at ``foreground_rate`` so that objects which stop or
      leave are eventually absorbed). Without :meth:`prepare` (a live stream) the first
      frame is the background and a frame every ``bootstrap_stride`` is kept; the median
      of the kept frames replaces the background after 2, 3, 5, 9, 17 ... of them, up
      to ``background_frames``.
    - ``'mog2'`` / ``'knn'``: OpenCV's adaptive Gaussian-mixture / k-nearest-neighbour
      subtractors (``history``, ``var_threshold``), with shadow detection on: shadow
      pixels are discarded. :meth:`prepare` feeds them the sampled frames first.

    Global light changes (slow swings, passing clouds) are normalised away when
    ``normalize_light`` is set: the frame is divided by its light gain relative to the
    background before it is compared with (or blended into, or fed to) the background
    model. The gain is a brightness transfer curve: the median of ``(frame + 1) /
    (background + 1)`` (grey, on a grid of pixels) per background grey level (16 bins),
    so that it follows bright pixels that saturate as well as the rest.

    In ``'median'`` mode a pixel is foreground where the blurred (``blur_size``)
    normalised frame differs from the background by more than ``threshold`` grey levels
    (the largest difference over the colour channels, or the grey difference with
    ``use_color=False``; grey frames always use the grey difference). The mask is opened
    (``open_size``, removes noise) and closed (``close_size``, joins the limbs and head
    of a person), and each connected component is a detection, kept when its area is at
    least ``min_area``, its box at least ``min_height`` tall and its area at most
    ``max_area_fraction`` of the frame.

    Merged and broken people (``split_merged``): components shaped like one person
    (width / height in ``person_aspect``, away from the frame's border) teach a
    :class:`PersonHeightModel` of the video (the frames of :meth:`prepare` too). Then,
    per frame:

    - fragments of one person (a head and legs cut apart by clothes the colour of the
      ground) are joined when they overlap in columns and their union is at most
      ``merge_ratio`` times the expected person height tall and ``split_aspect`` times
      it wide, one of them at least ``min_area`` pixels large (fragments under
      ``min_fragment`` pixels are ignored);
    - a component taller than ``stack_ratio`` times the expected height at its bottom,
      or wider than ``split_aspect`` times it, is partitioned: candidate person boxes
      ``person_width`` times as wide as tall are placed at its heads (peaks of its top
      outline, with the feet row the model gives for that head row) and at its feet
      (lowest points of its bottom outline, with the model's height), and chosen
      greedily, each by the foreground pixels it adds (at least ``min_area`` and
      ``min_gain`` of its area); each chosen box is shrunk to the foreground in it;
    - without a model yet, a wide component is cut between the heads of its top outline
      (:func:`head_splits`: dips of ``head_prominence``, heads ``head_separation``
      apart, both times the component's height).

    A component wider than ``single_aspect`` times its height and with no two heads on
    its outline is one object (a vehicle, a cyclist) and is not cut. People overlapping
    heavily (one mostly hidden behind another) stay merged, and so do fragments when no
    model is fitted yet.

    Known limits: a person who stays in one place for more than half of the sampled
    frames is part of the median background (missed, then a "ghost" where they were);
    objects thrown by people are separate small detections or enlarge the thrower's box;
    clothes the colour of the ground break or shrink a person's blob.

    A box wider than ``vehicle_aspect`` times its height is a ``'vehicle'``, else a
    ``'person'``.

    Score, in ``(0, 1]``: in ``'median'`` mode the mean foreground strength of the box's
    foreground pixels, ``mean(min(1, difference / (2 * threshold)))`` (pixels that all
    differ by twice the threshold or more score 1); in ``'mog2'`` / ``'knn'`` mode, which
    give no difference, the fill ratio ``foreground pixels / box area``.

    Args:
        mode: ``'median'``, ``'mog2'`` or ``'knn'``. Default ``'median'``.
        background_frames: Frames sampled for the median background (and fed to
            ``'mog2'`` / ``'knn'`` by :meth:`prepare`), >= 1. Default 50.
        learning_rate: Rate at which background pixels of each frame are blended into the
            ``'median'`` background, in [0, 1]. Default 0.05.
        foreground_rate: Same for foreground pixels, in [0, learning_rate]; 0 never
            absorbs an object that stops. Default 0.002 (about 20 s at 25 fps).
        bootstrap_stride: Frames between the frames kept to bootstrap the median
            background when :meth:`prepare` was not called, >= 1. Default 5.
        history: History length (frames) of ``'mog2'`` / ``'knn'``, >= 1. Default 200.
        var_threshold: ``'mog2'``'s squared Mahalanobis distance threshold
            (``varThreshold``, 16 when None) or ``'knn'``'s squared distance threshold
            (``dist2Threshold``, 400 when None), > 0. Default None.
        threshold: Difference (grey levels) above which a pixel is foreground in
            ``'median'`` mode, > 0. Default 18.
        blur_size: Side of the Gaussian blur applied to the frame before differencing
            (odd; 1: none). Default 5.
        use_color: Use the largest difference over the B, G, R channels rather than the
            grey difference (colour frames only). Default True.
        normalize_light: Divide each frame by its light gain relative to the
            background (see above). Default True.
        open_size: Side (pixels) of the elliptic kernel of the opening of the
            foreground mask (1: none). Default 3.
        close_size: Side (pixels) of the elliptic kernel of the closing (1: none).
            Default 7.
        min_area: Minimum foreground area of a detection, pixels. Default 80.
        min_height: Minimum height of a detection's box, pixels. Default 12.
        max_area_fraction: Components covering more than this fraction of the frame are
            dropped (a failure of the background rather than an object), in (0, 1].
            Default 0.3.
        vehicle_aspect: Boxes with width / height above this are ``'vehicle'``, > 0.
            Default 1.3.
        single_aspect: Components with width / height above this and at most one head
            on their outline are never cut (vehicles, riders), > 0. Default 0.8.
        split_merged: Join fragments and cut components of several people (see above).
            Default True.
        person_aspect: ``(low, high)`` width / height of the components that teach the
            height model. Default ``(0.25, 0.55)``.
        stack_ratio: Components taller than this times the expected person height are
            partitioned, > 1. Default 1.25.
        split_aspect: Components wider than this times the expected person height (the
            component's height without a model) are partitioned; also the widest union
            of fragments, same unit, > 0. Default 0.45.
        head_prominence: Minimum dip of the top outline between two heads, as a fraction
            of the expected person height (of the component's height without a model),
            > 0. Default 0.12.
        head_separation: Minimum distance between two heads, same unit, > 0.
            Default 0.18.
        merge_ratio: Tallest union of fragments joined as one person, as a fraction of
            the expected person height; 0: never join. Default 1.15.
        min_fragment: Smallest component (pixels) considered at all. Default 20.
        person_width: Width of a candidate person box of the partition, as a fraction of
            its height, > 0. Default 0.5.
        min_gain: Smallest fraction of its area that a candidate box must add as new
            foreground to be chosen, in [0, 1). Default 0.03.
        model_samples: ``(min, max)`` samples of the height model: needed before it is
            used, and kept (the most recent). Default ``(20, 500)``.
        score_threshold: Minimum score of an output box, in [0, 1). Default 0.
    """

    classes = ('person', 'vehicle')

    def __init__(self, mode: str = 'median', background_frames: int = 50,
                 learning_rate: float = 0.05, foreground_rate: float = 0.002,
                 bootstrap_stride: int = 5, history: int = 200,
                 var_threshold: Optional[float] = None, threshold: float = 18.0,
                 blur_size: int = 5, use_color: bool = True, normalize_light: bool = True,
                 open_size: int = 3, close_size: int = 7, min_area: float = 80.0,
                 min_height: float = 12.0, max_area_fraction: float = 0.3,
                 vehicle_aspect: float = 1.3, single_aspect: float = 0.8,
                 split_merged: bool = True,
                 person_aspect: Sequence[float] = (0.25, 0.55), stack_ratio: float = 1.25,
                 split_aspect: float = 0.45, head_prominence: float = 0.12,
                 head_separation: float = 0.18, merge_ratio: float = 1.15,
                 min_fragment: float = 20.0, person_width: float = 0.5,
                 min_gain: float = 0.03, model_samples: Sequence[int] = (20, 500),
                 score_threshold: float = 0.0) -> None:
        if mode not in BACKGROUND_MODES:
            raise ValueError(f'mode must be one of {BACKGROUND_MODES}, got {mode!r}')
        for name, value in (('background_frames', background_frames),
                            ('bootstrap_stride', bootstrap_stride), ('history', history),
                            ('open_size', open_size), ('close_size', close_size)):
            if isinstance(value, bool) or int(value) != value or int(value) < 1:
                raise ValueError(f'{name} must be an integer >= 1, got {value!r}')
        if not 0.0 <= float(learning_rate) <= 1.0:
            raise ValueError(f'learning_rate must be in [0, 1], got {learning_rate}')
        if not 0.0 <= float(foreground_rate) <= float(learning_rate):
            raise ValueError(f'foreground_rate must be in [0, learning_rate={learning_rate}], '
                             f'got {foreground_rate}')
        if var_threshold is not None and not float(var_threshold) > 0:
            raise ValueError(f'var_threshold must be None or > 0, got {var_threshold}')
        if not float(threshold) > 0:
            raise ValueError(f'threshold must be > 0 (grey levels), got {threshold}')
        if int(blur_size) != blur_size or int(blur_size) < 1 or int(blur_size) % 2 == 0:
            raise ValueError(f'blur_size must be an odd integer >= 1, got {blur_size}')
        if float(min_area) < 0 or float(min_height) < 0:
            raise ValueError(f'min_area and min_height must be >= 0, got {min_area}, '
                             f'{min_height}')
        if not 0.0 < float(max_area_fraction) <= 1.0:
            raise ValueError(f'max_area_fraction must be in (0, 1], got {max_area_fraction}')
        if not float(vehicle_aspect) > 0 or not float(single_aspect) > 0:
            raise ValueError(f'vehicle_aspect and single_aspect must be > 0, got '
                             f'{vehicle_aspect}, {single_aspect}')
        person_aspect = tuple(float(v) for v in person_aspect)
        if len(person_aspect) != 2 or not 0 < person_aspect[0] < person_aspect[1]:
            raise ValueError(f'person_aspect must be (low, high) with 0 < low < high, '
                             f'got {person_aspect}')
        if not float(stack_ratio) > 1.0:
            raise ValueError(f'stack_ratio must be > 1, got {stack_ratio}')
        if float(merge_ratio) < 0 or float(min_fragment) < 0:
            raise ValueError(f'merge_ratio and min_fragment must be >= 0, got {merge_ratio}, '
                             f'{min_fragment}')
        if not float(person_width) > 0 or not 0 <= float(min_gain) < 1:
            raise ValueError(f'person_width must be > 0 and min_gain in [0, 1), got '
                             f'{person_width}, {min_gain}')
        if not float(split_aspect) > 0:
            raise ValueError(f'split_aspect must be > 0, got {split_aspect}')
        if not float(head_prominence) > 0 or not float(head_separation) > 0:
            raise ValueError(f'head_prominence and head_separation must be > 0, got '
                             f'{head_prominence}, {head_separation}')
        model_samples = tuple(int(v) for v in model_samples)
        if len(model_samples) != 2 or not 2 <= model_samples[0] <= model_samples[1]:
            raise ValueError(f'model_samples must be (min, max) with 2 <= min <= max, got '
                             f'{model_samples}')
        if not 0.0 <= float(score_threshold) < 1.0:
            raise ValueError(f'score_threshold must be in [0, 1), got {score_threshold}')
        self.mode = mode
        self.background_frames = int(background_frames)
        self.learning_rate = float(learning_rate)
        self.foreground_rate = float(foreground_rate)
        self.bootstrap_stride = int(bootstrap_stride)
        self.history = int(history)
        self.var_threshold = None if var_threshold is None else float(var_threshold)
        self.threshold = float(threshold)
        self.blur_size = int(blur_size)
        self.use_color = bool(use_color)
        self.normalize_light = bool(normalize_light)
        self.open_size = int(open_size)
        self.close_size = int(close_size)
        self.min_area = float(min_area)
        self.min_height = float(min_height)
        self.max_area_fraction = float(max_area_fraction)
        self.vehicle_aspect = float(vehicle_aspect)
        self.single_aspect = float(single_aspect)
        self.split_merged = bool(split_merged)
        self.person_aspect = person_aspect
        self.stack_ratio = float(stack_ratio)
        self.split_aspect = float(split_aspect)
        self.merge_ratio = float(merge_ratio)
        self.person_width = float(person_width)
        self.min_gain = float(min_gain)
        self.min_fragment = float(min_fragment)
        self.head_prominence = float(head_prominence)
        self.head_separation = float(head_separation)
        self.model_samples = model_samples
        self.score_threshold = float(score_threshold)
        self._open = _kernel(self.open_size)
        self._close = _kernel(self.close_size)
        self.reset(VideoInfo(video_id='?', num_frames=0, width=0, height=0))

    # ------------------------------------------------------------------ state
    def reset(self, info: VideoInfo) -> None:
        """Forget the background, the samples and the height model of the previous
        video."""
        self._info = info
        self._shape: Optional[tuple] = None
        self._background: Optional[np.ndarray] = None  # float32 H x W (x 3), median mode
        self._reference: Optional[np.ndarray] = None  # float32 grey, light reference
        self._samples: List[np.ndarray] = []
        self._bootstrapping = True
        self._seen = 0
        self._subtractor = self._make_subtractor() if self.mode != 'median' else None
        self.height_model = PersonHeightModel(*self.model_samples)

    def _make_subtractor(self):
        if self.mode == 'mog2':
            return cv2.createBackgroundSubtractorMOG2(
                history=self.history, varThreshold=self.var_threshold or 16.0,
                detectShadows=True)
        return cv2.createBackgroundSubtractorKNN(
            history=self.history, dist2Threshold=self.var_threshold or 400.0,
            detectShadows=True)

    @property
    def background(self) -> Optional[np.ndarray]:
        """The current background, ``float32`` H x W x 3 (or H x W for grey videos) at
        the light level of the reference, or None before the first frame (OpenCV's
        background image in ``'mog2'`` / ``'knn'`` mode)."""
        if self._subtractor is not None:
            if self._seen == 0:
                return None
            image = self._subtractor.getBackgroundImage()
            return None if image is None else image.astype(np.float32)
        return self._background

    def _image(self, frame: np.ndarray) -> np.ndarray:
        image = as_uint8_frame(frame, f'{type(self).__name__}: video {self._info.video_id}')
        if self._shape is None:
            self._shape = image.shape
        elif image.shape != self._shape:
            raise DataError(f'{type(self).__name__}: video {self._info.video_id}: a frame '
                            f'has shape {image.shape}, the first one {self._shape}')
        return image

    def _blur(self, image: np.ndarray) -> np.ndarray:
        image = image.astype(np.float32)
        if self.blur_size > 1:
            image = cv2.GaussianBlur(image, (self.blur_size, self.blur_size), 0)
        return image

    @staticmethod
    def _grey(image: np.ndarray) -> np.ndarray:
        return image.mean(axis=2) if image.ndim == 3 else image

    def _gain(self, image: np.ndarray):
        """Light gain of ``image`` (blurred float) relative to the reference: 1, or a
        ``float32`` map (H x W, or H x W x 1 for colour) by which ``image`` is divided.

        The gain is a function of the reference's grey level (a brightness transfer
        curve, which also follows the saturation of bright pixels): the median ratio
        ``(frame + 1) / (reference + 1)`` in each of 16 level bins with enough pixels,
        the global median ratio elsewhere, interpolated linearly between bin centres.
        """
        if not self.normalize_light or self._reference is None:
            return 1.0
        grey = self._grey(image[::_GAIN_GRID, ::_GAIN_GRID]).ravel()
        ref = self._reference[::_GAIN_GRID, ::_GAIN_GRID].ravel()
        valid = ref > _GAIN_MIN_LEVEL
        if valid.sum() < 16:
            return 1.0
        ratio = (grey[valid] + 1.0) / (ref[valid] + 1.0)
        level = ref[valid]
        overall = float(np.median(ratio))
        bins = np.minimum((level // _GAIN_BIN).astype(np.int64), _GAIN_BINS - 1)
        gains = np.full(_GAIN_BINS, overall)
        counts = np.bincount(bins, minlength=_GAIN_BINS)
        for k in np.flatnonzero(counts >= _GAIN_MIN_PIXELS):
            gains[k] = np.median(ratio[bins == k])
        centres = (np.arange(_GAIN_BINS) + 0.5) * _GAIN_BIN
        gain = np.interp(self._reference, centres, gains).astype(np.float32)
        return gain[..., None] if image.ndim == 3 else gain

    # ------------------------------------------------------------------ background
    def prepare(self, source) -> None:
        """Build the background from frames sampled over the whole video.

        Keeps every ``k``-th frame of ``source``, ``k = ceil(num_frames /
        background_frames)`` (``num_frames`` from the :class:`VideoInfo` given to
        :meth:`reset`, else ``len(source)``), and stops reading after
        ``background_frames`` kept frames. In ``'median'`` mode their median is the
        background; in ``'mog2'`` / ``'knn'`` mode they are fed to the subtractor. The
        blobs of the kept frames then teach the height model.

        Args:
            source: Re-iterable over the video's frames (a fresh iteration is started).

        Raises:
            DataError: ``source`` yields no frame.
        """
        num_frames = int(self._info.num_frames or 0)
        if num_frames <= 0:
            try:
                num_frames = len(source)
            except TypeError:
                num_frames = self.background_frames
        step = max(1, int(np.ceil(num_frames / self.background_frames)))
        samples: List[np.ndarray] = []
        for index, frame in enumerate(source):
            if index % step:
                continue
            samples.append(_to_uint8(self._blur(self._image(frame))))  # 1/4 of the memory
            if len(samples) >= self.background_frames:
                break
        if not samples:
            raise DataError(f'{type(self).__name__}: video {self._info.video_id}: prepare() '
                            'got no frames')
        if self.mode == 'median':
            self._set_background(samples)
            self._samples = []
            self._bootstrapping = False
        else:
            # the light reference is the median: each sample is fed at the same light
            self._reference = self._grey(np.median(np.stack(samples), axis=0)).astype(np.float32)
            for sample in samples:
                self._foreground(sample.astype(np.float32), learn=True)
        if self.split_merged:
            for sample in samples:
                mask, _, _ = self._foreground(sample.astype(np.float32), learn=False)
                self._observe(cv2.connectedComponentsWithStats(mask, connectivity=8)[2])

    def _set_background(self, samples: List[np.ndarray]) -> None:
        """The per-pixel median of blurred frames (``uint8`` or float) is the background."""
        self._background = np.median(np.stack(samples), axis=0).astype(np.float32) \
            if len(samples) > 1 else samples[0].astype(np.float32)
        self._reference = self._grey(self._background)

    def _bootstrap(self, blurred: np.ndarray, gain) -> None:
        """Keep a frame every ``bootstrap_stride`` (live streams, no :meth:`prepare`)."""
        if not self._bootstrapping or self._seen % self.bootstrap_stride:
            return
        self._samples.append(_to_uint8(blurred / gain))
        full = len(self._samples) >= self.background_frames
        if _bootstrap_point(len(self._samples)) or full:
            self._set_background(self._samples)
        if full:
            self._samples = []
            self._bootstrapping = False

    def _foreground(self, blurred: np.ndarray, learn: bool
                    ) -> Tuple[np.ndarray, Optional[np.ndarray], object]:
        """Cleaned ``uint8`` foreground mask (255), the difference (median mode) and the
        light gain of a blurred frame; ``learn`` updates the OpenCV subtractor."""
        if self._reference is None:
            self._reference = self._grey(blurred)
        gain = self._gain(blurred)
        if self.mode == 'median':
            normalised = blurred / gain
            if normalised.ndim == 2 or not self.use_color:
                strength = np.abs(self._grey(normalised) - self._reference)
            else:
                strength = np.abs(normalised - self._background).max(axis=2)
            mask = (strength > self.threshold).astype(np.uint8) * 255
        else:
            strength = None
            image = np.clip(blurred / gain, 0, 255).astype(np.uint8)
            raw = self._subtractor.apply(image, learningRate=-1 if learn else 0)
            if learn:
                self._seen += 1
            mask = np.where(raw == 255, 255, 0).astype(np.uint8)  # 127: shadow
        if self._open is not None:
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._open)
        if self._close is not None:
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self._close)
        return mask, strength, gain

    # ------------------------------------------------------------------ detection
    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        """Detect the moving objects of one frame (and update the background).

        Args:
            frame: ``uint8`` H x W x 3 BGR or H x W grey, the next frame of the video.
            frame_index: Its index in the video.

        Returns:
            ``float64[N, 6]`` rows ``(x1, y1, x2, y2, score, class_index)`` in the
            frame's pixels, class 0 ``'person'``, 1 ``'vehicle'``, best score first.
        """
        blurred = self._blur(self._image(frame))
        if self.mode == 'median' and self._background is None:
            self._set_background([blurred])
            if self._bootstrapping:
                self._samples.append(_to_uint8(blurred))
            self._seen += 1
            return np.zeros((0, 6), np.float64)
        mask, strength, gain = self._foreground(blurred, learn=True)
        rows = self._detections(mask, strength)
        if self.mode == 'median':
            self._update(blurred / gain, mask)
            self._seen += 1
            self._bootstrap(blurred, gain)
        return rows

    def _update(self, normalised: np.ndarray, mask: np.ndarray) -> None:
        """Blend the frame into the background: ``learning_rate`` where it is background,
        ``foreground_rate`` where it is foreground."""
        if self.learning_rate <= 0:
            return
        rate = np.where(mask > 0, np.float32(self.foreground_rate),
                        np.float32(self.learning_rate))
        if self._background.ndim == 3:
            rate = rate[..., None]
        self._background += rate * (normalised - self._background)
        self._reference = self._grey(self._background)

    def _keep(self, width: int, height: int, area: float) -> bool:
        return area >= self.min_area and height >= self.min_height and \
            area <= self.max_area_fraction * self._shape[0] * self._shape[1]

    def _observe(self, stats: np.ndarray) -> None:
        """Teach the height model the person-shaped components away from the border."""
        if not self.split_merged:
            return
        frame_h, frame_w = self._shape[:2]
        low, high = self.person_aspect
        for x, y, w, h, area in stats[1:]:
            if not self._keep(w, h, area) or not low <= w / h <= high:
                continue
            if x < _BORDER or y < _BORDER or x + w > frame_w - _BORDER or \
                    y + h > frame_h - _BORDER:
                continue
            self.height_model.add(y + h, h)

    def _split(self, blob: np.ndarray, top: int) -> List[Tuple[int, int, int, int]]:
        """Boxes ``(x1, y1, x2, y2)`` (in ``blob``'s pixels, exclusive ends) of the objects
        of a component's mask ``blob`` whose first row is frame row ``top``."""
        bounds = _tight(blob)
        if bounds is None:
            return []
        x1, y1, x2, y2 = bounds
        width, height = x2 - x1, y2 - y1
        expected = self.height_model(top + y2)
        scale = float(height if expected is None else expected)
        wide = width > self.split_aspect * scale
        heads = head_splits(blob[y1:y2, x1:x2], self.head_prominence * scale,
                            self.head_separation * scale) if wide else []
        if width > self.single_aspect * height and not heads:
            return [bounds]  # a vehicle or a rider: wide, with one head at most
        if expected is not None:
            if wide or height > self.stack_ratio * expected:
                return self._partition(blob, top)
            return [bounds]
        boxes = []
        for a, b in zip([0] + heads, heads + [width]):
            inner = _tight(blob[y1:y2, x1 + a:x1 + b])
            if inner is not None:
                boxes.append((x1 + a + inner[0], y1 + inner[1], x1 + a + inner[2],
                              y1 + inner[3]))
        return boxes

    def _partition(self, blob: np.ndarray, top: int) -> List[Tuple[int, int, int, int]]:
        """People of a blob that one person does not explain: candidate person boxes
        from the height model at its heads (peaks of the top outline) and feet (lowest
        points of the bottom outline), chosen greedily by the foreground they add, the
        heads' first."""
        height, width = blob.shape
        filled = blob.any(axis=0)
        tops = np.where(filled, blob.argmax(axis=0), height)
        bottoms = np.where(filled, height - blob[::-1].argmax(axis=0), 0)
        model = self.height_model
        half = self.person_width / 2
        heads, feet = [], []
        for x in np.flatnonzero(filled):
            for kind, outline in (('head', -tops), ('feet', bottoms)):
                if x > 0 and outline[x - 1] == outline[x]:
                    continue  # not the first column of a plateau
                end = x + 1
                while end < width and outline[end] == outline[x]:
                    end += 1
                if kind == 'head':
                    y_top = int(tops[x])
                    y_bottom = model.top_to_bottom(top + y_top)
                    if y_bottom is None:
                        continue
                    y_bottom = int(round(y_bottom - top))
                    size = float(y_bottom - y_top)
                else:
                    y_bottom = int(bottoms[x])
                    size = model(top + y_bottom)
                    y_top = int(round(y_bottom - size))
                radius = max(int(round(half * size / 2)), 1)
                lo, hi = max(0, x - radius), min(width, end + radius)
                if outline[x] < outline[lo:hi].max() or end - x > half * size:
                    continue  # not the highest head / lowest foot around, or a flat base
                centre = (x + end - 1) / 2
                if kind == 'feet':  # between the two feet of a stride
                    near = np.arange(max(0, x - 2 * radius), min(width, end + 2 * radius))
                    centre = float(near[bottoms[near] >= y_bottom - 0.1 * size].mean())
                box = (max(int(round(centre - half * size)), 0), max(y_top, 0),
                       min(int(round(centre + half * size)) + 1, width),
                       min(y_bottom, height))
                if box[3] - box[1] >= self.min_height and box[2] > box[0]:
                    (heads if kind == 'head' else feet).append(box)
        remaining = blob.copy()
        boxes: List[Tuple[int, int, int, int]] = []
        for candidates in (sorted(set(heads)), sorted(set(feet))):
            while candidates:
                gains = [int(remaining[y1:y2, x1:x2].sum()) for x1, y1, x2, y2 in candidates]
                best = int(np.argmax(gains))
                x1, y1, x2, y2 = candidates.pop(best)
                if gains[best] < max(self.min_area, self.min_gain * (y2 - y1) * (x2 - x1)):
                    break
                inner = _tight(blob[y1:y2, x1:x2])
                box = (x1 + inner[0], y1 + inner[1], x1 + inner[2], y1 + inner[3])
                remaining[y1:y2, x1:x2] = False
                if boxes and box_iou([box], boxes).max() > 0.5:
                    continue  # the same person again
                boxes.append(box)
        return boxes if len(boxes) > 1 else [_tight(blob)]  # one person after all

    def _group(self, stats: np.ndarray) -> List[List[int]]:
        """Labels of the components that form one object: fragments of one person (a
        head and legs split by clothes the colour of the ground) stacked in a box no
        taller than ``merge_ratio`` times the expected person height and no wider than
        ``split_aspect`` times it are joined, when one of the two joined is at least
        ``min_area`` large (noise specks do not make a person); every other component
        stands alone."""
        labels = [k for k in range(1, len(stats)) if stats[k, 4] >= self.min_fragment]
        groups = [[k] for k in labels]
        if not self.split_merged or self.merge_ratio <= 0 or len(groups) < 2:
            return groups
        boxes = [np.array([stats[k, 0], stats[k, 1], stats[k, 0] + stats[k, 2],
                           stats[k, 1] + stats[k, 3]], np.float64) for k in labels]
        merged = True
        while merged:
            merged = False
            for i in range(len(groups)):
                for j in range(i + 1, len(groups)):
                    a, b = boxes[i], boxes[j]
                    union = np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])])
                    expected = self.height_model(union[3])
                    if expected is None:
                        return groups
                    overlap = min(a[2], b[2]) - max(a[0], b[0])
                    if max(stats[groups[i], 4].sum(), stats[groups[j], 4].sum()) \
                            < self.min_area or \
                            overlap < 0.5 * min(a[2] - a[0], b[2] - b[0]) or \
                            union[3] - union[1] > self.merge_ratio * expected or \
                            union[2] - union[0] > self.split_aspect * expected:
                        continue
                    groups[i] += groups.pop(j)
                    boxes[i] = union
                    boxes.pop(j)
                    merged = True
                    break
                if merged:
                    break
        return groups

    def _detections(self, mask: np.ndarray, strength: Optional[np.ndarray]) -> np.ndarray:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        self._observe(stats)
        rows = []
        for group in self._group(stats):
            x, y = int(stats[group, 0].min()), int(stats[group, 1].min())
            w = int((stats[group, 0] + stats[group, 2]).max()) - x
            h = int((stats[group, 1] + stats[group, 3]).max()) - y
            if not self._keep(w, h, float(stats[group, 4].sum())):
                continue
            crop = labels[y:y + h, x:x + w]
            blob = crop == group[0] if len(group) == 1 else np.isin(crop, group)
            parts = self._split(blob, y) if self.split_merged else [(0, 0, w, h)]
            for px1, py1, px2, py2 in parts:
                pixels = blob[py1:py2, px1:px2]
                pw, ph, parea = px2 - px1, py2 - py1, int(pixels.sum())
                if not self._keep(pw, ph, parea):
                    continue
                if strength is None:
                    score = parea / float(pw * ph)
                else:
                    values = strength[y + py1:y + py2, x + px1:x + px2][pixels]
                    score = float(np.minimum(values / (2.0 * self.threshold), 1.0).mean())
                if score < self.score_threshold or score <= 0:
                    continue
                rows.append([x + px1, y + py1, x + px2, y + py2, min(score, 1.0),
                             1.0 if pw > self.vehicle_aspect * ph else 0.0])
        rows = np.asarray(rows, np.float64).reshape(-1, 6)
        return rows[np.argsort(-rows[:, 4], kind='stable')]

    def describe(self) -> dict:
        keys = ('mode', 'background_frames', 'learning_rate', 'foreground_rate',
                'bootstrap_stride', 'history', 'var_threshold', 'threshold', 'blur_size',
                'use_color', 'normalize_light', 'open_size', 'close_size', 'min_area',
                'min_height', 'max_area_fraction', 'vehicle_aspect', 'single_aspect',
                'split_merged',
                'person_aspect', 'stack_ratio', 'split_aspect', 'head_prominence',
                'head_separation', 'merge_ratio', 'min_fragment', 'person_width',
                'min_gain', 'model_samples', 'score_threshold')
        return {'type': type(self).__name__,
                **{k: list(v) if isinstance(v, tuple) else v
                   for k, v in ((k, getattr(self, k)) for k in keys)}}
