"""vadkit: video anomaly detection on the OpenMMLab stack.

Importing ``vadkit`` is cheap: registries import their modules lazily (``locations``)
and plugins are loaded by :func:`vadkit.utils.register_all_modules`, which the tools call
before building anything.
"""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
