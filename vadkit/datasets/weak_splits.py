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

An unsupervised method (GCL) ignores the training labels; GCL_OCC / GCL_WS and the
weakly-supervised methods use them.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from vadkit.registry import DATASETS
from vadkit.utils.errors import DataError

from .annotations import (load_frame_mask, load_shanghaitech_weak_split,
                          load_ucf_crime_annotations, load_ucf_crime_train_list,
                          shanghaitech_weak_masks)
from .annotations.splits import SHANGHAITECH_TEST_NAME


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
