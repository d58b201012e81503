"""Data structures that carry (video, frame span) with every sample and prediction."""
from .boxes import box_area, box_intersection, box_iou, nms, paired_iou
from .vad_data_sample import VADDataSample

__all__ = ['VADDataSample', 'box_area', 'box_intersection', 'box_iou', 'nms', 'paired_iou']
