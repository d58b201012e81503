"""SA-CRF's relation-aware feature extractor (Purwanto et al., ICCV 2021, Sec. 3.2).

A backbone's feature maps ``D`` of a sequence of frames are re-weighted position by
position: for position ``a`` of frame ``t``, the inner products ``gamma(a, a') =
psi1(d_a)^T psi2(d'_{a'})`` with every position ``a'`` of the neighbouring frames
``t + o`` (``o`` in ``offsets``) are collected, concatenated with ``d_a`` and turned into
one scalar attention weight by a trainable linear map (a sigmoid keeps it in ``(0, 1)``);
the map ``D * weight`` is then cut into the patches of a spatial pyramid (scale 3: ``1 + 4 +
9 = G = 14``) and pooled per patch into ``B = [b_{1,1} .. b_{K,G}]``.

Readings (``docs/methods/sacrf.md``):

- The paper collects ``gamma(a, .)`` over all ``K W H`` positions of the video but names
  them "the short-term dependencies ... in the neighboring frames"; a trainable weight on a
  vector whose length grows with the video cannot be learnt, so here the relations are with
  the ``W H`` positions of each neighbouring frame (``offsets``, default ``(-1, 1)``): a
  vector of ``len(offsets) * W * H`` values. At a video's ends the missing neighbour is the
  nearest real frame (the frame itself).
- "Transformed into a scalar attention weight ... by multiplying with a trainable weight":
  ``sigmoid(w^T [d_a, gamma(a, .)] + c)``, the weight multiplying the map (``activation``
  ``'sigmoid'``; ``'none'`` leaves it linear).

Used two ways: inside :class:`RelationAwareEncoder` (frames -> ``B``, end to end with any
backbone from the registry: ``dict(type='mmaction.ResNet', depth=50)`` in the paper's
setting, :class:`SmallConvNet` on the CPU), and inside the parsing extractor
``MMActionClipEncoder(relation=...)``, which writes ``B`` to the feature store.
"""
from typing import Optional, Sequence, Tuple

import torch
from torch import nn

from vadkit.registry import MODELS
from vadkit.utils.errors import CheckpointError

ACTIVATIONS = ('sigmoid', 'none')
POOLS = ('mean', 'max')


def neighbour_index(lengths: torch.Tensor, num_frames: int, offset: int) -> torch.Tensor:
    """``long[N, T]``: the frame that is ``offset`` frames from each frame, clamped into the
    video's ``lengths[n]`` real frames (padded frames point at the last real one)."""
    t = torch.arange(num_frames, device=lengths.device).reshape(1, -1)
    last = (lengths.long().reshape(-1, 1) - 1).clamp(min=0)
    return torch.minimum((t + int(offset)).clamp(min=0), last).expand(len(lengths), -1)


