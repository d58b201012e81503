"""The weakly-supervised / unsupervised splits of UCF-Crime and ShanghaiTech as video lists.

Each is a registered dataset of one item per video (``video_id`` and, where the split
gives it, ``label``, 1 anomalous / 0 normal) that a feature-store dataset names as its
``videos`` (:class:`~vadkit.datasets.store_split.StoreSplit`): the store gives the frame
counts, and :meth:`frame_masks` turns the annotations into the test split's ground truth.

- UCF-Crime (Sultani et al. 2018): training = ``Anomaly_Train.txt`` (1,610 videos, the
  class from the folder), test = the 290 videos of ``Temporal_Anomaly_Annotation.txt``.
- ShanghaiTech weak split (Zhong et al. 2019): ``SH_Train.txt`` (238 videos) and
  ``SH_Test.txt`` (199); the original test set's frame masks give the test ground truth and
  the training videos' labels (``SS_NNN`` names, from the original training set, are
  normal).
- XD-Violence (Wu et al. 2020): the training and test videos from list files (video names
  or the feature lists ``rgb.list`` / ``rgbtest.list``), the labels from the names'
  ``label_`` part, the test intervals from ``XD_Annotation.txt``.

An unsupervised method (GCL) ignores the training labels; GCL_OCC / GCL_WS and the
weakly-supervised methods use them.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from vadkit.registry import DATASETS
from vadkit.utils.errors import DataError

from .annotations import (load_frame_mask, load_shanghaitech_weak_split,
                          load_ucf_crime_annotations, load_ucf_crime_train_list,
                          load_xd_violence_annotations, shanghaitech_weak_masks,
                          xd_violence_labels)
from .annotations._io import read_text_lines
from .annotations.splits import SHANGHAITECH_TEST_NAME

#: ``(video, intervals, frames the annotation fixes)``: what ``annotated_intervals`` gives
#: per video: 0-based, end-exclusive ``(start, stop)`` frame ranges, and the length of a
#: frame mask (None where the annotation does not fix the number of frames).
AnnotatedIntervals = Dict[str, Tuple[List[Tuple[int, int]], Optional[int]]]


def _check_split(split: str) -> str:
    if split not in ('train', 'test'):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return split


@DATASETS.register_module()
class UCFCrimeSplit(BaseDataset):
    """UCF-Crime's training or test videos.

    Args:
        split: ``'train'`` or ``'test'``.
        train_list: ``Anomaly_Train.txt``.
        annotation: ``Temporal_Anomaly_Annotation.txt`` (the test videos and their
            anomalous intervals, 1-based and end-inclusive).
        clip: Cut intervals running past a video's end (the reference evaluation does)
            instead of raising. Default False.
        pipeline: Transforms of each item.

    Items: ``video_id`` (the file stem, e.g. ``Abuse028_x264``), ``label``, ``category``.
    """

    def __init__(self, split: str = 'train',
                 train_list: str = 'data/ucf_crime/Anomaly_Train.txt',
                 annotation: str = 'data/ucf_crime/Temporal_Anomaly_Annotation.txt',
                 clip: bool = False, pipeline: Sequence = (), **kwargs) -> None:
        self.split = _check_split(split)
        self.train_list, self.annotation, self.clip = train_list, annotation, bool(clip)
        self._annotations = None
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        from .store_split import resolve_path
        if self.split == 'train':
            classes = load_ucf_crime_train_list(resolve_path(self.train_list))
            items = [dict(video_id=v, label=int(c != 'Normal'), category=c)
                     for v, c in classes.items()]
        else:
            self._annotations = load_ucf_crime_annotations(resolve_path(self.annotation))
            items = [dict(video_id=v, label=int(a.is_anomalous), category=a.label)
                     for v, a in self._annotations.items()]
        self._metainfo.update(name=f'UCF-Crime ({self.split})',
                              video_groups=dict(category={i['video_id']: i['category']
                                                          for i in items}))
        return items

    def frame_masks(self, num_frames: Dict[str, int]) -> Dict[str, np.ndarray]:
        """``{video: uint8 mask}`` of the test videos with ``num_frames`` frames each."""
        if self._annotations is None:
            return {}
        out = {}
        for video, ann in self._annotations.items():
            if video not in num_frames:
                raise DataError(f'{self.annotation}: video {video} has no frame count (it '
                                'is not in the feature store)')
            out[video] = ann.to_mask(int(num_frames[video]), clip=self.clip)
        return out

    def annotated_intervals(self) -> AnnotatedIntervals:
        """The test videos' anomalous frames as 0-based, end-exclusive ranges (empty for
        the normal ones; ``{}`` for the training split)."""
        if self._annotations is None:
            return {}
        return {v: (a.frame_ranges(), None) for v, a in self._annotations.items()}


@DATASETS.register_module()
class ShanghaiTechWeakSplit(BaseDataset):
    """The weakly-supervised ShanghaiTech split of Zhong et al. (2019).

    Args:
        split: ``'train'`` or ``'test'``.
        split_root: Folder with ``SH_Train.txt`` and ``SH_Test.txt``.
        mask_dir: ShanghaiTech's ``testing/test_frame_mask`` (the original test set's
            masks): the test ground truth and the training videos' labels. None: no
            labels (enough for unsupervised training, not for testing).
        pipeline: Transforms of each item.

    Items: ``video_id`` and, with ``mask_dir``, ``label``; ``metainfo['video_groups']``
    holds the scene of every video.
    """

    def __init__(self, split: str = 'train',
                 split_root: str = 'data/shanghaitech/weak_split',
                 mask_dir: Optional[str] = 'data/shanghaitech/testing/test_frame_mask',
                 pipeline: Sequence = (), **kwargs) -> None:
        self.split = _check_split(split)
        self.split_root, self.mask_dir = split_root, mask_dir
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False, **kwargs)

    def _mask_dir(self) -> Optional[str]:
        from .store_split import resolve_path
        return resolve_path(self.mask_dir) if self.mask_dir else None

    def load_data_list(self) -> List[dict]:
        from .annotations import shanghaitech_scenes
        from .store_split import resolve_path
        train, test = load_shanghaitech_weak_split(resolve_path(self.split_root))
        videos = train if self.split == 'train' else test
        mask_dir = self._mask_dir()
        if mask_dir is not None and not osp.isdir(mask_dir):
            raise DataError(f'ShanghaiTech frame-mask folder not found: {mask_dir} (set '
                            'mask_dir=None to train without video labels)')
        original_test = re.compile(SHANGHAITECH_TEST_NAME)
        items = []
        for video in videos:
            item = dict(video_id=video)
            if mask_dir is not None:
                path = osp.join(mask_dir, f'{video}.npy')
                if original_test.fullmatch(video):
                    if not osp.isfile(path):
                        raise DataError(f'video {video}: no frame mask {video}.npy in '
                                        f'{mask_dir} (original test videos all have one)')
                    item['label'] = int(load_frame_mask(path).any())
                else:
                    item['label'] = 0
            items.append(item)
        self._metainfo.update(name=f'ShanghaiTech weak split ({self.split})',
                              video_groups=dict(scene=shanghaitech_scenes(videos)))
        return items

    def frame_masks(self, num_frames: Dict[str, int]) -> Dict[str, np.ndarray]:
        """``{video: uint8 mask}`` of the split's videos (all-zero for the original
        training set's videos)."""
        mask_dir = self._mask_dir()
        if mask_dir is None:
            raise DataError('ShanghaiTechWeakSplit: the test split needs mask_dir (the frame '
                            'masks of the original test set)')
        return shanghaitech_weak_masks([i['video_id'] for i in self.data_list], mask_dir,
                                       num_frames)

    def annotated_intervals(self) -> AnnotatedIntervals:
        """The test videos' anomalous frames as 0-based, end-exclusive ranges, with the
        length of their frame mask (videos without a mask: no ranges, length None; ``{}``
        for the training split)."""
        if self.split != 'test':
            return {}
        mask_dir = self._mask_dir()
        if mask_dir is None:
            raise DataError('ShanghaiTechWeakSplit: the test annotations need mask_dir (the '
                            'frame masks of the original test set)')
        out: AnnotatedIntervals = {}
        for video in [i['video_id'] for i in self.data_list]:
            path = osp.join(mask_dir, f'{video}.npy')
            if not osp.isfile(path):
                out[video] = ([], None)
                continue
            mask = load_frame_mask(path)
            edges = np.flatnonzero(np.diff(np.concatenate([[0], mask, [0]]).astype(np.int8)))
            out[video] = ([(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])],
                          len(mask))
        return out


