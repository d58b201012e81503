"""Appearance of object clips from a Vision Transformer: the object feature of HSC.

HSC (CVPR 2023, section 3.2) describes each object of a clip by a ViT-L/16 feature of its
box in every frame where it is tracked, averaged over those frames: 1024 values.

:class:`VisionTransformer` is vadkit's own ViT (Dosovitskiy et al., ICLR 2021): a
convolution cuts the image into ``patch_size`` x ``patch_size`` patches and embeds them, a
learned class token is put first and learned position embeddings are added, then
``depth`` pre-norm blocks ``x + Attn(LN(x))``, ``x + MLP(LN(x))`` (multi-head
self-attention with one fused ``qkv`` projection; MLP ``fc1 - GELU - fc2``) and a final
LayerNorm (``eps = 1e-6``). Its parameter names are those of the common public ViT
checkpoint layout::

    cls_token  pos_embed  patch_embed.proj.{weight,bias}
    blocks.<i>.norm1  blocks.<i>.attn.qkv  blocks.<i>.attn.proj
    blocks.<i>.norm2  blocks.<i>.mlp.fc1  blocks.<i>.mlp.fc2  norm

so an ImageNet ViT-L/16 224 state dict saved as a torch file (a bare state dict, or under
``state_dict`` / ``model``) loads strictly; the classifier ``head.*`` of such a file is
dropped. Position embeddings of another grid are resized bicubically
(:func:`resize_pos_embed`).
"""
import math
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vadkit.registry import EXTRACTORS
from vadkit.utils.checkpoint import check_state_dict_fits, extract_state_dict, safe_torch_load
from vadkit.utils.errors import CheckpointError, CheckpointMismatchError

from ..base import ObjectClip
from ..openmmlab import check_device
from ..openmmlab import save_weights as _save_weights
from .appearance import CropEmbeddingAppearance, crop_resized, sampled_crops

#: ImageNet statistics of RGB images in [0, 1].
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: The ViT-L/16 of HSC: embedding width, blocks, heads.
VIT_LARGE = dict(patch_size=16, embed_dim=1024, depth=24, num_heads=16, mlp_ratio=4.0)
#: Prefixes of checkpoint entries that are not part of the feature network.
IGNORED_PREFIXES = ('head.', )
LAYER_NORM_EPS = 1e-6


