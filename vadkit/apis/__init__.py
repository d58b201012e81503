"""High-level inference APIs (``init_model``, ``score_video``) and inferencers."""
from .inference import init_model
from .motion_augmentation import augment_clips, encode_motion, split_by_error, train_classifier

__all__ = ['augment_clips', 'encode_motion', 'init_model', 'split_by_error',
           'train_classifier']
