"""A per-video median filter of frame scores."""
from typing import Mapping

import numpy as np
from scipy.ndimage import median_filter

from vadkit.registry import SCORERS
from vadkit.scoring import BaseScorer


@SCORERS.register_module()
class MedianSmooth(BaseScorer):
    """Replace each frame score by the median of the ``kernel_size`` frames around it.

    A median removes isolated spikes (one false detection) while keeping the edges of
    anomalous intervals sharp. It runs on each video separately; at a video's ends the
    first and last scores are repeated (``mode='nearest'``).

    Args:
        kernel_size: Window length in frames, odd.
    """

    def __init__(self, kernel_size: int = 9) -> None:
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be a positive odd number, got {kernel_size}')
        self.kernel_size = kernel_size

    def __call__(self, scores: Mapping[str, np.ndarray], num_frames=None) -> dict:
        return {video_id: median_filter(np.asarray(s, np.float64), size=self.kernel_size,
                                        mode='nearest')
                for video_id, s in scores.items()}
