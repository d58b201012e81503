"""Segment features from an mmaction2 recognizer's backbone: I3D, SlowOnly, TSN/TRN ...

The weakly supervised and segment-level methods read one vector (or one vector per patch)
per segment of a video, computed by a video CNN:

- GCL (CVPR 2022) takes one feature per **16-frame non-overlapping segment** from a 3D
  CNN (2048-d); mmaction2's I3D R50 and SlowOnly R50 are the 3D CNNs available here
  (also 2048-d). UCF-Crime / XD-Violence features are usually I3D with **ten crops** (the
  four corners and the centre, and their horizontal flips) or five crops, averaged.
- SA-CRF (ICCV 2021) runs TRN's ImageNet ResNet-50 on every frame, cuts each frame's last
  feature map at scales 1, 2 and 3 (the whole map, 2 x 2 and 3 x 3 patches: G = 14) and
  **global max pools** each patch, giving 14 vectors per frame.

:class:`MMActionClipEncoder` does both with any mmaction2 ``Recognizer3D`` (input
``N x C x T x H x W``) or ``Recognizer2D`` (the frames as a batch of images): frames
sampled from the segment, resized and cropped, normalised as the model's
``data_preprocessor`` says, run through the backbone, and its last feature map pooled
per patch of a spatial pyramid and over time. The maths lives in plain functions
(:func:`sample_indices`, :func:`resized_short_side`, :func:`crop_offsets`,
:func:`pyramid_bounds`, :func:`pool_patches`) that the tests check by hand.
"""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import ConfigError, DataError

from ..base import BaseClipExtractor
from ..openmmlab import ModelConfig, OpenMMLabBackend, default_scope, load_model_config
from ..video_io import as_uint8_frame

#: Crop sets and how many crops each gives.
CROP_COUNTS = {'center': 1, 'three': 3, 'five': 5, 'ten': 10}
#: Recognizer types by the input layout their backbone takes.
RECOGNIZERS_3D = ('Recognizer3D', )
RECOGNIZERS_2D = ('Recognizer2D', )
POOLS = ('mean', 'max')
CROP_REDUCES = ('mean', 'stack')


def sample_indices(length: int, num_frames: Optional[int]) -> np.ndarray:
    """Frames taken from a segment of ``length`` frames: ``int[n]``.

    ``None`` takes every frame. Otherwise the segment is cut into ``num_frames`` equal
    pieces and the frame at the middle of each is taken, ``floor((k + 0.5) * length /
    num_frames)`` for ``k = 0 .. num_frames - 1`` (with more samples than frames, some
    frames repeat). Example: 16 frames, 4 samples: ``[2, 6, 10, 14]``.
    """
    if length < 1:
        raise ValueError(f'length must be positive, got {length}')
    if num_frames is None:
        return np.arange(length, dtype=np.int64)
    k = np.arange(int(num_frames), dtype=np.float64)
    return np.minimum(np.floor((k + 0.5) * length / int(num_frames)), length - 1).astype(
        np.int64)


def resized_short_side(height: int, width: int, short_side: Optional[int]) -> Tuple[int, int]:
    """``(height, width)`` after resizing so that the shorter side is ``short_side``
    pixels, keeping the aspect ratio (the longer side rounded to the nearest pixel);
    unchanged for ``None``. Example: 240 x 360 to short side 256: ``(256, 384)``."""
    if short_side is None:
        return int(height), int(width)
    if height <= width:
        return int(short_side), max(int(round(width * short_side / height)), 1)
    return max(int(round(height * short_side / width)), 1), int(short_side)