@MODELS.register_module()
class RelationAwareAttention(nn.Module):
    """Position-wise attention from the relations with neighbouring frames (Sec. 3.2).

    Args:
        in_channels: ``C`` of the feature maps.
        map_size: ``(H, W)`` of the feature maps (the trainable weight spans the
            ``len(offsets) * H * W`` relations of a position).
        embed_channels: Width of ``psi1``, ``psi2``. Default ``C // 8`` (at least 1).
        offsets: The neighbouring frames, relative. Default ``(-1, 1)``.
        scaled: Divide the inner products by ``sqrt(embed_channels)``. Default True (the
            relations of 2048-d maps would otherwise saturate the weight).
        activation: ``'sigmoid'`` (default) or ``'none'``.
    """

    def __init__(self, in_channels: int, map_size: Sequence[int],
                 embed_channels: Optional[int] = None, offsets: Sequence[int] = (-1, 1),
                 scaled: bool = True, activation: str = 'sigmoid') -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f'activation must be one of {ACTIVATIONS}, got {activation!r}')
        size = tuple(int(s) for s in map_size)
        offsets = tuple(int(o) for o in offsets)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f'map_size must be (H, W) of positive sizes, got {map_size}')
        if not offsets or 0 in offsets:
            raise ValueError(f'offsets must be non-zero frame offsets, got {offsets}')
        c = int(in_channels)
        embed = int(embed_channels or max(1, c // 8))
        self.map_size, self.offsets, self.scaled = size, offsets, bool(scaled)
        self.embed_channels, self.activation = embed, activation
        self.psi1 = nn.Linear(c, embed, bias=False)
        self.psi2 = nn.Linear(c, embed, bias=False)
        self.weight = nn.Linear(c + len(offsets) * size[0] * size[1], 1)

    def relations(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``x [N, T, HW, C]`` -> ``gamma [N, T, HW, len(offsets) * HW]``: block ``o`` holds
        ``psi1(d_a)^T psi2(d_a')`` for every position ``a'`` of frame ``t + offsets[o]``."""
        n, t, hw, _ = x.shape
        q, k = self.psi1(x), self.psi2(x)
        out = []
        for offset in self.offsets:
            index = neighbour_index(lengths, t, offset)  # [N, T]
            other = torch.gather(k, 1, index.reshape(n, t, 1, 1).expand_as(k))
            out.append(q @ other.transpose(-1, -2))
        gamma = torch.cat(out, -1)
        return gamma / self.embed_channels ** 0.5 if self.scaled else gamma

    def forward(self, maps: torch.Tensor, valid: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``maps [N, C, T, H, W]`` (``T`` frames in time order; ``valid [N, T]`` marks
        the real ones, a prefix) -> ``(maps * weight, weight [N, T, H, W])``."""
        n, c, t, h, w = maps.shape
        if (h, w) != self.map_size:
            raise ValueError(f'RelationAwareAttention: feature maps are {h} x {w}, map_size '
                             f'says {self.map_size[0]} x {self.map_size[1]}')
        lengths = torch.full((n, ), t, dtype=torch.long, device=maps.device) \
            if valid is None else valid.long().sum(1)
        x = maps.permute(0, 2, 3, 4, 1).reshape(n, t, h * w, c)
        logits = self.weight(torch.cat([x, self.relations(x, lengths)], -1)).squeeze(-1)
        weight = torch.sigmoid(logits) if self.activation == 'sigmoid' else logits
        weight = weight.reshape(n, t, h, w)
        return maps * weight.unsqueeze(1), weight


def build_backbone(cfg: dict, channels: Optional[int], owner: str) -> Tuple[nn.Module, int]:
    """A 2D backbone from its registry config (``mmaction.`` types importing mmaction2's
    models first) and the channels of its maps: ``channels``, else its ``out_channels``."""
    if str(cfg.get('type', '')).startswith('mmaction.'):
        from vadkit.utils.compat import import_mmaction_models
        import_mmaction_models()
    backbone = MODELS.build(cfg)
    width = channels or getattr(backbone, 'out_channels', None)
    if width is None:
        raise ValueError(f'{owner}: the backbone does not give out_channels; set channels')
    return backbone, int(width)


def backbone_maps(backbone: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The backbone's maps of ``images`` (the last of several outputs)."""
    maps = backbone(images)
    return maps[-1] if isinstance(maps, (tuple, list)) else maps


@MODELS.register_module()
class SmallConvNet(nn.Module):
    """A small CNN backbone (conv-BN-ReLU, stride 2 each) for end-to-end training on the
    CPU: ``[B, 3, h, w]`` -> ``[B, channels[-1], h / 2^len, w / 2^len]``."""

    def __init__(self, channels: Sequence[int] = (16, 32, 64), in_channels: int = 3) -> None:
        super().__init__()
        layers, width = [], int(in_channels)
        for c in channels:
            layers += [nn.Conv2d(width, int(c), 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(int(c)), nn.ReLU(inplace=True)]
            width = int(c)
        self.layers = nn.Sequential(*layers)
        self.out_channels = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


@MODELS.register_module()
class RelationAwareEncoder(nn.Module):
    """Frames -> patch features ``B``: backbone, relation-aware re-weighting across the
    video's frames, pyramid pooling per patch, mean over each segment's frames.

    Args:
        backbone: A registry config of a 2D backbone (``[B, 3, h, w]`` -> ``[B, C, H, W]``
            or a tuple whose last item is that): ``dict(type='mmaction.ResNet', depth=50,
            pretrained='checkpoints/...')`` for the paper's ResNet-50, ``SmallConvNet`` on
            the CPU.
        relation: A :class:`RelationAwareAttention` config (``in_channels`` filled in), or
            None for plain TRN-style patches (Table 1's "TRN" row).
        grid: Patches per side at each pyramid level. Default ``(1, 2, 3)`` (G = 14).
        spatial_pool: ``'max'`` (Sec. 4.2, default) or ``'mean'`` (Sec. 3.2) per patch.
        mean, std: Pixel normalisation (RGB, 0-255 scale). Default ImageNet's.
        channels: ``C`` of the backbone's maps, when the backbone does not say
            (``out_channels``); checked on the first forward.
    """

    def __init__(self, backbone: dict, relation: Optional[dict] = None,
                 grid: Sequence[int] = (1, 2, 3), spatial_pool: str = 'max',
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 channels: Optional[int] = None) -> None:
        super().__init__()
        if spatial_pool not in POOLS:
            raise ValueError(f'spatial_pool must be one of {POOLS}, got {spatial_pool!r}')
        self.backbone, self.channels = build_backbone(backbone, channels,
                                                      'RelationAwareEncoder')
        self.relation = None if relation is None else MODELS.build(
            dict(dict(type='RelationAwareAttention'), **relation, in_channels=self.channels))
        self.grid, self.spatial_pool = tuple(int(g) for g in grid), spatial_pool
        self.num_patches = sum(g * g for g in self.grid)
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).reshape(3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).reshape(3, 1, 1),
                             persistent=False)

    def forward(self, frames: torch.Tensor, valid: Optional[torch.Tensor] = None
                ) -> torch.Tensor:
        """``frames uint8 [N, T, S, h, w, 3]`` (RGB; ``S`` frames per segment) ->
        ``B float[N, T, G, C]``."""
        from vadkit.parsing.extractors.mmaction_clip import pool_patches
        n, t, s = frames.shape[:3]
        images = frames.reshape((n * t * s, ) + frames.shape[3:]).permute(0, 3, 1, 2)
        images = (images.float() - self.mean) / self.std
        maps = backbone_maps(self.backbone, images)
        if maps.ndim != 4 or maps.shape[1] != self.channels:
            raise ValueError(f'RelationAwareEncoder: the backbone gave maps of shape '
                             f'{tuple(maps.shape)}, expected B x {self.channels} x H x W')
        c, h, w = maps.shape[1:]
        maps = maps.reshape(n, t * s, c, h, w).transpose(1, 2)  # [N, C, T*S, H, W]
        if self.relation is not None:
            frame_valid = None if valid is None else valid.repeat_interleave(s, 1)
            maps, _ = self.relation(maps, frame_valid)
        per_segment = maps.reshape(n, c, t, s, h, w).transpose(1, 2).reshape(n * t, c, s, h, w)
        b = pool_patches(per_segment, self.grid, self.spatial_pool, 'mean')  # [N*T, G, C]
        return b.reshape(n, t, self.num_patches, c)


def relation_state(state: dict, prefix: str) -> dict:
    """The ``prefix``-ed entries of a checkpoint's state dict, prefix removed (a trained
    SA-CRF's ``'encoder.relation.'`` for the parsing extractor)."""
    out = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not out:
        raise CheckpointError(f'no weights start with {prefix!r} (keys like '
                              f'{sorted(state)[:3]})')
    return out


def load_prefixed(module: nn.Module, checkpoint: str, prefix: str,
                  state: Optional[dict] = None) -> nn.Module:
    """Load ``module`` with the ``prefix``-ed weights of ``checkpoint`` (a trained
    SA-CRF's ``'encoder.'``, ``'encoder.relation.'`` or ``'encoder.backbone.'``);
    ``state``: its state dict, when already read (the file is then only named).

    Raises:
        CheckpointError: The file is missing, unreadable or has no such weights.
        CheckpointMismatchError: They do not fit ``module``."""
    from vadkit.utils.checkpoint import (check_state_dict_fits, extract_state_dict,
                                         safe_torch_load)
    if state is None:
        state = extract_state_dict(safe_torch_load(checkpoint, map_location='cpu'))
    try:
        part = relation_state(state, prefix)
    except CheckpointError as exc:
        raise CheckpointError(f'checkpoint {checkpoint}: {exc}') from None
    check_state_dict_fits(module, part, source=f'{checkpoint} ({prefix}*)', strict=True)
    module.load_state_dict(part)
    return module


__all__ = ['RelationAwareAttention', 'RelationAwareEncoder', 'SmallConvNet',
           'load_prefixed', 'neighbour_index', 'relation_state']
