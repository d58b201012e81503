"""Data structures that carry (video, frame span) with every sample and prediction."""
from .vad_data_sample import VADDataSample

__all__ = ['VADDataSample']
