from .vad_metric import VADMetric

__all__ = ['VADMetric']
