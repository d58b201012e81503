"""Scene descriptor: the layout of a running background model of the video."""
from typing import Optional, Sequence

import cv2
import numpy as np

from vadkit.registry import EXTRACTORS

from ..base import BaseSceneExtractor, VideoInfo
from ..video_io import as_uint8_frame

#: Channels per grid cell: mean L, a, b and gradient energy.
CELL_CHANNELS = 4


@EXTRACTORS.register_module()
class BackgroundSceneDescriptor(BaseSceneExtractor):
    """Where the scene's colours and textures are, as seen by a background model.

    Each clip's frames are shrunk to ``size``; their per-pixel median (which removes
    people passing by) updates an exponential running background of the video (reset per
    video, and when a clip does not start after the previous one, i.e. the video is read
    again from an earlier frame): the first clip sets it, later ones blend in with weight
    ``learning_rate``. The descriptor of the current background is, for each cell of a
    ``grid`` x ``grid`` layout (row-major), the mean CIE Lab colour
    ``((L - 50) / 50, a / 50, b / 50)`` and the gradient energy ``log1p(mean |grad L|) /
    log1p(100)`` (Sobel of L, per pixel of the shrunk frame), L2-normalised over the whole
    vector: clips of one fixed camera get nearly the same vector, other places other ones.
    ``dim = 4 * grid ** 2`` (64 by default).

    Args:
        grid: Cells per side of the layout (at least 1). Default 4.
        size: ``(width, height)`` in pixels the frames are shrunk to; multiples of
            ``grid``. Default ``(64, 48)``.
        learning_rate: Weight of a new clip in the running background, in ``(0, 1]``.
            Default 0.2.
    """

    def __init__(self, grid: int = 4, size: Sequence[int] = (64, 48),
                 learning_rate: float = 0.2) -> None:
        size = tuple(int(v) for v in size)
        if int(grid) < 1:
            raise ValueError(f'grid must be at least 1, got {grid}')
        if len(size) != 2 or any(v < int(grid) or v % int(grid) for v in size):
            raise ValueError(f'size must be (width, height), multiples of grid={grid}, '
                             f'got {size}')
        if not 0.0 < float(learning_rate) <= 1.0:
            raise ValueError(f'learning_rate must be in (0, 1], got {learning_rate}')
        self.grid = int(grid)
        self.size = size
        self.learning_rate = float(learning_rate)
        self.dim = CELL_CHANNELS * self.grid ** 2
        self._background: Optional[np.ndarray] = None
        self._last_start = -1

    def reset(self, info: VideoInfo) -> None:
        """Forget the background of the previous video."""
        self._background = None
        self._last_start = -1

    @property
    def background(self) -> Optional[np.ndarray]:
        """The current background, ``float32[h, w, 3]`` BGR in ``[0, 1]`` at ``size``, or
        None before the first clip."""
        return self._background

    def _shrink(self, frame: np.ndarray) -> np.ndarray:
        image = as_uint8_frame(frame, type(self).__name__, 'bgr')
        return cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)

    def layout(self, background: np.ndarray) -> np.ndarray:
        """The unit-norm ``float32[dim]`` layout vector of a background.

        Args:
            background: ``float32[h, w, 3]`` BGR in ``[0, 1]`` at ``size``.

        Returns:
            Per cell (row-major) ``(L, a, b, gradient energy)``, L2-normalised.
        """
        lab = cv2.cvtColor(np.ascontiguousarray(background, np.float32), cv2.COLOR_BGR2Lab)
        lightness = lab[..., 0]
        gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
        channels = np.concatenate([
            (lightness[..., None] - 50.0) / 50.0, lab[..., 1:] / 50.0,
            np.sqrt(gx * gx + gy * gy)[..., None]], axis=-1)
        width, height = self.size
        cells = channels.reshape(self.grid, height // self.grid, self.grid,
                                 width // self.grid, CELL_CHANNELS).mean(axis=(1, 3))
        cells[..., 3] = np.log1p(cells[..., 3]) / np.log1p(100.0)
        vector = cells.reshape(-1).astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def __call__(self, frames: Sequence[np.ndarray], start: int) -> np.ndarray:
        """Update the background with a clip and describe it.

        Args:
            frames: The clip's ``uint8`` BGR frames.
            start: The clip's first frame.

        Returns:
            ``float32[dim]`` (zeros for a clip without frames before any background).
        """
        if len(frames):
            shrunk = np.stack([self._shrink(f) for f in frames])
            estimate = np.median(shrunk, axis=0).astype(np.float32) / 255.0
            if self._background is None or int(start) <= self._last_start:
                self._background = estimate
            else:
                self._background = ((1.0 - self.learning_rate) * self._background
                                    + self.learning_rate * estimate).astype(np.float32)
            self._last_start = int(start)
        if self._background is None:
            return np.zeros(self.dim, np.float32)
        return self.layout(self._background)

    def describe(self) -> dict:
        return dict(type=type(self).__name__, grid=self.grid, size=list(self.size),
                    learning_rate=self.learning_rate, dim=self.dim)
