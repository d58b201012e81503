"""Appearance of object clips: an HSV colour histogram and a HOG descriptor of the box."""
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import DataError

from ..base import BaseObjectExtractor, ObjectClip
from ..video_io import as_uint8_frame

#: HOG geometry (pixels): blocks of 2 x 2 cells of 8 x 8, moved by one cell.
HOG_CELL = 8
HOG_BLOCK = 16


def clip_frame(frames: Sequence[np.ndarray], clip: ObjectClip, frame: int,
               who: str) -> np.ndarray:
    """The BGR frame ``frame`` of ``clip`` out of the clip's frame buffer.

    Args:
        frames: The clip's frames, ``frames[i]`` being frame ``clip.start + i``.
        clip: The object clip.
        frame: A video frame index inside the clip.
        who: Name of the caller, for the error message.

    Returns:
        ``uint8[H, W, 3]`` (grey frames are converted to BGR).

    Raises:
        DataError: When the buffer does not hold the frame.
    """
    offset = int(frame) - int(clip.start)
    if not 0 <= offset < len(frames):
        raise DataError(f'{who}: object clip of track {clip.track_id} (clip {clip.clip_index}) '
                        f'needs frame {frame}, but the buffer holds frames {clip.start} to '
                        f'{clip.start + len(frames) - 1}')
    return as_uint8_frame(frames[offset], f'{who}: frame {frame}', 'bgr')


def crop_resized(image: np.ndarray, box: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """The part of ``image`` inside ``box`` (clipped to the image, at least one pixel),
    resized to ``size`` ``(width, height)``."""
    height, width = image.shape[:2]
    x1 = int(np.clip(np.floor(box[0]), 0, width - 1))
    y1 = int(np.clip(np.floor(box[1]), 0, height - 1))
    x2 = int(np.clip(np.ceil(box[2]), x1 + 1, width))
    y2 = int(np.clip(np.ceil(box[3]), y1 + 1, height))
    return cv2.resize(image[y1:y2, x1:x2], size, interpolation=cv2.INTER_AREA)


def sample_indices(count: int, num_samples: int) -> np.ndarray:
    """Up to ``num_samples`` evenly spaced indices into ``count`` items, first and last
    included, without repeats."""
    if count <= 0:
        return np.zeros(0, np.int64)
    return np.unique(np.round(np.linspace(0, count - 1, min(num_samples, count))).astype(np.int64))


def sampled_crops(frames: Sequence[np.ndarray], clip: ObjectClip, num_samples: int,
                  size: Tuple[int, int], who: str) -> List[np.ndarray]:
    """Crops of an object clip's box at up to ``num_samples`` evenly spaced tracked frames
    (:func:`sample_indices`), each resized to ``size`` ``(width, height)``.

    Args:
        frames: The clip's frames, ``frames[i]`` being frame ``clip.start + i``.
        clip: The object clip.
        num_samples: Most crops.
        size: ``(width, height)`` of the crops.
        who: Name of the caller, for error messages.

    Returns:
        ``uint8[height, width, 3]`` BGR crops.
    """
    picks = sample_indices(len(clip.frames), num_samples)
    boxes = np.asarray(clip.boxes, np.float64).reshape(-1, 4)
    return [crop_resized(clip_frame(frames, clip, clip.frames[i], who), boxes[i], size)
            for i in picks]


class CropEmbeddingAppearance(BaseObjectExtractor):
    """Base of the appearance extractors whose vector of an object clip is the mean
    embedding of its crops: subclasses give :meth:`crops` and :meth:`embed_crops` and set
    ``dim`` and ``normalize`` (L2-normalise each mean; a zero mean stays zero)."""

    normalize: bool = False

    def crops(self, frames: Sequence[np.ndarray], clip: ObjectClip) -> List[np.ndarray]:
        """The crops of one object clip."""
        raise NotImplementedError

    def embed_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """``float[n, dim]`` for ``n`` crops."""
        raise NotImplementedError

    def __call__(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]) -> np.ndarray:
        """Appearance vectors of object clips: every crop of every clip embedded at once,
        then averaged per clip.

        Args:
            frames: The clip's frames, ``frames[i]`` being frame ``clips[k].start + i``.
            clips: The object clips.

        Returns:
            ``float32[len(clips), dim]``, zeros for a clip without crops.
        """
        crops: List[np.ndarray] = []
        owners: List[int] = []
        for k, clip in enumerate(clips):
            mine = self.crops(frames, clip)
            crops += mine
            owners += [k] * len(mine)
        out = np.zeros((len(clips), self.dim), np.float32)
        if not crops:
            return out
        embeddings = np.asarray(self.embed_crops(crops))
        owner = np.asarray(owners)
        for k in np.unique(owner):
            mean = embeddings[owner == k].mean(axis=0)
            if self.normalize:
                norm = float(np.linalg.norm(mean))
                mean = mean / norm if norm > 0 else mean
            out[k] = mean
        return out


