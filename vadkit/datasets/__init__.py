"""Feature-level datasets, annotation loaders, splits and generators."""
from . import annotations
from .annotations import (IntervalAnnotation, count_frames, intervals_to_mask,
                          load_frame_masks, load_mixture_split, load_shanghaitech_weak_split,
                          load_ucf_crime_annotations, load_video_list,
                          load_xd_violence_annotations)
from .object_clips import ObjectClipDataset
from .object_tubes import ObjectTubeDataset
from .samplers import BalancedBagSampler
from .segments import SegmentDataset, batch_collate
from .synthetic import SyntheticVideos
from .toy_segments import ToySegmentDataset
from .transforms import PackVADInputs
from .video_bags import VideoBagDataset, bag_collate
from .weak_splits import ShanghaiTechWeakSplit, UCFCrimeSplit, XDViolenceSplit

__all__ = [
    'BalancedBagSampler', 'IntervalAnnotation', 'ObjectClipDataset', 'ObjectTubeDataset',
    'PackVADInputs',
    'SegmentDataset', 'ShanghaiTechWeakSplit', 'SyntheticVideos', 'ToySegmentDataset',
    'UCFCrimeSplit', 'XDViolenceSplit',
    'VideoBagDataset', 'annotations', 'bag_collate', 'batch_collate', 'count_frames',
    'intervals_to_mask', 'load_frame_masks', 'load_mixture_split',
    'load_shanghaitech_weak_split', 'load_ucf_crime_annotations', 'load_video_list',
    'load_xd_violence_annotations'
]
