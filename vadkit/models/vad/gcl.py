"""GCL: Generative Cooperative Learning (Zaheer et al., CVPR 2022) as an mmengine model.

A generator G (autoencoder) and a discriminator D trained in turn on unlabelled segment
features: G's batch errors give D pseudo-labels (Eq. 2-3); D's batch probabilities give
G pseudo-labels, and G learns to rebuild the pseudo-normal segments and to miss the
pseudo-anomalous ones through pseudo reconstruction targets (negative learning, Eq. 4-6).
Optional phases first (Sec. 3.3): G pre-trained on temporally calm segments (GCL_PT) or
on the segments of normal videos (GCL_OCC), then D pre-trained from G's pseudo-labels.
The same model with G alone gives the autoencoder baselines of Table 2 (AE_AllData,
AE_OCC, AE_TD), and with video-level labels the weakly supervised GCL_WS.
"""
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample

from ..components.feature_norm import FeatureStandardizer, standardizer_options
from ..components.gcl import (NEGATIVE_TARGETS, batch_pseudo_labels, negative_targets,
                              reconstruction_errors)

SCORES = ('discriminator', 'generator')
#: Which segments G is pre-trained on: ``'calm'`` (temporal difference at most ``D_th``,
#: GCL_PT), ``'normal'`` (segments of videos labelled normal: GCL_OCC, AE_OCC) or ``'all'``
#: (AE_AllData).
PRETRAIN_ON = ('calm', 'normal', 'all')
#: Whose pseudo-labels G learns from: D's (the paper) or its own (the Sec. 4.5 ablation).
G_LABELS_FROM = ('discriminator', 'generator')


def _in_eval(module: torch.nn.Module, compute):
    """``compute()`` without gradient and with ``module`` in eval mode (BatchNorm on its
    running statistics), its mode restored afterwards."""
    was = module.training
    module.eval()
    try:
        with torch.no_grad():
            return compute()
    finally:
        module.train(was)


