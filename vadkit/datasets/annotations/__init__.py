"""Loaders of public VAD datasets' frame-level ground truth and splits.

numpy and the standard library only: frame masks (Avenue, ShanghaiTech), the ShanghaiTech
Mixture and weakly-supervised splits, UCF-Crime / XD-Violence interval annotations and
UCSD's ``.m`` ground truth. Malformed input raises :class:`vadkit.utils.errors.DataError`
naming the file, the video and the line or field.
"""
from .intervals import (UCF_CRIME_CLASSES, XD_VIOLENCE_CLASSES, IntervalAnnotation,
                        intervals_to_mask, load_ucf_crime_annotations,
                        load_ucf_crime_train_list, load_xd_violence_annotations,
                        ucf_crime_classes, xd_violence_labels)
from .masks import check_frame_mask, count_frames, load_frame_mask, load_frame_masks
from .splits import (MIXTURE_SPLITS, MixtureSplit, load_mixture_split, shanghaitech_scenes,
                     load_shanghaitech_weak_split, load_video_list, shanghaitech_weak_masks)
from .ucsd import parse_ucsd_gt_m

__all__ = [
    'IntervalAnnotation', 'MIXTURE_SPLITS', 'MixtureSplit', 'UCF_CRIME_CLASSES',
    'XD_VIOLENCE_CLASSES', 'check_frame_mask', 'count_frames', 'intervals_to_mask',
    'load_frame_mask', 'load_frame_masks', 'load_mixture_split',
    'load_shanghaitech_weak_split', 'load_ucf_crime_annotations', 'load_ucf_crime_train_list',
    'load_video_list', 'load_xd_violence_annotations', 'parse_ucsd_gt_m',
    'shanghaitech_scenes', 'shanghaitech_weak_masks', 'ucf_crime_classes', 'xd_violence_labels'
]