def crop_offsets(height: int, width: int, crop_size: int,
                 crops: str) -> List[Tuple[int, int, bool]]:
    """Where the square crops of side ``crop_size`` lie in an image of ``height`` x
    ``width``: ``(y, x, flipped)`` of each crop's top-left corner, in this order:

    - ``'center'``: the centre ``((height - s) // 2, (width - s) // 2)``;
    - ``'three'``: along the longer side, the start, the centre and the end (top, middle,
      bottom when the image is taller than wide, else left, middle, right), centred on the
      shorter side;
    - ``'five'``: top-left, top-right, bottom-left, bottom-right (exact corners), centre;
    - ``'ten'``: the five crops, then the same five flipped left-right.

    Raises:
        DataError: The image is smaller than a crop.
    """
    s = int(crop_size)
    if crops not in CROP_COUNTS:
        raise ValueError(f'crops must be one of {sorted(CROP_COUNTS)}, got {crops!r}')
    if height < s or width < s:
        raise DataError(f'crops of {s} pixels do not fit in a {width} x {height} frame')
    cy, cx = (height - s) // 2, (width - s) // 2
    bottom, right = height - s, width - s
    if crops == 'center':
        places = [(cy, cx)]
    elif crops == 'three':
        places = [(0, cx), (cy, cx), (bottom, cx)] if height > width else \
            [(cy, 0), (cy, cx), (cy, right)]
    else:
        places = [(0, 0), (0, right), (bottom, 0), (bottom, right), (cy, cx)]
    out = [(y, x, False) for y, x in places]
    if crops == 'ten':
        out += [(y, x, True) for y, x in places]
    return out


def pyramid_bounds(length: int, parts: int) -> np.ndarray:
    """``int[parts + 1]`` borders of ``parts`` near-equal, non-overlapping pieces of
    ``length`` cells: ``round(linspace(0, length, parts + 1))`` (7 cells in 3 parts:
    ``[0, 2, 5, 7]``)."""
    return np.round(np.linspace(0, length, int(parts) + 1)).astype(np.int64)


def pool_patches(maps: torch.Tensor, grid: Sequence[int], spatial_pool: str = 'mean',
                 temporal_pool: str = 'mean') -> torch.Tensor:
    """Pool feature maps over every patch of a spatial pyramid, then over time.

    Args:
        maps: ``float[B, C, T, H, W]``.
        grid: Patches per side at each level; level ``g`` cuts the rows and the columns by
            :func:`pyramid_bounds` into ``g x g`` patches, taken row-major, and the levels
            follow each other (``(1, 2, 3)``: the whole map, then 2 x 2, then 3 x 3).
        spatial_pool: ``'mean'`` or ``'max'`` over each patch's cells, at every time step.
        temporal_pool: ``'mean'`` or ``'max'`` of those over the ``T`` steps.

    Returns:
        ``float[B, sum(g * g), C]``.

    Raises:
        DataError: The map has fewer cells per side than a level has patches.
    """
    if maps.ndim != 5:
        raise DataError(f'feature maps must be B x C x T x H x W, got {tuple(maps.shape)}')
    height, width = int(maps.shape[-2]), int(maps.shape[-1])
    if height < max(grid) or width < max(grid):
        raise DataError(f'a {width} x {height} feature map is too small for {max(grid)} '
                        'patches per side; use a larger crop_size or a smaller grid')
    out = []
    for g in grid:
        rows, cols = pyramid_bounds(height, g), pyramid_bounds(width, g)
        for i in range(g):
            for j in range(g):
                cell = maps[..., rows[i]:rows[i + 1], cols[j]:cols[j + 1]].flatten(-2)
                pooled = cell.amax(dim=-1) if spatial_pool == 'max' else cell.mean(dim=-1)
                out.append(pooled.amax(dim=-1) if temporal_pool == 'max'
                           else pooled.mean(dim=-1))  # [B, C]
    return torch.stack(out, dim=1)


def _config_get(cfg, dotted: str):
    node = cfg
    for key in dotted.split('.'):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


