"""Object tubes from a feature store: one item per tube, the sample regime of the
local-patterns method (ITAM + SMM).

A tube (:class:`~vadkit.parsing.tubes.ObjectTubeBuilder`) is the same square region of a
merged object group cut from the ``length`` frames ending at ``end_frame``
(``tube_crops`` of the store). The method uses tubes two ways:

- ``sample='frame'`` (its spatial part, ITAM): one crop of the tube per read (a random
  one in training, the last at test) with the tube's captions, made by a CAPTIONER
  (:mod:`vadkit.parsing.captioners`) when the dataset loads;
- ``sample='tube'`` (its temporal part, SMM): every crop, the first ``length - shift``
  the past steps and the last the step to predict; the item's score speaks for the
  ``span`` frames ending at ``end_frame`` (the tube stride of the parsing, so that every
  frame of a tracked object is covered once).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from vadkit.registry import CAPTIONERS, DATASETS
from vadkit.utils.errors import DataError

from .store_split import StoreSplit, require_arrays

SAMPLES = ('tube', 'frame')
FRAME_CHOICES = ('random', 'last')
TUBE_ROW_FIELDS = [('video_id', 'U64'), ('row', 'i8'), ('end_frame', 'i8'),
                   ('num_members', 'i8'), ('track_id', 'i8')]


@DATASETS.register_module()
class ObjectTubeDataset(BaseDataset):
    """The object tubes of the videos of one split, read from a feature store.

    Args:
        feature_root: The feature store folder (``tools/extract_features.py --out`` with a
            parsing config whose ``tube_builder`` sets ``crop_size``).
        split: ``'train'`` or ``'test'``.
        videos: Which store videos form the split (as
            :class:`~vadkit.datasets.ObjectClipDataset`'s ``videos``).
        ground_truth: Folder of ``<video>.npy`` frame masks for a test split given by ids.
        video_scenes: ``'shanghaitech'``: ``video_groups['scene']`` from the video names.
        sample: ``'tube'`` (every crop, SMM) or ``'frame'`` (one crop, ITAM).
        frame: Which crop ``sample='frame'`` reads: ``'random'`` (a new one at every read)
            or ``'last'``; default ``'random'`` in training, ``'last'`` otherwise.
        captioner: A CAPTIONERS config (``SyntheticCaptioner``, ``FileCaptioner``,
            ``CLIPTemplateCaptioner``): every tube gets ``captions`` (``{kind:
            sentence}``) when the dataset loads; None for none (SMM, test).
        span: Frames an item's score speaks for, ending at its ``end_frame`` (the tube
            stride of the parsing). Default 1.
        min_members: Leave out tubes of fewer member tracks (0 keeps every tube).
        extract: Build the store when ``feature_root`` lacks videos of the split:
            ``dict(config=PARSING_CONFIG, data_root=DIR)``.
        holdout: ``dict(part='train' | 'val', fraction, seed)``: one part of a hold-out of
            the training videos.
        pipeline: Transforms, typically ``[dict(type='PackVADInputs', input_key='crops',
            meta_keys=(..., 'captions'))]``.

    Items hold ``crops`` (``uint8[length, s, s, 3]`` or ``[s, s, 3]``, BGR), ``video_id``,
    ``start`` / ``end`` (the score's frames), ``end_frame``, ``track_id`` (the smallest
    member), ``tube_index`` and ``captions``. ``metainfo`` holds ``num_frames``,
    ``video_gt`` (test), ``tube_length`` and ``crop_size``.
    """

    METAINFO = dict(name='object tubes')

    def __init__(self,
                 feature_root: str,
                 split: str = 'train',
                 videos: Union[None, str, Sequence[str], dict] = None,
                 ground_truth: Optional[str] = None,
                 video_scenes: Optional[str] = None,
                 sample: str = 'tube',
                 frame: Optional[str] = None,
                 captioner: Optional[dict] = None,
                 span: int = 1,
                 min_members: int = 0,
                 extract: Optional[dict] = None,
                 holdout: Optional[dict] = None,
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        if sample not in SAMPLES:
            raise ValueError(f'sample must be one of {SAMPLES}, got {sample!r}')
        frame = frame or ('random' if split == 'train' else 'last')
        if frame not in FRAME_CHOICES:
            raise ValueError(f'frame must be one of {FRAME_CHOICES}, got {frame!r}')
        if int(span) < 1:
            raise ValueError(f'span must be at least 1 frame, got {span}')
        self.store_split = StoreSplit(feature_root, split, videos, extract, ground_truth,
                                      video_scenes, holdout=holdout)
        self.feature_root, self.split = feature_root, split
        self.sample, self.frame, self.span = sample, frame, int(span)
        self.min_members = int(min_members)
        self.captioner_cfg = captioner
        self._arrays: Dict[str, Dict[str, np.ndarray]] = {}
        self.captions: List[Dict[str, str]] = []
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False,
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        from vadkit.parsing import FeatureStore
        videos = self.store_split.video_list()
        store = FeatureStore(self.feature_root)
        captioner = None
        if self.captioner_cfg is not None:
            captioner = (CAPTIONERS.build(dict(self.captioner_cfg))
                         if isinstance(self.captioner_cfg, dict) else self.captioner_cfg)
        names = ['tubes', 'tube_members', 'tube_crops']
        rows, num_frames, shape = [], {}, None
        for video_id in videos:
            meta = store.meta(video_id)
            if 'tube_crops' not in meta['arrays']:
                raise DataError(
                    f'feature store {self.feature_root}: video {video_id} has no tube_crops; '
                    'parse with a tube_builder that sets crop_size (configs/parsing/'
                    'tubes_synthetic.py)')
            require_arrays(self.feature_root, video_id, meta, names)
            arrays = store.read(video_id, names)
            self._arrays[video_id] = arrays
            num_frames[video_id] = int(meta['num_frames'])
            tubes, members = np.asarray(arrays['tubes']), np.asarray(arrays['tube_members'])
            crops = arrays['tube_crops']
            if len(crops) != len(tubes) or len(members) != len(tubes):
                raise DataError(f'feature store {self.feature_root}: video {video_id}: '
                                f'{len(tubes)} tubes but {len(crops)} tube_crops and '
                                f'{len(members)} tube_members rows')
            if len(crops):
                if shape is None:
                    shape = crops.shape[1:]
                elif crops.shape[1:] != shape:
                    raise DataError(f'feature store {self.feature_root}: video {video_id}: '
                                    f'tube_crops of shape {crops.shape[1:]}, other videos '
                                    f'{shape}')
            keep = np.flatnonzero(tubes[:, 5] >= self.min_members) if len(tubes) else []
            if captioner is not None and len(keep):
                extra = {}
                if 'tracks' in meta['arrays']:  # the members' boxes, for matching
                    extra['tracks'] = np.asarray(store.read(video_id, ['tracks'])['tracks'])
                sentences = captioner.caption_video(video_id, tubes[keep], members[keep],
                                                    crops[keep], **extra)
                if len(sentences) != len(keep):
                    raise DataError(f'{type(captioner).__name__}: video {video_id}: '
                                    f'{len(sentences)} captions for {len(keep)} tubes')
                self.captions += [dict(s) for s in sentences]
            for r in keep:
                rows.append((video_id, int(r), int(tubes[r, 0]), int(tubes[r, 5]),
                             int(members[r, 0])))
        self.rows = np.array(rows, dtype=TUBE_ROW_FIELDS)
        meta = self.store_split.metainfo(videos, num_frames)
        length, size = (int(shape[0]), int(shape[1])) if shape is not None else (0, 0)
        meta.update(name=f'object tubes of {osp.basename(osp.normpath(self.feature_root))} '
                         f'({self.split})',
                    num_tubes=int(len(self.rows)), tube_length=length, crop_size=size,
                    videos=list(videos),
                    caption_kinds=sorted(self.captions[0]) if self.captions else [])
        self._metainfo.update(meta)
        return [dict(index=i) for i in range(len(self.rows))]

    def get_data_info(self, idx: int) -> dict:
        row = self.rows[idx]
        video_id = str(row['video_id'])
        end_frame = int(row['end_frame'])
        crops = self._arrays[video_id]['tube_crops'][int(row['row'])]
        if self.sample == 'frame':
            pick = (int(np.random.randint(len(crops))) if self.frame == 'random'
                    else len(crops) - 1)
            crops = crops[pick]
        item = dict(video_id=video_id, end_frame=end_frame, tube_index=int(row['row']),
                    start=max(end_frame - self.span + 1, 0), end=end_frame + 1,
                    track_id=int(row['track_id']), num_members=int(row['num_members']),
                    crops=np.array(crops, copy=True))
        if self.captions:
            item['captions'] = self.captions[idx]
        return item
