"""ITAM, the Image-Text Alignment Module of the local-patterns method (Sec. 3.2): an
image-attention module turning visual tokens into ``N_q`` query features, and a
text-attention module turning sentences into one feature each, trained together by the
image-text contrastive loss (:mod:`vadkit.models.losses.image_text`); only the image side
is kept at inference.

The paper names the layer kinds, not how many: here queries pass ``self_layers`` self-
attention layers (Vaswani et al.), then ``cross_layers`` cross-attention layers (queries
attend to the visual tokens, each with a residual, a norm and a feed-forward block), then
a feed-forward projection to ``E_d``, which is the order the paper describes; both counts
are config keys. The text side embeds tokens and positions, runs ``layers``
self-attention layers with the padding masked, keeps the ``[CLS]`` position (the paper's
"dimension reduction" from ``S_t x H_d`` to ``H_d``; ``pool='mean'`` averages the real
tokens instead) and projects to ``E_d``.
"""
from typing import Optional

import torch
from torch import nn

from vadkit.registry import MODELS

from .relation_aware import backbone_maps, build_backbone


def _ffn(in_channels: int, hidden: int, out_channels: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_channels, hidden), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(hidden, out_channels))


class _CrossAttentionLayer(nn.Module):
    def __init__(self, hidden: int, visual_channels: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(hidden, heads, dropout=dropout,
                                               kdim=visual_channels, vdim=visual_channels,
                                               batch_first=True)
        self.norm1 = nn.LayerNorm(hidden)
        self.ffn = _ffn(hidden, 4 * hidden, hidden, dropout)
        self.norm2 = nn.LayerNorm(hidden)

    def forward(self, queries: torch.Tensor, visual: torch.Tensor) -> torch.Tensor:
        attended, _ = self.attention(queries, visual, visual, need_weights=False)
        queries = self.norm1(queries + attended)
        return self.norm2(queries + self.ffn(queries))


@MODELS.register_module()
class ImageAttentionModule(nn.Module):
    """``H [B, S_d, V_d]`` -> ``F^I [B, N_q, E_d]``.

    Args:
        visual_channels: ``V_d`` (1408).
        num_queries: ``N_q`` (32).
        hidden_channels: ``H_d`` (768).
        out_channels: ``E_d`` (256).
        self_layers: Self-attention layers over the queries.
        cross_layers: Cross-attention layers from the queries to ``H``.
        num_heads: Attention heads.
        dropout: Dropout in attention and feed-forward blocks.
    """

    def __init__(self, visual_channels: int = 1408, num_queries: int = 32,
                 hidden_channels: int = 768, out_channels: int = 256, self_layers: int = 2,
                 cross_layers: int = 2, num_heads: int = 12, dropout: float = 0.1) -> None:
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, hidden_channels) * 0.02)
        layer = nn.TransformerEncoderLayer(hidden_channels, num_heads, 4 * hidden_channels,
                                           dropout, activation='gelu', batch_first=True)
        self.self_attention = nn.TransformerEncoder(layer, self_layers,
                                                    enable_nested_tensor=False)
        self.cross_attention = nn.ModuleList(
            _CrossAttentionLayer(hidden_channels, visual_channels, num_heads, dropout)
            for _ in range(cross_layers))
        self.project = _ffn(hidden_channels, hidden_channels, out_channels, dropout)

    def forward(self, visual: torch.Tensor) -> torch.Tensor:
        q = self.self_attention(self.queries.expand(len(visual), -1, -1))   # Q^I
        for layer in self.cross_attention:                                  # Z^I
            q = layer(q, visual)
        return self.project(q)                                              # F^I


