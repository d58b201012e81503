"""Temporal smoothing of frame scores."""
from typing import Optional, Sequence, Union

import numpy as np
from scipy.ndimage import gaussian_filter1d

from vadkit.registry import SCORERS

from .base import FrameScorer


@SCORERS.register_module()
class GaussianSmooth(FrameScorer):
    """1-D Gaussian filter of each video's frame scores.

    Per video by default, so that no score leaks across a video boundary; ``scope='global'``
    filters the concatenated test set, only to reproduce papers that did (HSC's code).
    A list of sigmas applies successive filters (six, sigma 1 to 6, in the Local Patterns
    code).

    Args:
        sigma: Standard deviation(s) in frames; 0 leaves the scores as they are.
        truncate: Kernel radius in sigmas (scipy's ``truncate``), unless ``radius`` is set.
        radius: Kernel radius in frames (a window of ``2 * radius + 1`` frames).
        mode: How the ends of a video are extended (scipy's ``mode``: ``'reflect'``,
            ``'nearest'``, ``'constant'`` ...).
        scope: ``'video'`` or ``'global'``.
        streams: Streams to smooth; ``None`` for all.
    """

    def __init__(self, sigma: Union[float, Sequence[float]] = 3.0, truncate: float = 4.0,
                 radius: Optional[int] = None, mode: str = 'reflect', scope: str = 'video',
                 streams: Optional[Sequence[str]] = None) -> None:
        super().__init__(scope=scope, streams=streams)
        sigmas = [sigma] if np.isscalar(sigma) else list(sigma)
        if not sigmas or any(s < 0 for s in sigmas):
            raise ValueError(f'sigma must be >= 0, got {sigma}')
        if radius is not None and radius < 0:
            raise ValueError(f'radius must be >= 0, got {radius}')
        self.sigma = sigma
        self.truncate = truncate
        self.radius = radius
        self.mode = mode

    def transform(self, values: np.ndarray, stream: str) -> np.ndarray:
        sigmas = [self.sigma] if np.isscalar(self.sigma) else self.sigma
        for sigma in sigmas:
            if sigma > 0 and values.size:
                values = gaussian_filter1d(values, float(sigma), truncate=self.truncate,
                                           radius=self.radius, mode=self.mode)
        return values