_XD_SUFFIX = re.compile(r'(__\d+\.npy|__vggish\.npy|\.npy|\.mp4)$', re.IGNORECASE)


def load_xd_violence_list(path: str) -> List[Tuple[str, int]]:
    """Read an XD-Violence video list: video names or feature paths, one per line.

    The id is the file name less ``.mp4``, ``.npy``, ``__<k>.npy`` or ``__vggish.npy``;
    the repeated lines of per-crop feature lists are merged, in order of first appearance.

    Args:
        path: The list (``rgb.list``, ``rgbtest.list``, or plain names).

    Returns:
        ``(video, line number of its first line)`` pairs in list order.
    """
    seen: Dict[str, int] = {}
    for number, line in read_text_lines(path, 'XD-Violence video list'):
        video = _XD_SUFFIX.sub('', osp.basename(line.replace('\\', '/')))
        if not video:
            raise DataError(f'{path} line {number}: no video name in {line!r}')
        seen.setdefault(video, number)
    if not seen:
        raise DataError(f'XD-Violence video list {path} is empty')
    return list(seen.items())


@DATASETS.register_module()
class XDViolenceSplit(BaseDataset):
    """XD-Violence's training or test videos.

    Args:
        split: ``'train'`` or ``'test'``.
        train_list: The training videos: a list of names or the feature list
            (``rgb.list``; see :func:`load_xd_violence_list`).
        test_list: The test videos, likewise (``rgbtest.list``): the annotation lists the
            violent test videos only, the normal ones come from here.
        annotation: ``XD_Annotation.txt`` (the violent test videos' intervals, 0-based and
            end-exclusive).
        clip: Cut intervals running past a video's end instead of raising. Default False.
        pipeline: Transforms of each item.

    Items: ``video_id``, ``label`` (1 when the name's ``label_`` part names a class other
    than Normal, code ``A``), ``category`` (the first class named).
    """

    def __init__(self, split: str = 'train',
                 train_list: str = 'data/xd_violence/list/rgb.list',
                 test_list: str = 'data/xd_violence/list/rgbtest.list',
                 annotation: str = 'data/xd_violence/XD_Annotation.txt',
                 clip: bool = False, pipeline: Sequence = (), **kwargs) -> None:
        self.split = _check_split(split)
        self.train_list, self.test_list = train_list, test_list
        self.annotation, self.clip = annotation, bool(clip)
        self._annotations = None
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        from .store_split import resolve_path
        path = resolve_path(self.train_list if self.split == 'train' else self.test_list)
        items = []
        for video, number in load_xd_violence_list(path):
            labels = xd_violence_labels(video)
            if not labels:
                raise DataError(f'{path} line {number}: video {video} has no parsable '
                                "'label_<codes>' part in its name (codes "
                                "A, B1, B2, B4, B5, B6, G)")
            violent = any(c != 'Normal' for c in labels)
            items.append(dict(video_id=video, label=int(violent),
                              category=next((c for c in labels if c != 'Normal'), 'Normal'),
                              line=number))
        if self.split == 'test':
            ann_path = resolve_path(self.annotation)
            self._annotations = load_xd_violence_annotations(ann_path)
            listed = {i['video_id'] for i in items}
            for video in self._annotations:
                if video not in listed:
                    raise DataError(f'{ann_path}: video {video} is annotated but not in the '
                                    f'test list {path}')
            for item in items:
                if item['label'] and item['video_id'] not in self._annotations:
                    raise DataError(f"{path} line {item['line']}: video {item['video_id']} "
                                    f'is violent ({item["category"]}) but has no interval in '
                                    f'{ann_path}')
        for item in items:
            del item['line']
        self._metainfo.update(name=f'XD-Violence ({self.split})',
                              video_groups=dict(category={i['video_id']: i['category']
                                                          for i in items}))
        return items

    def frame_masks(self, num_frames: Dict[str, int]) -> Dict[str, np.ndarray]:
        """``{video: uint8 mask}`` of the test videos with ``num_frames`` frames each
        (all zero for the normal ones)."""
        if self._annotations is None:
            return {}
        out = {}
        for video in [i['video_id'] for i in self.data_list]:
            if video not in num_frames:
                raise DataError(f'{self.test_list}: video {video} has no frame count (it is '
                                'not in the feature store)')
            ann = self._annotations.get(video)
            out[video] = np.zeros(int(num_frames[video]), np.uint8) if ann is None else \
                ann.to_mask(int(num_frames[video]), clip=self.clip)
        return out

    def annotated_intervals(self) -> AnnotatedIntervals:
        """The test videos' violent frames as 0-based, end-exclusive ranges (empty for
        the normal ones; ``{}`` for the training split)."""
        if self._annotations is None:
            return {}
        out: AnnotatedIntervals = {}
        for video in [i['video_id'] for i in self.data_list]:
            ann = self._annotations.get(video)
            out[video] = (ann.frame_ranges() if ann is not None else [], None)
        return out
