"""Building blocks of GCL (Zaheer et al., CVPR 2022): the generator and discriminator
networks, batch pseudo-labels (Eq. 2, 4), negative-learning reconstruction targets
(Eq. 5-6) and the temporal-difference cleaning of the pre-training set (Sec. 3.3)."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vadkit.registry import MODELS

#: How a batch threshold is chosen (Eq. 2 / 4): ``'mean_std'`` (``mean + k * std`` of the
#: batch: k = 1 for G's errors, 0.1 for D's probabilities, Sec. 4.1) or ``'top_fraction'``
#: (a fixed share of the batch with the largest values is anomalous, Sec. 3.2.2).
THRESHOLD_RULES = ('mean_std', 'top_fraction')
#: Pseudo reconstruction targets of samples D calls anomalous (Sec. 3.2.5): all ones,
#: a random feature D calls normal, the feature plus Gaussian noise, or no negative
#: learning (only the normal ones are reconstructed).
NEGATIVE_TARGETS = ('ones', 'random_normal', 'gaussian', 'none')


def batch_pseudo_labels(values: torch.Tensor, rule: str = 'mean_std', k: float = 1.0,
                        fraction: float = 0.1) -> torch.Tensor:
    """Eq. 2 / 4: 1 where ``values >= threshold`` of the batch, else 0 (``long[B]``).

    Args:
        values: ``float[B]``: G's reconstruction errors or D's anomaly probabilities.
        rule: One of :data:`THRESHOLD_RULES`.
        k: The multiple of the standard deviation (population std of the batch).
        fraction: Share of the batch labelled anomalous by ``'top_fraction'`` (rounded
            down, at least one sample of a non-empty batch).
    """
    if rule not in THRESHOLD_RULES:
        raise ValueError(f'rule must be one of {THRESHOLD_RULES}, got {rule!r}')
    values = values.detach().flatten()
    if values.numel() == 0:
        return values.new_zeros(0, dtype=torch.long)
    if rule == 'mean_std':
        threshold = values.mean() + float(k) * values.std(unbiased=False)
        return (values >= threshold).long()
    if not 0.0 < float(fraction) < 1.0:
        raise ValueError(f'fraction must be in (0, 1), got {fraction}')
    count = max(int(float(fraction) * values.numel()), 1)
    labels = torch.zeros_like(values, dtype=torch.long)
    labels[torch.topk(values, count).indices] = 1
    return labels


def negative_targets(features: torch.Tensor, labels: torch.Tensor, mode: str = 'ones',
                     sigma: float = 1.5, generator: Optional[torch.Generator] = None
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Eq. 6: the reconstruction target of every sample and which samples take part.

    A sample D labels normal (0) keeps its feature as the target; one labelled anomalous
    (1) gets the pseudo target of ``mode``. The target replaces what G must reproduce; G's
    output is never touched.

    Args:
        features: ``float[B, D]`` inputs of G.
        labels: ``long[B]`` D's pseudo-labels (Eq. 4).
        mode: One of :data:`NEGATIVE_TARGETS`.
        sigma: Standard deviation of the ``'gaussian'`` perturbation (1.5 and 6.0 in
            Fig. 5).
        generator: Random source of ``'random_normal'`` / ``'gaussian'``.

    Returns:
        ``(targets [B, D], weights [B])``: weights are 1, except 0 for the anomalous
        samples with ``mode='none'`` (and for all of them when the batch has no normal
        sample to borrow with ``'random_normal'``; they are then left out).
    """
    if mode not in NEGATIVE_TARGETS:
        raise ValueError(f'mode must be one of {NEGATIVE_TARGETS}, got {mode!r}')
    anomalous = labels.bool().to(features.device)
    targets = features.detach().clone()
    weights = torch.ones(len(features), device=features.device)
    if not anomalous.any():
        return targets, weights
    if mode == 'ones':
        targets[anomalous] = 1.0
    elif mode == 'gaussian':
        noise = torch.randn(int(anomalous.sum()), features.shape[1], generator=generator)
        targets[anomalous] += float(sigma) * noise.to(features)
    elif mode == 'random_normal':
        normal = torch.nonzero(~anomalous).flatten()
        if len(normal) == 0:
            weights[anomalous] = 0.0
        else:
            pick = torch.randint(len(normal), (int(anomalous.sum()), ), generator=generator)
            targets[anomalous] = features.detach()[normal[pick.to(normal.device)]]
    else:
        weights[anomalous] = 0.0
    return targets, weights


