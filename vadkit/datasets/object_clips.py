"""Object clips from a feature store: one item per tracked object in one clip.

The sample regime of the object-centric methods (HSC, the local-pattern method): an item
holds the object's features (``objects_<name>`` rows of the store), its semantic class
labels, the scene feature of its clip, its frame span and track, and, in training, its
memory slot (the item's index). The store stays read-only; everything derived from it
(scene pseudo-labels, augmented samples) lives in the model or in files of its own.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from vadkit.registry import DATASETS
from vadkit.utils.errors import ConfigError, DataError

from .model_selection import inject_pseudo_anomalies
from .store_split import StoreSplit, require_arrays, resolve_path

#: Where an item's semantic class comes from: the detector's label (``objects_index``
#: column 4), the arg-max of an extractor's class scores (``objects_<name>_action_scores``,
#: PoseConv3D's actions), the annotated action of the generated world (``objects_action``,
#: -1 on real video), or nothing (one class).
CLASS_SOURCES = ('label', 'action_scores', 'action', None)

ROW_FIELDS = [('video_id', 'U64'), ('row', 'i8'), ('scene_row', 'i8'), ('clip_index', 'i8'),
              ('start', 'i8'), ('end', 'i8'), ('track_id', 'i8'), ('label_index', 'i8'),
              ('motion_valid', 'bool'), ('source', 'i8')]


@DATASETS.register_module()
class ObjectClipDataset(BaseDataset):
    """Object clips of the videos of one split, read from a feature store.

    Args:
        feature_root: The feature store folder (``tools/extract_features.py --out``).
        split: ``'train'`` or ``'test'`` (only used in messages and for ground truth).
        videos: Which store videos form the split: a list of video ids or glob patterns
            of them (``['train_*']``), a split file (one video per line: the ShanghaiTech
            Mixture lists), or a DATASETS config of a video dataset
            (``dict(type='SyntheticVideos', ...)``) whose items name the videos and whose
            ``metainfo`` gives ``num_frames``, ``video_gt`` and ``video_groups``.
        ground_truth: Folder of ``<video>.npy`` frame masks (Avenue / ShanghaiTech
            ``test_frame_mask``) for a test split given by ids or patterns.
        video_scenes: ``'shanghaitech'``: ``video_groups['scene']`` from the video names
            (``01_0014`` is scene 01), for the per-scene breakdown.
        features: ``{stream: store array}``, default ``appearance`` and ``motion``.
        scene: The store array of clip scene features, or None (no scene stream).
        classes: ``{stream: source}`` with sources from :data:`CLASS_SOURCES`.
        motion_stream: The stream that exists only for motion-valid objects
            (``objects_index`` column 5: long tracklets with poses); None: all valid.
        require_streams: Keep only objects valid in every stream.
        augmented: ``tools/misc/augment_motion.py``'s ``augmented.npz`` (MA-): the
            augmented motion samples selected as normal (``label == 0``) become extra
            training items, sharing their source object's other features and scene.
        extract: Build the store when ``feature_root`` lacks videos of the split:
            ``dict(config='configs/parsing/builtin_synthetic.py', data_root=DIR)``
            (the parsing config's ``parser`` and ``videos``); None to require it.
        holdout: ``dict(part='train' | 'val', fraction, seed)``: one part of a hold-out of
            the training videos (:mod:`vadkit.datasets.model_selection`), for validation
            without the test split.
        pseudo_anomalies: :class:`~vadkit.datasets.model_selection.PseudoAnomalies`
            arguments: in some videos, a run of consecutive objects (in clip order) gets
            pseudo-anomalous features in every stream (the same run and kind in each), and
            the frames of their clips become the anomalous frames of ``video_gt``: a
            one-class validation set.
        pipeline: Transforms, typically ``[dict(type='PackVADInputs', input_key=[...])]``.

    ``metainfo`` holds ``num_frames`` and ``video_gt`` (test) for
    :class:`~vadkit.evaluation.VADMetric`, ``class_names`` per stream, and the counts.
    ``rows`` is a structured array with one entry per item (the memory slots, in order)
    and ``scenes`` the ``float32[C, D_B]`` scene features of the split's clips.
    """

    METAINFO = dict(name='object clips')

    def __init__(self,
                 feature_root: str,
                 split: str = 'train',
                 videos: Union[None, str, Sequence[str], dict] = None,
                 ground_truth: Optional[str] = None,
                 video_scenes: Optional[str] = None,
                 features: Optional[Dict[str, str]] = None,
                 scene: Optional[str] = 'scene',
                 classes: Optional[Dict[str, Optional[str]]] = None,
                 motion_stream: Optional[str] = 'motion',
                 require_streams: bool = False,
                 augmented: Optional[str] = None,
                 extract: Optional[dict] = None,
                 holdout: Optional[dict] = None,
                 pseudo_anomalies: Optional[dict] = None,
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        self.store_split = StoreSplit(feature_root, split, videos, extract, ground_truth,
                                      video_scenes, holdout=holdout,
                                      pseudo_anomalies=pseudo_anomalies)
        self.feature_root = feature_root
        self.split = split
        self.features = dict(features if features is not None else
                             dict(appearance='objects_appearance', motion='objects_motion'))
        if not self.features:
            raise ValueError('features must name at least one stream')
        self.scene_key = scene
        self.classes = {s: 'label' for s in self.features}
        self.classes.update(classes or {})
        for stream, source in self.classes.items():
            if source not in CLASS_SOURCES:
                raise ValueError(f'classes[{stream!r}] must be one of {CLASS_SOURCES}, got '
                                 f'{source!r}')
        self.motion_stream = motion_stream if motion_stream in self.features else None
        self.require_streams = require_streams
        self.augmented = augmented
        self._arrays: Dict[str, Dict[str, np.ndarray]] = {}
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False,
                         **kwargs)

    # -- loading -----------------------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        from vadkit.parsing import FeatureStore
        videos = self.store_split.video_list()
        store = FeatureStore(self.feature_root)
        names = ['objects_index', *self.features.values()]
        for stream, source in self.classes.items():
            if source == 'action_scores':
                names.append(f'{self.features[stream]}_action_scores')
            elif source == 'action':
                names.append('objects_action')
        if self.scene_key:
            names.append(self.scene_key)
        names = list(dict.fromkeys(names))
        rows, scenes, num_frames, class_names = [], [], {}, {}
        scene_offset = 0
        for video_id in videos:
            meta = store.meta(video_id)
            require_arrays(self.feature_root, video_id, meta, names)
            arrays = store.read(video_id, names)
            self._arrays[video_id] = arrays
            num_frames[video_id] = int(meta['num_frames'])
            index = np.asarray(arrays['objects_index'])
            n = len(index)
            for stream, key in self.features.items():
                if len(arrays[key]) != n:
                    raise DataError(f'feature store {self.feature_root}: video {video_id}: '
                                    f'{key} has {len(arrays[key])} rows, objects_index {n}')
            num_clips = 0
            if self.scene_key:
                scene = np.asarray(arrays[self.scene_key], dtype=np.float32)
                num_clips = len(scene)
                scenes.append(scene)
                if n and index[:, 0].max() >= num_clips:
                    raise DataError(f'feature store {self.feature_root}: video {video_id}: an '
                                    f'object of clip {int(index[:, 0].max())} but only '
                                    f'{num_clips} scene features')
            class_names.setdefault('label', list(meta.get('labels', [])))
            class_names.setdefault('action', list(meta.get('actions', [])))
            if n:
                valid = index[:, 5].astype(bool) if self.motion_stream else np.ones(n, bool)
                keep = valid if self.require_streams else np.ones(n, bool)
                for r in np.flatnonzero(keep):
                    clip, start, end, track, label, _ = (int(x) for x in index[r])
                    rows.append((video_id, int(r), scene_offset + clip, clip, start, end, track,
                                 label, bool(valid[r]), -1))
            scene_offset += num_clips
        self.rows = np.array(rows, dtype=ROW_FIELDS)
        self.scenes = (np.concatenate(scenes) if scenes else np.zeros((0, 0), np.float32))
        self._augmented: Dict[str, np.ndarray] = {}
        if self.augmented:
            self._add_augmented()
        meta = self.store_split.metainfo(videos, num_frames)
        if self.store_split.pseudo is not None:
            meta.update(self._inject(videos, num_frames))
        meta.update(
            name=f'object clips of {osp.basename(osp.normpath(self.feature_root))} '
                 f'({self.split})',
            class_names=class_names, num_objects=int(len(self.rows)),
            num_clips=int(len(self.scenes)), videos=list(videos))
        self._metainfo.update(meta)
        return [dict(index=i) for i in range(len(self.rows))]

    def _inject(self, videos: List[str], num_frames: Dict[str, int]) -> dict:
        """Pseudo-anomalies into the objects of the videos (one draw, every stream)."""
        with_objects = [v for v in videos if len(self._arrays[v]['objects_index'])]
        spans = {v: np.asarray(self._arrays[v]['objects_index'])[:, 1:3] for v in with_objects}
        injected = {}
        for stream, key in self.features.items():
            arrays = {v: self._arrays[v][key] for v in with_objects}
            changed, injected = inject_pseudo_anomalies(self.store_split.pseudo, arrays, spans,
                                                        num_frames)
            for video, array in changed.items():
                self._arrays[video] = dict(self._arrays[video], **{key: array})
        masks = injected['video_gt']
        for video in videos:  # a video without objects: all normal
            masks.setdefault(video, np.zeros(int(num_frames[video]), np.uint8))
        return injected

    def _add_augmented(self) -> None:
        path = resolve_path(self.augmented)
        if not osp.isfile(path):
            raise DataError(f'augmented samples {path} not found; make them with '
                            'tools/misc/augment_motion.py')
        if self.motion_stream is None:
            raise ConfigError('augmented samples need a motion stream in `features`')
        with np.load(path) as data:
            for key in ('motion', 'source', 'label'):
                if key not in data:
                    raise DataError(f'{path}: no array {key!r} (it has {sorted(data)})')
            motion, source, label = data['motion'], data['source'], data['label']
        keep = np.flatnonzero(label == 0)
        if len(source) and (source.min() < 0 or source.max() >= len(self.rows)):
            raise DataError(f'{path}: source indices outside the {len(self.rows)} training '
                            'objects; it was made from another training set')
        dim = self._arrays[self.rows[0]['video_id']][self.features[self.motion_stream]].shape[1]
        if motion.ndim != 2 or motion.shape[1] != dim:
            raise DataError(f'{path}: motion features of shape {motion.shape}, the store has '
                            f'{dim}-d ones')
        extra = self.rows[source[keep]].copy()
        extra['source'] = keep
        extra['motion_valid'] = True
        self._augmented = dict(motion=np.asarray(motion, dtype=np.float32))
        self.rows = np.concatenate([self.rows, extra])

    # -- items -------------------------------------------------------------------------
    def _class_of(self, stream: str, arrays: Dict[str, np.ndarray], row) -> int:
        source = self.classes.get(stream)
        if source == 'label':
            return int(row['label_index'])
        if source == 'action_scores':
            return int(np.argmax(arrays[f'{self.features[stream]}_action_scores'][row['row']]))
        if source == 'action':
            return int(arrays['objects_action'][row['row']])
        return 0

    def get_data_info(self, idx: int) -> dict:
        row = self.rows[idx]
        video_id = str(row['video_id'])
        arrays = self._arrays[video_id]
        item = dict(video_id=video_id, start=int(row['start']), end=int(row['end']),
                    track_id=int(row['track_id']), clip_index=int(row['clip_index']),
                    slot=int(idx), motion_valid=bool(row['motion_valid']),
                    augmented=bool(row['source'] >= 0))
        for stream, key in self.features.items():
            if stream == self.motion_stream and row['source'] >= 0:
                feature = self._augmented['motion'][row['source']]
            else:
                feature = arrays[key][row['row']]
            item[stream] = np.asarray(feature, dtype=np.float32)
            item[f'{stream}_class'] = self._class_of(stream, arrays, row)
        if self.scene_key:
            item['scene'] = self.scenes[row['scene_row']]
            item['scene_row'] = int(row['scene_row'])
        return item

    def class_labels(self, stream: str) -> np.ndarray:
        """``int64[len(self)]``: the semantic class of every item in ``stream``."""
        if stream not in self.features:
            raise KeyError(f'no stream {stream!r} (streams: {sorted(self.features)})')
        return np.array([self._class_of(stream, self._arrays[str(r['video_id'])], r)
                         for r in self.rows], dtype=np.int64)

    def stream_features(self, stream: str) -> np.ndarray:
        """``float32[len(self), D]``: the ``stream`` feature of every item (what
        :meth:`get_data_info` gives, gathered with one read per video)."""
        if stream not in self.features:
            raise KeyError(f'no stream {stream!r} (streams: {sorted(self.features)})')
        if not len(self):
            return np.zeros((0, 0), np.float32)
        key, rows = self.features[stream], self.rows
        videos, which = np.unique(rows['video_id'], return_inverse=True)
        dim = self._arrays[str(videos[0])][key].shape[1]
        out = np.empty((len(rows), dim), np.float32)
        for v, video in enumerate(videos):
            where = np.flatnonzero(which == v)
            out[where] = self._arrays[str(video)][key][rows['row'][where]]
        if stream == self.motion_stream:
            augmented = np.flatnonzero(rows['source'] >= 0)
            if len(augmented):
                out[augmented] = self._augmented['motion'][rows['source'][augmented]]
        return out
