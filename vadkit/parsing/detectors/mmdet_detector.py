"""Any mmdet 3.x detector (YOLOv3 and the others) as a vadkit detector.

HSC (supplement Sec. 3.1) detects objects with a COCO YOLOv3, keeps people and vehicles
and thresholds the scores at 0.8 (ShanghaiTech, Avenue) or 0.5 (UCSD Ped2, low
resolution). :class:`MMDetDetector` runs such a model on one BGR frame:

1. the frame is resized with mmdet's ``Resize`` transform (the model config's test-time
   scale unless ``img_scale`` is given) and packed with ``PackDetInputs``;
2. the model is told that the resized frame *is* the original (``ori_shape`` = the
   resized shape, ``scale_factor`` = 1), so ``model.test_step`` returns boxes in the
   coordinates of the resized frame;
3. vadkit maps them back: ``x / sx`` and ``y / sy`` with ``Resize``'s factors
   ``(sx, sy) = (resized width / width, resized height / height)``, then clips them to
   ``[0, width] x [0, height]``;
4. the boxes of the kept classes scoring at least ``score_thr`` are returned with their
   output label's index.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from vadkit.registry import DETECTORS
from vadkit.utils.errors import ConfigError

from ..base import BaseDetector, VideoInfo
from ..openmmlab import (ModelConfig, OpenMMLabBackend, default_scope, import_backend,
                         pipeline_step)
from ..openmmlab import save_weights as _save_weights
from ..video_io import as_uint8_frame

#: The 80 class names of COCO detection, in the order of mmdet's COCO models' labels
#: (``mmdet.datasets.CocoDataset.METAINFO['classes']``).
COCO_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
    'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat',
    'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack',
    'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball',
    'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket',
    'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
    'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair',
    'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse',
    'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier',
    'toothbrush')

#: The COCO classes HSC keeps: people and vehicles ("people, bicycle, tricycle, cars and
#: such vehicles"; COCO has no tricycle).
PEOPLE_AND_VEHICLES = ('person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck')

#: Test scale ``(w, h)`` used when the model config's test pipeline has no ``Resize``:
#: YOLOv3's 608 x 608 (keep ratio).
DEFAULT_IMG_SCALE = (608, 608)

_RESIZE_TYPES = ('Resize', 'mmdet.Resize')


def rescale_boxes(boxes: np.ndarray, scale_factor: Tuple[float, float],
                  width: int, height: int) -> np.ndarray:
    """Boxes of a resized frame in the original frame's pixels, clipped to it.

    Args:
        boxes: ``float[N, 4]`` ``(x1, y1, x2, y2)`` in the resized frame.
        scale_factor: ``(sx, sy)``: resized width / width and resized height / height.
        width: Width of the original frame (pixels).
        height: Its height.

    Returns:
        ``float64[N, 4]``: ``(x1 / sx, y1 / sy, x2 / sx, y2 / sy)`` clipped to
        ``[0, width] x [0, height]``.

    >>> rescale_boxes(np.array([[10., 20., 50., 300.]]), (0.5, 2.0), 100, 120).tolist()
    [[20.0, 10.0, 100.0, 120.0]]
    """
    sx, sy = float(scale_factor[0]), float(scale_factor[1])
    out = np.asarray(boxes, np.float64).reshape(-1, 4) / np.array([sx, sy, sx, sy])
    out[:, 0::2] = np.clip(out[:, 0::2], 0.0, float(width))
    out[:, 1::2] = np.clip(out[:, 1::2], 0.0, float(height))
    return out


def _test_resize(cfg) -> Optional[dict]:
    """The first ``Resize`` with a ``scale`` of the config's test pipeline, or None."""
    return pipeline_step(cfg, _RESIZE_TYPES, lambda step: step.get('scale') is not None)


def _is_number(value) -> bool:
    """A real number (not a bool), finite."""
    return isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, (bool, np.bool_)) and bool(np.isfinite(value))


