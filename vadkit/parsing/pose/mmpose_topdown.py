"""COCO-17 skeletons of boxed people from an mmpose 1.x top-down heatmap model (HRNet).

HSC (paper Sec. 3.2) gives every tracked person a COCO-17 skeleton per frame with an
HRNet-W32 trained on COCO; with mmpose that model is
``'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'``
and its checkpoint. Each box is prepared by mmpose's own test transforms
(``GetBBoxCenterScale`` with ``bbox_padding``, ``TopdownAffine`` to the codec's input
size, ``PackPoseInputs``), and ``model.test_step`` normalises, runs the network (with the
config's flip test) and decodes the heatmaps back to frame coordinates.
"""
from typing import List, Optional

import numpy as np
import torch

from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import ConfigError, DataError

from ..base import BasePoseEstimator
from ..openmmlab import (ModelConfig, OpenMMLabBackend, default_scope, import_backend,
                         pipeline_step)
from ..video_io import as_uint8_frame

#: The paper's model: HRNet-W32 trained on COCO, 256 x 192 input (weights not included).
PAPER_CONFIG = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
                'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
#: Number of COCO keypoints.
NUM_KEYPOINTS = 17
#: Index of each COCO-17 keypoint's mirror image (left <-> right), for the flip test.
COCO_FLIP_INDICES = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)