def reconstruction_errors(targets: torch.Tensor, rebuilt: torch.Tensor) -> torch.Tensor:
    """Eq. 1 / 5 per sample: ``||t - f_hat||_2`` (the norm, not its square)."""
    return torch.linalg.vector_norm(targets - rebuilt, dim=1)


def temporal_difference_keep(features: np.ndarray, d_th: float = 0.70,
                             keep_first: bool = True) -> np.ndarray:
    """Sec. 3.3: which segments of one video enter G's pre-training:
    ``||f(t+1) - f(t)||_2 <= D_th``.

    Args:
        features: ``float[T, D]`` the video's segment features in temporal order.
        d_th: ``D_th``. Default 0.70 (the paper, for its ResNeXt3D features).
        keep_first: The first segment has no predecessor: keep it (default) or not.

    Returns:
        ``bool[T]``.
    """
    x = np.asarray(features, np.float64)
    if x.ndim != 2:
        raise ValueError(f'features must be [T, D], got shape {x.shape}')
    keep = np.zeros(len(x), bool)
    if len(x):
        keep[0] = bool(keep_first)
        keep[1:] = np.linalg.norm(np.diff(x, axis=0), axis=1) <= float(d_th)
    return keep


def _fc(channels: Sequence[int], activation: str) -> nn.Sequential:
    layers = []
    for k, (c_in, c_out) in enumerate(zip(channels[:-1], channels[1:])):
        layers.append(nn.Linear(int(c_in), int(c_out)))
        if k < len(channels) - 2:
            layers.append(nn.BatchNorm1d(int(c_out)))
            layers.append(nn.ReLU(inplace=True) if activation == 'relu'
                          else nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


@MODELS.register_module()
class GCLGenerator(nn.Module):
    """G: an FC autoencoder ``[D, 1024, 512, 256, 512, 1024, D]`` (the paper's
    ``FC[2048, 1024, 512, 256, 512, 1024, 2048]`` for 2048-d features), BN + ReLU between
    layers, a linear output.

    Args:
        in_channels: ``D``.
        hidden_channels: The widths between input and output. Default
            ``(1024, 512, 256, 512, 1024)``.
    """

    def __init__(self, in_channels: int = 2048,
                 hidden_channels: Sequence[int] = (1024, 512, 256, 512, 1024)) -> None:
        super().__init__()
        if int(in_channels) < 1 or not hidden_channels:
            raise ValueError(f'in_channels must be positive and hidden_channels non-empty, '
                             f'got {in_channels}, {hidden_channels}')
        self.net = _fc([int(in_channels), *hidden_channels, int(in_channels)], 'relu')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@MODELS.register_module()
class GCLDiscriminator(nn.Module):
    """D: ``FC[D, 512, 32, 1]`` with BN + LeakyReLU (0.2) between layers and a sigmoid,
    the probability of a segment being anomalous.

    Args:
        in_channels: ``D``.
        hidden_channels: Default ``(512, 32)``.
    """

    def __init__(self, in_channels: int = 2048,
                 hidden_channels: Sequence[int] = (512, 32)) -> None:
        super().__init__()
        if int(in_channels) < 1 or not hidden_channels:
            raise ValueError(f'in_channels must be positive and hidden_channels non-empty, '
                             f'got {in_channels}, {hidden_channels}')
        self.net = _fc([int(in_channels), *hidden_channels, 1], 'leaky_relu')

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x))

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Eq. 3: binary cross-entropy against pseudo-labels (from the logits, which is
        the same quantity without the rounding of a separate sigmoid)."""
        return F.binary_cross_entropy_with_logits(self.logits(x), labels.float())
