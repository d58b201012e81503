"""What the tools do before building anything from a config."""
import datetime
import logging
import os
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope


def register_all_modules(init_default_scope: bool = True, load_plugins: bool = True) -> None:
    """Register vadkit's modules and the installed plugins' modules.

    Also routes checkpoint loading through the weights-only allow-list
    (:func:`vadkit.utils.checkpoint.install_safe_checkpoint_loader`).

    Args:
        init_default_scope: Make ``'vadkit'`` the default scope, as the tools do, so that
            a bare ``type='X'`` is looked up in vadkit's registries first.
        load_plugins: Discover and load the ``vadkit.plugins`` entry points (a plugin that
            fails is recorded, never raised; ``VADKIT_DISABLE_PLUGINS=1`` turns this off).
    """
    import vadkit.datasets  # noqa: F401
    import vadkit.engine  # noqa: F401
    import vadkit.evaluation  # noqa: F401
    import vadkit.models  # noqa: F401
    import vadkit.scoring  # noqa: F401
    from vadkit.plugins import load_plugins as _load_plugins

    from .checkpoint import install_safe_checkpoint_loader
    install_safe_checkpoint_loader()
    if load_plugins:
        from mmengine.logging import print_log
        for info in _load_plugins():
            if info.error:
                print_log(f'vadkit plugin {info.name} ({info.distribution} {info.version}) '
                          f'failed to load and is skipped: {info.error}',
                          logger='current', level=logging.WARNING)
    if init_default_scope:
        current = DefaultScope.get_current_instance()
        if current is None or current.scope_name != 'vadkit':
            # A new instance name each time: DefaultScope instances are named singletons.
            stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S-%f')
            DefaultScope.get_instance(f'vadkit-{stamp}', scope_name='vadkit')


def setup_cpu_distributed(cfg: Config) -> bool:
    """Make ``launcher='pytorch'`` (torchrun) work on a machine without CUDA.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and its DDP wrapper passes
    ``device_ids=[LOCAL_RANK]``, both of which fail without CUDA. On such a machine this
    switches the backend to ``gloo``, initialises the process group itself (so the Runner
    does not) and wraps the model in DDP without device ids.

    Returns:
        True if the CPU set-up was applied.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not torch.distributed.is_initialized():
        timeout = dist_cfg.get('timeout')
        kwargs = {} if timeout is None else dict(
            timeout=datetime.timedelta(seconds=float(timeout)))
        torch.distributed.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']), **kwargs)
    return True


def default_work_dir(config_path: str) -> str:
    """``work_dirs/<config name>``, as the OpenMMLab tools choose it."""
    return os.path.join('work_dirs', os.path.splitext(os.path.basename(config_path))[0])


def collect_env() -> dict:
    """Versions of what vadkit runs on, for bug reports and the install script."""
    import numpy
    from mmengine.utils.dl_utils import collect_env as mmengine_collect_env

    import vadkit
    info = dict(mmengine_collect_env())
    for noisy in ('GCC', 'PyTorch compiling details', 'numpy_random_seed'):
        info.pop(noisy, None)
    info['vadkit'] = vadkit.__version__
    info['numpy'] = numpy.__version__
    for name, module in (('mmcv', 'mmcv'), ('mmdet', 'mmdet'), ('mmpose', 'mmpose'),
                         ('mmaction2', 'mmaction'), ('mmsegmentation', 'mmseg')):
        info[name] = _version_of(module)
    from vadkit.plugins import load_plugins
    info['plugins'] = ', '.join(
        f'{p.name} {p.version}' + (' (FAILED)' if p.error else '') for p in load_plugins()
    ) or 'none'
    return info


def _version_of(module: str) -> Optional[str]:
    from importlib import metadata
    dist = {'mmaction': 'mmaction2', 'mmseg': 'mmsegmentation'}.get(module, module)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return 'not installed'
