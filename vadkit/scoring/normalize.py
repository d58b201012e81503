"""Normalisation of frame scores."""
import json
from typing import Dict, Optional, Sequence, Union

import numpy as np

from vadkit.registry import SCORERS
from vadkit.utils.errors import ConfigError, DataError

from .base import FrameScorer

Stats = Dict[str, float]


@SCORERS.register_module()
class Normalize(FrameScorer):
    """Min-max, z-score or training-statistics normalisation of frame scores.

    - ``'minmax'``: ``(x - min) / (max - min)``, 0 everywhere for constant scores.
    - ``'zscore'``: ``(x - mean) / std``, 0 everywhere for constant scores.
    - ``'stats'``: ``(x - mean) / std`` with the mean and standard deviation of the
      *training* scores (Accurate-Interpretable-VAD), given as ``stats``: one
      ``dict(mean=, std=)`` for every stream, ``{stream: dict(mean=, std=)}``, or the path
      of a JSON file holding either.

    ``scope='video'`` (default) takes min / max / mean / std per video;
    ``scope='global'`` over the whole test set (HSC's evaluation).

    Args:
        method: ``'minmax'``, ``'zscore'`` or ``'stats'``.
        scope: ``'video'`` or ``'global'``.
        streams: Streams to normalise; ``None`` for all.
        stats: Training statistics of ``method='stats'``.
    """

    def __init__(self, method: str = 'minmax', scope: str = 'video',
                 streams: Optional[Sequence[str]] = None,
                 stats: Union[None, str, Dict] = None) -> None:
        super().__init__(scope=scope, streams=streams)
        if method not in ('minmax', 'zscore', 'stats'):
            raise ValueError(f"method must be 'minmax', 'zscore' or 'stats', got {method!r}")
        if (method == 'stats') != (stats is not None):
            raise ValueError("stats are needed with method='stats' and only then")
        self.method = method
        self.stats = stats
        self._stats = self._read_stats(stats) if stats is not None else None

    @staticmethod
    def _read_stats(stats: Union[str, Dict]) -> Dict:
        if isinstance(stats, str):
            try:
                with open(stats) as f:
                    stats = json.load(f)
            except (OSError, ValueError) as exc:
                raise ConfigError(f'Normalize stats file {stats}: {exc}') from None
        return dict(stats)

    def _stats_of(self, stream: str) -> Stats:
        stats = self._stats.get(stream, self._stats)
        if not {'mean', 'std'} <= set(stats):
            raise DataError(f'Normalize: no training mean/std for stream {stream!r} in '
                            f'{self.stats!r}')
        if not float(stats['std']) > 0:
            raise DataError(f'Normalize: training std of stream {stream!r} is '
                            f'{stats["std"]}, must be positive')
        return stats

    def transform(self, values: np.ndarray, stream: str) -> np.ndarray:
        if values.size == 0:
            return values
        if self.method == 'stats':
            stats = self._stats_of(stream)
            return (values - float(stats['mean'])) / float(stats['std'])
        if self.method == 'minmax':
            low, span = values.min(), np.ptp(values)
        else:
            low, span = values.mean(), values.std()
        return (values - low) / span if span > 0 else np.zeros_like(values)