def _pair(value: Union[int, Sequence[int]], name: str) -> Tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(int(v) != v or int(v) < 1 for v in pair):
        raise ValueError(f'{name} must be a positive integer or (height, width), got {value!r}')
    return int(pair[0]), int(pair[1])


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch_size`` patches to ``embed_dim`` vectors (one convolution
    with kernel = stride = patch size), as ``float[N, num_patches, embed_dim]`` row by
    row."""

    def __init__(self, patch_size: Tuple[int, int], embed_dim: int,
                 in_channels: int = 3) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dim, patch_size, patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention: ``softmax(Q K^T / sqrt(d)) V`` per head, with ``Q, K, V``
    from one fused linear layer ``qkv`` (output rows: all of Q, then K, then V; each split
    into ``num_heads`` heads of ``d = dim / num_heads``) and the heads concatenated into
    the linear layer ``proj``."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'embed_dim ({dim}) must be a multiple of num_heads ({num_heads})')
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, tokens, dim = x.shape
        qkv = self.qkv(x).reshape(n, tokens, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each [n, heads, tokens, d]
        out = F.scaled_dot_product_attention(q, k, v)  # scale 1 / sqrt(d)
        return self.proj(out.transpose(1, 2).reshape(n, tokens, dim))


class Mlp(nn.Module):
    """``fc2(GELU(fc1(x)))`` (exact GELU, erf form)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, qkv_bias: bool) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn = Attention(dim, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    """ViT feature network: ``float[N, 3, H, W]`` normalised RGB to ``float[N, embed_dim]``.

    Args:
        img_size: Input ``(height, width)`` (or one side), pixels; multiples of
            ``patch_size``.
        patch_size: Patch side, pixels.
        embed_dim: Token width.
        depth: Number of blocks.
        num_heads: Attention heads per block.
        mlp_ratio: MLP hidden width / ``embed_dim``.
        qkv_bias: Bias in the ``qkv`` projection.
        pool: ``'cls'``: the class token after the final norm; ``'mean'``: the mean of the
            patch tokens after the final norm.
    """

    def __init__(self, img_size: Union[int, Sequence[int]] = 224, patch_size: int = 16,
                 embed_dim: int = 1024, depth: int = 24, num_heads: int = 16,
                 mlp_ratio: float = 4.0, qkv_bias: bool = True, pool: str = 'cls') -> None:
        super().__init__()
        self.img_size = _pair(img_size, 'img_size')
        self.patch_size = _pair(patch_size, 'patch_size')
        if any(s % p for s, p in zip(self.img_size, self.patch_size)):
            raise ValueError(f'img_size {self.img_size} must be multiples of patch_size '
                             f'{self.patch_size}')
        if pool not in ('cls', 'mean'):
            raise ValueError(f"pool must be 'cls' or 'mean', got {pool!r}")
        self.grid = (self.img_size[0] // self.patch_size[0],
                     self.img_size[1] // self.patch_size[1])
        self.pool = pool
        self.embed_dim = int(embed_dim)
        self.patch_embed = PatchEmbed(self.patch_size, self.embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.grid[0] * self.grid[1],
                                                  self.embed_dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        self.blocks = nn.ModuleList(Block(self.embed_dim, int(num_heads), float(mlp_ratio),
                                          bool(qkv_bias)) for _ in range(int(depth)))
        self.norm = nn.LayerNorm(self.embed_dim, eps=LAYER_NORM_EPS)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """``float[N, 1 + num_patches, embed_dim]`` after the final norm."""
        if tuple(x.shape[2:]) != self.img_size:
            raise ValueError(f'VisionTransformer: input is {tuple(x.shape[2:])}, the model '
                             f'takes {self.img_size} (height, width)')
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.tokens(x)
        return tokens[:, 0] if self.pool == 'cls' else tokens[:, 1:].mean(dim=1)


def resize_pos_embed(pos_embed: torch.Tensor, grid: Tuple[int, int],
                     old_grid: Optional[Tuple[int, int]] = None,
                     num_prefix_tokens: int = 1) -> torch.Tensor:
    """Position embeddings of another patch grid, resized bicubically.

    Args:
        pos_embed: ``float[1, prefix + gh * gw, D]``, the grid row by row after the
            ``num_prefix_tokens`` (class token) entries.
        grid: Target ``(rows, columns)``.
        old_grid: ``(gh, gw)`` of ``pos_embed``; None: a square grid.
        num_prefix_tokens: Leading entries that are not on the grid (kept as they are).

    Returns:
        ``float[1, prefix + rows * columns, D]``; at the same grid the values are
        unchanged.

    Raises:
        CheckpointMismatchError: The grid part is not ``gh * gw`` (or not square).
    """
    prefix, cells = pos_embed[:, :num_prefix_tokens], pos_embed[:, num_prefix_tokens:]
    count, dim = cells.shape[1], cells.shape[2]
    if old_grid is None:
        side = int(round(math.sqrt(count)))
        if side * side != count:
            raise CheckpointMismatchError(
                f'pos_embed holds {count} grid positions, not a square grid')
        old_grid = (side, side)
    if old_grid[0] * old_grid[1] != count:
        raise CheckpointMismatchError(f'pos_embed holds {count} grid positions, not '
                                      f'{old_grid[0]} x {old_grid[1]}')
    if tuple(old_grid) == tuple(grid):
        return pos_embed.clone()
    image = cells.reshape(1, old_grid[0], old_grid[1], dim).permute(0, 3, 1, 2).float()
    image = F.interpolate(image, size=tuple(grid), mode='bicubic', align_corners=False)
    cells = image.permute(0, 2, 3, 1).reshape(1, grid[0] * grid[1], dim).to(pos_embed.dtype)
    return torch.cat([prefix, cells], dim=1)


def load_vit_state(model: VisionTransformer, checkpoint: str) -> None:
    """Load a ViT checkpoint into ``model`` strictly (``head.*`` dropped, position
    embeddings resized to the model's grid).

    Raises:
        CheckpointError: The file is missing, unreadable or unsafe.
        CheckpointMismatchError: A key is missing or extra, or a shape differs.
    """
    path = osp.expanduser(str(checkpoint))
    if not osp.isfile(path):
        raise CheckpointError(f'ViTAppearance: checkpoint {path} does not exist')
    loaded = safe_torch_load(path, map_location='cpu')
    if isinstance(loaded, dict) and 'state_dict' not in loaded and \
            isinstance(loaded.get('model'), dict):
        loaded = loaded['model']  # the layout of some training scripts
    state = extract_state_dict(loaded)
    state = {k: v for k, v in state.items() if not k.startswith(IGNORED_PREFIXES)}
    own = model.pos_embed
    pos = state.get('pos_embed')
    if isinstance(pos, torch.Tensor) and pos.ndim == 3 and pos.shape[2] == own.shape[2] \
            and pos.shape[1] != own.shape[1]:
        try:
            state['pos_embed'] = resize_pos_embed(pos, model.grid)
        except CheckpointMismatchError as exc:
            raise CheckpointMismatchError(f'checkpoint {path}: {exc}') from None
    check_state_dict_fits(model, state, source=path, strict=True)
    model.load_state_dict(state, strict=True)


@EXTRACTORS.register_module()
class ViTAppearance(CropEmbeddingAppearance):
    """Appearance of a tracked object within a clip as a Vision Transformer sees it (HSC).

    For each object clip the box is cropped at its tracked frames (every one by default,
    as in the paper; ``num_samples`` evenly spaced ones otherwise), stretched to
    ``img_size``, converted to RGB in ``[0, 1]`` and normalised with ``mean`` / ``std``;
    :class:`VisionTransformer` gives each crop an ``embed_dim`` vector and the clip's
    vector is their mean (L2-normalised with ``normalize``; zeros for a clip without
    frames). Inference runs in ``torch.inference_mode`` in float32, batch by batch.

    Without ``checkpoint`` the network keeps a random initialisation (seeded by torch's
    global generator): the features then mean nothing and only serve tests. vadkit
    downloads no weights: give the path of a ViT-L/16 224 ImageNet state dict in the
    common layout (module docstring) saved with ``torch.save``.

    Args:
        checkpoint: Path of the ViT weights, or None (random weights, see above); read
            when the network is first needed.
        img_size: Network input, pixels: one side or ``(height, width)``, multiples of
            ``patch_size``. Default 224 (ViT-L/16 224); another size resizes the
            checkpoint's position embeddings bicubically.
        patch_size: Patch side, pixels. Default 16.
        embed_dim: Token width = :attr:`dim`. Default 1024 (ViT-L).
        depth: Transformer blocks. Default 24 (ViT-L).
        num_heads: Attention heads. Default 16 (ViT-L).
        mlp_ratio: MLP hidden width / ``embed_dim``. Default 4.0.
        qkv_bias: Bias in the fused ``qkv`` projection. Default True.
        pool: ``'cls'`` (default: the class token after the final norm) or ``'mean'``
            (mean of the patch tokens after the final norm).
        mean: RGB mean of ``[0, 1]`` images the weights expect. Default ImageNet
            ``(0.485, 0.456, 0.406)``; ``(0.5, 0.5, 0.5)`` for some checkpoints.
        std: RGB standard deviation, same units. Default ImageNet ``(0.229, 0.224,
            0.225)``; ``(0.5, 0.5, 0.5)`` for some checkpoints.
        num_samples: Crops per object clip: None (default, the paper) uses every tracked
            frame of the clip, an integer at most that many evenly spaced ones.
        batch_size: Crops per forward pass. Default 16.
        device: Torch device. Default ``'cpu'``.
        normalize: L2-normalise each clip's mean vector. Default False (the paper
            averages).
    """

    def __init__(self, checkpoint: Optional[str] = None,
                 img_size: Union[int, Sequence[int]] = 224, patch_size: int = 16,
                 embed_dim: int = 1024, depth: int = 24, num_heads: int = 16,
                 mlp_ratio: float = 4.0, qkv_bias: bool = True, pool: str = 'cls',
                 mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD,
                 num_samples: Optional[int] = None, batch_size: int = 16,
                 device: str = 'cpu', normalize: bool = False) -> None:
        who = 'ViTAppearance'
        size = _pair(img_size, f'{who}: img_size')
        patch = _pair(patch_size, f'{who}: patch_size')
        if patch[0] != patch[1]:
            raise ValueError(f'{who}: patch_size must be one integer, got {patch_size!r}')
        if any(s % patch[0] for s in size):
            raise ValueError(f'{who}: img_size {size} must be multiples of patch_size '
                             f'{patch[0]}')
        for name, value in (('embed_dim', embed_dim), ('depth', depth),
                            ('num_heads', num_heads), ('batch_size', batch_size)):
            if int(value) != value or int(value) < 1:
                raise ValueError(f'{who}: {name} must be a positive integer, got {value!r}')
        if int(embed_dim) % int(num_heads):
            raise ValueError(f'{who}: embed_dim ({embed_dim}) must be a multiple of '
                             f'num_heads ({num_heads})')
        if not float(mlp_ratio) > 0:
            raise ValueError(f'{who}: mlp_ratio must be positive, got {mlp_ratio!r}')
        if pool not in ('cls', 'mean'):
            raise ValueError(f"{who}: pool must be 'cls' or 'mean', got {pool!r}")
        mean_t, std_t = tuple(float(v) for v in mean), tuple(float(v) for v in std)
        if len(mean_t) != 3:
            raise ValueError(f'{who}: mean must be three RGB values, got {mean!r}')
        if len(std_t) != 3 or min(std_t) <= 0:
            raise ValueError(f'{who}: std must be three positive RGB values, got {std!r}')
        if num_samples is not None and (int(num_samples) != num_samples or int(num_samples) < 1):
            raise ValueError(f'{who}: num_samples must be None or a positive integer, got '
                             f'{num_samples!r}')
        self.checkpoint = checkpoint
        self.img_size = size
        self.patch_size = patch[0]
        self.embed_dim = int(embed_dim)
        self.depth = int(depth)
        self.num_heads = int(num_heads)
        self.mlp_ratio = float(mlp_ratio)
        self.qkv_bias = bool(qkv_bias)
        self.pool = pool
        self.mean = mean_t
        self.std = std_t
        self.num_samples = None if num_samples is None else int(num_samples)
        self.batch_size = int(batch_size)
        self.device = check_device(device, f'{who} (device)')
        self.normalize = bool(normalize)
        self.dim = self.embed_dim
        self._model: Optional[VisionTransformer] = None
        self._scale = np.asarray(std_t, np.float32) * 255.0
        self._offset = np.asarray(mean_t, np.float32) * 255.0

    @property
    def model(self) -> VisionTransformer:
        """The network in eval mode, built (and loaded) on first use."""
        if self._model is None:
            from ..openmmlab import INIT_SEED
            with torch.random.fork_rng(devices=[]):  # the same random weights every run
                torch.manual_seed(INIT_SEED)
                model = VisionTransformer(self.img_size, self.patch_size, self.embed_dim,
                                          self.depth, self.num_heads, self.mlp_ratio,
                                          self.qkv_bias, self.pool)
            if self.checkpoint is not None:
                load_vit_state(model, self.checkpoint)
            self._model = model.to(self.device).eval()
        return self._model

    def save_weights(self, path: str) -> str:
        """Write the network's weights where ``checkpoint`` can load them back."""
        return _save_weights(self.model, path, meta=dict(
            img_size=list(self.img_size), patch_size=self.patch_size,
            embed_dim=self.embed_dim, depth=self.depth, num_heads=self.num_heads))

    @property
    def crop_size(self) -> Tuple[int, int]:
        """``(width, height)`` of the crops."""
        return self.img_size[1], self.img_size[0]

    def crops(self, frames: Sequence[np.ndarray], clip: ObjectClip) -> List[np.ndarray]:
        """The BGR crops of ``clip`` at its sampled tracked frames, ``uint8[h, w, 3]`` of
        ``img_size``.

        Args:
            frames: The clip's frames, ``frames[i]`` being frame ``clip.start + i``.
            clip: The object clip.
        """
        count = len(clip.frames) if self.num_samples is None else self.num_samples
        return sampled_crops(frames, clip, max(count, 1), self.crop_size, type(self).__name__)

    def to_tensor(self, crops: Sequence[np.ndarray]) -> torch.Tensor:
        """Normalised ``float32[N, 3, h, w]`` RGB of ``uint8`` BGR crops of ``img_size``:
        ``(rgb / 255 - mean) / std``."""
        rgb = np.stack([np.asarray(c, np.uint8)[..., ::-1] for c in crops]).astype(np.float32)
        rgb = (rgb - self._offset) / self._scale
        return torch.from_numpy(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)))

    def embed_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """``float32[len(crops), dim]`` features of BGR crops (resized to ``img_size``
        when they are not already)."""
        out = np.zeros((len(crops), self.dim), np.float32)
        if not len(crops):
            return out
        height, width = self.img_size
        sized = [c if c.shape[:2] == (height, width) else
                 crop_resized(c, np.array([0, 0, c.shape[1], c.shape[0]]), (width, height))
                 for c in (np.asarray(c) for c in crops)]
        model = self.model
        with torch.inference_mode():
            for begin in range(0, len(sized), self.batch_size):
                batch = self.to_tensor(sized[begin:begin + self.batch_size]).to(self.device)
                out[begin:begin + len(batch)] = model(batch).float().cpu().numpy()
        return out

    def describe(self) -> dict:
        out = {k: v for k, v in vars(self).items() if not k.startswith('_')}
        out['img_size'] = list(self.img_size)
        out['mean'], out['std'] = list(self.mean), list(self.std)
        return dict(type=type(self).__name__, **out)
