"""Shared plumbing of the command-line tools: config loading and one-line user errors."""
import functools
import os.path as osp
import sys
from typing import Callable, Optional

from mmengine.config import Config, DictAction  # noqa: F401 - DictAction for the tools

from .errors import ConfigError, VadkitUserError


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and apply ``--cfg-options``, with errors that name the file."""
    if not osp.isfile(path):
        raise ConfigError(f'config file {path} does not exist')
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the file's fault
        raise ConfigError(f'cannot read config {path}: {type(exc).__name__}: {exc}') from None
    if cfg_options:
        try:
            cfg.merge_from_dict(cfg_options)
        except Exception as exc:  # noqa: BLE001
            raise ConfigError(f'--cfg-options do not apply to {path}: {exc}') from None
    return cfg


def user_error_message(exc: BaseException) -> Optional[str]:
    """The one-line message for an error caused by user input, or None for a bug."""
    from vadkit.registry import UnknownTypeError, explain_unknown_type
    if isinstance(exc, (VadkitUserError, UnknownTypeError)):
        return str(exc)
    if isinstance(exc, KeyError):
        return explain_unknown_type(exc)
    return None


def run_tool(main: Callable[[], None]) -> Callable[[], None]:
    """Decorate a tool's ``main``: user errors end with one line on stderr and status 2."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            message = user_error_message(exc)
            if message is None:
                raise
            tool = osp.basename(sys.argv[0]) or 'vadkit'
            print(f'{tool}: error: {" ".join(message.split())}', file=sys.stderr)
            sys.exit(2)

    return wrapper