@EXTRACTORS.register_module()
class MMPoseTopDown(OpenMMLabBackend, BasePoseEstimator):
    """COCO-17 keypoints of boxed people from any mmpose 1.x top-down heatmap model.

    For each box, ``GetBBoxCenterScale`` turns it into a centre and a size enlarged by
    ``bbox_padding``, ``TopdownAffine`` widens that region to the network's aspect ratio
    and warps it to the codec's input size, and ``model.test_step`` returns the decoded
    keypoints (heatmap maxima, with the config's flip test) in frame coordinates. Scores
    are the heatmap maxima clipped to ``[0, 1]``; a keypoint whose heatmap has no positive
    value (mmpose's decoder marks it not found) is ``(0, 0, 0)``, and so is every keypoint
    of a box without area. Inference runs in ``torch.inference_mode`` in float32, batch by
    batch, so equal inputs give equal outputs.

    Args:
        config: The model config: a file, a packaged config (:data:`PAPER_CONFIG` is the
            paper's HRNet-W32 with a 256 x 192 input), a dict with ``model`` or a bare
            model dict. Its head must predict the 17 COCO keypoints.
        checkpoint: Weights (local path or URL); default None keeps the random
            initialisation (tests only).
        device: Torch device, default ``'cpu'``.
        cfg_options: Dotted keys merged into the config (``{'model.test_cfg.flip_test':
            False}``); default None.
        strict: The checkpoint must hold exactly the model's weights; default True.
        bbox_padding: Factor enlarging each box (width and height, about its centre)
            before the aspect-ratio fix; default 1.25 (mmpose's COCO configs).
        batch_size: Boxes per forward pass; default 32.
        use_udp: Warp with the unbiased (UDP) affine matrix; default None: as the config's
            test pipeline's ``TopdownAffine`` says (False when it says nothing; True for
            the UDP-codec models).

    Raises:
        ValueError: A bad ``bbox_padding`` or ``batch_size``.
        ConfigError: No config, or (when built) a model that does not predict COCO-17
            heatmaps.
    """

    scope = 'mmpose'

    def __init__(self, config: ModelConfig = None, checkpoint: Optional[str] = None,
                 device: str = 'cpu', cfg_options: Optional[dict] = None,
                 strict: bool = True, bbox_padding: float = 1.25, batch_size: int = 32,
                 use_udp: Optional[bool] = None) -> None:
        if isinstance(bbox_padding, bool) or not isinstance(bbox_padding, (int, float)) \
                or not np.isfinite(bbox_padding) or bbox_padding <= 0:
            raise ValueError(f'MMPoseTopDown: bbox_padding must be a positive number, got '
                             f'{bbox_padding!r}')
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f'MMPoseTopDown: batch_size must be a positive integer, got '
                             f'{batch_size!r}')
        if use_udp is not None and not isinstance(use_udp, bool):
            raise ValueError(f'MMPoseTopDown: use_udp must be None, True or False, got '
                             f'{use_udp!r}')
        self._setup(config, checkpoint, device, cfg_options, strict)
        self.bbox_padding = float(bbox_padding)
        self.batch_size = int(batch_size)
        self.use_udp = use_udp
        self._pipeline = None
        self._input_size = None
        self._meta_info: dict = {}

    # ------------------------------------------------------------------ building
    def _on_built(self) -> None:
        cfg = self._cfg
        head = cfg.model.get('head') or {}
        decoder = head.get('decoder') or cfg.get('codec') or {}
        if head.get('out_channels', NUM_KEYPOINTS) != NUM_KEYPOINTS:
            raise ConfigError(f'MMPoseTopDown: the model predicts {head.get("out_channels")} '
                              f'keypoints; COCO-17 skeletons need {NUM_KEYPOINTS}')
        input_size = decoder.get('input_size')
        if input_size is None or len(input_size) != 2:
            raise ConfigError('MMPoseTopDown: the model config has no codec input_size '
                              '(model.head.decoder.input_size, (w, h))')
        self._input_size = (int(input_size[0]), int(input_size[1]))
        if self.use_udp is None:
            affine = pipeline_step(cfg, 'TopdownAffine') or {}
            self._use_udp = bool(affine.get('use_udp', False))
        else:
            self._use_udp = self.use_udp
        meta = dict(getattr(self._model, 'dataset_meta', None) or {})
        flip = meta.get('flip_indices') or list(COCO_FLIP_INDICES)
        if len(flip) != NUM_KEYPOINTS:
            raise ConfigError(f'MMPoseTopDown: the checkpoint describes {len(flip)} '
                              f'keypoints; COCO-17 skeletons need {NUM_KEYPOINTS}')
        self._meta_info = dict(flip_indices=list(flip),
                               dataset_name=meta.get('dataset_name', 'coco'))
        registry = import_backend(self.scope, type(self).__name__)
        from mmengine.dataset import Compose
        with default_scope(self.scope):
            self._pipeline = Compose([
                registry.TRANSFORMS.build(dict(type='GetBBoxCenterScale',
                                               padding=self.bbox_padding)),
                registry.TRANSFORMS.build(dict(type='TopdownAffine',
                                               input_size=self._input_size,
                                               use_udp=self._use_udp)),
                registry.TRANSFORMS.build(dict(type='PackPoseInputs'))])

    @property
    def input_size(self):
        """``(w, h)`` of the network input (the codec's), once built."""
        if self._input_size is None:
            self._build()
        return self._input_size

    # ------------------------------------------------------------------ inference
    def _prepare(self, image: np.ndarray, box: np.ndarray) -> dict:
        height, width = image.shape[:2]
        info = dict(img=image, img_shape=(height, width), ori_shape=(height, width),
                    bbox=box[None].astype(np.float32),
                    bbox_score=np.ones(1, np.float32), **self._meta_info)
        return self._pipeline(info)

    def _predict(self, items: List[dict]) -> np.ndarray:
        """``float32[n, 17, 3]`` raw ``(x, y, heatmap maximum)`` of prepared boxes."""
        from mmengine.dataset import pseudo_collate
        with torch.inference_mode(), default_scope(self.scope):
            samples = self.model.test_step(pseudo_collate(items))
        out = np.zeros((len(items), NUM_KEYPOINTS, 3), np.float32)
        for k, sample in enumerate(samples):
            keypoints = np.asarray(sample.pred_instances.keypoints, np.float32)
            scores = np.asarray(sample.pred_instances.keypoint_scores, np.float32)
            if keypoints.shape[-2] != NUM_KEYPOINTS:
                raise ConfigError(f'MMPoseTopDown: the model gave {keypoints.shape[-2]} '
                                  f'keypoints; COCO-17 skeletons need {NUM_KEYPOINTS}')
            out[k, :, :2] = keypoints.reshape(-1, NUM_KEYPOINTS, keypoints.shape[-1])[0, :, :2]
            out[k, :, 2] = scores.reshape(-1, NUM_KEYPOINTS)[0]
        return out

    def __call__(self, frame: np.ndarray, frame_index: int, boxes: np.ndarray,
                 track_ids: Optional[np.ndarray] = None) -> np.ndarray:
        """Keypoints of the people in ``boxes``.

        Args:
            frame: ``uint8[H, W, 3]`` BGR frame (grey frames are made BGR).
            frame_index: Index of the frame in the video (for messages).
            boxes: ``float[N, 4]`` ``(x1, y1, x2, y2)`` in frame pixels.
            track_ids: ``int[N]`` ids of the boxes' tracks (unused).

        Returns:
            ``float32[N, 17, 3]`` ``(x, y, score)`` in frame coordinates, score in
            ``[0, 1]``; ``(0, 17, 3)`` for no boxes.

        Raises:
            DataError: A box is not 4 finite numbers.
        """
        who = f'MMPoseTopDown (frame {frame_index})'
        boxes = np.asarray(boxes, np.float64)
        if boxes.size == 0:
            return np.zeros((0, NUM_KEYPOINTS, 3), np.float32)
        if boxes.ndim != 2 or boxes.shape[1] < 4:
            raise DataError(f'{who}: boxes must be N x 4 (x1, y1, x2, y2), got shape '
                            f'{boxes.shape}')
        boxes = boxes[:, :4]
        if not np.isfinite(boxes).all():
            raise DataError(f'{who}: boxes hold NaN or infinite coordinates')
        image = as_uint8_frame(frame, who, 'bgr')
        out = np.zeros((len(boxes), NUM_KEYPOINTS, 3), np.float32)
        valid = np.flatnonzero((boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1]))
        if not valid.size:
            return out
        if self._pipeline is None:
            self._build()
        for begin in range(0, valid.size, self.batch_size):
            rows = valid[begin:begin + self.batch_size]
            raw = self._predict([self._prepare(image, boxes[i]) for i in rows])
            found = raw[..., 2] > 0
            raw[..., 2] = np.clip(raw[..., 2], 0.0, 1.0)
            raw[~found] = 0.0
            out[rows] = raw
        return out

    def describe(self) -> dict:
        out = super().describe()
        for key in ('_input_size', '_use_udp'):
            if getattr(self, key, None) is not None:
                out[key.lstrip('_')] = getattr(self, key)
        return out
