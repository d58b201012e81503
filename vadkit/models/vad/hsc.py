"""HSC: Hierarchical Semantic Contrast (Sun & Gong, CVPR 2023) as an mmengine model.

One :class:`~vadkit.models.components.HSCStream` per object stream (appearance, motion),
scene pseudo-labels from a :class:`~vadkit.models.components.SceneClusterer` fitted on the
training clips' scene features, and, optionally, the motion-augmentation classifier
(Sec. 3.4) whose abnormal probability replaces the motion stream's error. Items are object
clips (:class:`~vadkit.datasets.ObjectClipDataset`); the per-object stream scores go to the
scorers, which take the max over a clip's objects, normalise, fuse (Eq. 12) and smooth.
"""
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModel

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample

from ..components.feature_norm import (FeatureStandardizer, fit_standardizers,
                                       standardizer_options)
from ..components.hsc_stream import HSCStream

#: The per-stream settings of the supplement: (feature dim, encoder sizes, decoder sizes).
PAPER_STREAMS = dict(
    appearance=dict(feature_dim=1024, encoder_sizes=(2048, 1280), decoder_sizes=(1152, 1024)),
    motion=dict(feature_dim=512, encoder_sizes=(1792, 1280), decoder_sizes=(1024, 512)))
MOTION_SCORES = ('reconstruction', 'classifier')


