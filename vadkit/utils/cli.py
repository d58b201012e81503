"""Shared plumbing of the command-line tools: arguments, config loading, Runner building
and one-line user errors."""
import argparse
import functools
import os
import os.path as osp
import sys
from typing import Callable, Optional, Sequence

from mmengine.config import Config, DictAction

from .errors import CheckpointError, ConfigError, VadkitUserError
from .setup_env import default_work_dir, register_all_modules, setup_cpu_distributed


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The arguments every Runner tool shares, with OpenMMLab's names."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, xxx=yyy style, e.g. '
        'train_cfg.max_epochs=5 model.latent_channels=8')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser,
                      argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` for launchers that pass ``--local-rank``."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def prepare_runner_cfg(cfg: Config, args: argparse.Namespace,
                       strict_checkpoint: Optional[bool]) -> Config:
    """Apply ``--launcher`` and ``--work-dir`` (default ``work_dirs/<config name>``) and
    add :class:`~vadkit.engine.CheckpointFitHook`.

    Args:
        strict_checkpoint: True forces a strict fit check (testing); None keeps a
            ``CheckpointFitHook`` the config already has, or adds a lenient one.
    """
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(args.config)
    hooks = list(cfg.get('custom_hooks', []) or [])
    has_fit_hook = any(h.get('type') == 'CheckpointFitHook' for h in hooks)
    if strict_checkpoint:
        hooks = [h for h in hooks if h.get('type') != 'CheckpointFitHook']
        hooks.append(dict(type='CheckpointFitHook', strict=True))
    elif not has_fit_hook:
        hooks.append(dict(type='CheckpointFitHook', strict=False))
    cfg.custom_hooks = hooks
    return cfg


def build_runner(cfg: Config):
    """Register modules and plugins, set up CPU distribution, build the Runner."""
    from mmengine.runner import Runner

    from vadkit.registry import RUNNERS
    register_all_modules()
    setup_cpu_distributed(cfg)
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


def _rebind(value, old: str, new: str):
    """``value`` with the path ``old`` (whole string or leading folder) replaced."""
    if isinstance(value, str):
        if value == old:
            return new
        if value.startswith(old.rstrip('/') + '/'):
            return new.rstrip('/') + value[len(old.rstrip('/')):]
        return value
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _rebind(value[key], old, new)
        return value
    if isinstance(value, (list, tuple)):
        out = [_rebind(v, old, new) for v in value]
        return out if isinstance(value, list) else type(value)(out)
    return value


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and apply ``--cfg-options``, with errors that name the file.

    A top-level path variable of the config (``data_root='data/x'``, ``feature_root``)
    given in ``cfg_options`` is also replaced where the config used it: every string
    of the config that is that path, or starts with it as a folder, gets the new one (a
    Python config copies such variables into its dicts when it is read).
    """
    if not osp.isfile(path):
        raise ConfigError(f'config file {path} does not exist')
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the file's fault
        raise ConfigError(f'cannot read config {path}: {type(exc).__name__}: {exc}') from None
    return apply_cfg_options(cfg, cfg_options, source=path) if cfg_options else cfg


def apply_cfg_options(cfg: Config, cfg_options: dict, source: Optional[str] = None) -> Config:
    """``cfg`` with ``--cfg-options`` applied, top-level path variables rebound where the
    config used them (see :func:`load_config`); ``cfg`` itself may be changed. ``source``
    names the config in errors (default: its file name)."""
    paths = {key: cfg[key] for key, value in cfg_options.items()
             if '.' not in key and isinstance(cfg.get(key), str) and isinstance(value, str)
             and cfg[key] and cfg[key] != value}
    try:
        if paths:
            data = cfg.to_dict()
            for key, old in paths.items():
                data = _rebind(data, old, cfg_options[key])
            cfg = Config(data, filename=cfg.filename)
        cfg.merge_from_dict(cfg_options)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f'--cfg-options do not apply to '
                          f'{source or cfg.filename or "the config"}: {exc}') from None
    return cfg


def resolve_checkpoint(path: str, cfg: Optional[Config] = None) -> str:
    """A checkpoint file, or the one a work dir's ``last_checkpoint`` names (its
    ``best_checkpoint`` when ``cfg`` chooses by a validation metric: ``model_selection``,
    :mod:`vadkit.engine.model_selection`)."""
    if osp.isdir(path):
        if cfg is not None:
            from vadkit.engine.model_selection import selected_checkpoint
            return selected_checkpoint(path, cfg)
        pointer = osp.join(path, 'last_checkpoint')
        if not osp.isfile(pointer):
            raise CheckpointError(f'{path} is a directory without a last_checkpoint file')
        with open(pointer, encoding='utf-8') as f:
            path = f.read().strip()
    if not osp.isfile(path):
        raise CheckpointError(f'checkpoint {path} does not exist')
    return path


def user_error_message(exc: BaseException) -> Optional[str]:
    """The one-line message for an error caused by user input, or None for a bug."""
    from vadkit.registry import UnknownTypeError, explain_unknown_type
    if isinstance(exc, (VadkitUserError, UnknownTypeError)):
        return str(exc)
    if isinstance(exc, KeyError):
        return explain_unknown_type(exc)
    return None


def run_tool(main: Callable[[], None]) -> Callable[[], None]:
    """Decorate a tool's ``main``: user errors end with one line on stderr and status 2;
    a distributed run that succeeded closes its process group on every rank."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            result = main(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            message = user_error_message(exc)
            if message is None:
                raise
            tool = osp.basename(sys.argv[0]) or 'vadkit'
            print(f'{tool}: error: {" ".join(message.split())}', file=sys.stderr)
            sys.exit(2)
        # only after success: a rank that failed must not wait for ranks that may be
        # blocked in a collective (torchrun ends them when one rank fails)
        leave_process_group()
        return result

    return wrapper


def leave_process_group() -> None:
    """Wait for every rank, then close the process group, when one is open.

    A rank that exits with its gloo group still open can abort while the interpreter
    shuts down ("terminate called without an active exception", SIGABRT), which makes
    torchrun fail the whole job although every rank has done its work. The other ranks
    wait here while rank 0 writes the results.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
