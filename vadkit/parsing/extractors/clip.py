"""Segment features per patch of a spatial pyramid: motion energy, gradients, optical flow."""
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import DataError

from ..base import BaseClipExtractor
from ..video_io import as_uint8_frame

#: Farneback parameters: pyramid scale, levels, window, iterations, poly_n, poly_sigma.
FARNEBACK = (0.5, 2, 9, 2, 5, 1.1)


def _bounds(length: int, parts: int) -> np.ndarray:
    """Start indices of ``parts`` near-equal pieces of ``length``."""
    return np.round(np.linspace(0, length, parts + 1)[:-1]).astype(np.int64)


def _patch_sums(maps: np.ndarray, grid: Sequence[int], reduce=np.add) -> np.ndarray:
    """``maps`` (``[C, H, W]``) reduced over every patch of the pyramid: ``[P, C]``."""
    height, width = maps.shape[-2:]
    out = []
    for g in grid:
        rows = reduce.reduceat(maps, _bounds(height, g), axis=1)
        cells = reduce.reduceat(rows, _bounds(width, g), axis=2)  # [C, g, g]
        out.append(cells.reshape(len(maps), g * g).T)
    return np.concatenate(out, axis=0)


@EXTRACTORS.register_module()
class MotionEnergyClip(BaseClipExtractor):
    """Hand-made motion and shape features of a segment, per patch of a spatial pyramid.

    The segment's frames are turned grey (and shrunk so that their longer side is at most
    ``max_size``). For each patch of the pyramid ``grid`` (the whole frame, then 2 x 2,
    then 3 x 3 patches, each level row-major: ``num_patches = sum(g * g)``, 14 by default)
    the vector holds

    - motion energy (3): mean absolute difference of consecutive frames / 255, its largest
      value / 255, and the mean fraction of pixels whose difference exceeds
      ``diff_threshold`` grey levels;
    - HOG-style shape (``orientation_bins + 1``): the distribution of unsigned gradient
      orientations (bin ``k`` covers ``[k, k + 1) * pi / bins`` from +x towards +y, i.e.
      image down), weighted by gradient magnitude and summed over all frames (zeros on a
      flat patch), then the mean gradient magnitude / 255 (central differences);
    - HOF-style motion (``flow_bins + len(magnitude_edges) + 1``): Farneback optical flow
      between frames ``i`` and ``i + 1`` for every ``flow_step``-th ``i``, computed at
      ``flow_scale`` of the size and expressed in pixels per frame of the (shrunk) frame.
      Pixels moving at least ``magnitude_edges[0]`` count: the mean per pixel and pair of
      their flow magnitude in each of ``flow_bins`` signed directions (bin ``k`` centred on
      ``2 * pi * k / flow_bins`` from +x towards +y: bin 0 rightwards, bin ``bins / 4``
      downwards), the fraction of pixels in each magnitude range
      ``[edges[k], edges[k + 1])`` (the last open), and their mean magnitude per pixel.

    ``dim = 3 + orientation_bins + 1 + flow_bins + len(magnitude_edges) + 1`` (25 by
    default). A static segment has zero motion energy and flow; a segment of one frame
    has only its gradient features. Frames (once shrunk) need at least ``max(grid)``
    pixels per side. On one CPU core a 16-frame 320 x 240 segment takes about 60 ms with
    the defaults (about 40% of it optical flow).

    Args:
        grid: Patches per side at each pyramid level (positive). Default ``(1, 2, 3)``.
        orientation_bins: Gradient orientation bins (positive). Default 8.
        flow_bins: Flow direction bins (positive). Default 8.
        magnitude_edges: Increasing positive flow magnitude edges (pixels per frame); the
            first is the least flow that counts as motion. Default ``(0.5, 1, 2, 4)``.
        diff_threshold: Frame difference (grey levels, at least 0) of a moving pixel.
            Default 15.
        flow_scale: Size factor of the frames the flow is computed on, in ``(0, 1]``.
            Default 0.5.
        flow_step: Flow is computed for every ``flow_step``-th consecutive frame pair
            (positive). Default 2.
        max_size: Longer side (pixels, at least ``4 * max(grid)``) the frames are shrunk
            to when larger. Default 320.
    """

    def __init__(self, grid: Sequence[int] = (1, 2, 3), orientation_bins: int = 8,
                 flow_bins: int = 8, magnitude_edges: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
                 diff_threshold: float = 15.0, flow_scale: float = 0.5, flow_step: int = 2,
                 max_size: int = 320) -> None:
        grid = tuple(int(g) for g in grid)
        edges = tuple(float(e) for e in magnitude_edges)
        if not grid or any(g < 1 for g in grid):
            raise ValueError(f'grid must be positive patch counts, got {grid}')
        if int(orientation_bins) < 1 or int(flow_bins) < 1:
            raise ValueError('orientation_bins and flow_bins must be positive, got '
                             f'{orientation_bins}, {flow_bins}')
        if not edges or edges[0] <= 0 or any(b <= a for a, b in zip(edges, edges[1:])):
            raise ValueError(f'magnitude_edges must be positive and increasing, got {edges}')
        if not float(diff_threshold) >= 0.0:
            raise ValueError(f'diff_threshold must be at least 0, got {diff_threshold}')
        if not 0.0 < float(flow_scale) <= 1.0:
            raise ValueError(f'flow_scale must be in (0, 1], got {flow_scale}')
        if int(flow_step) < 1 or int(max_size) < max(grid) * 4:
            raise ValueError(f'flow_step must be positive and max_size at least 4 * '
                             f'{max(grid)}, got {flow_step}, {max_size}')
        self.grid = grid
        self.orientation_bins = int(orientation_bins)
        self.flow_bins = int(flow_bins)
        self.magnitude_edges = edges
        self.diff_threshold = float(diff_threshold)
        self.flow_scale = float(flow_scale)
        self.flow_step = int(flow_step)
        self.max_size = int(max_size)
        self.num_patches = int(sum(g * g for g in grid))
        self._cells: dict = {}
        self.dim = 3 + self.orientation_bins + 1 + self.flow_bins + len(edges) + 1

    @property
    def feature_names(self) -> List[str]:
        """Names of the ``dim`` values of a patch."""
        return (['diff_mean', 'diff_max', 'moving_fraction']
                + [f'grad_orientation_{k}' for k in range(self.orientation_bins)]
                + ['grad_magnitude'] + [f'flow_direction_{k}' for k in range(self.flow_bins)]
                + [f'flow_magnitude_{k}' for k in range(len(self.magnitude_edges))]
                + ['flow_mean'])

    def _grey(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        out = []
        first_shape = None  # of the first frame as given, before any shrinking
        for frame in frames:
            image = as_uint8_frame(frame, type(self).__name__, 'grey')
            if first_shape is None:
                first_shape = image.shape
            elif image.shape != first_shape:
                raise DataError(f'{type(self).__name__}: frames of one segment differ in '
                                f'size ({first_shape} and {image.shape})')
            longer = max(image.shape)
            if longer > self.max_size:
                scale = self.max_size / longer
                size = (max(int(round(image.shape[1] * scale)), 1),
                        max(int(round(image.shape[0] * scale)), 1))
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            if min(image.shape) < max(self.grid):
                raise DataError(f'{type(self).__name__}: a frame of {image.shape[1]} x '
                                f'{image.shape[0]} pixels is too small for {max(self.grid)} '
                                'patches per side')
            out.append(image)
        return np.stack(out)

    def _pyramid(self, height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
        """The cells cut by every level's patch borders: ``int[H, W]`` cell of each pixel
        and ``float[num_patches, num_cells]`` membership of the cells in the patches."""
        key = (height, width)
        if key not in self._cells:
            rows = np.unique(np.concatenate([_bounds(height, g) for g in self.grid]))
            cols = np.unique(np.concatenate([_bounds(width, g) for g in self.grid]))
            row_of = np.searchsorted(rows, np.arange(height), side='right') - 1
            col_of = np.searchsorted(cols, np.arange(width), side='right') - 1
            labels = row_of[:, None] * len(cols) + col_of[None, :]
            members = np.zeros((self.num_patches, len(rows) * len(cols)))
            for p, (r, c) in enumerate(self._patch_ranges(height, width)):
                inside = ((rows >= r[0]) & (rows < r[1]))[:, None] & \
                    ((cols >= c[0]) & (cols < c[1]))[None, :]
                members[p] = inside.ravel()
            self._cells[key] = (labels[None], members)
        return self._cells[key]

    def _patch_ranges(self, height: int, width: int) -> List[Tuple[Tuple[int, int],
                                                                  Tuple[int, int]]]:
        """``((row_start, row_end), (col_start, col_end))`` of every patch, level by level,
        row-major."""
        out = []
        for g in self.grid:
            rows = np.append(_bounds(height, g), height)
            cols = np.append(_bounds(width, g), width)
            out += [((int(rows[i]), int(rows[i + 1])), (int(cols[j]), int(cols[j + 1])))
                    for i in range(g) for j in range(g)]
        return out

    def _flow_maps(self, grey: np.ndarray) -> Tuple[np.ndarray, int]:
        """Per-pixel flow sums at flow resolution: ``[flow_bins + edges + 1, h, w]``."""
        height, width = grey.shape[1:]
        least = max(8, max(self.grid))
        size = (max(int(round(width * self.flow_scale)), least),
                max(int(round(height * self.flow_scale)), least))
        pairs = np.arange(0, len(grey) - 1, self.flow_step)
        small = {i: cv2.resize(grey[i], size, interpolation=cv2.INTER_AREA)
                 for i in np.unique(np.concatenate([pairs, pairs + 1]))}
        bins, edges = self.flow_bins, np.asarray(self.magnitude_edges)
        maps = np.zeros((bins + len(edges) + 1, size[1], size[0]), np.float64)
        for i in pairs:
            flow = cv2.calcOpticalFlowFarneback(small[i], small[i + 1], None, *FARNEBACK, 0)
            flow = flow / np.float32(size[0] / width)
            magnitude, angle = cv2.cartToPolar(flow[..., 0], flow[..., 1])
            moving = magnitude >= edges[0]
            magnitude = np.where(moving, magnitude, 0.0)
            direction = np.floor(angle * (bins / (2 * np.pi)) + 0.5).astype(np.int64) % bins
            onehot = direction[None] == np.arange(bins)[:, None, None]
            maps[:bins] += onehot * magnitude[None]
            level = np.searchsorted(edges, magnitude, side='right') - 1  # -1: still
            maps[bins:bins + len(edges)] += level[None] == np.arange(len(edges))[:, None, None]
            maps[-1] += magnitude
        return maps, len(pairs)

    def __call__(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """Features of one segment.

        Args:
            frames: The segment's ``uint8`` frames (BGR or grey).

        Returns:
            ``float32[num_patches, dim]``.
        """
        out = np.zeros((self.num_patches, self.dim), np.float32)
        if not len(frames):
            return out
        grey_u8 = self._grey(frames)
        grey = grey_u8.astype(np.float32)
        height, width = grey.shape[1:]
        ones = np.ones((1, height, width), np.float64)
        area = _patch_sums(ones, self.grid)[:, 0]

        ob = self.orientation_bins
        magnitude = np.empty_like(grey)
        angle = np.empty_like(grey)
        for t, image in enumerate(grey):
            gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=1, scale=0.5)
            gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=1, scale=0.5)
            cv2.cartToPolar(gx, gy, magnitude[t], angle[t])
        index = (angle * np.float32(ob / np.pi)).astype(np.int64) % ob
        labels, members = self._pyramid(height, width)
        hist = np.bincount((index + labels * ob).ravel(), weights=magnitude.ravel(),
                           minlength=members.shape[1] * ob)
        hog = members @ hist.reshape(-1, ob)
        total = hog.sum(axis=1, keepdims=True)
        out[:, 3:3 + ob] = np.where(total > 0, hog / np.maximum(total, 1e-12), 0.0)
        out[:, 3 + ob] = total[:, 0] / (area * len(grey) * 255.0)

        if len(grey) < 2:
            return out
        diff = np.abs(grey[1:] - grey[:-1])
        energy = np.stack([diff.sum(axis=0), (diff > self.diff_threshold).sum(axis=0)])
        sums = _patch_sums(energy.astype(np.float64), self.grid)
        pairs = len(diff)
        out[:, 0] = sums[:, 0] / (area * pairs * 255.0)
        out[:, 1] = _patch_sums(diff.max(axis=0)[None], self.grid, np.maximum)[:, 0] / 255.0
        out[:, 2] = sums[:, 1] / (area * pairs)

        maps, flows = self._flow_maps(grey_u8)
        flow_area = _patch_sums(np.ones((1, *maps.shape[1:])), self.grid)[:, 0]
        out[:, 4 + ob:] = _patch_sums(maps, self.grid) / (flow_area[:, None] * flows)
        return out
