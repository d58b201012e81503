"""Scene features from semantic segmentation: the background descriptor of HSC.

HSC (CVPR 2023, section 3.2 and supplement section 3.1) describes a clip's scene with a
semantic segmentation of its frames in which the foreground objects are masked out:
DeepLabV3+ gives class scores per location, max-pooling (size 4) shrinks them, each
pooled location keeps its highest class score, locations whose best class is a foreground
class (people, vehicles) are zeroed, and the maps of the clip's frames are averaged,
flattened and L2-normalised. The width of the vector depends on the frame size: the
decode head gives scores at 1/4 of the input, the pooling another 1/4, so
``D_B = floor(H / 16) * floor(W / 16)``: 1590 for ShanghaiTech (856 x 480), 880 for
Avenue (640 x 360) and 330 for UCSD Ped2 (360 x 240) (:func:`scene_feature_dim`).

Two parts:

- a **segmenter** (:class:`BaseSegmenter`): frames to ``float32[N, C, h, w]`` class
  scores at the model's own resolution; :class:`MMSegSegmenter` runs any mmsegmentation
  1.x ``EncoderDecoder`` (the paper's DeepLabV3+ is :data:`PAPER_SEGMENTER_CONFIG`);
- :class:`SegmentationScene`, the scene extractor, which pools, masks, averages and
  normalises what any registered segmenter gives.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import ConfigError, DataError

from ..base import BaseComponent, BaseSceneExtractor, VideoInfo
from ..openmmlab import (OpenMMLabBackend, ModelConfig, build_model, default_scope,
                         load_model_config)
from ..video_io import as_uint8_frame

#: The segmenter of the HSC paper, packaged with mmsegmentation 1.x (Cityscapes classes).
PAPER_SEGMENTER_CONFIG = \
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py'

#: The 19 Cityscapes training classes, in the order of mmseg's Cityscapes models.
CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                      'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
                      'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
                      'bicycle')

#: Names of people and vehicles in the Cityscapes, ADE20K, COCO(-Stuff) and Pascal VOC
#: class lists; the default foreground is the subset a segmenter knows.
FOREGROUND_CLASS_NAMES = ('person', 'rider', 'bicycle', 'car', 'motorcycle', 'motorbike',
                          'minibike', 'bus', 'train', 'truck', 'van', 'caravan', 'trailer')

MASK_MODES = ('after_pool', 'before_pool')
SCORE_MODES = ('logits', 'softmax')


def scene_feature_dim(height: int, width: int, output_stride: int = 4, pool: int = 4) -> int:
    """Width of the segmentation scene feature of a frame size.

    The segmenter's scores have ``floor(height / output_stride)`` x
    ``floor(width / output_stride)`` locations and the max-pooling keeps the whole windows
    of ``pool`` x ``pool`` (floor again), as :func:`torch.nn.functional.max_pool2d` does.

    Args:
        height: Frame height, pixels.
        width: Frame width, pixels.
        output_stride: Input pixels per score location of the segmenter (4 for mmseg's
            DeepLabV3+ decode head).
        pool: Side of the max-pooling window, score locations (4 in HSC).

    Returns:
        ``(height // output_stride // pool) * (width // output_stride // pool)``:
        1590 for 480 x 856, 880 for 360 x 640, 330 for 240 x 360.
    """
    for name, value in (('height', height), ('width', width),
                        ('output_stride', output_stride), ('pool', pool)):
        if int(value) != value or int(value) < 1:
            raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return (int(height) // int(output_stride) // int(pool)) * \
        (int(width) // int(output_stride) // int(pool))


class BaseSegmenter(BaseComponent):
    """Semantic segmentation of frames into class scores.

    Attributes:
        classes: Class names, indexed by the score channel.
    """

    classes: Tuple[str, ...] = ()

    def __call__(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """``float32[N, C, h, w]`` class scores of ``N`` ``uint8`` BGR frames of one size
        (``C = len(classes)``; ``(h, w)`` = :meth:`output_size` of the frame size)."""
        raise NotImplementedError

    def output_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(h, w)`` of the score maps of a ``height`` x ``width`` frame."""
        raise NotImplementedError


def replace_sync_bn(cfg):
    """A copy of a (model) config in which every ``type='SyncBN'`` is ``'BN'``.

    SyncBN is made for distributed GPU training; in evaluation both normalise with the
    running statistics, and their weights have the same names, so a SyncBN checkpoint
    loads into the BN model unchanged.
    """
    if isinstance(cfg, dict):
        out = {k: replace_sync_bn(v) for k, v in cfg.items()}
        if out.get('type') == 'SyncBN':
            out['type'] = 'BN'
        return out
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(replace_sync_bn(v) for v in cfg)
    return copy.deepcopy(cfg)


@EXTRACTORS.register_module()
class MMSegSegmenter(OpenMMLabBackend, BaseSegmenter):
    """Class scores of an mmsegmentation 1.x ``EncoderDecoder`` (DeepLabV3+ in HSC).

    Frames are converted and normalised as the model's ``data_preprocessor`` config says
    (``mean``, ``std``, ``bgr_to_rgb``; no padding or resizing) and the decode head's
    output (``model._forward``: backbone, neck, decode head) is returned as it is: logits
    at the head's own resolution (1/4 of the input for DeepLabV3+), not resized back to
    the frame. mmseg's ``init_cfg`` / ``pretrained`` entries download nothing: without
    ``checkpoint`` the model keeps its random initialisation.

    Any other segmenter (a class-map model of any kind) works with
    :class:`SegmentationScene` through the same interface: register a
    :class:`BaseSegmenter` with ``classes``, ``__call__`` and ``output_size``.

    Args:
        config: Model config: a file, a packaged ``'mmseg::...'`` spec, a config dict or
            a bare model dict. Default: the paper's DeepLabV3+ R50-D8 Cityscapes config
            (:data:`PAPER_SEGMENTER_CONFIG`).
        checkpoint: Local path or URL of its weights (mmseg's released checkpoints load
            as they are); None keeps the random initialisation (meaningless scores).
        device: Torch device.
        cfg_options: Dotted keys merged into the config (``{'model.decode_head.num_classes':
            5}``).
        strict: Every weight of the model must be in the checkpoint and nothing else.
        classes: Class names of the score channels. Default None: the first of the
            checkpoint's ``meta['dataset_meta']['classes']`` (or mmseg 0.x's
            ``meta['CLASSES']``), the model config's ``dataset_meta['classes']``, the
            ``METAINFO`` classes of the config's test dataset type (``CityscapesDataset``,
            ``ADE20KDataset`` ...) and the 19 Cityscapes classes
            (:data:`CITYSCAPES_CLASSES`). Their number must match the decode head's
            output channels.
        batch_size: Frames per forward pass (at least 1). Default 4.
        sync_bn_to_bn: Replace ``SyncBN`` by ``BN`` in the config before building
            (:func:`replace_sync_bn`; the packaged configs use SyncBN, made for
            distributed GPU training, and BN computes the same in evaluation on any
            device). Default True.
    """

    scope = 'mmseg'

    def __init__(self, config: ModelConfig = PAPER_SEGMENTER_CONFIG,
                 checkpoint: Optional[str] = None, device: str = 'cpu',
                 cfg_options: Optional[dict] = None, strict: bool = True,
                 classes: Optional[Sequence[str]] = None, batch_size: int = 4,
                 sync_bn_to_bn: bool = True) -> None:
        if int(batch_size) < 1:
            raise ValueError(f'MMSegSegmenter: batch_size must be at least 1, got {batch_size}')
        if classes is not None:
            if isinstance(classes, str) or not len(classes) or \
                    not all(isinstance(c, str) for c in classes):
                raise ValueError('MMSegSegmenter: classes must be a non-empty sequence of '
                                 f'names, got {classes!r}')
            if len(set(classes)) != len(classes):
                raise ValueError(f'MMSegSegmenter: classes has repeated names: {list(classes)}')
        self._setup(config, checkpoint, device, cfg_options, strict)
        self.batch_size = int(batch_size)
        self.sync_bn_to_bn = bool(sync_bn_to_bn)
        self.class_names = None if classes is None else tuple(classes)
        self._classes: Tuple[str, ...] = ()
        self._sizes: Dict[Tuple[int, int], Tuple[int, int]] = {}
        self._mean: Optional[torch.Tensor] = None
        self._std: Optional[torch.Tensor] = None
        self._to_rgb = False

    def _build(self) -> None:
        who = type(self).__name__
        cfg = load_model_config(self.config, who, self.cfg_options)
        if self.sync_bn_to_bn:
            cfg.model = replace_sync_bn(cfg.model.to_dict())
        self._model, self._cfg, self._meta = build_model(
            cfg, self.scope, self.checkpoint, self.device, who, None, self.strict)
        try:
            self._on_built()
        except Exception:  # an unusable model is not kept: every use says why
            self._model = self._cfg = None
            raise

    def _on_built(self) -> None:
        who = type(self).__name__
        model = self._model
        if not (callable(getattr(model, '_forward', None))
                and getattr(model, 'decode_head', None) is not None):
            raise ConfigError(f'{who}: model {type(model).__name__} is not an mmseg '
                              'EncoderDecoder (no decode_head / _forward)')
        channels = int(getattr(model.decode_head, 'out_channels',
                               getattr(model.decode_head, 'num_classes', 0)))
        meta_classes = (self._meta.get('dataset_meta') or {}).get('classes') \
            or self._meta.get('CLASSES')  # mmseg 0.x checkpoints
        config_classes, config_source = config_class_names(self._cfg)
        if self.class_names is not None:
            classes, source = self.class_names, 'the classes argument'
        elif meta_classes:
            classes, source = tuple(str(c) for c in meta_classes), 'the checkpoint'
        elif config_classes:
            classes, source = config_classes, config_source
        else:
            classes, source = CITYSCAPES_CLASSES, 'the Cityscapes default'
        if len(classes) != channels:
            raise ConfigError(
                f'{who}: the decode head gives {channels} class scores but {source} names '
                f'{len(classes)} classes; give classes=[...] with {channels} names')
        self._classes = tuple(classes)
        pre = dict(self._cfg.model.get('data_preprocessor') or {})
        mean, std = pre.get('mean'), pre.get('std')
        if (mean is None) != (std is None):
            raise ConfigError(f'{who}: data_preprocessor gives mean without std or std '
                              'without mean')
        if mean is not None:
            self._mean = torch.as_tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1)
            self._std = torch.as_tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1)
        self._to_rgb = bool(pre.get('bgr_to_rgb', False) or pre.get('rgb_to_bgr', False))

    @property
    def classes(self) -> Tuple[str, ...]:  # type: ignore[override]
        """Class names of the score channels (builds the model on first use)."""
        if self._model is None:
            self._build()
        return self._classes

    def preprocess(self, frames: Sequence[np.ndarray]) -> torch.Tensor:
        """``float32[N, 3, H, W]`` network input of ``uint8`` BGR frames of one size.

        Raises:
            DataError: A frame is not an image, or the frames differ in size.
        """
        who = type(self).__name__
        images = [as_uint8_frame(f, f'{who}: frame {i}', 'bgr') for i, f in enumerate(frames)]
        sizes = {im.shape[:2] for im in images}
        if len(sizes) > 1:
            raise DataError(f'{who}: the frames of one call differ in size: {sorted(sizes)}')
        _ = self.model
        x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
        if self._to_rgb:
            x = x.flip(1)
        if self._mean is not None:
            x = (x - self._mean) / self._std
        return x.contiguous()

    def __call__(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """Class scores of frames.

        Args:
            frames: ``uint8[H, W, 3]`` BGR frames of one size (grey frames are made BGR).

        Returns:
            ``float32[N, C, h, w]`` decode-head logits, ``C = len(classes)``.
        """
        model = self.model
        if not len(frames):
            return np.zeros((0, len(self._classes), 0, 0), np.float32)
        x = self.preprocess(frames)
        outs: List[np.ndarray] = []
        with torch.inference_mode(), default_scope(self.scope):
            for begin in range(0, len(x), self.batch_size):
                logits = model._forward(x[begin:begin + self.batch_size].to(self.device))
                if not isinstance(logits, torch.Tensor) or logits.ndim != 4:
                    raise ConfigError(f'{type(self).__name__}: the decode head of '
                                      f'{type(model).__name__} gives no N x C x h x w tensor')
                outs.append(logits.float().cpu().numpy())
        return np.ascontiguousarray(np.concatenate(outs), np.float32)

    def output_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(h, w)`` of the score maps of a ``height`` x ``width`` frame, found once per
        size by running the model on a black frame (exact for any architecture)."""
        key = (int(height), int(width))
        if key[0] < 1 or key[1] < 1:
            raise ValueError(f'MMSegSegmenter: frame size must be positive, got {key}')
        if key not in self._sizes:
            scores = self([np.zeros((*key, 3), np.uint8)])
            self._sizes[key] = (int(scores.shape[2]), int(scores.shape[3]))
        return self._sizes[key]

    def describe(self) -> dict:
        out = super().describe()
        out['classes'] = None if self.class_names is None else list(self.class_names)
        out.pop('class_names', None)
        return out


def config_class_names(cfg) -> Tuple[Tuple[str, ...], str]:
    """Class names an mmseg config states, and where: its ``dataset_meta['classes']``,
    else the ``METAINFO`` of the dataset type of its test (or val, train) dataloader
    (``CityscapesDataset``, ``ADE20KDataset`` ...); ``((), '')`` when it states none."""
    meta = cfg.get('dataset_meta') if hasattr(cfg, 'get') else None
    if isinstance(meta, dict) and meta.get('classes'):
        return tuple(str(c) for c in meta['classes']), 'the config\'s dataset_meta'
    for key in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        loader = cfg.get(key) if hasattr(cfg, 'get') else None
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        kind = dataset.get('type') if isinstance(dataset, dict) else None
        if not isinstance(kind, str):
            continue
        try:
            from mmseg.registry import DATASETS
            import mmseg.datasets  # noqa: F401  (registers the dataset classes)
            found = DATASETS.get(kind)
        except Exception:  # an unknown or unimportable dataset: no names from it
            found = None
        classes = getattr(found, 'METAINFO', {}).get('classes') if found else None
        if classes:
            return tuple(str(c) for c in classes), f'the config\'s dataset {kind}'
    return (), ''


def default_foreground(classes: Sequence[str]) -> Tuple[str, ...]:
    """The names of people and vehicles (:data:`FOREGROUND_CLASS_NAMES`) among ``classes``,
    in the order of ``classes``."""
    return tuple(c for c in classes if c.lower() in FOREGROUND_CLASS_NAMES)


@EXTRACTORS.register_module()
class SegmentationScene(BaseSceneExtractor):
    """HSC's scene feature: the segmentation of a clip's frames without its foreground.

    For every ``frame_step``-th frame of the clip (resized to ``input_size`` first when it
    is given) the segmenter gives class scores ``S[C, h, w]`` (logits, or their softmax
    over the classes with ``scores='softmax'``). Then, with ``mask='after_pool'`` (what
    the HSC authors' code does):

    1. max-pooling with a ``pool`` x ``pool`` window and stride ``pool`` (trailing rows
       and columns that do not fill a window are dropped) of every class map:
       ``P[c, i, j] = max S[c, pool*i : pool*i + pool, pool*j : pool*j + pool]``;
    2. per location the best score ``v[i, j] = max_c P[c, i, j]``, set to 0 where the best
       class ``argmax_c P[c, i, j]`` is a foreground class.

    With ``mask='before_pool'`` the foreground is removed at the segmenter's resolution
    instead: a location whose best class is foreground takes no part in the max-pooling of
    the best score ``max_c S[c]``, and a window holding only foreground gives 0.

    The clip's vector is the mean of the per-frame maps ``v`` over its frames, flattened
    row by row and L2-normalised (a vector of zeros stays zero):
    ``dim = (h // pool) * (w // pool)``, set by :meth:`reset` from the video's frame size
    (330 for UCSD Ped2's 360 x 240 with DeepLabV3+, see :func:`scene_feature_dim`).

    Args:
        segmenter: EXTRACTORS config of a :class:`BaseSegmenter` (or one already built),
            e.g. ``dict(type='MMSegSegmenter', config=..., checkpoint=...)``.
        pool: Side of the max-pooling window, score locations (at least 1). Default 4 (HSC).
        foreground_classes: Names of the classes to mask out; each must be one of the
            segmenter's classes. Default None: the people and vehicles among the
            segmenter's classes (:func:`default_foreground`; for Cityscapes person, rider,
            car, truck, bus, train, motorcycle, bicycle). ``()`` masks nothing.
        mask: ``'after_pool'`` (default, the authors' code) or ``'before_pool'``.
        scores: ``'logits'`` (default) or ``'softmax'`` (probabilities over the classes).
        frame_step: Use every ``frame_step``-th frame of the clip, from its first (at least
            1). Default 1: every frame.
        input_size: ``(width, height)`` in pixels to resize the frames to before
            segmenting (bilinear), or None (default) to segment them at their own size.
    """

    def __init__(self, segmenter: Union[dict, BaseSegmenter], pool: int = 4,
                 foreground_classes: Optional[Sequence[str]] = None,
                 mask: str = 'after_pool', scores: str = 'logits', frame_step: int = 1,
                 input_size: Optional[Sequence[int]] = None) -> None:
        if isinstance(segmenter, dict):
            segmenter = EXTRACTORS.build(segmenter)
        if not isinstance(segmenter, BaseSegmenter):
            raise ConfigError('SegmentationScene: segmenter must build a BaseSegmenter, got '
                              f'{type(segmenter).__name__}')
        if int(pool) != pool or int(pool) < 1:
            raise ValueError(f'SegmentationScene: pool must be a positive integer, got {pool!r}')
        if mask not in MASK_MODES:
            raise ValueError(f'SegmentationScene: mask must be one of {MASK_MODES}, got {mask!r}')
        if scores not in SCORE_MODES:
            raise ValueError(f'SegmentationScene: scores must be one of {SCORE_MODES}, got '
                             f'{scores!r}')
        if int(frame_step) != frame_step or int(frame_step) < 1:
            raise ValueError('SegmentationScene: frame_step must be a positive integer, got '
                             f'{frame_step!r}')
        if input_size is not None:
            input_size = tuple(int(v) for v in input_size)
            if len(input_size) != 2 or min(input_size) < 1:
                raise ValueError('SegmentationScene: input_size must be (width, height) in '
                                 f'pixels, got {input_size!r}')
        if foreground_classes is not None:
            if isinstance(foreground_classes, str) or \
                    not all(isinstance(c, str) for c in foreground_classes):
                raise ValueError('SegmentationScene: foreground_classes must be a sequence of '
                                 f'class names, got {foreground_classes!r}')
            foreground_classes = tuple(foreground_classes)
        self.segmenter = segmenter
        self.pool = int(pool)
        self.foreground_classes = foreground_classes
        self.mask = mask
        self.scores = scores
        self.frame_step = int(frame_step)
        self.input_size = input_size
        self.dim = 0
        self._video = '<unknown video>'
        self._frame_size: Optional[Tuple[int, int]] = None
        self._foreground: Optional[np.ndarray] = None

    # ------------------------------------------------------------------ set-up
    def foreground_indices(self) -> np.ndarray:
        """``int64[k]`` score channels of the foreground classes.

        Raises:
            ConfigError: A name of ``foreground_classes`` is not a segmenter class.
        """
        if self._foreground is None:
            classes = tuple(self.segmenter.classes)
            names = default_foreground(classes) if self.foreground_classes is None \
                else self.foreground_classes
            unknown = [n for n in names if n not in classes]
            if unknown:
                raise ConfigError(f'SegmentationScene: foreground_classes {unknown} are not '
                                  f'classes of the segmenter ({list(classes)})')
            self._foreground = np.asarray([classes.index(n) for n in names], np.int64)
        return self._foreground

    def feature_dim(self, height: int, width: int) -> int:
        """``dim`` for frames of ``height`` x ``width`` pixels (before ``input_size``)."""
        if self.input_size is not None:
            width, height = self.input_size
        h, w = self.segmenter.output_size(int(height), int(width))
        return (int(h) // self.pool) * (int(w) // self.pool)

    def reset(self, info: VideoInfo) -> None:
        """Start a video: reset the segmenter and set ``dim`` from the frame size."""
        self.segmenter.reset(info)
        self._video = info.video_id
        self._frame_size = (int(info.height), int(info.width))
        self.foreground_indices()
        self.dim = self.feature_dim(info.height, info.width)

    # ------------------------------------------------------------------ maths
    def _prepare(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        picked = [as_uint8_frame(f, f'SegmentationScene: video {self._video}', 'bgr')
                  for f in list(frames)[::self.frame_step]]
        if self._frame_size is not None and self.input_size is None:
            wrong = [f.shape[:2] for f in picked if f.shape[:2] != self._frame_size]
            if wrong:
                raise DataError(f'SegmentationScene: video {self._video} has frames of '
                                f'{wrong[0][1]}x{wrong[0][0]}, but reset() was told '
                                f'{self._frame_size[1]}x{self._frame_size[0]}')
        if self.input_size is not None:
            picked = [f if (f.shape[1], f.shape[0]) == self.input_size else
                      cv2.resize(f, self.input_size, interpolation=cv2.INTER_LINEAR)
                      for f in picked]
        return picked

    def masked_maps(self, scores: np.ndarray) -> np.ndarray:
        """Per-frame background maps of class scores.

        Args:
            scores: ``float[N, C, h, w]`` segmenter output.

        Returns:
            ``float32[N, h // pool, w // pool]``: per pooled location the best (pooled)
            class score, 0 where the foreground wins (see the class docstring).
        """
        x = torch.as_tensor(np.asarray(scores, np.float32))
        if x.ndim != 4:
            raise DataError(f'SegmentationScene: video {self._video}: the segmenter gave '
                            f'scores of shape {tuple(x.shape)}, expected N x C x h x w')
        if x.shape[2] < self.pool or x.shape[3] < self.pool:
            raise DataError(f'SegmentationScene: video {self._video}: score maps of '
                            f'{x.shape[3]}x{x.shape[2]} are smaller than pool={self.pool}')
        if self.scores == 'softmax':
            x = torch.softmax(x, dim=1)
        foreground = torch.as_tensor(self.foreground_indices())
        if self.mask == 'after_pool':
            pooled = F.max_pool2d(x, self.pool, self.pool)
            best, label = pooled.max(dim=1)
            best = torch.where(torch.isin(label, foreground), torch.zeros_like(best), best)
        else:
            best, label = x.max(dim=1)
            best = torch.where(torch.isin(label, foreground),
                               torch.full_like(best, float('-inf')), best)
            best = F.max_pool2d(best[:, None], self.pool, self.pool)[:, 0]
            best = torch.where(torch.isneginf(best), torch.zeros_like(best), best)
        return best.numpy().astype(np.float32)

    def __call__(self, frames: Sequence[np.ndarray], start: int) -> np.ndarray:
        """The scene vector of one clip.

        Args:
            frames: The clip's ``uint8`` BGR frames.
            start: The clip's first frame (unused: clips are independent).

        Returns:
            ``float32[dim]``, unit L2 norm (zeros for a clip without frames).
        """
        picked = self._prepare(frames)
        if not picked:
            if not self.dim and self._frame_size is not None:
                self.dim = self.feature_dim(*self._frame_size)
            return np.zeros(self.dim, np.float32)
        maps = self.masked_maps(self.segmenter(picked))
        vector = maps.mean(axis=0).reshape(-1).astype(np.float32)
        if self.dim and vector.size != self.dim:
            raise DataError(f'SegmentationScene: video {self._video}: the segmenter gave '
                            f'{vector.size} pooled locations, reset() expected {self.dim}')
        self.dim = int(vector.size)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def save_weights(self, path: str) -> str:
        """The segmenter's weights, where its ``checkpoint`` can load them back."""
        saver = getattr(self.segmenter, 'save_weights', None)
        if not callable(saver):
            raise ConfigError(f'SegmentationScene: segmenter {type(self.segmenter).__name__} '
                              'has no weights to save')
        return saver(path)

    def describe(self) -> dict:
        return dict(type=type(self).__name__, segmenter=self.segmenter.describe(),
                    pool=self.pool,
                    foreground_classes=None if self.foreground_classes is None
                    else list(self.foreground_classes),
                    mask=self.mask, scores=self.scores, frame_step=self.frame_step,
                    input_size=None if self.input_size is None else list(self.input_size),
                    dim=self.dim)
