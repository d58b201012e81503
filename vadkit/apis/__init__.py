"""High-level inference APIs (``init_model``, ``score_video``) and inferencers."""
from .inference import init_model
from .score_video import calibrate, parse_video, score_video
from .motion_augmentation import augment_clips, encode_motion, split_by_error, train_classifier

__all__ = ['augment_clips', 'calibrate', 'encode_motion', 'init_model', 'parse_video',
           'score_video', 'split_by_error', 'train_classifier']
