"""Deep MIL ranking (Sultani, Chen, Shah, "Real-world anomaly detection in surveillance
videos", CVPR 2018).

Weakly supervised: every training video is a bag of segments with one video-level label.
A small fully connected network scores each segment in [0, 1]; for a pair of an anomalous
bag and a normal bag, the highest-scored segment of the anomalous bag should score higher
than the highest-scored segment of the normal bag by a margin (the MIL ranking hinge),
with a sparsity term (few anomalous segments) and a temporal smoothness term on the
anomalous bags' scores (the paper's Eq. 7, ``lambda1 = lambda2 = 8e-5``).

Readings of the paper:

- The network is 4096-512-32-1 on C3D features with 60% dropout between the layers, ReLU
  after the first layer and a sigmoid after the last; the paper names no activation for
  the 32-unit layer, so it is linear here (``activations=('relu', None)``).
- The paper pairs the anomalous and normal videos of a mini-batch; here every (anomalous,
  normal) pair of the batch counts and the hinges are averaged over the pairs.
- The paper's segment features are one vector per segment; vadkit's bags hold ``P``
  patch features per segment, pooled before the network (``patch_pool``).
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from torch import nn

from vadkit.models.components.feature_norm import FeatureStandardizer, standardizer_options
from vadkit.models.components.sacrf import smoothness_loss, sparsity_loss
from vadkit.registry import MODELS
from vadkit.structures import VADDataSample

PATCH_POOLS = ('mean', 'whole')
ACTIVATIONS = ('relu', None)


def ranking_hinge_loss(scores: torch.Tensor, valid: torch.Tensor, labels: torch.Tensor,
                       margin: float = 1.0) -> torch.Tensor:
    """The MIL ranking hinge ``max(0, margin - max_t s_a(t) + max_t s_n(t))`` of every
    (anomalous bag ``a``, normal bag ``n``) pair of a batch, averaged over the pairs.

    Args:
        scores: Segment scores ``float[N, T]``.
        valid: ``bool[N, T]``, the real (not padded) segments; each bag needs one.
        labels: Video labels ``[N]``, 1 anomalous, 0 normal (other values take no part).
        margin: The hinge's margin (1 in the paper).

    Returns:
        A scalar; 0 (still attached to ``scores``) when the batch has no pair.
    """
    valid = valid.bool()
    bag = scores.masked_fill(~valid, float('-inf')).amax(1)  # [N]
    positive, negative = bag[labels == 1], bag[labels == 0]
    if len(positive) == 0 or len(negative) == 0:
        return (scores * valid).sum() * 0.0
    hinge = torch.relu(float(margin) - positive[:, None] + negative[None, :])
    return hinge.mean()


def _scorer(in_channels: int, hidden: Sequence[int], activations: Sequence[Optional[str]],
            dropout: float) -> nn.Sequential:
    layers, width = [], int(in_channels)
    for h, act in zip(hidden, activations):
        layers.append(nn.Linear(width, int(h)))
        if act == 'relu':
            layers.append(nn.ReLU(inplace=True))
        layers.append(nn.Dropout(float(dropout)))
        width = int(h)
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class MILRanking(BaseModel):
    """Sultani et al.'s deep MIL ranking model over video bags of segment features.

    Inputs as :func:`vadkit.datasets.video_bags.bag_collate` gives them:
    ``dict(feature float[N, T, P, D], valid bool[N, T], video_label long[N])``.

    Args:
        in_channels: Feature width ``D`` of a patch (4096 for the paper's C3D features).
        hidden_channels: Widths of the hidden layers. Default ``(512, 32)``.
        activations: The activation after each hidden layer, ``'relu'`` or None (linear),
            one per hidden layer. Default ``('relu', None)``: the paper names ReLU for the
            first layer only.
        dropout: Dropout after each hidden layer. Default 0.6.
        patch_pool: A segment's feature from its ``P`` patches: ``'mean'`` (default, their
            mean) or ``'whole'`` (patch 0, the whole frame).
        margin: The ranking hinge's margin. Default 1.
        loss_weights: ``dict(ranking, sparsity, smoothness)``: 1, ``lambda1`` = 8e-5,
            ``lambda2`` = 8e-5 (Eq. 7).
        input_norm: None (default), ``'zscore'`` or ``dict(min_std, eps)``: standardise
            the patch features with training statistics (fitted by :meth:`prepare`, which
            ``PrepareModelHook`` calls; saved in checkpoints).
        data_preprocessor: The mmengine data preprocessor config.
        init_cfg: Weight initialisation config; None for PyTorch's defaults.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: Sequence[int] = (512, 32),
                 activations: Sequence[Optional[str]] = ('relu', None),
                 dropout: float = 0.6,
                 patch_pool: str = 'mean',
                 margin: float = 1.0,
                 loss_weights: Optional[dict] = None,
                 input_norm: Union[None, str, dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if int(in_channels) < 1:
            raise ValueError(f'MILRanking: in_channels must be positive, got {in_channels}')
        hidden = tuple(int(h) for h in hidden_channels)
        if any(h < 1 for h in hidden):
            raise ValueError(f'MILRanking: hidden_channels must be positive, got '
                             f'{tuple(hidden_channels)}')
        activations = tuple(activations)
        if len(activations) != len(hidden) or any(a not in ACTIVATIONS for a in activations):
            raise ValueError(f"MILRanking: activations must hold one of {ACTIVATIONS} per "
                             f'hidden layer ({len(hidden)}), got {activations}')
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f'MILRanking: dropout must be in [0, 1), got {dropout}')
        if patch_pool not in PATCH_POOLS:
            raise ValueError(f'MILRanking: patch_pool must be one of {PATCH_POOLS}, got '
                             f'{patch_pool!r}')
        if not float(margin) >= 0.0:
            raise ValueError(f'MILRanking: margin must be >= 0, got {margin}')
        weights = dict(ranking=1.0, sparsity=8e-5, smoothness=8e-5)
        unknown = sorted(set(loss_weights or {}) - set(weights))
        if unknown:
            raise ValueError(f'MILRanking: loss_weights has unknown keys {unknown} (known: '
                             f'{sorted(weights)})')
        weights.update(loss_weights or {})
        self.in_channels = int(in_channels)
        self.scorer = _scorer(self.in_channels, hidden, activations, float(dropout))
        self.patch_pool, self.margin = patch_pool, float(margin)
        self.loss_weights = {k: float(v) for k, v in weights.items()}
        norm = standardizer_options(input_norm)
        self.norm = FeatureStandardizer(self.in_channels, **norm) if norm is not None \
            else None

    def prepare(self, dataset) -> None:
        """Fit ``input_norm`` on every patch of every training bag (a no-op without one or
        when a checkpoint brought it).

        Args:
            dataset: The training set; ``get_data_info(i)['feature']`` is bag ``i``'s
                ``float[T, P, D]``.
        """
        if self.norm is None or bool(self.norm.fitted):
            return
        if len(dataset) == 0:
            raise ValueError('MILRanking.prepare: the training set holds no segments')

        def bags():
            for i in range(len(dataset)):
                info = dataset.get_data_info(i)
                feature = np.asarray(info['feature'])
                if feature.shape[-1] != self.in_channels:
                    raise ValueError(f'MILRanking.prepare: video {info.get("video_id", i)} '
                                     f'has features of width {feature.shape[-1]}, '
                                     f'in_channels is {self.in_channels}')
                yield feature

        self.norm.fit_chunks(bags())

    def segment_scores(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """``float[N, T]`` in [0, 1]: the score of every segment (padded ones too)."""
        x = inputs['feature'].float()
        if x.dim() == 3:  # [N, T, D]: one feature per segment
            x = x.unsqueeze(2)
        if x.dim() != 4 or x.shape[-1] != self.in_channels:
            raise ValueError(f'MILRanking: feature must be [N, T, P, {self.in_channels}], '
                             f'got {tuple(inputs["feature"].shape)}')
        if self.norm is not None:
            x = self.norm(x)
        x = x.mean(2) if self.patch_pool == 'mean' else x[:, :, 0]
        return torch.sigmoid(self.scorer(x).squeeze(-1))

    @staticmethod
    def _valid(inputs: Dict[str, torch.Tensor], scores: torch.Tensor) -> torch.Tensor:
        valid = inputs.get('valid')
        if valid is None:
            return torch.ones(scores.shape, dtype=torch.bool, device=scores.device)
        return valid.bool()

    def losses(self, scores: torch.Tensor, valid: torch.Tensor, labels: torch.Tensor
               ) -> Dict[str, torch.Tensor]:
        """Eq. 7's terms: the ranking hinge over the batch's (anomalous, normal) pairs, and
        the sparsity and smoothness of the anomalous bags' scores, each weighted.

        Args:
            scores: ``float[N, T]`` segment scores.
            valid: ``bool[N, T]`` real segments.
            labels: ``[N]`` video labels, 1 anomalous, 0 normal.
        """
        w = self.loss_weights
        positive = labels == 1
        return dict(
            loss_ranking=w['ranking'] * ranking_hinge_loss(scores, valid, labels, self.margin),
            loss_sparsity=w['sparsity'] * sparsity_loss(scores, valid, positive),
            loss_smoothness=w['smoothness'] * smoothness_loss(scores, valid, positive))

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor'):
        """``mode='tensor'``: the segment scores ``[N, T]`` (0 on padded segments);
        ``'loss'``: :meth:`losses`; ``'predict'``: every sample with per-frame ``final``
        scores over ``[start, end)`` of its segments."""
        if mode == 'tensor':
            scores = self.segment_scores(inputs)
            return scores * self._valid(inputs, scores)
        if mode == 'loss':
            labels = inputs['video_label'].long()
            bad = (labels != 0) & (labels != 1)
            if bool(bad.any()):
                names = [s.video_id for s, b in zip(data_samples or [], bad.tolist()) if b]
                where = f' (videos {names[:5]})' if names else ''
                raise ValueError(f'MILRanking trains on labelled bags: video_label must be 0 '
                                 f'or 1, got {labels[bad].tolist()[:5]}{where}')
            scores = self.segment_scores(inputs)
            return self.losses(scores, self._valid(inputs, scores), labels)
        if mode == 'predict':
            from vadkit.datasets.video_bags import segment_scores_to_frames
            if data_samples is None:
                raise ValueError("MILRanking: mode='predict' needs data_samples")
            with torch.no_grad():
                scores = self.segment_scores(inputs).cpu().numpy()
            for n, sample in enumerate(data_samples):
                t = len(sample.spans)
                frames = segment_scores_to_frames(scores[n, :t], sample.spans, sample.start,
                                                  sample.end)
                sample.set_pred_score('final', torch.from_numpy(frames))
            return data_samples
        raise ValueError(f"MILRanking: mode must be 'tensor', 'loss' or 'predict', got "
                         f'{mode!r}')
