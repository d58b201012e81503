"""Segments from a feature store: one item per segment (clip) of the split's videos.

The sample regime of GCL: every segment's clip feature (``clips`` of the store,
``float[C, P, D]`` per video: P patches of a spatial pyramid, patch 0 the whole frame),
its frame span, its position in the video and, where the split gives one, its video's
label. Features stay memory-mapped; :meth:`SegmentDataset.__getitems__` gathers a whole
batch with one read per video, so a batch of thousands of segments is not thousands of
item calls.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import BaseDataset

from vadkit.registry import DATASETS, FUNCTIONS
from vadkit.structures import VADDataSample
from vadkit.utils.errors import DataError

from .model_selection import inject_pseudo_anomalies
from .store_split import StoreSplit, check_crops, pick_crops, require_arrays

#: Which patches make a segment's feature: ``'whole'`` (patch 0, the whole frame),
#: ``'mean'`` (the mean over patches), ``'all'`` (every patch, concatenated), or a list of
#: patch indices (concatenated).
PATCH_CHOICES = ('whole', 'mean', 'all')
ROW_FIELDS = [('video', 'i8'), ('row', 'i8'), ('start', 'i8'), ('end', 'i8'),
              ('label', 'i8')]


@DATASETS.register_module()
class SegmentDataset(BaseDataset):
    """The segments of one split of a feature store.

    Args:
        feature_root: The feature store folder.
        split: ``'train'`` or ``'test'``.
        videos: The split's videos (see :class:`~vadkit.datasets.store_split.StoreSplit`):
            ids / patterns, a split file, or a video dataset config whose items may carry
            video-level labels (``SyntheticVideos`` with ``regime='weak'``).
        ground_truth: Folder of ``<video>.npy`` frame masks (test split).
        extract: Build the store's missing videos from a parsing config.
        feature: The store array of segment features. Default ``'clips'``.
        patches: One of :data:`PATCH_CHOICES` or a list of patch indices.
        with_temporal_difference: Give every segment ``td``, its distance to the previous
            segment of its video (:meth:`temporal_differences`; one pass over the
            features at load time), for GCL's pre-training selection.
        label_fraction: Share of the labelled videos that keep their video-level label
            (the others get -1, unknown), drawn per class so that both keep the share:
            the supervision levels of GCL's Fig. 9. Default 1 (all).
        label_seed: Seed of that draw.
        holdout: ``dict(part='train' | 'val', fraction, seed)``: one part of a hold-out of
            the training videos (:mod:`vadkit.datasets.model_selection`), for validation
            without the test split.
        crops: None (default: ``feature``, one vector per segment), ``'random'`` (read the
            ``crops_key`` array ``[T, crops, D]`` that ``tools/import_features.py`` keeps
            with ``crops='keep'`` and give each segment one crop drawn at every read:
            crop-as-augmentation; not on the test split) or a crop index.
        crops_key: The store array of every crop.
        pseudo_anomalies: :class:`~vadkit.datasets.model_selection.PseudoAnomalies`
            arguments: inject feature-level pseudo-anomalies into the videos (those not
            labelled anomalous; labelled anomalous ones are left out) and give their frame
            labels as ``video_gt``, for one-class / unsupervised validation.
        pipeline: Transforms of single items (``__getitem__``); batches from
            ``__getitems__`` skip it (see there).

    Each item: ``feature float32[D]``, ``video_id``, ``start``, ``end``, ``segment``
    (index in its video), ``video_label`` (-1 when unknown). ``metainfo`` holds
    ``num_frames``, ``video_gt`` (test), ``video_labels`` and the counts.
    """

    METAINFO = dict(name='segments')

    def __init__(self,
                 feature_root: str,
                 split: str = 'train',
                 videos: Union[None, str, Sequence[str], dict] = None,
                 ground_truth: Optional[str] = None,
                 extract: Optional[dict] = None,
                 feature: str = 'clips',
                 patches: Union[str, Sequence[int]] = 'whole',
                 with_temporal_difference: bool = False,
                 label_fraction: float = 1.0,
                 label_seed: int = 0,
                 holdout: Optional[dict] = None,
                 pseudo_anomalies: Optional[dict] = None,
                 crops: Union[None, str, int] = None,
                 crops_key: str = 'crops',
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        if isinstance(patches, str) and patches not in PATCH_CHOICES:
            raise ValueError(f'patches must be one of {PATCH_CHOICES} or a list of indices, '
                             f'got {patches!r}')
        if not 0.0 <= float(label_fraction) <= 1.0:
            raise ValueError(f'label_fraction must be in [0, 1], got {label_fraction}')
        self.label_fraction, self.label_seed = float(label_fraction), int(label_seed)
        self.store_split = StoreSplit(feature_root, split, videos, extract, ground_truth,
                                      holdout=holdout, pseudo_anomalies=pseudo_anomalies)
        self.feature_root, self.split = feature_root, split
        self.crops = check_crops(crops, split)
        self.feature_key = feature if self.crops is None else crops_key
        self.patches = patches if isinstance(patches, str) else [int(p) for p in patches]
        self.with_temporal_difference = bool(with_temporal_difference)
        self._td: Optional[np.ndarray] = None
        self._arrays: List[np.ndarray] = []
        self.video_ids: List[str] = []
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False,
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        from vadkit.parsing import FeatureStore
        videos = self.store_split.video_list()
        store = FeatureStore(self.feature_root)
        labels = self._kept_labels(self.store_split.video_labels)
        rows, num_frames, all_spans = [], {}, {}
        for v, video_id in enumerate(videos):
            meta = store.meta(video_id)
            require_arrays(self.feature_root, video_id, meta, (self.feature_key, 'clip_spans'),
                           'its parsing config has no clip extractor')
            arrays = store.read(video_id, [self.feature_key, 'clip_spans'])
            clips, spans = arrays[self.feature_key], np.asarray(arrays['clip_spans'])
            if len(clips) != len(spans):
                raise DataError(f'feature store {self.feature_root}: video {video_id}: '
                                f'{len(clips)} {self.feature_key} rows but {len(spans)} '
                                'clip spans')
            if clips.ndim == 3 and not isinstance(self.patches, str) and self.patches and \
                    max(self.patches) >= clips.shape[1]:
                raise DataError(f'feature store {self.feature_root}: video {video_id} has '
                                f'{clips.shape[1]} patches, patches asks for '
                                f'{max(self.patches)}')
            self._arrays.append(clips)
            self.video_ids.append(video_id)
            all_spans[video_id] = spans
            num_frames[video_id] = int(meta['num_frames'])
            label = int(labels.get(video_id, -1))
            rows += [(v, r, int(s), int(e), label) for r, (s, e) in enumerate(spans)]
        self.rows = np.array(rows, dtype=ROW_FIELDS).reshape(-1)
        meta = self.store_split.metainfo(videos, num_frames)
        if self.store_split.pseudo is not None:
            changed, injected = inject_pseudo_anomalies(
                self.store_split.pseudo, dict(zip(self.video_ids, self._arrays)), all_spans,
                num_frames)
            self._arrays = [changed.get(v, a) for v, a in zip(self.video_ids, self._arrays)]
            meta.update(injected)
        meta.update(name=f'segments of {self.feature_root} ({self.split})',
                    num_segments=int(len(self.rows)), videos=list(videos),
                    video_labels={k: int(v) for k, v in labels.items()},
                    feature_dim=int(self._rows(0, [0]).shape[1])
                    if self._arrays and len(self._arrays[0]) else 0)
        self._metainfo.update(meta)
        if self.with_temporal_difference:
            self._td = self.temporal_differences().astype(np.float32)
        return [dict(index=i) for i in range(len(self.rows))]

    def _kept_labels(self, labels: Dict[str, int]) -> Dict[str, int]:
        """The video labels ``label_fraction`` keeps: that share of each class, by seed."""
        if self.label_fraction >= 1.0:
            return dict(labels)
        rng = np.random.default_rng(self.label_seed)
        kept = {}
        for value in sorted(set(labels.values())):
            names = sorted(v for v, lbl in labels.items() if lbl == value)
            count = int(round(self.label_fraction * len(names)))
            kept.update({names[i]: value for i in rng.permutation(len(names))[:count]})
        return kept

    def _select(self, clips: np.ndarray) -> np.ndarray:
        """``float32[n, D]`` features of ``n`` stored segments."""
        x = np.asarray(clips, np.float32)
        if x.ndim == 2:
            return x
        if self.patches == 'whole':
            return x[:, 0]
        if self.patches == 'mean':
            return x.mean(axis=1)
        if self.patches == 'all':
            return x.reshape(len(x), -1)
        return x[:, self.patches].reshape(len(x), -1)

    def _rows(self, v: int, rows) -> np.ndarray:
        """``float32[len(rows), D]``: rows of video ``v``, a crop picked first where
        ``crops`` says."""
        x = self._arrays[v][np.asarray(rows)]
        if self.crops is not None:
            x = pick_crops(x, self.crops, f'feature store {self.feature_root}: video '
                           f'{self.video_ids[v]}: {self.feature_key}')
        return self._select(x)

    def features(self, indices: Union[Sequence[int], np.ndarray]) -> np.ndarray:
        """``float32[len(indices), D]``, one sorted read per video."""
        idx = np.asarray(indices, np.int64).reshape(-1)
        rows = self.rows[idx]
        out = None
        for v in np.unique(rows['video']):
            where = np.flatnonzero(rows['video'] == v)
            order = np.argsort(rows['row'][where], kind='stable')
            picked = self._rows(v, rows['row'][where][order])
            if out is None:
                out = np.empty((len(idx), picked.shape[1]), np.float32)
            out[where[order]] = picked
        return out if out is not None else np.zeros((0, 0), np.float32)

    def get_data_info(self, idx: int) -> dict:
        row = self.rows[idx]
        item = dict(feature=self.features([idx])[0], video_id=self.video_ids[row['video']],
                    start=int(row['start']), end=int(row['end']), segment=int(row['row']),
                    video_label=int(row['label']))
        if self._td is not None:
            item['td'] = float(self._td[idx])
        return item

    def __getitems__(self, indices: Sequence[int]) -> List[dict]:
        """A whole batch at once (the torch DataLoader calls this when it exists): one
        item holding ``inputs`` (``feature [B, D]``, ``segment``, ``video_label``) and
        ``data_samples`` (one :class:`VADDataSample` per segment, with ``video_id``,
        ``start``, ``end``), plus ``td`` with ``with_temporal_difference``. Collate it
        with ``dict(type='vadkit.batch_collate')`` (the Runner looks collate functions up
        in mmengine's root registry, so the scope is named). The item pipeline is not
        applied."""
        idx = np.asarray(indices, np.int64).reshape(-1)
        rows = self.rows[idx]
        inputs = dict(feature=torch.from_numpy(self.features(idx)),
                      segment=torch.from_numpy(rows['row'].copy()),
                      video_label=torch.from_numpy(rows['label'].copy()))
        if self._td is not None:
            inputs['td'] = torch.from_numpy(self._td[idx])
        samples = [VADDataSample(metainfo=dict(video_id=self.video_ids[v], start=int(s),
                                               end=int(e)))
                   for v, s, e in zip(rows['video'], rows['start'], rows['end'])]
        return [dict(inputs=inputs, data_samples=samples)]

    def temporal_differences(self) -> np.ndarray:
        """``float64[len(self)]``: ``||f(t) - f(t-1)||_2`` of every segment to the previous
        segment of its video (``inf`` for a video's first), for GCL's pre-training
        selection (Sec. 3.3)."""
        out = np.full(len(self.rows), np.inf)
        start = 0
        for v, clips in enumerate(self._arrays):
            n = len(clips)
            if self.crops is not None:  # calm or not: judged on the crop mean
                clips = np.asarray(clips, np.float32).mean(axis=1)
            x = self._select(clips).astype(np.float64)
            if n > 1:
                out[start + 1:start + n] = np.linalg.norm(np.diff(x, axis=0), axis=1)
            start += n
        return out


@FUNCTIONS.register_module()
def batch_collate(batch: List[dict]) -> Dict[str, object]:
    """The collate function of :meth:`SegmentDataset.__getitems__`: the batch is already
    one item."""
    if len(batch) != 1:
        raise DataError(f'batch_collate expects one pre-batched item, got {len(batch)}')
    return batch[0]