@EXTRACTORS.register_module()
class ColorHOGAppearance(BaseObjectExtractor):
    """Colour and shape of a tracked object within a clip.

    For each object clip the box is cropped at up to ``num_samples`` evenly spaced tracked
    frames and resized to ``crop_size``. The vector is the concatenation of

    - a joint HSV histogram of the crops' pixels (``bins`` = hue, saturation, value bins;
      hue over OpenCV's 0..180), L2-normalised, weighted by ``sqrt(color_weight)``;
    - the mean over the crops of the HOG descriptor of the crop (``cv2.HOGDescriptor`` with
      one window of ``crop_size``, 8 x 8 cells, 16 x 16 blocks moved by 8 pixels, 9
      unsigned orientations), L2-normalised, weighted by ``sqrt(1 - color_weight)``;

    so it has unit L2 norm (zeros for a clip without frames; a part without any signal
    stays zero instead of taking the other's share, e.g. the HOG part of flat crops, which
    have no gradient, so that such a vector has the norm ``sqrt(color_weight)``) and
    ``dim = prod(bins) + 36 * ((w - 8) // 8) * ((h - 8) // 8)``: 128 + 756 = 884 for the
    defaults.

    Args:
        num_samples: Most crops per object clip (at least 1). Default 4.
        crop_size: ``(width, height)`` of the crops in pixels; multiples of 8, at least
            16. Default ``(32, 64)``.
        bins: Hue, saturation and value bins of the colour histogram (positive counts).
            Default ``(8, 4, 4)``.
        color_weight: Share of the squared norm given to the colour part, in ``[0, 1]``.
            Default 0.5.
    """

    def __init__(self, num_samples: int = 4, crop_size: Sequence[int] = (32, 64),
                 bins: Sequence[int] = (8, 4, 4), color_weight: float = 0.5) -> None:
        crop_size = tuple(int(v) for v in crop_size)
        bins = tuple(int(v) for v in bins)
        if int(num_samples) < 1:
            raise ValueError(f'num_samples must be at least 1, got {num_samples}')
        if len(crop_size) != 2 or any(v < HOG_BLOCK or v % HOG_CELL for v in crop_size):
            raise ValueError('crop_size must be (width, height), multiples of 8 and at least '
                             f'16, got {crop_size}')
        if len(bins) != 3 or any(v < 1 for v in bins):
            raise ValueError(f'bins must be three positive counts (h, s, v), got {bins}')
        if not 0.0 <= float(color_weight) <= 1.0:
            raise ValueError(f'color_weight must be in [0, 1], got {color_weight}')
        self.num_samples = int(num_samples)
        self.crop_size = crop_size
        self.bins = bins
        self.color_weight = float(color_weight)
        self._hog = cv2.HOGDescriptor(crop_size, (HOG_BLOCK, HOG_BLOCK), (HOG_CELL, HOG_CELL),
                                      (HOG_CELL, HOG_CELL), 9)
        self._hog_dim = int(self._hog.getDescriptorSize())
        self._color_dim = int(np.prod(bins))
        self.dim = self._color_dim + self._hog_dim

    def crops(self, frames: Sequence[np.ndarray], clip: ObjectClip) -> List[np.ndarray]:
        """The resized BGR crops of ``clip`` at its sampled frames.

        Args:
            frames: The clip's frames, ``frames[i]`` being frame ``clip.start + i``.
            clip: The object clip.

        Returns:
            Up to ``num_samples`` ``uint8[h, w, 3]`` crops.
        """
        return sampled_crops(frames, clip, self.num_samples, self.crop_size,
                             type(self).__name__)

    def describe_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """``float32[dim]`` of a set of crops of one object (zeros for none).

        Args:
            crops: ``uint8[h, w, 3]`` BGR crops of ``crop_size``.

        Returns:
            The unit-norm appearance vector.
        """
        out = np.zeros(self.dim, np.float32)
        if not len(crops):
            return out
        stack = np.concatenate([np.asarray(c, np.uint8) for c in crops], axis=0)
        hsv = cv2.cvtColor(stack, cv2.COLOR_BGR2HSV)
        colour = cv2.calcHist([hsv], [0, 1, 2], None, list(self.bins),
                              [0, 180, 0, 256, 0, 256]).ravel()
        grey = [cv2.cvtColor(c, cv2.COLOR_BGR2GRAY) for c in crops]
        hog = np.mean([self._hog.compute(g).ravel() for g in grey], axis=0)
        for part, weight, values in ((slice(0, self._color_dim), self.color_weight, colour),
                                     (slice(self._color_dim, None), 1.0 - self.color_weight,
                                      hog)):
            norm = float(np.linalg.norm(values))
            if norm > 0:
                out[part] = values * (np.sqrt(weight) / norm)
        return out

    def __call__(self, frames: Sequence[np.ndarray], clips: Sequence[ObjectClip]) -> np.ndarray:
        """Appearance vectors of object clips.

        Args:
            frames: The clip's frames, ``frames[i]`` being frame ``clips[k].start + i``.
            clips: The object clips.

        Returns:
            ``float32[len(clips), dim]``.
        """
        out = np.zeros((len(clips), self.dim), np.float32)
        for k, clip in enumerate(clips):
            out[k] = self.describe_crops(self.crops(frames, clip))
        return out
