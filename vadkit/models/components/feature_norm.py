"""Per-dimension standardisation of input features, fitted on the training set."""
from typing import Optional

import numpy as np
import torch
from torch import nn

from vadkit.registry import MODELS


@MODELS.register_module()
class FeatureStandardizer(nn.Module):
    """``(x - mean) / std`` per dimension with training-set statistics (buffers, saved in
    checkpoints); an identity until fitted.

    Hand-made features (the built-in parsing backends') mix units, so a few dimensions of
    large variance would dominate a reconstruction error; learned embeddings (ViT,
    PoseConv3D) are used as they are in the papers.

    Args:
        dim: Feature width.
        min_std: Floor of each dimension's standard deviation, as a fraction of the mean
            standard deviation: a dimension (nearly) constant in training would otherwise
            blow up any test value that differs (though such a dimension may be the
            telling one: on the built-in features of the generated world 0 does best).
            Default 0 (plain z-scores).
        eps: Absolute floor of the standard deviation.
    """

    def __init__(self, dim: int, min_std: float = 0.0, eps: float = 1e-6) -> None:
        super().__init__()
        if int(dim) < 0:
            raise ValueError(f'dim must be >= 0, got {dim}')
        if not 0.0 <= float(min_std):
            raise ValueError(f'min_std must be >= 0, got {min_std}')
        self.min_std = float(min_std)
        self.eps = float(eps)
        self.register_buffer('mean', torch.zeros(int(dim)))
        self.register_buffer('std', torch.ones(int(dim)))
        self.register_buffer('fitted', torch.zeros((), dtype=torch.bool))

    def fit(self, features) -> None:
        x = np.asarray(features, np.float64)
        if x.ndim != 2 or x.shape[1] != self.mean.numel() or len(x) == 0:
            raise ValueError(f'FeatureStandardizer.fit: features must be [N > 0, '
                             f'{self.mean.numel()}], got {x.shape}')
        self.fit_moments(x.mean(0), x.std(0))

    def fit_chunks(self, chunks) -> None:
        """Fit from an iterable of ``[n, D]`` arrays (a set too large to hold at once),
        accumulating sums and sums of squares in float64.

        Raises:
            ValueError: when the chunks hold no row.
        """
        dim = self.mean.numel()
        total, total_sq, count = np.zeros(dim), np.zeros(dim), 0
        for chunk in chunks:
            x = np.asarray(chunk, np.float64).reshape(-1, dim)
            total += x.sum(0)
            total_sq += (x * x).sum(0)
            count += len(x)
        if count == 0:
            raise ValueError('FeatureStandardizer.fit_chunks: no rows to fit on')
        mean = total / count
        self.fit_moments(mean, np.sqrt(np.maximum(total_sq / count - mean * mean, 0.0)))

    def fit_moments(self, mean, std) -> None:
        """Fit from per-dimension training ``mean`` and (population) ``std``, e.g.
        accumulated chunk by chunk over a set too large to hold."""
        mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
        if mean.shape != (self.mean.numel(), ) or std.shape != mean.shape:
            raise ValueError(f'FeatureStandardizer.fit_moments: mean and std must be '
                             f'[{self.mean.numel()}], got {mean.shape} and {std.shape}')
        self.mean.copy_(torch.as_tensor(mean))
        floor = max(self.min_std * float(std.mean()), self.eps)
        self.std.copy_(torch.as_tensor(np.maximum(std, floor)))
        self.fitted.fill_(True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not bool(self.fitted):
            return x
        return (x - self.mean) / self.std


def standardizer_options(input_norm) -> Optional[dict]:
    """``input_norm`` of a model (None, ``'zscore'`` or ``dict(min_std=..., eps=...)``) as
    :class:`FeatureStandardizer` keyword arguments, or None for no standardisation."""
    if input_norm is None:
        return None
    if input_norm == 'zscore':
        return {}
    if isinstance(input_norm, dict):
        unknown = sorted(set(input_norm) - {'min_std', 'eps'})
        if unknown:
            raise ValueError(f'input_norm: unknown keys {unknown} (known: min_std, eps)')
        return dict(input_norm)
    raise ValueError(f"input_norm must be None, 'zscore' or dict(min_std=..., eps=...), got "
                     f'{input_norm!r}')


def fit_standardizers(norms, dataset, motion_stream: Optional[str] = None) -> None:
    """Fit the not yet fitted ``{stream: FeatureStandardizer}`` (and ``'scene'``) on an
    object-clip training set: the motion stream on its motion-valid objects only (the
    others hold zeros), the scene on the clips' scene features."""
    for name, norm in norms.items():
        if bool(norm.fitted):
            continue
        if name == 'scene':
            if len(dataset.scenes) and dataset.scenes.shape[1]:
                norm.fit(dataset.scenes)
            continue
        features = dataset.stream_features(name)
        if name == motion_stream:
            features = features[dataset.rows['motion_valid']]
        norm.fit(features)
