"""GCL: Generative Cooperative Learning (Zaheer et al., CVPR 2022) as an mmengine model.

A generator G (autoencoder) and a discriminator D trained in turn on unlabelled segment
features: G's batch errors give D pseudo-labels (Eq. 2-3); D's batch probabilities give
G pseudo-labels, and G learns to rebuild the pseudo-normal segments and to miss the
pseudo-anomalous ones through pseudo reconstruction targets (negative learning, Eq. 4-6).
Optional phases first (Sec. 3.3): G pre-trained on temporally calm segments, then D
pre-trained from G's pseudo-labels.
"""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample

from ..components.gcl import (NEGATIVE_TARGETS, batch_pseudo_labels, negative_targets,
                              reconstruction_errors)

SCORES = ('discriminator', 'generator')


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

    Epochs ``[0, pretrain_g_epochs)`` train G alone on segments whose temporal
    difference is at most ``d_th`` (inputs ``td``; all segments when absent); the next
    ``pretrain_d_epochs`` train D alone from G's pseudo-labels; then every iteration
    trains D from G's pseudo-labels, then G from D's (the paper's loop). GCL_B: both
    pre-training lengths 0.

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
        d_th: ``D_th`` of the pre-training selection. Default 0.70.
        score: ``'discriminator'`` (D's probability, default) or ``'generator'`` (G's
            reconstruction error), written as ``pred_scores['final']``.
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
                 d_th: float = 0.70,
                 score: str = 'discriminator',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if score not in SCORES:
            raise ValueError(f'score must be one of {SCORES}, got {score!r}')
        if int(pretrain_g_epochs) < 0 or int(pretrain_d_epochs) < 0:
            raise ValueError('pre-training epochs must be >= 0')
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
        self.d_th = float(d_th)
        self.score = score
        self.epoch = 0
        self._generator = torch.Generator().manual_seed(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    @property
    def phase(self) -> str:
        """``'pretrain_g'``, ``'pretrain_d'`` or ``'cooperative'`` at the current epoch."""
        if self.epoch < self.pretrain_g_epochs:
            return 'pretrain_g'
        if self.epoch < self.pretrain_g_epochs + self.pretrain_d_epochs:
            return 'pretrain_d'
        return 'cooperative'

    # -- the pieces of a step, each tested alone ----------------------------------------
    def g_errors(self, feature: torch.Tensor) -> torch.Tensor:
        """Eq. 1 per sample: ``||f - G(f)||_2``."""
        return reconstruction_errors(feature, self.generator(feature))

    def g_pseudo_labels(self, feature: torch.Tensor) -> torch.Tensor:
        """Eq. 2 on G's batch errors (G in eval mode, no gradient)."""
        errors = _in_eval(self.generator, lambda: self.g_errors(feature))
        return batch_pseudo_labels(errors, **self.g_threshold)

    def d_pseudo_labels(self, feature: torch.Tensor) -> torch.Tensor:
        """Eq. 4 on D's batch probabilities (D in eval mode, no gradient)."""
        probs = _in_eval(self.discriminator, lambda: self.discriminator(feature))
        return batch_pseudo_labels(probs, **self.d_threshold)

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
        feature = inputs['feature'].float()
        phase = self.phase
        log = {}
        if phase == 'pretrain_g':
            keep = inputs['td'] <= self.d_th if 'td' in inputs else None
            with optim_wrapper['generator'].optim_context(self.generator):
                loss = self.g_loss(feature, keep=keep)
            optim_wrapper['generator'].update_params(loss)
            log['loss_g'] = loss.detach()
            if keep is not None:
                log['pretrain_kept'] = keep.float().mean()
            return log
        labels_g = self.g_pseudo_labels(feature)
        with optim_wrapper['discriminator'].optim_context(self.discriminator):
            loss_d = self.discriminator.loss(feature, labels_g)  # Eq. 3
        optim_wrapper['discriminator'].update_params(loss_d)
        log.update(loss_d=loss_d.detach(), g_anomalous=labels_g.float().mean())
        if phase == 'pretrain_d':
            return log
        labels_d = self.d_pseudo_labels(feature)
        with optim_wrapper['generator'].optim_context(self.generator):
            loss_g = self.g_loss(feature, labels_d)
        optim_wrapper['generator'].update_params(loss_g)
        log.update(loss_g=loss_g.detach(), d_anomalous=labels_d.float().mean())
        return log

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, List[VADDataSample]]:
        feature = inputs['feature'].float() if isinstance(inputs, dict) else inputs.float()
        if mode == 'tensor':
            return self.generator(feature)
        if mode == 'predict':
            with torch.no_grad():
                values = (self.discriminator(feature) if self.score == 'discriminator'
                          else self.g_errors(feature))
            for sample, value in zip(data_samples, values):
                sample.set_pred_score('final', value)
            return data_samples
        if mode == 'loss':
            raise ValueError('GCL trains through train_step (G and D in turn), not '
                             "forward(mode='loss')")
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")
