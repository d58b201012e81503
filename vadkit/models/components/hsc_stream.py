"""One stream (appearance or motion) of HSC (Sun & Gong, CVPR 2023, Sec. 3.2-3.5).

A scene-aware encoder ``Phi([f_B, f_i])`` (Eq. 1), an object-centric decoder ``Theta``
reconstructing ``f_i`` (Eq. 2), a memory bank of the encoded training objects (Eq. 6), the
scene-level and within-scene object-level contrasts against it (Eq. 3, 5), a linear scene
classifier (Eq. 4), and the test-time score: the reconstruction of the softmax-weighted
memory read-out (Eq. 10, 11).
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from vadkit.registry import MODELS

from ..losses.contrastive import hierarchical_memory_contrast
from .memory_bank import MemoryBank


def mlp(in_dim: int, sizes: Sequence[int], final_norm: bool = False,
        bias: bool = True) -> nn.Sequential:
    """Linear layers of ``sizes`` with BN + ReLU between them (the supplement's two-layer
    MLPs: ReLU in the first layer, BN between layers); ``final_norm`` adds a BN after the
    last Linear (the HSC authors' code)."""
    layers, width = [], int(in_dim)
    for k, size in enumerate(sizes):
        layers.append(nn.Linear(width, int(size), bias=bias))
        if k < len(sizes) - 1:
            layers += [nn.BatchNorm1d(int(size)), nn.ReLU(inplace=True)]
        width = int(size)
    if final_norm:
        layers.append(nn.BatchNorm1d(width))
    return nn.Sequential(*layers)


def memory_readout(latent: torch.Tensor, bank: torch.Tensor, temperature: float = 1.0,
                   chunk: int = 2048) -> torch.Tensor:
    """Eq. 10: ``sum_i softmax_i(<f_t, M_i> / temperature) M_i`` per row of ``latent``,
    ``chunk`` rows at a time; the softmax runs in place on the one ``chunk x N`` matrix
    a chunk needs."""
    out = []
    scaled = latent / temperature
    for start in range(0, len(latent), chunk):
        weights = scaled[start:start + chunk] @ bank.t()
        weights.sub_(weights.max(dim=1, keepdim=True).values).exp_()
        weights.div_(weights.sum(dim=1, keepdim=True))
        out.append(weights @ bank)
    return torch.cat(out) if out else latent.new_zeros((0, bank.shape[1]))


@MODELS.register_module()
class HSCStream(nn.Module):
    """Encoder, decoder, classifier and memory of one HSC stream.

    Args:
        feature_dim: ``D`` of the object feature ``f_i`` (1024 appearance, 512 motion).
        scene_dim: ``D_B`` of the scene feature (1590 / 880 / 330); 0 without one.
        num_slots: Memory slots: the number of training objects.
        num_scenes: Scene classes of the linear classifier (23 / 2 / 1).
        encoder_sizes: Encoder layer sizes, the last being ``D_E``. Default
            ``(2048, 1280)`` (appearance; motion: ``(1792, 1280)``).
        decoder_sizes: Decoder layer sizes, the last being ``feature_dim`` (or
            ``scene_dim + feature_dim`` without ``object_centric``). Default
            ``(1152, 1024)`` (appearance; motion: ``(1024, 512)``).
        scene_aware: Feed ``[f_B, f_i]`` to the encoder (SA-E); False: ``f_i`` alone.
        object_centric: Reconstruct ``f_i`` (OC-D); False: reconstruct ``[f_B, f_i]``.
        final_norm: A BN after each MLP's last layer (the authors' code). Default False.
        temperature: ``tau`` of Eq. 3 and 5. Default 0.5.
        momentum: ``m`` of Eq. 6. Default 0.9.
        momentum_on: ``'old'`` (Eq. 6 as printed) or ``'new'`` (the authors' code).
        contrast_form: ``'sum_log'`` (as printed) or ``'log_sum'`` (the authors' code).
        loss_weights: Weights of ``scene`` / ``object`` contrast, ``classifier`` and
            ``reconstruction`` (0 switches a term off, as in the ablations). Default 1 each.
        readout_temperature: Temperature of Eq. 10 (1: as printed). With unit latents
            and entries the printed softmax of cosines is nearly uniform over a large
            bank, so the read-out is close to the memory's mean; 0.1 makes it pick the
            nearest normal patterns (tests/test_models/test_hsc_stream.py measures AUC
            0.62 against 0.998 on scene-dependent anomalies).
    """

    LOSSES = ('scene', 'object', 'classifier', 'reconstruction')
    #: one entry per training object: sized by the data, taken from checkpoints
    RESIZABLE_STATE = ('slot_scene', 'slot_class')

    def __init__(self, feature_dim: int, scene_dim: int, num_slots: int, num_scenes: int = 1,
                 encoder_sizes: Sequence[int] = (2048, 1280),
                 decoder_sizes: Sequence[int] = (1152, 1024), scene_aware: bool = True,
                 object_centric: bool = True, final_norm: bool = False,
                 temperature: float = 0.5, momentum: float = 0.9, momentum_on: str = 'old',
                 contrast_form: str = 'sum_log',
                 loss_weights: Optional[Dict[str, float]] = None,
                 readout_temperature: float = 1.0) -> None:
        super().__init__()
        self.feature_dim, self.scene_dim = int(feature_dim), int(scene_dim)
        self.scene_aware, self.object_centric = bool(scene_aware), bool(object_centric)
        target = self.feature_dim + (0 if self.object_centric else self.scene_dim)
        if int(decoder_sizes[-1]) != target:
            raise ValueError(f'decoder_sizes must end with {target} (what the decoder '
                             f'reconstructs), got {tuple(decoder_sizes)}')
        weights = dict.fromkeys(self.LOSSES, 1.0)
        unknown = sorted(set(loss_weights or {}) - set(self.LOSSES))
        if unknown:
            raise ValueError(f'loss_weights: unknown terms {unknown}; known: {self.LOSSES}')
        weights.update({k: float(v) for k, v in (loss_weights or {}).items()})
        self.loss_weights = weights
        self.temperature, self.contrast_form = float(temperature), contrast_form
        self.readout_temperature = float(readout_temperature)
        in_dim = self.feature_dim + (self.scene_dim if self.scene_aware else 0)
        self.encoder = mlp(in_dim, encoder_sizes, final_norm)
        latent = int(encoder_sizes[-1])
        self.decoder = mlp(latent, decoder_sizes, final_norm)
        self.classifier = nn.Linear(latent, int(num_scenes))
        self.memory = MemoryBank(num_slots, latent, momentum, momentum_on)
        self.register_buffer('slot_scene', torch.zeros(int(num_slots), dtype=torch.long))
        self.register_buffer('slot_class', torch.zeros(int(num_slots), dtype=torch.long))

    @torch.no_grad()
    def resize_(self, num_slots: int) -> None:
        """Empty the memory and give it and the slot labels ``num_slots`` slots, in place."""
        self.memory.resize_(num_slots)
        self.slot_scene.resize_(int(num_slots)).zero_()
        self.slot_class.resize_(int(num_slots)).zero_()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the slot labels have the size of the training set they were fitted on
        for name in self.RESIZABLE_STATE:
            saved = state_dict.get(prefix + name)
            if saved is not None and saved.shape != getattr(self, name).shape:
                getattr(self, name).resize_(saved.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def set_slot_labels(self, scene: torch.Tensor, cls: torch.Tensor) -> None:
        """The scene and object class of every memory slot (the training objects)."""
        self.slot_scene.copy_(scene.long())
        self.slot_class.copy_(cls.long())

    def encode(self, scene: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
        """Eq. 1: the l2-normalised latent ``[B, D_E]``."""
        x = torch.cat([scene, feature], dim=1) if self.scene_aware else feature
        return F.normalize(self.encoder(x), dim=1)

    def target(self, scene: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
        return feature if self.object_centric else torch.cat([scene, feature], dim=1)

    def loss(self, scene: torch.Tensor, feature: torch.Tensor, slot: torch.Tensor,
             scene_label: torch.Tensor, cls: torch.Tensor,
             contrast: bool = True) -> Dict[str, torch.Tensor]:
        """The terms of Eq. 9 for a batch of training objects (then their memory slots are
        updated, Eq. 6). ``contrast=False`` leaves the two contrasts out (the authors'
        code starts them after the first epoch)."""
        latent = self.encode(scene, feature)
        rebuilt = self.decoder(latent)
        w = self.loss_weights
        out = {'reconstruction': w['reconstruction'] * ((self.target(scene, feature) - rebuilt)
                                                      ** 2).sum(dim=1).mean()}
        if w['classifier']:
            out['classifier'] = w['classifier'] * F.cross_entropy(self.classifier(latent),
                                                                  scene_label.long())
        if contrast and (w['scene'] or w['object']) and self.memory.filled.any():
            # both levels from one similarity matrix; the update below overwrites the rows
            # of ``slot`` in place, which the backward pass of the contrast then replaces
            # by their values before it (own_rows_updated)
            terms = hierarchical_memory_contrast(
                latent, self.memory.slots, self.slot_scene, self.slot_class, scene_label,
                cls, self.temperature, self.contrast_form, self_index=slot,
                filled=self.memory.filled, own_rows_updated=True)
            out.update({k: w[k] * terms[k] for k in ('scene', 'object') if w[k]})
        self.memory.update(slot, latent)
        return out

    @torch.no_grad()
    def score(self, scene: torch.Tensor, feature: torch.Tensor,
              slots: Optional[torch.Tensor] = None,
              latent: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Eq. 10-11: ``||f_t - Theta(sum_i w_i M_i)||^2`` per object, ``[B]``; ``slots``
        restricts the memory to some entries (Fig. 5's subsampling); ``latent`` is
        ``encode(scene, feature)`` when the caller has it already."""
        bank = self.memory.slots[self.memory.filled if slots is None else slots]
        if latent is None:
            latent = self.encode(scene, feature)
        rebuilt = self.decoder(memory_readout(latent, bank, self.readout_temperature))
        return ((self.target(scene, feature) - rebuilt) ** 2).sum(dim=1)
