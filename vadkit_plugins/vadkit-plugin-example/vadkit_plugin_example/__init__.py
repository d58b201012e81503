"""An example vadkit plugin: importing it registers its modules."""
from .median_smooth import MedianSmooth

__version__ = '0.1.0'
__all__ = ['MedianSmooth']