@MODELS.register_module()
class TextAttentionModule(nn.Module):
    """Token ids ``[B, N_s, S_t]`` (with a padding mask) -> ``F^T [B, N_s, E_d]``.

    Args:
        vocab_size: Size of the vocabulary
            (:class:`~vadkit.models.components.text_vocab.WordVocabulary`).
        max_length: ``S_t``.
        hidden_channels: ``H_d`` (768).
        out_channels: ``E_d`` (256).
        layers: Self-attention layers.
        num_heads: Attention heads.
        pool: ``'cls'`` (position 0) or ``'mean'`` (the real tokens).
        dropout: Dropout.
    """

    def __init__(self, vocab_size: int, max_length: int = 16, hidden_channels: int = 768,
                 out_channels: int = 256, layers: int = 2, num_heads: int = 12,
                 pool: str = 'cls', dropout: float = 0.1) -> None:
        super().__init__()
        if pool not in ('cls', 'mean'):
            raise ValueError(f"pool must be 'cls' or 'mean', got {pool!r}")
        self.pool = pool
        self.tokens = nn.Embedding(vocab_size, hidden_channels, padding_idx=0)
        self.positions = nn.Parameter(torch.randn(max_length, hidden_channels) * 0.02)
        layer = nn.TransformerEncoderLayer(hidden_channels, num_heads, 4 * hidden_channels,
                                           dropout, activation='gelu', batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.project = _ffn(hidden_channels, hidden_channels, out_channels, dropout)

    def forward(self, ids: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, n_s, length = ids.shape
        if length > len(self.positions):
            raise ValueError(f'sentences of {length} tokens, max_length is '
                             f'{len(self.positions)}')
        flat = ids.reshape(b * n_s, length)
        valid = (flat != 0) if mask is None else mask.reshape(b * n_s, length).bool()
        valid = valid.clone()
        valid[:, 0] = True  # an empty sentence still has its first position
        x = self.tokens(flat) + self.positions[:length]
        z = self.encoder(x, src_key_padding_mask=~valid)                    # Z^T
        if self.pool == 'cls':
            pooled = z[:, 0]
        else:
            w = valid.unsqueeze(-1).float()
            pooled = (z * w).sum(1) / w.sum(1)
        return self.project(pooled).reshape(b, n_s, -1)                     # F^T


@MODELS.register_module()
class ITAMBackbone(nn.Module):
    """Object crops ``[B, 3, h, w]`` -> visual tokens ``H [B, 1 + P * P, V_d]``: a CNN's
    maps, a 1x1 convolution to ``V_d``, average pooling to ``P x P`` positions, plus a
    class token first (``S_d = 257`` for ``P = 16``).

    The paper keeps ResNet-18 "after the 8-th layer, 28 x 28 x 512"; at 224 x 224 input
    the 28 x 28 maps are those of its second stage, which has 128 channels, not 512. The
    default backbone is therefore ``mmaction.ResNet`` of depth 18 with ``out_indices=(1,)``
    (weights from ``init_cfg`` / a checkpoint path in the config, none downloaded); any
    registry backbone with ``out_channels`` (``SmallConvNet`` on the CPU) fits.

    Args:
        backbone: A registry config of a 2D backbone.
        visual_channels: ``V_d`` (1408).
        grid: ``P`` (16).
        class_token: ``'learned'`` (a learnable token) or ``'mean'`` (the mean of the
            pooled positions).
        channels: The backbone's output channels, when it does not give ``out_channels``.
    """

    def __init__(self, backbone: Optional[dict] = None, visual_channels: int = 1408,
                 grid: int = 16, class_token: str = 'learned',
                 channels: Optional[int] = None) -> None:
        super().__init__()
        if class_token not in ('learned', 'mean'):
            raise ValueError(f"class_token must be 'learned' or 'mean', got {class_token!r}")
        backbone = dict(backbone or dict(type='mmaction.ResNet', depth=18, out_indices=(1, ),
                                         pretrained=None))
        if channels is None and str(backbone.get('type', '')) == 'mmaction.ResNet':
            # its last stage out: 64 * 2^i channels, 4 times that with bottleneck blocks
            expansion = 1 if int(backbone.get('depth', 50)) < 50 else 4
            channels = 64 * 2 ** max(backbone.get('out_indices', (3, ))) * expansion
        self.backbone, width = build_backbone(backbone, channels, 'ITAMBackbone')
        self.project = nn.Conv2d(width, visual_channels, 1)
        self.pool = nn.AdaptiveAvgPool2d(grid)
        self.class_token = class_token
        if class_token == 'learned':
            self.token = nn.Parameter(torch.zeros(1, 1, visual_channels))
            nn.init.normal_(self.token, std=0.02)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        maps = backbone_maps(self.backbone, images)
        tokens = self.pool(self.project(maps)).flatten(2).transpose(1, 2)   # [B, P*P, V_d]
        first = (self.token.expand(len(tokens), -1, -1) if self.class_token == 'learned'
                 else tokens.mean(1, keepdim=True))
        return torch.cat([first, tokens], dim=1)
