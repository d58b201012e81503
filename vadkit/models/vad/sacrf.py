"""SA-CRF: self-attention CRF with contrastive MIL (Purwanto et al., ICCV 2021).

Weakly supervised: each training video is a bag of segments with one video-level label.
Each segment's ``G`` patch features are nodes of a spatio-temporal graph; the clique
self-attention relates them (Eq. 1, 3, 4), a CRF with mean-field inference labels them
(Eq. 5-8, Algorithm 1), and a regression scorer ``f_s`` on the attention outputs gives
anomaly scores, trained with BCE on the bags, sparsity and smoothness terms and a
contrastive term between the positive and negative bags' embeddings (Eq. 9-10). The
patch features come from the feature store (the relation-aware extractor writes them
there), or, with ``encoder``, from each segment's frames through a backbone and the
relation-aware attention, trained end to end (Sec. 3.2).
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample

from ..components.feature_norm import FeatureStandardizer, standardizer_options
from ..components.sacrf import (BAG_REDUCE, bag_scores, contrastive_bag_loss,
                                smoothness_loss, sparsity_loss)

SCORES = ('scorer', 'crf', 'mean')
PATCH_POOLS = ('max', 'mean')


def _scorer(in_channels: int, hidden: Sequence[int], dropout: float) -> nn.Sequential:
    layers, width = [], int(in_channels)
    for h in hidden:
        layers += [nn.Linear(width, int(h)), nn.ReLU(inplace=True), nn.Dropout(float(dropout))]
        width = int(h)
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class SACRF(BaseModel):
    """Self-attention CRF over video bags of patch features.

    Args:
        in_channels: Patch feature width ``C``.
        attention: A ``CliqueSelfAttention`` config (``in_channels`` filled in).
        crf: A ``SelfAttentionCRF`` config (channels filled in).
        use_crf: False: no CRF (Table 1's row without it: ``L_bn`` on the scorer alone).
        scorer: ``dict(hidden_channels, dropout)`` of ``f_s``. Default ``(512, 32)``,
            dropout 0.8 (Sec. 4.2).
        patch_pool: How a segment's score comes from its patches: ``'max'`` (default)
            or ``'mean'``.
        bag_reduce: How a bag's score comes from its segments for the BCE
            (``'max'``, ``'mean'``, ``'topk_mean'`` with ``topk``). Default
            ``'topk_mean'``, 3.
        loss_weights: ``dict(bce, sparsity, smoothness, contrast)``: Eq. 9's 1, alpha1 =
            8e-5, alpha2 = 8e-5, 1.
        contrast: ``dict(mode, margin, normalise, topk, l2)`` of Eq. 10: the positive bag is
            the ``topk`` highest-scored segments of each anomalous video, the negative bag
            the ``topk`` highest-scored of each normal video (their patch-averaged
            attention outputs, l2-normalised with ``l2``); see
            :func:`~vadkit.models.components.sacrf.contrastive_bag_loss`.
        input_norm: None (default), ``'zscore'`` or ``dict(min_std, eps)``: standardise
            the patch features with training statistics (``prepare``).
        score: The test score: ``'scorer'`` (``f_s``, default), ``'crf'`` (the anomalous
            marginal) or ``'mean'`` of both.
        video_center: ``'median'`` or ``'mean'``: subtract from every patch feature its
            video's median (mean) over the video's segments, per patch and channel, before
            ``input_norm`` (fitted on the centred features): what is unusual in a video
            rather than in the scene (not in the paper; a test video's own segments only,
            so scores stay per video and offline). Default None.
        encoder: A :class:`~vadkit.models.components.relation_aware.RelationAwareEncoder`
            config: the model then reads ``inputs['frames']`` (``VideoBagDataset(frames=
            ...)``) and learns the patch features end to end; ``in_channels`` must be its
            backbone's channels. None (default): ``inputs['feature']`` from the store.
    """

    def __init__(self,
                 in_channels: int,
                 attention: Optional[dict] = None,
                 crf: Optional[dict] = None,
                 use_crf: bool = True,
                 scorer: Optional[dict] = None,
                 patch_pool: str = 'max',
                 bag_reduce: str = 'topk_mean',
                 topk: int = 3,
                 loss_weights: Optional[dict] = None,
                 contrast: Optional[dict] = None,
                 input_norm: Union[None, str, dict] = None,
                 score: str = 'scorer',
                 encoder: Optional[dict] = None,
                 video_center: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        for name, value, choices in (('patch_pool', patch_pool, PATCH_POOLS),
                                     ('bag_reduce', bag_reduce, BAG_REDUCE),
                                     ('score', score, SCORES)):
            if value not in choices:
                raise ValueError(f'{name} must be one of {choices}, got {value!r}')
        if not use_crf and score != 'scorer':
            raise ValueError(f"score={score!r} needs the CRF (use_crf is False)")
        if video_center not in (None, 'median', 'mean'):
            raise ValueError(f"video_center must be None, 'median' or 'mean', got "
                             f'{video_center!r}')
        self.video_center = video_center
        self.encoder = None
        if encoder is not None:
            if input_norm is not None:
                raise ValueError('input_norm standardises stored features; with an encoder '
                                 'the features are learnt (set input_norm=None)')
            self.encoder = MODELS.build(dict(dict(type='RelationAwareEncoder'), **encoder))
            if self.encoder.channels != int(in_channels):
                raise ValueError(f'in_channels is {in_channels} but the encoder gives '
                                 f'{self.encoder.channels}-d patch features')
        self.attention = MODELS.build(dict(dict(type='CliqueSelfAttention'),
                                           **(attention or {}), in_channels=int(in_channels)))
        width = self.attention.out_channels
        self.crf = None if not use_crf else MODELS.build(
            dict(dict(type='SelfAttentionCRF'), **(crf or {}), in_channels=int(in_channels),
                 attention_channels=width))
        options = dict(dict(hidden_channels=(512, 32), dropout=0.8), **(scorer or {}))
        self.scorer = _scorer(width, options['hidden_channels'], options['dropout'])
        self.patch_pool, self.bag_reduce, self.topk = patch_pool, bag_reduce, int(topk)
        self.loss_weights = dict(dict(bce=1.0, sparsity=8e-5, smoothness=8e-5, contrast=1.0),
                                 **(loss_weights or {}))
        self.contrast = dict(dict(mode='margin', margin=1.0, normalise='pairs', topk=3,
                                  l2=True), **(contrast or {}))
        norm = standardizer_options(input_norm)
        self.norm = FeatureStandardizer(int(in_channels), **norm) if norm is not None \
            else None
        self.score = score

    def prepare(self, dataset) -> None:
        """Fit ``input_norm`` on every patch of every training bag (a no-op without one or
        when a checkpoint brought it)."""
        if self.norm is None or bool(self.norm.fitted):
            return
        self.norm.fit_chunks(self._center_bag(dataset.get_data_info(i)['feature'])
                             for i in range(len(dataset)))

    def _center_bag(self, feature):
        """One bag ``[T, G, C]`` (numpy) centred as in :meth:`outputs`."""
        if self.video_center is None:
            return feature
        x = torch.as_tensor(feature).float()
        return (x - self._centre_of(x)).numpy()

    def _centre_of(self, x: torch.Tensor) -> torch.Tensor:
        """``x [T, G, C]`` -> its ``[1, G, C]`` median or mean over the segments."""
        if self.video_center == 'mean':
            return x.mean(0, keepdim=True)
        return torch.quantile(x, 0.5, dim=0, keepdim=True)

    def center(self, b: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """``b [N, T, G, C]`` minus each video's centre over its valid segments."""
        out = torch.zeros_like(b)
        for n, length in enumerate(valid.long().sum(1).tolist()):
            if length:
                out[n, :length] = b[n, :length] - self._centre_of(b[n, :length])
        return out

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(2) if self.patch_pool == 'max' else x.mean(2)

    def outputs(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """``h [N, T, G, F]``, ``scores [N, T]`` (``f_s``, patch-pooled, in [0, 1]),
        ``marginals [N, T]`` (the CRF's anomalous marginal, patch-pooled; with a CRF),
        ``iterations [N]``."""
        valid = inputs.get('valid')
        if self.encoder is not None:
            if 'frames' not in inputs:
                raise ValueError("SACRF with an encoder reads inputs['frames']: give the "
                                 'dataset frames=dict(data_root, patterns, size)')
            b = self.encoder(inputs['frames'], valid)
        else:
            b = inputs['feature'].float()
        if valid is None:
            valid = torch.ones(b.shape[:2], dtype=torch.bool, device=b.device)
        if self.video_center is not None:
            b = self.center(b, valid)
        if self.norm is not None:
            b = self.norm(b)
        h, p_hat = self.attention(b, valid)
        out = dict(h=h, valid=valid,
                   scores=self._pool(torch.sigmoid(self.scorer(h).squeeze(-1))))
        if self.crf is not None:
            crf = self.crf(b, h, p_hat, valid)
            out.update(marginals=self._pool(crf['marginals'][..., 1]),
                       iterations=crf['iterations'])
        return out

    def losses(self, out: Dict[str, torch.Tensor], labels: torch.Tensor
               ) -> Dict[str, torch.Tensor]:
        """Eq. 9: BCE of the bags (on the CRF's marginals and on ``f_s``), sparsity and
        smoothness of ``f_s`` on the anomalous bags, and the contrastive term."""
        valid, w = out['valid'], self.loss_weights
        target = labels.float()
        losses = {}
        for name in ('marginals', 'scores'):
            if name in out:
                bag = bag_scores(out[name], valid, self.bag_reduce, self.topk)
                losses[f'loss_bce_{name}'] = w['bce'] * F.binary_cross_entropy(
                    bag.clamp(1e-6, 1 - 1e-6), target)
        losses['loss_sparsity'] = w['sparsity'] * sparsity_loss(out['scores'], valid, labels)
        losses['loss_smoothness'] = w['smoothness'] * smoothness_loss(out['scores'], valid,
                                                                      labels)
        if w['contrast']:
            losses['loss_contrast'] = w['contrast'] * self._contrast(out, labels)
        return losses

    def _contrast(self, out, labels) -> torch.Tensor:
        embed = out['h'].mean(2)  # [N, T, F]: a segment's embedding
        if self.contrast['l2']:
            embed = F.normalize(embed, dim=-1)
        scores = out['scores'].detach().masked_fill(~out['valid'], float('-inf'))
        k = min(int(self.contrast['topk']), scores.shape[1])
        top = scores.topk(k, dim=1).indices  # [N, k]
        picked = torch.gather(embed, 1, top.unsqueeze(-1).expand(-1, -1, embed.shape[-1]))
        real = torch.isfinite(torch.gather(scores, 1, top))
        positive = picked[(labels == 1).unsqueeze(1) & real]
        negative = picked[(labels == 0).unsqueeze(1) & real]
        return contrastive_bag_loss(positive, negative, self.contrast['mode'],
                                    self.contrast['margin'], self.contrast['normalise'])

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'tensor':
            return self.outputs(inputs)
        if mode == 'loss':
            labels = inputs['video_label'].long()
            if bool((labels < 0).any()):
                raise ValueError('SACRF trains on labelled bags: a video_label is -1')
            return self.losses(self.outputs(inputs), labels)
        if mode == 'predict':
            from vadkit.datasets.video_bags import segment_scores_to_frames
            with torch.no_grad():
                out = self.outputs(inputs)
            streams = dict(scorer=out['scores'])
            if 'marginals' in out:
                streams.update(crf=out['marginals'],
                               mean=0.5 * (out['scores'] + out['marginals']))
            for n, sample in enumerate(data_samples):
                t = len(sample.spans)
                for name, values in streams.items():
                    frames = segment_scores_to_frames(values[n, :t].cpu().numpy(),
                                                      sample.spans, sample.start, sample.end)
                    sample.set_pred_score(name, torch.from_numpy(frames))
                    if name == self.score:
                        sample.set_pred_score('final', torch.from_numpy(frames))
                if 'iterations' in out:
                    sample.set_metainfo(dict(crf_iterations=int(out['iterations'][n])))
            return data_samples
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")
