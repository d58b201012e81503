"""Work-arounds for the OpenMMLab releases vadkit runs on; each says what it works around.

Nothing here edits site-packages: the shims live in ``sys.modules`` of the running
process only, and each is installed only when the problem it works around is present.
"""
import importlib
import importlib.util
import os.path as osp
import sys
import types
from types import ModuleType

_DRN_MODULE = 'mmaction.models.localizers.drn.drn'


def _mmaction_root():
    spec = importlib.util.find_spec('mmaction')
    return None if spec is None or spec.origin is None else osp.dirname(spec.origin)


def patch_mmaction_drn() -> bool:
    """Stand in for ``mmaction.models.localizers.drn``, missing from mmaction2 1.2.0 on PyPI.

    ``mmaction/models/localizers/__init__.py`` imports ``.drn.drn.DRN``, but the PyPI
    release does not ship that package, so ``import mmaction.models`` fails. This puts a
    module with a ``DRN`` name in ``sys.modules`` first; the stand-in is not registered and
    raises if anyone tries to build it. vadkit uses no DRN model.

    Returns:
        True if the stand-in is in place, False if mmaction2 is absent or complete.
    """
    if _DRN_MODULE in sys.modules:
        return getattr(sys.modules[_DRN_MODULE], '_vadkit_stand_in', False)
    root = _mmaction_root()
    if root is None or osp.exists(osp.join(root, 'models', 'localizers', 'drn', 'drn.py')):
        return False

    class DRN:  # noqa: D401 - a stand-in
        """Stand-in for mmaction2's DRN localizer, which the PyPI release lacks."""

        def __init__(self, *args, **kwargs):
            raise ImportError('mmaction2 1.2.0 from PyPI does not ship the DRN localizer '
                              '(mmaction/models/localizers/drn); install mmaction2 from source '
                              'to use it')

    package = types.ModuleType('mmaction.models.localizers.drn')
    package.__path__ = []  # a package, so that the submodule import resolves
    module = types.ModuleType(_DRN_MODULE)
    module.DRN = DRN
    module._vadkit_stand_in = True
    package.drn = module
    sys.modules['mmaction.models.localizers.drn'] = package
    sys.modules[_DRN_MODULE] = module
    return True


def import_mmaction_models() -> ModuleType:
    """``import mmaction.models`` with the work-arounds it needs."""
    patch_mmaction_drn()
    return importlib.import_module('mmaction.models')


def import_mmpose_models() -> ModuleType:
    """Import mmpose's models, codecs and transforms without ``mmpose.apis``.

    ``mmpose.apis`` and ``mmpose.utils.register_all_modules`` import torchvision, which
    has no build that works beside vadkit's CPU torch; the registry modules do not.
    """
    for name in ('mmpose.codecs', 'mmpose.datasets.transforms'):
        importlib.import_module(name)
    return importlib.import_module('mmpose.models')
