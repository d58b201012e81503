"""Videos as bags of segments: the sample regime of multiple-instance learning (SA-CRF, the
MIL ranking baseline).

One item per video of the split: its segment features ``float32[T, P, D]`` (``P`` patches
of the spatial pyramid, patch 0 the whole frame, or one of them / their mean), the frame
span of each segment, and its video-level label. Training bags can be cut to a fixed
number of segments as Sultani et al. do (32: consecutive segments averaged); test bags keep
every segment, so scores map back to frames. :func:`bag_collate` pads a batch to its
longest bag and says which segments are real.
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

PATCH_CHOICES = ('all', 'whole', 'mean')


def merge_segments(features: np.ndarray, spans: np.ndarray, num_segments: int):
    """Sultani et al.'s fixed-size bag: the ``T`` segments cut into ``num_segments``
    consecutive groups of (nearly) equal size, each group's features averaged and its
    span the union. A video with fewer segments repeats them (each group one segment).

    Returns:
        ``(features [num_segments, ...], spans [num_segments, 2])``.
    """
    t = len(features)
    if t == 0:
        raise DataError('merge_segments: a video without segments')
    edges = np.linspace(0, t, int(num_segments) + 1)
    out_f = np.empty((int(num_segments), ) + features.shape[1:], np.float32)
    out_s = np.empty((int(num_segments), 2), np.int64)
    for k in range(int(num_segments)):
        lo = min(int(np.floor(edges[k])), t - 1)
        hi = max(int(np.floor(edges[k + 1])), lo + 1)
        out_f[k] = features[lo:hi].mean(0)
        out_s[k] = (spans[lo:hi, 0].min(), spans[lo:hi, 1].max())
    return out_f, out_s


@DATASETS.register_module()
class VideoBagDataset(BaseDataset):
    """The videos of one split of a feature store, each a bag of its segments.

    Args:
        feature_root: The feature store folder.
        split: ``'train'`` or ``'test'``.
        videos: The split's videos (:class:`~vadkit.datasets.store_split.StoreSplit`):
            ids / patterns, a split file, or a video dataset config whose items carry
            video-level labels (``SyntheticVideos(regime='weak')``, ``UCFCrimeSplit``,
            ``ShanghaiTechWeakSplit``).
        ground_truth: Folder of ``<video>.npy`` frame masks (test split).
        extract: Build the store's missing videos from a parsing config.
        feature: The store array of segment features. Default ``'clips'``.
        patches: ``'all'`` (every patch: ``[T, P, D]``, default), ``'whole'`` (patch 0) or
            ``'mean'`` (the patches' mean), the last two as ``[T, 1, D]``.
        num_segments: Cut every bag to this many segments (:func:`merge_segments`; 32 in
            Sultani et al.); None (default) keeps them all.
        require_labels: Refuse a video without a video-level label (weakly supervised
            training). Default: True for ``split='train'``.
        frames: Also give each segment's frames, for models that learn from pixels (SA-CRF
            end to end): ``dict(data_root, patterns, size=(h, w), per_segment=1)`` finds
            the videos as the parser does (:func:`~vadkit.parsing.find_videos`) and takes
            ``per_segment`` evenly spaced frames of every segment (of every merged group
            with ``num_segments``), resized to ``size``, RGB.
        holdout: ``dict(part='train' | 'val', fraction, seed)``: one part of a hold-out of
            the training videos (:mod:`vadkit.datasets.model_selection`); a ``'val'`` part
            keeps its video labels for :class:`~vadkit.evaluation.VideoLevelMetric`.
        pseudo_anomalies: :class:`~vadkit.datasets.model_selection.PseudoAnomalies`
            arguments: inject feature-level pseudo-anomalies into the videos not labelled
            anomalous (the others are left out) and give their frame labels.
        crops: None (default: ``feature``), ``'random'`` (one crop of the ``crops_key``
            array ``[T, crops, D]`` per bag, drawn at every read: the crop as an
            augmentation, as the 10-crop features of RTFM are used; not on the test
            split) or a crop index.
        crops_key: The store array of every crop.
        pipeline: Transforms of each item.

    Each item: ``feature float32[T, P, D]``, ``spans int64[T, 2]``, ``video_id``,
    ``label`` (-1 unknown), ``num_frames``; with ``frames``, ``frames uint8[T, S, h, w,
    3]``.
    """

    METAINFO = dict(name='video bags')

    def __init__(self,
                 feature_root: str,
                 split: str = 'train',
                 videos: Union[None, str, Sequence[str], dict] = None,
                 ground_truth: Optional[str] = None,
                 extract: Optional[dict] = None,
                 feature: str = 'clips',
                 patches: str = 'all',
                 num_segments: Optional[int] = None,
                 require_labels: Optional[bool] = None,
                 frames: Optional[dict] = None,
                 holdout: Optional[dict] = None,
                 pseudo_anomalies: Optional[dict] = None,
                 crops: Union[None, str, int] = None,
                 crops_key: str = 'crops',
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        if patches not in PATCH_CHOICES:
            raise ValueError(f'patches must be one of {PATCH_CHOICES}, got {patches!r}')
        if num_segments is not None and int(num_segments) < 1:
            raise ValueError(f'num_segments must be positive, got {num_segments}')
        self.store_split = StoreSplit(feature_root, split, videos, extract, ground_truth,
                                      holdout=holdout, pseudo_anomalies=pseudo_anomalies)
        self._injected: Dict[str, np.ndarray] = {}  # features changed by pseudo_anomalies
        self.crops = check_crops(crops, split)
        self.feature_root, self.split = feature_root, split
        self.feature_key = feature if self.crops is None else crops_key
        self.patches = patches
        self.num_segments = None if num_segments is None else int(num_segments)
        self.require_labels = split == 'train' if require_labels is None \
            else bool(require_labels)
        self.frames = None if frames is None else frame_options(frames)
        self._video_paths: Dict[str, str] = {}
        self._store = None  # opened once, by load_data_list
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False, **kwargs)

    def _select(self, clips: np.ndarray) -> np.ndarray:
        x = np.asarray(clips, np.float32)
        if x.ndim == 2:
            x = x[:, None]
        if self.patches == 'whole':
            return x[:, :1]
        if self.patches == 'mean':
            return x.mean(axis=1, keepdims=True)
        return x

    def load_data_list(self) -> List[dict]:
        from vadkit.parsing import FeatureStore
        videos = self.store_split.video_list()
        labels = self.store_split.video_labels
        if self.require_labels:
            missing = [v for v in videos if v not in labels]
            if missing:
                raise DataError(f'{self.split} split of {self.feature_root}: {len(missing)} '
                                f'video(s) without a video-level label, e.g. {missing[:3]}; '
                                'weakly supervised training needs a split that gives them '
                                "(e.g. SyntheticVideos(regime='weak'))")
        if self.frames is not None:
            from vadkit.parsing import find_videos
            found = dict(find_videos(self.frames['data_root'], self.frames['patterns']))
            missing = [v for v in videos if v not in found]
            if missing:
                raise DataError(f"{self.split} split of {self.feature_root}: no frames for "
                                f"{len(missing)} video(s) under {self.frames['data_root']} "
                                f"({self.frames['patterns']}), e.g. {missing[:3]}")
            self._video_paths = {v: found[v] for v in videos}
        store = self._store = FeatureStore(self.feature_root)
        items, num_frames = [], {}
        for video_id in videos:
            meta = store.meta(video_id)
            require_arrays(self.feature_root, video_id, meta, (self.feature_key, 'clip_spans'),
                           'its parsing config has no clip extractor')
            num_frames[video_id] = int(meta['num_frames'])
            items.append(dict(video_id=video_id, label=int(labels.get(video_id, -1)),
                              num_frames=num_frames[video_id]))
        self._metainfo.update(self.store_split.metainfo(videos, num_frames))
        if self.store_split.pseudo is not None:
            stored = {v: store.read(v, [self.feature_key, 'clip_spans']) for v in videos}
            self._injected, injected = inject_pseudo_anomalies(
                self.store_split.pseudo, {v: a[self.feature_key] for v, a in stored.items()},
                {v: np.asarray(a['clip_spans']) for v, a in stored.items()}, num_frames)
            self._metainfo.update(injected)
        self._metainfo.update(name=f'video bags of {self.feature_root} ({self.split})',
                              videos=list(videos),
                              video_labels={k: int(v) for k, v in labels.items()})
        return items

    def get_data_info(self, idx: int) -> dict:
        info = dict(super().get_data_info(idx))
        arrays = self._store.read(info['video_id'], [self.feature_key, 'clip_spans'])
        feature = self._injected.get(info['video_id'], arrays[self.feature_key])
        if self.crops is not None:
            feature = pick_crops(feature, self.crops, f'feature store {self.feature_root}: '
                                 f'video {info["video_id"]}: {self.feature_key}', per_row=False)
        feature = self._select(feature)
        spans = np.asarray(arrays['clip_spans'], np.int64).reshape(-1, 2)
        if len(feature) != len(spans) or len(feature) == 0:
            raise DataError(f'feature store {self.feature_root}: video {info["video_id"]}: '
                            f'{len(feature)} {self.feature_key} rows and {len(spans)} clip '
                            'spans (need the same, at least one)')
        if self.num_segments is not None:
            feature, spans = merge_segments(feature, spans, self.num_segments)
        info.update(feature=np.array(feature, np.float32), spans=spans)  # a copy, writable
        if self.frames is not None:
            info['frames'] = self._read_frames(info['video_id'], spans)
        return info

    def _read_frames(self, video_id: str, spans: np.ndarray) -> np.ndarray:
        from vadkit.parsing import VideoSource
        from vadkit.parsing.video_io import rgb_frames, segment_frame_indices
        s, (h, w) = self.frames['per_segment'], self.frames['size']
        index = np.stack([a + segment_frame_indices(max(b - a, 1), s) for a, b in spans])
        images = VideoSource(self._video_paths[video_id], video_id).frames_at(
            index.reshape(-1).tolist())
        frames = rgb_frames(images, (h, w), f'video {video_id}')
        return frames.reshape(len(spans), s, h, w, 3)


def frame_options(frames: dict) -> dict:
    """Checked ``VideoBagDataset(frames=...)`` options."""
    unknown = sorted(set(frames) - {'data_root', 'patterns', 'size', 'per_segment'})
    if unknown or 'data_root' not in frames or 'patterns' not in frames:
        raise ValueError(f'frames takes data_root, patterns, size, per_segment (data_root and '
                         f'patterns required), got {sorted(frames)}')
    size = frames.get('size', (112, 112))
    size = (int(size), int(size)) if isinstance(size, (int, float)) else tuple(map(int, size))
    per_segment = int(frames.get('per_segment', 1))
    if len(size) != 2 or min(size) < 1 or per_segment < 1:
        raise ValueError(f"frames: size must be (h, w) > 0 and per_segment >= 1, got "
                         f"{frames.get('size')}, {frames.get('per_segment')}")
    patterns = frames['patterns']
    return dict(data_root=str(frames['data_root']),
                patterns=[patterns] if isinstance(patterns, str) else list(patterns),
                size=size, per_segment=per_segment)


@FUNCTIONS.register_module()
def bag_collate(batch: List[dict]) -> Dict[str, object]:
    """Pad a batch of bags to the longest: ``inputs = dict(feature [N, T, P, D], valid
    bool[N, T], video_label long[N])`` and one :class:`VADDataSample` per video with
    ``video_id``, ``spans`` (its real segments), ``start`` / ``end`` (the frames they
    cover) and ``num_frames``. Name it ``dict(type='vadkit.bag_collate')`` in a config."""
    if not batch:
        raise DataError('bag_collate: an empty batch')
    longest = max(len(item['feature']) for item in batch)
    shape = batch[0]['feature'].shape[1:]
    feature = torch.zeros((len(batch), longest) + tuple(shape))
    valid = torch.zeros((len(batch), longest), dtype=torch.bool)
    samples = []
    for n, item in enumerate(batch):
        if item['feature'].shape[1:] != shape:
            raise DataError(f"bag_collate: video {item['video_id']} has features of shape "
                            f"{item['feature'].shape[1:]}, the batch {shape}")
        t = len(item['feature'])
        feature[n, :t] = torch.as_tensor(item['feature'])
        valid[n, :t] = True
        spans = np.asarray(item['spans'])
        samples.append(VADDataSample(metainfo=dict(
            video_id=item['video_id'], spans=spans, start=int(spans[:, 0].min()),
            end=int(spans[:, 1].max()), num_frames=int(item['num_frames']))))
    labels = torch.tensor([int(item['label']) for item in batch], dtype=torch.long)
    inputs = dict(feature=feature, valid=valid, video_label=labels)
    if all('frames' in item for item in batch):
        frame_shape = batch[0]['frames'].shape[1:]
        frames = torch.zeros((len(batch), longest) + tuple(frame_shape), dtype=torch.uint8)
        for n, item in enumerate(batch):
            if item['frames'].shape[1:] != frame_shape:
                raise DataError(f"bag_collate: video {item['video_id']} has frames of shape "
                                f"{item['frames'].shape[1:]}, the batch {frame_shape}")
            frames[n, :len(item['frames'])] = torch.as_tensor(item['frames'])
        inputs['frames'] = frames
    return dict(inputs=inputs, data_samples=samples)


def segment_scores_to_frames(scores: np.ndarray, spans: np.ndarray, start: int,
                             end: int) -> np.ndarray:
    """``float32[end - start]``: each frame of ``[start, end)`` takes the largest score of
    the segments covering it (frames no segment covers: the nearest segment's)."""
    out = np.full(int(end) - int(start), -np.inf, np.float32)
    for value, (s, e) in zip(np.asarray(scores, np.float32), np.asarray(spans)):
        out[s - start:e - start] = np.maximum(out[s - start:e - start], value)
    missing = ~np.isfinite(out)
    if missing.any():
        covered = np.flatnonzero(~missing)
        nearest = covered[np.abs(np.flatnonzero(missing)[:, None] - covered[None]).argmin(1)]
        out[missing] = out[nearest]
    return out