@EXTRACTORS.register_module()
class MMActionClipEncoder(OpenMMLabBackend, BaseClipExtractor):
    """Vectors per patch of a segment from the backbone of an mmaction2 recognizer.

    For one segment (the parser's clip of ``clip_len`` frames, 16 in GCL):

    1. ``num_frames`` frames are sampled uniformly (:func:`sample_indices`; all by
       default);
    2. each is resized so that its shorter side is ``short_side`` pixels (bilinear,
       keeping the aspect ratio, as mmaction2's ``Resize(scale=(-1, 256))``) and cut into
       ``crops`` squares of ``crop_size`` (:func:`crop_offsets`; ``'ten'`` is the usual
       UCF-Crime / XD-Violence I3D setting);
    3. the BGR pixels become RGB (mmaction2's decoders give RGB), the
       ``data_preprocessor``'s ``to_rgb`` swap is applied when it is set, then its
       ``(x - mean) / std``;
    4. a ``Recognizer3D`` backbone (I3D, SlowOnly, ...) gets each crop as ``1 x 3 x T x
       s x s``; a ``Recognizer2D`` backbone (TSN, TRN, ...) gets the crop's frames as a
       batch of images. The backbone's output (its last one when it gives several) is
       the feature map; necks and heads are not run;
    5. the map is pooled per patch of the pyramid ``grid`` (``spatial_pool``), then over
       its time axis (the 3D backbone's temporal axis, or the frames of a 2D one;
       ``temporal_pool``): :func:`pool_patches`;
    6. ``crop_reduce='mean'`` averages the crops' vectors (``num_patches = sum(g * g)``);
       ``'stack'`` keeps them all, crop-major: row ``c * sum(g * g) + p`` is patch ``p``
       of crop ``c`` in :func:`crop_offsets`' order (``num_patches = crops x sum(g * g)``).

    ``dim`` is the config's ``cls_head.in_channels`` (2048 for the R50 models), read
    without building the model, and ``num_patches`` follows from the arguments, so the
    parser can size its arrays before the first segment; the first forward checks that
    the backbone really gives ``dim`` channels. The model is built (and its checkpoint
    loaded) on first use, runs in eval mode under ``torch.inference_mode`` in float32,
    in the mmaction scope.

    SA-CRF's setting is a TRN config with ``grid=(1, 2, 3)``, ``spatial_pool='max'``
    (14 vectors; the per-frame vectors are averaged over the segment's frames with
    ``temporal_pool='mean'``); GCL's is an I3D or SlowOnly config with the defaults (one
    2048-d vector per 16-frame segment), or ``crops='ten'`` for the ten-crop features.

    Args:
        config: An mmaction2 recognizer config: a file, ``'mmaction::<path>'`` of a
            packaged one (``'mmaction::recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-
            32x2x1-100e_kinetics400-rgb.py'``), a dict with ``model`` or a bare model dict.
        checkpoint: Path or URL of the recognizer's weights. Default None: random
            initialisation (nothing is downloaded).
        device: Torch device. Default ``'cpu'``.
        cfg_options: Dotted keys merged into the config. Default None.
        strict: The checkpoint must hold exactly the model's weights. Default True.
        num_frames: Frames sampled from each segment (positive), or None for all of them.
            Default None. A backbone with ``num_segments`` (TSM-style shifts) needs a
            multiple of it.
        short_side: Shorter side (pixels, at least ``crop_size``) the frames are resized
            to, or None to keep their size. Default 256 (mmaction2's test pipelines).
        crop_size: Side of the square crops, pixels (positive). Default 224.
        crops: ``'center'``, ``'three'``, ``'five'`` or ``'ten'``. Default ``'center'``.
        crop_reduce: ``'mean'`` (average the crops) or ``'stack'`` (keep each crop's
            patches as rows). Default ``'mean'``.
        grid: Patches per side at each pyramid level (positive). Default ``(1,)``: the
            whole map; SA-CRF: ``(1, 2, 3)``.
        spatial_pool: ``'mean'`` or ``'max'`` over a patch. Default ``'mean'``; SA-CRF:
            ``'max'``.
        temporal_pool: ``'mean'`` or ``'max'`` over time. Default ``'mean'``.
        batch_size: Crops per forward pass (positive). Default 10.
        relation: SA-CRF's relation-aware re-weighting of the maps before pooling (Sec. 3.2):
            a ``RelationAwareAttention`` config (``in_channels`` is ``dim``; ``map_size``
            the backbone's map) plus ``checkpoint`` (a trained SA-CRF's checkpoint, or a
            state dict file) and ``prefix`` (default ``'encoder.relation.'``: the keys of
            ``SACRF(encoder=dict(relation=...))``); ``backbone_prefix`` (e.g.
            ``'encoder.backbone.'``) also loads the backbone trained end to end from that
            checkpoint over the recognizer's. The frames of the segment are its
            neighbouring frames. None (default): plain TRN-style patches.

    Raises:
        ConfigError: The config is not a Recognizer3D / Recognizer2D, has no
            ``cls_head.in_channels``, or its data preprocessor is not for RGB images.
        ValueError: An argument is out of range (the message names it).
    """

    scope = 'mmaction'

    def __init__(self, config: ModelConfig, checkpoint: Optional[str] = None,
                 device: str = 'cpu', cfg_options: Optional[dict] = None, strict: bool = True,
                 num_frames: Optional[int] = None, short_side: Optional[int] = 256,
                 crop_size: int = 224, crops: str = 'center', crop_reduce: str = 'mean',
                 grid: Sequence[int] = (1, ), spatial_pool: str = 'mean',
                 temporal_pool: str = 'mean', batch_size: int = 10,
                 relation: Optional[dict] = None) -> None:
        if num_frames is not None and int(num_frames) < 1:
            raise ValueError(f'num_frames must be positive or None, got {num_frames}')
        if int(crop_size) < 1:
            raise ValueError(f'crop_size must be positive, got {crop_size}')
        if short_side is not None and int(short_side) < int(crop_size):
            raise ValueError(f'short_side must be None or at least crop_size ({crop_size}), '
                             f'got {short_side}')
        if crops not in CROP_COUNTS:
            raise ValueError(f'crops must be one of {list(CROP_COUNTS)}, got {crops!r}')
        if crop_reduce not in CROP_REDUCES:
            raise ValueError(f'crop_reduce must be one of {list(CROP_REDUCES)}, got '
                             f'{crop_reduce!r}')
        grid = tuple(int(g) for g in (grid if isinstance(grid, (list, tuple)) else (grid, )))
        if not grid or any(g < 1 for g in grid):
            raise ValueError(f'grid must be positive patch counts, got {grid}')
        if spatial_pool not in POOLS:
            raise ValueError(f'spatial_pool must be one of {list(POOLS)}, got {spatial_pool!r}')
        if temporal_pool not in POOLS:
            raise ValueError(f'temporal_pool must be one of {list(POOLS)}, got '
                             f'{temporal_pool!r}')
        if int(batch_size) < 1:
            raise ValueError(f'batch_size must be positive, got {batch_size}')
        self._setup(config, checkpoint, device, cfg_options, strict)
        self.num_frames = None if num_frames is None else int(num_frames)
        self.short_side = None if short_side is None else int(short_side)
        self.crop_size = int(crop_size)
        self.crops = crops
        self.crop_reduce = crop_reduce
        self.grid = grid
        self.spatial_pool = spatial_pool
        self.temporal_pool = temporal_pool
        self.batch_size = int(batch_size)
        self.relation_cfg = None if relation is None else dict(relation)
        if self.relation_cfg is not None and not self.relation_cfg.get('checkpoint'):
            raise ValueError('relation needs a checkpoint (a trained SA-CRF with '
                             'encoder.relation); untrained re-weighting would only add noise')
        self._relation = None
        self._read_config()
        patches = int(sum(g * g for g in grid))
        self.num_patches = patches * (CROP_COUNTS[crops] if crop_reduce == 'stack' else 1)

    # ------------------------------------------------------------------ config
    def _read_config(self) -> None:
        """``dim``, the input layout and the normalisation, from the config alone."""
        who = type(self).__name__
        cfg = load_model_config(self.config, who, self.cfg_options)
        model = cfg.model
        kind = model.get('type')
        preprocessor = model.get('data_preprocessor') or {}
        layout = preprocessor.get('format_shape')
        if kind in RECOGNIZERS_3D or (kind not in RECOGNIZERS_2D and layout == 'NCTHW'):
            self._is_3d = True
        elif kind in RECOGNIZERS_2D or layout == 'NCHW':
            self._is_3d = False
        else:
            raise ConfigError(f'{who}: model type {kind!r} is neither a Recognizer3D nor a '
                              'Recognizer2D (and its data_preprocessor.format_shape is '
                              f'{layout!r}, not NCTHW / NCHW)')
        if not self._is_3d and model.get('backbone_from', 'mmaction2') != 'mmaction2':
            raise ConfigError(f'{who}: backbone_from={model.get("backbone_from")!r} is not '
                              'supported; use an mmaction2 backbone (torchvision does not '
                              'work here)')
        dim = _config_get(model, 'cls_head.in_channels')
        if not isinstance(dim, int) or dim < 1:
            raise ConfigError(f'{who}: the model config has no cls_head.in_channels (the '
                              'width of the backbone features); add it to the config')
        self.dim = int(dim)
        mean, std = preprocessor.get('mean'), preprocessor.get('std')
        if (mean is None) != (std is None):
            raise ConfigError(f'{who}: data_preprocessor has only one of mean and std')
        if mean is not None and (len(mean) != 3 or len(std) != 3):
            raise ConfigError(f'{who}: data_preprocessor mean/std have {len(mean)} / '
                              f'{len(std)} values; an RGB model needs 3')
        self._mean = None if mean is None else np.asarray(mean, np.float32)
        self._std = None if std is None else np.asarray(std, np.float32)
        self._to_rgb = bool(preprocessor.get('to_rgb', False))
        in_channels = _config_get(model, 'backbone.in_channels')
        if in_channels is not None and int(in_channels) != 3:
            raise ConfigError(f'{who}: the backbone takes {in_channels} input channels; '
                              'only 3-channel (RGB) models encode frames')

    def _on_built(self) -> None:
        from mmaction.models.recognizers import Recognizer2D, Recognizer3D
        wanted = Recognizer3D if self._is_3d else Recognizer2D
        if not isinstance(self._model, wanted):
            raise ConfigError(f'{type(self).__name__}: the config builds a '
                              f'{type(self._model).__name__}, expected a {wanted.__name__} '
                              '(from its type / data_preprocessor.format_shape)')
        if self.relation_cfg is not None:
            self._build_relation()

    # ------------------------------------------------------------------ pixels
    def _frames(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """The sampled, resized frames of a segment: ``uint8[T, h, w, 3]`` BGR."""
        who = type(self).__name__
        if frames is None or len(frames) == 0:
            raise DataError(f'{who}: a segment has no frames')
        picked = sample_indices(len(frames), self.num_frames)
        out, shape = [], None
        for index in picked:
            image = as_uint8_frame(frames[int(index)], f'{who} (segment frame {index})', 'bgr')
            if shape is None:
                shape = image.shape
                size = resized_short_side(shape[0], shape[1], self.short_side)
            elif image.shape != shape:
                raise DataError(f'{who}: frames of one segment differ in size ({shape} and '
                                f'{image.shape})')
            if size != image.shape[:2]:
                image = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
            out.append(image)
        return np.stack(out)

    def crop_stack(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """The crops of a segment: ``uint8[K, T, s, s, 3]`` BGR, ``K`` crops in
        :func:`crop_offsets`' order, ``T`` sampled frames, ``s = crop_size``."""
        video = self._frames(frames)
        s = self.crop_size
        try:
            places = crop_offsets(video.shape[1], video.shape[2], s, self.crops)
        except DataError as exc:
            raise DataError(f'{type(self).__name__}: {exc} (after resizing to short side '
                            f'{self.short_side}; set short_side or crop_size)') from None
        out = []
        for y, x, flipped in places:
            crop = video[:, y:y + s, x:x + s]
            out.append(crop[:, :, ::-1] if flipped else crop)
        return np.ascontiguousarray(np.stack(out))

    def to_input(self, crops: np.ndarray) -> torch.Tensor:
        """Network input of BGR crops ``uint8[K, T, s, s, 3]``: ``float32[K, 3, T, s, s]``
        for a 3D model, ``float32[K * T, 3, s, s]`` for a 2D one, in the channel order and
        normalisation of the model's data preprocessor."""
        rgb = crops[..., ::-1].astype(np.float32)
        if self._to_rgb:
            rgb = rgb[..., ::-1]
        if self._mean is not None:
            rgb = (rgb - self._mean) / self._std
        if self._is_3d:
            array = rgb.transpose(0, 4, 1, 2, 3)
        else:
            array = rgb.reshape((-1, ) + rgb.shape[2:]).transpose(0, 3, 1, 2)
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))

    # ------------------------------------------------------------------ network
    def feature_maps(self, inputs: torch.Tensor, num_crops: int) -> torch.Tensor:
        """The backbone's last feature map of ``num_crops`` crops (inputs from
        :meth:`to_input`) as ``float32[num_crops, C, T', H', W']`` (``T'`` the frames of
        a 2D model)."""
        model = self.model
        with default_scope(self.scope):
            out = model.backbone(inputs.to(self.device))
        if isinstance(out, (tuple, list)):
            out = out[-1]
        if self._is_3d:
            if out.ndim != 5:
                raise ConfigError(f'{type(self).__name__}: the 3D backbone gave a map of shape '
                                  f'{tuple(out.shape)}, not N x C x T x H x W')
            return out.float()
        if out.ndim != 4:
            raise ConfigError(f'{type(self).__name__}: the 2D backbone gave a map of shape '
                              f'{tuple(out.shape)}, not N x C x H x W')
        frames = out.shape[0] // num_crops
        return out.float().reshape((num_crops, frames) + out.shape[1:]).transpose(1, 2)

    def _check_segments(self, num_frames: int) -> None:
        segments = getattr(self.model.backbone, 'num_segments', None)
        if not self._is_3d and isinstance(segments, int) and segments > 1 \
                and num_frames % segments:
            raise DataError(f'{type(self).__name__}: the backbone shifts features across '
                            f'groups of {segments} frames, but a segment gives {num_frames}; '
                            f'set num_frames to a multiple of {segments}')

    def encode_crops(self, crops: np.ndarray) -> np.ndarray:
        """``float32[K, sum(g * g), dim]`` pooled vectors of crops ``uint8[K, T, s, s, 3]``
        (BGR), ``batch_size`` crops per forward pass."""
        self._check_segments(crops.shape[1])
        out = []
        with torch.inference_mode():
            for begin in range(0, len(crops), self.batch_size):
                part = crops[begin:begin + self.batch_size]
                maps = self.feature_maps(self.to_input(part), len(part))
                if maps.shape[1] != self.dim:
                    raise ConfigError(f'{type(self).__name__}: the backbone gives '
                                      f'{maps.shape[1]} channels but cls_head.in_channels '
                                      f'says {self.dim}; fix the config')
                if self.relation_cfg is not None:
                    maps = self.relation(maps)
                try:
                    pooled = pool_patches(maps, self.grid, self.spatial_pool,
                                          self.temporal_pool)
                except DataError as exc:
                    raise DataError(f'{type(self).__name__}: {exc} (crop_size '
                                    f'{self.crop_size}, grid {self.grid})') from None
                out.append(pooled.cpu().numpy())
        return np.concatenate(out).astype(np.float32)

    def _build_relation(self) -> None:
        """The trained relation-aware attention (and, with ``backbone_prefix``, the
        backbone trained with it) from one read of the relation checkpoint."""
        from vadkit.models.components.relation_aware import (RelationAwareAttention,
                                                             load_prefixed)
        from vadkit.utils.checkpoint import extract_state_dict, safe_torch_load
        cfg = dict(self.relation_cfg)
        path = cfg.pop('checkpoint')
        prefix = cfg.pop('prefix', 'encoder.relation.')
        backbone_prefix = cfg.pop('backbone_prefix', None)
        cfg.pop('type', None)
        state = extract_state_dict(safe_torch_load(path, map_location='cpu'))
        if backbone_prefix:
            load_prefixed(self._model.backbone, path, backbone_prefix, state)
        module = load_prefixed(RelationAwareAttention(in_channels=self.dim, **cfg), path,
                               prefix, state)
        self._relation = module.to(self.device).eval()

    def relation(self, maps: torch.Tensor) -> torch.Tensor:
        """``maps [K, C, T, H, W]`` re-weighted by the trained relation-aware attention
        (built with the model)."""
        out, _ = self._relation(maps)
        return out

    def __call__(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """Vectors of one segment.

        Args:
            frames: The segment's frames, ``uint8 H x W x 3`` BGR (grey is accepted).

        Returns:
            ``float32[num_patches, dim]``: the crops' mean per patch, or with
            ``crop_reduce='stack'`` every crop's patches, crop-major.
        """
        vectors = self.encode_crops(self.crop_stack(frames))  # [K, P, dim]
        if self.crop_reduce == 'mean':
            return vectors.mean(axis=0).astype(np.float32)
        return vectors.reshape(-1, self.dim)
