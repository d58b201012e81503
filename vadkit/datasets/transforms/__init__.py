"""Sample transforms of vadkit's data pipelines."""
from .formatting import PackVADInputs

__all__ = ['PackVADInputs']
