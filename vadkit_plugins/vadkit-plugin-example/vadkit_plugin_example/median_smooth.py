"""A per-video median filter of frame scores."""
from typing import Optional, Sequence

import numpy as np
from scipy.ndimage import median_filter

from vadkit.registry import SCORERS
from vadkit.scoring import FrameScorer


@SCORERS.register_module()
class MedianSmooth(FrameScorer):
    """Replace each frame score by the median of the ``kernel_size`` frames around it.

    A median removes isolated spikes (one false detection) while keeping the edges of
    anomalous intervals sharp. It runs on each video separately; at a video's ends the
    first and last scores are repeated (``mode='nearest'``).

    Args:
        kernel_size: Window length in frames, odd.
        streams: Streams to filter; ``None`` for all.
    """

    def __init__(self, kernel_size: int = 9, streams: Optional[Sequence[str]] = None) -> None:
        super().__init__(scope='video', streams=streams)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be a positive odd number, got {kernel_size}')
        self.kernel_size = kernel_size

    def transform(self, values: np.ndarray, stream: str) -> np.ndarray:
        return median_filter(values, size=self.kernel_size, mode='nearest')
