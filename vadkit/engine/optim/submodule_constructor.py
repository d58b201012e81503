"""One optimiser per submodule, for models that train parts in turn (GCL's G and D)."""
from typing import Optional

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from vadkit.registry import OPTIM_WRAPPER_CONSTRUCTORS
from vadkit.utils.errors import ConfigError


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SubmoduleOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` with one optimiser wrapper per named submodule::

        optim_wrapper = dict(
            constructor='SubmoduleOptimWrapperConstructor',
            generator=dict(type='OptimWrapper', optimizer=dict(type='RMSprop', lr=2e-5)),
            discriminator=dict(type='OptimWrapper', optimizer=dict(type='RMSprop', lr=2e-5)))

    Each key names an attribute of the model (dotted paths allowed); its wrapper holds
    that submodule's parameters only, built by mmengine's default constructor (so
    ``paramwise_cfg`` works inside each entry).

    Args:
        optim_wrapper_cfg: ``{submodule: optim wrapper config}``.
        paramwise_cfg: Not used at this level (give it per entry).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg:
            raise ConfigError('SubmoduleOptimWrapperConstructor: give paramwise_cfg inside '
                              'each submodule entry')
        if not optim_wrapper_cfg:
            raise ConfigError('SubmoduleOptimWrapperConstructor needs one entry per '
                              'submodule')
        self.entries = {name: dict(cfg) for name, cfg in optim_wrapper_cfg.items()}

    def __call__(self, model) -> OptimWrapperDict:
        module = getattr(model, 'module', model)
        wrappers = {}
        for name, cfg in self.entries.items():
            part = module
            for attr in name.split('.'):
                if not hasattr(part, attr):
                    raise ConfigError(f'optim_wrapper.{name}: {type(module).__name__} has no '
                                      f'submodule {name!r}')
                part = getattr(part, attr)
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(part)
        return OptimWrapperDict(**wrappers)