@MODELS.register_module()
class HSC(BaseModel):
    """Scene-aware object-centric autoencoders with hierarchical memory contrasts.

    Training (Eq. 8-9): per stream, reconstruction + linear scene classifier + scene-level
    and within-scene object-level contrasts against the stream's memory bank (one slot per
    training object), the contrasts from epoch ``contrast_from_epoch`` on. Test (Eq.
    10-11): each object's error of reconstructing it from the softmax-weighted memory,
    per stream (``pred_scores['appearance']``, ``['motion']``); objects without a motion
    feature (short tracklets) score 0 in the motion stream.

    Before training, :class:`~vadkit.engine.PrepareModelHook` calls :meth:`prepare` with
    the training set: the clusterer is fitted on its clips' scene features, every memory
    is sized to its objects and told their scene and class labels. All of that is in the
    model's state, so a checkpoint alone scores test clips.

    Args:
        streams: ``{name: HSCStream kwargs}`` without ``scene_dim`` / ``num_slots`` /
            ``num_scenes`` (set here); ``feature_dim`` and the sizes default to the
            supplement's (:data:`PAPER_STREAMS`) for ``appearance`` and ``motion``.
        scene_dim: ``D_B`` (1590 ShanghaiTech, 880 Avenue, 330 Ped2; the generated
            world's built-in descriptor: 64).
        clusterer: A ``SceneClusterer`` config (DBSCAN after t-SNE / PCA), or None: all
            clips are one scene (Ped2, one cluster in the authors' code).
        max_scenes: Outputs of the scene classifier heads; the fitted number of scenes
            must not exceed it (the classes no clip has are never targets).
        stream_defaults: HSCStream kwargs shared by every stream (``scene_aware``,
            ``object_centric``, ``temperature``, ``momentum``, ``loss_weights``, ...).
        motion_stream: The stream trained and scored only on motion-valid objects.
        contrast_from_epoch: First epoch (0-based) with the two contrasts. Default 1
            (the authors' code starts them after the first epoch).
        motion_score: ``'reconstruction'`` or ``'classifier'`` (MA+: the augmentation
            classifier's abnormal probability).
        motion_classifier: A ``MotionAugClassifier`` config (trained by
            ``tools/misc/augment_motion.py``), or None.
        memory_size: Test with ``K`` randomly chosen filled memory entries per stream
            (Fig. 5); None: all.
        memory_seed: Seed of that choice.
        input_norm: ``'zscore'``: standardise every stream's features and the scene
            features with training statistics (fitted in :meth:`prepare`; for hand-made
            features such as the built-in backends'); None: as they are (the paper).
        data_preprocessor: mmengine data preprocessor config.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 streams: Optional[Dict[str, dict]] = None,
                 scene_dim: int = 1590,
                 clusterer: Optional[dict] = None,
                 max_scenes: int = 64,
                 stream_defaults: Optional[dict] = None,
                 motion_stream: str = 'motion',
                 contrast_from_epoch: int = 1,
                 motion_score: str = 'reconstruction',
                 motion_classifier: Optional[dict] = None,
                 memory_size: Optional[int] = None,
                 memory_seed: int = 0,
                 input_norm: Union[None, str, dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        streams = dict(streams if streams is not None else
                       dict(appearance=dict(), motion=dict()))
        if not streams:
            raise ValueError('HSC needs at least one stream')
        if motion_score not in MOTION_SCORES:
            raise ValueError(f'motion_score must be one of {MOTION_SCORES}, got '
                             f'{motion_score!r}')
        if motion_score == 'classifier' and motion_classifier is None:
            raise ValueError("motion_score='classifier' needs a motion_classifier config")
        norm_options = standardizer_options(input_norm)
        if memory_size is not None and int(memory_size) < 1:
            raise ValueError(f'memory_size must be positive or None, got {memory_size}')
        self.scene_dim = int(scene_dim)
        self.max_scenes = int(max_scenes)
        self.motion_stream = motion_stream if motion_stream in streams else None
        self.contrast_from_epoch = int(contrast_from_epoch)
        self.motion_score = motion_score
        self.memory_size = None if memory_size is None else int(memory_size)
        self.memory_seed = int(memory_seed)
        self.epoch = 0
        self.streams = torch.nn.ModuleDict()
        for name, cfg in streams.items():
            kwargs = dict(PAPER_STREAMS.get(name, {}))
            kwargs.update(stream_defaults or {})
            kwargs.update(cfg or {})
            for key in ('scene_dim', 'num_slots', 'num_scenes'):
                if key in kwargs:
                    raise ValueError(f'streams.{name}.{key} is set by HSC; remove it')
            if 'feature_dim' not in kwargs:
                raise ValueError(f'streams.{name} needs feature_dim')
            self.streams[name] = HSCStream(scene_dim=self.scene_dim, num_slots=1,
                                           num_scenes=self.max_scenes, **kwargs)
        self.clusterer = MODELS.build(clusterer) if clusterer is not None else None
        self.motion_classifier = (MODELS.build(motion_classifier)
                                  if motion_classifier is not None else None)
        self.register_buffer('num_scenes', torch.zeros((), dtype=torch.long))
        self.input_norm = input_norm
        if input_norm is not None:
            self.norms = torch.nn.ModuleDict(
                {name: FeatureStandardizer(stream.feature_dim, **norm_options)
                 for name, stream in self.streams.items()})
            self.norms['scene'] = FeatureStandardizer(self.scene_dim, **norm_options)

    # -- fitting what depends on the training set ----------------------------------------
    @property
    def prepared(self) -> bool:
        return int(self.num_scenes) > 0

    def prepare(self, dataset) -> None:
        """Fit the scene clusters on ``dataset``'s clips and size every memory to its
        objects (skipped when a checkpoint already brought this state)."""
        logger = MMLogger.get_current_instance()
        if self.prepared:
            logger.info('HSC: scene clusters and memories come from the checkpoint')
            return
        n = len(dataset)
        if n == 0:
            raise ValueError('HSC.prepare: the training set has no objects')
        if self.clusterer is not None:
            clip_labels = self.clusterer.fit(dataset.scenes)
            num_scenes = int(self.clusterer.num_scenes)
        else:
            clip_labels = np.zeros(len(dataset.scenes), np.int64)
            num_scenes = 1
        if num_scenes > self.max_scenes:
            raise ValueError(f'{num_scenes} scene clusters exceed max_scenes='
                             f'{self.max_scenes}; raise model.max_scenes or the clusterer eps')
        rows = dataset.rows
        slot_scene = torch.as_tensor(clip_labels[rows['scene_row']] if len(clip_labels)
                                     else np.zeros(n, np.int64))
        device = self.num_scenes.device
        for name, stream in self.streams.items():
            stream.resize_(n)
            stream.set_slot_labels(slot_scene.to(device),
                                   torch.as_tensor(dataset.class_labels(name)).to(device))
        if self.input_norm is not None:
            fit_standardizers(self.norms, dataset, self.motion_stream)
        self.num_scenes.fill_(num_scenes)
        counts = np.bincount(clip_labels, minlength=num_scenes) if len(clip_labels) else [n]
        logger.info(f'HSC: {n} training objects, {len(dataset.scenes)} clips in {num_scenes} '
                    f'scene cluster(s) of {list(map(int, counts))} clips')

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    # -- scoring -------------------------------------------------------------------------
    def scene_labels(self, scene: torch.Tensor) -> torch.Tensor:
        """Scene pseudo-labels of any clips: the clusterer's nearest core sample."""
        if self.clusterer is None:
            return torch.zeros(len(scene), dtype=torch.long, device=scene.device)
        labels = self.clusterer.predict(scene.detach().float().cpu().numpy())
        return torch.as_tensor(labels, device=scene.device)

    def _memory_slots(self, stream: HSCStream) -> Optional[torch.Tensor]:
        if self.memory_size is None:
            return None
        filled = torch.nonzero(stream.memory.filled).flatten()
        if len(filled) <= self.memory_size:
            return filled
        generator = torch.Generator().manual_seed(self.memory_seed)
        pick = torch.randperm(len(filled), generator=generator)[:self.memory_size]
        return filled[pick.to(filled.device)]

    @torch.no_grad()
    def stream_errors(self, name: str, scene: torch.Tensor,
                      feature: torch.Tensor) -> torch.Tensor:
        """Eq. 10-11 errors of stream ``name`` for objects ``feature [B, D]`` in clips of
        scene feature ``scene [B, D_B]`` (both as the dataset gives them)."""
        scene = self._norm('scene', scene.float()) if scene.shape[1] else scene
        return self._errors(name, scene, self._norm(name, feature.float()))

    def _errors(self, name: str, scene: torch.Tensor, feature: torch.Tensor,
                latent: Optional[torch.Tensor] = None) -> torch.Tensor:
        """:meth:`stream_errors` of standardised inputs (and their latent, if known)."""
        stream = self.streams[name]
        if not stream.memory.filled.any():
            raise RuntimeError(f'HSC: the {name} memory is empty: train the model or load '
                               'a trained checkpoint before scoring')
        return stream.score(scene, feature, self._memory_slots(stream), latent)

    def _scene(self, inputs: dict, batch: int, ref: torch.Tensor) -> torch.Tensor:
        if 'scene' in inputs:
            return self._norm('scene', inputs['scene'].float())
        return ref.new_zeros((batch, 0))

    def _norm(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return self.norms[name](x) if self.input_norm is not None else x

    def _feature(self, inputs: dict, name: str) -> torch.Tensor:
        return self._norm(name, inputs[name].float())

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List[VADDataSample]]:
        if not isinstance(inputs, dict):
            raise TypeError('HSC takes a dict of inputs (PackVADInputs with a list of '
                            f'input_key), got {type(inputs).__name__}')
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            out = {}
            for name, stream in self.streams.items():
                feature = self._feature(inputs, name)
                out[name] = stream.encode(self._scene(inputs, len(feature), feature), feature)
            return out
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")

    def loss(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        if not self.prepared:
            raise RuntimeError('HSC.loss before prepare(): add PrepareModelHook to '
                               'custom_hooks (configs/hsc/ do)')
        slot = inputs['slot'].long()
        contrast = self.epoch >= self.contrast_from_epoch
        losses = {}
        for name, stream in self.streams.items():
            feature = self._feature(inputs, name)
            scene = self._scene(inputs, len(feature), feature)
            keep = None
            if name == self.motion_stream and 'motion_valid' in inputs:
                keep = inputs['motion_valid'].bool()
                if int(keep.sum()) < 2:  # BatchNorm needs two samples
                    continue
            index = slot if keep is None else slot[keep]
            if keep is not None:
                feature, scene = feature[keep], scene[keep]
            terms = stream.loss(scene, feature, index, stream.slot_scene[index],
                                stream.slot_class[index], contrast=contrast)
            losses.update({f'loss_{name}_{k}': v for k, v in terms.items()})
        return losses

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: List[VADDataSample]) -> List[VADDataSample]:
        first = next(iter(self.streams))
        ref = inputs[first]
        raw_scene = inputs['scene'].float() if 'scene' in inputs else ref.new_zeros((len(ref), 0))
        scene = self._scene(inputs, len(ref), ref)
        scene_label = self.scene_labels(raw_scene) if raw_scene.shape[1] else None
        scores, predicted = {}, {}
        for name, stream in self.streams.items():
            raw = inputs[name].float()
            feature = self._norm(name, raw)
            with torch.no_grad():
                latent = stream.encode(scene, feature)
                logits = stream.classifier(latent)
            predicted[name] = logits[:, :max(int(self.num_scenes), 1)].argmax(dim=1)
            if name == self.motion_stream and self.motion_score == 'classifier':
                self.motion_classifier.eval()
                value = self.motion_classifier.anomaly_probability(raw)
            else:
                value = self._errors(name, scene, feature, latent)
            if name == self.motion_stream and 'motion_valid' in inputs:
                value = torch.where(inputs['motion_valid'].bool(), value,
                                    torch.zeros_like(value))
            scores[name] = value
        for i, sample in enumerate(data_samples):
            for name, value in scores.items():
                sample.set_pred_score(name, value[i])
            meta = dict(pred_scene={k: int(v[i]) for k, v in predicted.items()})
            if scene_label is not None:
                meta['scene_label'] = int(scene_label[i])
            if self.motion_stream and 'motion_valid' in inputs:
                meta['motion_valid'] = bool(inputs['motion_valid'][i])
            sample.set_metainfo(meta)
        return data_samples