def _as_scale(value, name: str) -> Tuple[int, int]:
    """``(w, h)`` positive integers from an int (square) or a pair."""
    try:
        pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(_is_number(v) and int(v) == v and v >= 1 for v in pair):
        raise ValueError(f'{name} must be a positive integer or a (w, h) pair of them, '
                         f'got {value!r}')
    return int(pair[0]), int(pair[1])


@DETECTORS.register_module()
class MMDetDetector(OpenMMLabBackend, BaseDetector):
    """An mmdet 3.x detector: one BGR frame to ``(x1, y1, x2, y2, score, class_index)``.

    The model's labels are named by the checkpoint's ``meta.dataset_meta.classes`` when
    it has them, else by ``class_names``. Only the boxes of the model classes in
    ``classes`` scoring at least ``score_thr`` are kept; ``label_map`` renames model
    classes to output labels (several may share one). :attr:`classes` lists the output
    labels in order of first appearance (in ``classes``' order, or the model's when
    ``classes`` is None) and the ``class_index`` column indexes it.

    Args:
        config: The mmdet model config: a file, ``'mmdet::<path>'`` of a packaged one
            (``'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py'``), a dict with
            ``model`` or a bare model dict (see
            :func:`vadkit.parsing.openmmlab.load_model_config`).
        checkpoint: Local path or URL of the weights; None (default) keeps the random
            initialisation.
        device: Torch device. Default ``'cpu'``.
        cfg_options: Dotted keys merged into the config
            (``{'model.test_cfg.max_per_img': 8}``). Default None.
        strict: The checkpoint must hold exactly the model's weights. Default True.
        score_thr: Least score of a kept box, in ``[0, 1]``. Default 0.8 (the HSC
            supplement for ShanghaiTech and Avenue; 0.5 for UCSD Ped2). The model's own
            ``test_cfg.score_thr`` applies first.
        classes: Model class names kept; None keeps every class. Default
            :data:`PEOPLE_AND_VEHICLES` (person, bicycle, car, motorcycle, bus, truck).
        label_map: ``{model class: output label}`` renaming classes
            (``{'motorcycle': 'vehicle', 'bus': 'vehicle'}``); the others keep their
            name. Default None.
        class_names: Names of the model's labels when the checkpoint carries none.
            Default :data:`COCO_CLASSES` (80 names).
        img_scale: Test resize ``(w, h)`` in pixels (an int: square); None (default)
            reads the ``scale`` of the config's test pipeline ``Resize``, else
            :data:`DEFAULT_IMG_SCALE` (608 x 608).
        keep_ratio: Resize keeping the aspect ratio (the frame then fits in
            ``img_scale``); None (default) reads the config's ``Resize`` (True without
            one).
    """

    scope = 'mmdet'

    def __init__(self, config: ModelConfig, checkpoint: Optional[str] = None,
                 device: str = 'cpu', cfg_options: Optional[dict] = None, strict: bool = True,
                 score_thr: float = 0.8,
                 classes: Optional[Sequence[str]] = PEOPLE_AND_VEHICLES,
                 label_map: Optional[Dict[str, str]] = None,
                 class_names: Sequence[str] = COCO_CLASSES,
                 img_scale=None, keep_ratio: Optional[bool] = None) -> None:
        self._setup(config, checkpoint, device, cfg_options, strict)
        if not _is_number(score_thr) or not 0.0 <= float(score_thr) <= 1.0:
            raise ValueError(f'score_thr must be a number in [0, 1], got {score_thr!r}')
        self.score_thr = float(score_thr)
        if isinstance(class_names, str) or not class_names or \
                not all(isinstance(n, str) and n for n in class_names):
            raise ValueError('class_names must be a non-empty sequence of class names, '
                             f'got {class_names!r}')
        if len(set(class_names)) != len(class_names):
            raise ValueError(f'class_names holds a name twice: {tuple(class_names)}')
        self.class_names = tuple(class_names)
        if classes is not None:
            if isinstance(classes, str) or not all(isinstance(n, str) for n in classes):
                raise ValueError(f'classes must be None or a sequence of class names, got '
                                 f'{classes!r}')
            classes = tuple(dict.fromkeys(classes))
            if not classes:
                raise ValueError('classes must name at least one class (None keeps all)')
        self.kept_classes = classes
        if label_map is not None and not (
                isinstance(label_map, dict)
                and all(isinstance(k, str) and isinstance(v, str) and v
                        for k, v in label_map.items())):
            raise ValueError(f'label_map must be a dict of class name to label name, got '
                             f'{label_map!r}')
        self.label_map = dict(label_map or {})
        self.img_scale = None if img_scale is None else _as_scale(img_scale, 'img_scale')
        if keep_ratio is not None and not isinstance(keep_ratio, bool):
            raise ValueError(f'keep_ratio must be None or a bool, got {keep_ratio!r}')
        self.keep_ratio = keep_ratio
        self._names = self.class_names
        self._labels: Tuple[str, ...] = ()
        self._lookup = np.zeros(0, np.int64)
        if not self.checkpoint:  # else the checkpoint's names may replace class_names
            self._check_names(self._names, 'class_names', ValueError)
        self._transforms = None
        self._video = '<no video>'

    # ------------------------------------------------------------------ classes
    def _check_names(self, names: Tuple[str, ...], source: str, error=ConfigError) -> None:
        """Check ``classes`` and ``label_map`` against the model's class names and set the
        label lookup."""
        who = type(self).__name__
        for arg, asked in (('classes', self.kept_classes or ()),
                           ('label_map', tuple(self.label_map))):
            unknown = [n for n in asked if n not in names]
            if unknown:
                raise error(f'{who}: {arg} names {unknown}, which are not classes of the '
                            f'model (its {source}: {names})')
        kept = self.kept_classes if self.kept_classes is not None else names
        labels: List[str] = []
        for name in kept:
            label = self.label_map.get(name, name)
            if label not in labels:
                labels.append(label)
        self._labels = tuple(labels)
        lookup = np.full(len(names), -1, np.int64)
        for name in kept:
            lookup[names.index(name)] = labels.index(self.label_map.get(name, name))
        self._lookup = lookup

    @property
    def classes(self) -> Tuple[str, ...]:
        """Output labels, indexed by the ``class_index`` column (a checkpoint's class
        names are read when it is loaded, so with ``checkpoint`` this builds the model)."""
        if self.checkpoint and self._model is None:
            self._build()
        return self._labels

    @property
    def model_classes(self) -> Tuple[str, ...]:
        """Names of the model's labels (the checkpoint's, else ``class_names``)."""
        if self.checkpoint and self._model is None:
            self._build()
        return self._names

    def _on_built(self) -> None:
        who = type(self).__name__
        source = 'class_names'
        names = self.class_names
        # mmdet 3.x checkpoints name their classes in dataset_meta, 2.x ones in CLASSES
        saved = (self._meta.get('dataset_meta') or {}).get('classes') or \
            self._meta.get('CLASSES')
        if saved:
            names, source = tuple(str(n) for n in saved), "checkpoint's dataset_meta.classes"
        head = getattr(self._model, 'bbox_head', None)
        num_classes = getattr(head, 'num_classes', None)
        if isinstance(num_classes, int) and num_classes != len(names):
            raise ConfigError(f'{who}: the model predicts {num_classes} classes but its '
                              f'{source} has {len(names)} names; set class_names')
        self._names = names
        self._check_names(names, source)
        self._model.dataset_meta = dict(classes=names)
        scale, keep_ratio = self.img_scale, self.keep_ratio
        step = _test_resize(self._cfg)
        if scale is None:
            scale = _as_scale(step['scale'], 'the test Resize scale') if step is not None \
                else DEFAULT_IMG_SCALE
        if keep_ratio is None:
            keep_ratio = bool(step.get('keep_ratio', False)) if step is not None else True
        registry = import_backend(self.scope, who)
        import mmdet.datasets.transforms  # noqa: F401  (registers Resize, PackDetInputs)
        with default_scope(self.scope):
            self._transforms = (
                registry.TRANSFORMS.build(dict(type='Resize', scale=scale,
                                               keep_ratio=keep_ratio)),
                registry.TRANSFORMS.build(dict(
                    type='PackDetInputs',
                    meta_keys=('img_id', 'ori_shape', 'img_shape', 'scale_factor'))))
        self._test_scale = (tuple(scale), bool(keep_ratio))

    @property
    def test_scale(self) -> Tuple[Tuple[int, int], bool]:
        """``((w, h), keep_ratio)`` of the test resize in use (builds the model)."""
        self.model  # noqa: B018
        return self._test_scale

    # ------------------------------------------------------------------ frames
    def reset(self, info: VideoInfo) -> None:
        self._video = info.video_id if info is not None else '<no video>'

    def preprocess(self, frame: np.ndarray, frame_index: int = 0) -> Tuple[dict,
                                                                            Tuple[float, float]]:
        """The model's input for one frame, and ``Resize``'s ``(sx, sy)`` factors.

        Returns:
            ``(data, scale_factor)``: ``data`` is ``dict(inputs=[uint8 C x H' x W'],
            data_samples=[DetDataSample])`` for ``model.test_step``, its sample telling
            the model that the resized frame is the original.
        """
        image = as_uint8_frame(frame, f'{type(self).__name__}: video {self._video}, frame '
                                      f'{frame_index}', 'bgr')
        self.model  # noqa: B018  (builds the model and the transforms)
        resize, pack = self._transforms
        shape = image.shape[:2]
        results = resize(dict(img=image, img_shape=shape, ori_shape=shape,
                              img_id=int(frame_index)))
        scale_factor = tuple(float(v) for v in results['scale_factor'])
        results['ori_shape'] = tuple(results['img_shape'])
        results['scale_factor'] = (1.0, 1.0)
        packed = pack(results)
        return dict(inputs=[packed['inputs']], data_samples=[packed['data_samples']]), \
            scale_factor

    def postprocess(self, pred_instances, scale_factor: Tuple[float, float], width: int,
                    height: int) -> np.ndarray:
        """``float64[N, 6]`` rows of the model's predictions (boxes in the resized frame)
        for the original frame: kept classes, ``score >= score_thr``, by decreasing
        score (ties: model order)."""
        boxes = pred_instances.bboxes.detach().cpu().double().numpy().reshape(-1, 4)
        scores = pred_instances.scores.detach().cpu().double().numpy().reshape(-1)
        labels = pred_instances.labels.detach().cpu().numpy().astype(np.int64).reshape(-1)
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self._lookup)):
            raise ConfigError(f'{type(self).__name__}: the model gave label '
                              f'{int(labels.max())}, but has only {len(self._lookup)} class '
                              'names; set class_names')
        out_index = self._lookup[labels] if len(labels) else np.zeros(0, np.int64)
        keep = (out_index >= 0) & (scores >= self.score_thr) & np.isfinite(scores)
        keep &= np.isfinite(boxes).all(axis=1)
        if not keep.any():
            return np.zeros((0, 6))
        rows = np.column_stack([rescale_boxes(boxes[keep], scale_factor, width, height),
                                scores[keep], out_index[keep].astype(np.float64)])
        return rows[np.argsort(-rows[:, 4], kind='stable')]

    def __call__(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        """``float64[N, 6]`` ``(x1, y1, x2, y2, score, class_index)`` in the frame's pixels
        (``zeros((0, 6))`` when nothing is kept)."""
        data, scale_factor = self.preprocess(frame, frame_index)
        height, width = np.asarray(frame).shape[:2]
        with torch.inference_mode(), default_scope(self.scope):
            result = self.model.test_step(data)[0]
        return self.postprocess(result.pred_instances, scale_factor, width, height)

    # ------------------------------------------------------------------ weights
    def save_weights(self, path: str) -> str:
        """Write the weights with the class names in ``meta.dataset_meta.classes``, as
        mmdet's checkpoints carry them."""
        return _save_weights(self.model, path,
                             meta=dict(dataset_meta=dict(classes=list(self._names))))

    def describe(self) -> dict:
        """The configuration (never the model: a store's manifest is written before any
        model is built or any checkpoint read)."""
        return super().describe()


__all__ = ['COCO_CLASSES', 'DEFAULT_IMG_SCALE', 'MMDetDetector', 'PEOPLE_AND_VEHICLES',
           'rescale_boxes']