@MODELS.register_module()
class GCL(BaseModel):
    """Generator and discriminator trained cooperatively (``train_step`` alternates).

    Epochs ``[0, pretrain_g_epochs)`` train G alone (Eq. 1) on the segments
    ``pretrain_on`` picks; the next ``pretrain_d_epochs`` train D alone from G's
    pseudo-labels; then every iteration trains D from G's pseudo-labels (Eq. 2-3), then G
    from D's (Eq. 4-6): the paper's loop. GCL_B: both pre-training lengths 0; the
    autoencoder baselines: ``pretrain_g_epochs`` the whole schedule and
    ``score='generator'``.

    Batch inputs: ``feature [B, D]``; ``td [B]`` (the segment's temporal difference, for
    ``pretrain_on='calm'``) and ``video_label [B]`` (1 / 0, -1 unknown; for
    ``pretrain_on='normal'`` and ``weak_supervision``), as
    :class:`~vadkit.datasets.SegmentDataset` gives them.

    Args:
        in_channels: Feature width ``D``.
        generator: A GCLGenerator config (``in_channels`` filled in).
        discriminator: A GCLDiscriminator config (``in_channels`` filled in).
        g_threshold: ``dict(rule, k, fraction)`` of G's pseudo-labels (Eq. 2): the
            paper's ``mean + 1 std``.
        d_threshold: The same for D's (Eq. 4): ``mean + 0.1 std``.
        negative: ``dict(mode, sigma)``: the pseudo targets of D's anomalies (Eq. 6):
            ``'ones'`` (default), ``'random_normal'``, ``'gaussian'``, ``'none'``.
        pretrain_g_epochs: Epochs of G pre-training (GCL_PT: > 0).
        pretrain_d_epochs: Epochs of D pre-training after it.
        pretrain_on: One of :data:`PRETRAIN_ON`. Default ``'calm'``.
        d_th: ``D_th`` of ``'calm'``: the largest temporal difference ``||f(t) - f(t-1)||``
            kept (the feature's own units). Default 0.70 (the paper's, ResNeXt3D
            features).
        d_th_quantile: Instead of ``d_th``, keep the calmest share of each batch (the
            threshold is this quantile of the batch's temporal differences): a rule that
            does not depend on the feature's scale. None (default): ``d_th``.
        weak_supervision: GCL_WS: segments of videos labelled normal (``video_label`` 0)
            are normal in both pseudo-label sets, whatever G or D say; segments of
            anomalous-labelled and unlabelled videos keep their pseudo-labels (a video
            label says nothing about which of its segments are anomalous).
        g_labels_from: One of :data:`G_LABELS_FROM`. Default ``'discriminator'``.
        input_norm: None (default), ``'zscore'`` or ``dict(min_std, eps)``: standardise
            the features with training statistics (:meth:`prepare`), for hand-made
            features of mixed units; the paper's 3D-CNN features are used as they are.
        score: ``'discriminator'`` (D's probability, default) or ``'generator'`` (G's
            reconstruction error), written as ``pred_scores['final']``; both are also
            written under their own names.
        data_preprocessor: mmengine data preprocessor config.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 generator: Optional[dict] = None,
                 discriminator: Optional[dict] = None,
                 g_threshold: Optional[dict] = None,
                 d_threshold: Optional[dict] = None,
                 negative: Optional[dict] = None,
                 pretrain_g_epochs: int = 0,
                 pretrain_d_epochs: int = 0,
                 pretrain_on: str = 'calm',
                 d_th: float = 0.70,
                 d_th_quantile: Optional[float] = None,
                 weak_supervision: bool = False,
                 g_labels_from: str = 'discriminator',
                 input_norm: Union[None, str, dict] = None,
                 score: str = 'discriminator',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if score not in SCORES:
            raise ValueError(f'score must be one of {SCORES}, got {score!r}')
        if int(pretrain_g_epochs) < 0 or int(pretrain_d_epochs) < 0:
            raise ValueError('pre-training epochs must be >= 0')
        if pretrain_on not in PRETRAIN_ON:
            raise ValueError(f'pretrain_on must be one of {PRETRAIN_ON}, got {pretrain_on!r}')
        if g_labels_from not in G_LABELS_FROM:
            raise ValueError(f'g_labels_from must be one of {G_LABELS_FROM}, got '
                             f'{g_labels_from!r}')
        if d_th_quantile is not None and not 0.0 < float(d_th_quantile) <= 1.0:
            raise ValueError(f'd_th_quantile must be in (0, 1], got {d_th_quantile}')
        self.generator = MODELS.build(dict(dict(type='GCLGenerator'), **(generator or {}),
                                           in_channels=int(in_channels)))
        self.discriminator = MODELS.build(dict(dict(type='GCLDiscriminator'),
                                               **(discriminator or {}),
                                               in_channels=int(in_channels)))
        self.g_threshold = dict(dict(rule='mean_std', k=1.0, fraction=0.1), **(g_threshold or {}))
        self.d_threshold = dict(dict(rule='mean_std', k=0.1, fraction=0.1), **(d_threshold or {}))
        self.negative = dict(dict(mode='ones', sigma=1.5), **(negative or {}))
        if self.negative['mode'] not in NEGATIVE_TARGETS:
            raise ValueError(f"negative.mode must be one of {NEGATIVE_TARGETS}, got "
                             f"{self.negative['mode']!r}")
        self.pretrain_g_epochs, self.pretrain_d_epochs = int(pretrain_g_epochs), \
            int(pretrain_d_epochs)
        self.pretrain_on = pretrain_on
        self.d_th = float(d_th)
        self.d_th_quantile = None if d_th_quantile is None else float(d_th_quantile)
        self.weak_supervision = bool(weak_supervision)
        self.g_labels_from = g_labels_from
        norm = standardizer_options(input_norm)
        self.norm = FeatureStandardizer(int(in_channels), **norm) if norm is not None \
            else None
        self.score = score
        self.epoch = 0
        self._generator = torch.Generator().manual_seed(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def prepare(self, dataset, chunk: int = 65536) -> None:
        """Fit ``input_norm`` on the training segments (chunk by chunk, so a memory-mapped
        set of millions of segments is never loaded whole); a no-op without one or when a
        checkpoint brought it."""
        if self.norm is None or bool(self.norm.fitted):
            return
        n = len(dataset)
        if n == 0:
            raise ValueError('GCL.prepare: the training set is empty')
        self.norm.fit_chunks(dataset.features(np.arange(begin, min(begin + chunk, n)))
                             for begin in range(0, n, chunk))

    @property
    def phase(self) -> str:
        """``'pretrain_g'``, ``'pretrain_d'`` or ``'cooperative'`` at the current epoch."""
        if self.epoch < self.pretrain_g_epochs:
            return 'pretrain_g'
        if self.epoch < self.pretrain_g_epochs + self.pretrain_d_epochs:
            return 'pretrain_d'
        return 'cooperative'

    # -- the pieces of a step, each tested alone ----------------------------------------
    def features(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The batch's ``feature``, standardised when ``input_norm`` is set."""
        feature = inputs['feature'].float()
        return self.norm(feature) if self.norm is not None else feature

    def pretrain_keep(self, inputs: Dict[str, torch.Tensor]) -> Optional[torch.Tensor]:
        """``bool[B]``: the segments G pre-trains on (None: all of them).

        ``'calm'``: ``td <= d_th`` (or the batch's ``d_th_quantile``); ``'normal'``:
        ``video_label == 0``. A batch without the inputs a rule needs is an error."""
        if self.pretrain_on == 'all':
            return None
        if self.pretrain_on == 'normal':
            if 'video_label' not in inputs:
                raise ValueError("pretrain_on='normal' needs inputs['video_label'] (a split "
                                 'with video-level labels)')
            return inputs['video_label'] == 0
        if 'td' not in inputs:
            raise ValueError("pretrain_on='calm' needs inputs['td'] (SegmentDataset with "
                             'with_temporal_difference=True)')
        td = inputs['td'].float()
        if self.d_th_quantile is None:
            return td <= self.d_th
        finite = td[torch.isfinite(td)]
        if finite.numel() == 0:
            return torch.zeros_like(td, dtype=torch.bool)
        return td <= torch.quantile(finite, self.d_th_quantile)

    def _weak(self, labels: torch.Tensor, inputs: Optional[Dict[str, torch.Tensor]]
              ) -> torch.Tensor:
        """GCL_WS: segments of normal-labelled videos are normal."""
        if not self.weak_supervision or inputs is None or 'video_label' not in inputs:
            return labels
        return labels.masked_fill(inputs['video_label'].to(labels.device) == 0, 0)

    def g_errors(self, feature: torch.Tensor) -> torch.Tensor:
        """Eq. 1 per sample: ``||f - G(f)||_2``."""
        return reconstruction_errors(feature, self.generator(feature))

    def g_pseudo_labels(self, feature: torch.Tensor,
                        inputs: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        """Eq. 2 on G's batch errors (G in eval mode, no gradient); GCL_WS overrides with
        ``inputs['video_label']``."""
        errors = _in_eval(self.generator, lambda: self.g_errors(feature))
        return self._weak(batch_pseudo_labels(errors, **self.g_threshold), inputs)

    def d_pseudo_labels(self, feature: torch.Tensor,
                        inputs: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        """Eq. 4 on D's batch probabilities (D in eval mode, no gradient); GCL_WS
        overrides with ``inputs['video_label']``."""
        probs = _in_eval(self.discriminator, lambda: self.discriminator(feature))
        return self._weak(batch_pseudo_labels(probs, **self.d_threshold), inputs)

    def g_loss(self, feature: torch.Tensor, labels: Optional[torch.Tensor] = None,
               keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Eq. 5: mean over the batch of ``||t - G(f)||_2`` with the pseudo targets of
        ``labels`` (Eq. 6; None: plain reconstruction, Eq. 1); ``keep`` leaves samples out
        (the pre-training selection)."""
        weights = torch.ones(len(feature), device=feature.device)
        targets = feature
        if labels is not None:
            targets, weights = negative_targets(feature, labels, self.negative['mode'],
                                                self.negative['sigma'], self._generator)
        if keep is not None:
            weights = weights * keep.float()
        errors = reconstruction_errors(targets, self.generator(feature))
        return (errors * weights).sum() / weights.sum().clamp(min=1.0)

    # -- mmengine -----------------------------------------------------------------------
    def train_step(self, data, optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        feature = self.features(inputs)
        phase = self.phase
        log = {}
        if phase == 'pretrain_g':
            keep = self.pretrain_keep(inputs)
            with optim_wrapper['generator'].optim_context(self.generator):
                loss = self.g_loss(feature, keep=keep)
            optim_wrapper['generator'].update_params(loss)
            log['loss_g'] = loss.detach()
            if keep is not None:
                log['pretrain_kept'] = keep.float().mean()
            return log
        labels_g = self.g_pseudo_labels(feature, inputs)
        with optim_wrapper['discriminator'].optim_context(self.discriminator):
            loss_d = self.discriminator.loss(feature, labels_g)  # Eq. 3
        optim_wrapper['discriminator'].update_params(loss_d)
        log.update(loss_d=loss_d.detach(), g_anomalous=labels_g.float().mean())
        if phase == 'pretrain_d':
            return log
        labels_d = (self.d_pseudo_labels(feature, inputs)
                    if self.g_labels_from == 'discriminator' else labels_g)
        with optim_wrapper['generator'].optim_context(self.generator):
            loss_g = self.g_loss(feature, labels_d)
        optim_wrapper['generator'].update_params(loss_g)
        log.update(loss_g=loss_g.detach(), d_anomalous=labels_d.float().mean())
        return log

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, List[VADDataSample]]:
        feature = self.features(inputs if isinstance(inputs, dict) else dict(feature=inputs))
        if mode == 'tensor':
            return self.generator(feature)
        if mode == 'predict':
            with torch.no_grad():
                values = dict(discriminator=self.discriminator(feature),
                              generator=self.g_errors(feature))
            for i, sample in enumerate(data_samples):
                for name, value in values.items():
                    sample.set_pred_score(name, value[i])
                sample.set_pred_score('final', values[self.score][i])
            return data_samples
        if mode == 'loss':
            raise ValueError('GCL trains through train_step (G and D in turn), not '
                             "forward(mode='loss')")
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")
