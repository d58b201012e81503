"""Safe checkpoint loading for mmengine on torch >= 2.6, and checks that weights fit.

torch 2.6 made ``torch.load(weights_only=True)`` the default; mmengine 0.10.7 does not know
it, so it can neither resume nor ``load_from`` its own checkpoints (they hold numpy arrays
and ``HistoryBuffer`` objects of the message hub). Switching weights-only off for every load
would let a checkpoint downloaded from anywhere run code on unpickling. vadkit instead loads
every checkpoint with ``weights_only=True`` and allow-lists exactly the objects vadkit and
mmengine checkpoints contain (:func:`allowed_globals`). Anything else is refused with
:class:`~vadkit.utils.errors.UnsafeCheckpointError`.

:func:`install_safe_checkpoint_loader` puts this loader behind every scheme of mmengine's
``CheckpointLoader`` (local paths, ``http(s)://``, ``open-mmlab://`` ...), so Runner.resume,
``load_from`` and ``init_cfg=dict(type='Pretrained')`` all go through it.
"""
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .errors import CheckpointError, CheckpointMismatchError, UnsafeCheckpointError

SafeGlobal = Union[Callable, Tuple[Callable, str]]

# Statistics methods of mmengine's HistoryBuffer that its pickles fetch with getattr.
_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')
_extra_globals: List[SafeGlobal] = []


def _restricted_getattr(obj, name: str):
    """Stand-in for ``builtins.getattr`` while unpickling.

    mmengine's message hub pickles ``HistoryBuffer._statistics_methods``, a dict of
    functions such as ``HistoryBuffer.min``, as ``getattr(HistoryBuffer, 'min')``. A free
    ``getattr`` would let a pickle walk from any allowed object to ``__globals__`` and on to
    ``eval``; this one resolves only those statistics methods.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = set(_HISTORY_BUFFER_METHODS) | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed and not name.startswith('_'):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}) is not allowed')


def _numpy_globals() -> List[SafeGlobal]:
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray
    entries: List[SafeGlobal] = [np.ndarray, np.dtype]
    # Pickles name these functions after the numpy that wrote them.
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    for code in np.typecodes['All']:
        dtype_cls = type(np.dtype(code))
        entries.append((dtype_cls, f'numpy.dtypes.{dtype_cls.__name__}'))
    return entries


def allowed_globals() -> List[SafeGlobal]:
    """Every object a vadkit or mmengine checkpoint may refer to, beyond torch's own."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, (_restricted_getattr, 'builtins.getattr'), OrderedDict,
            *_numpy_globals(), *_extra_globals]


def register_checkpoint_globals(objs: Sequence[SafeGlobal]) -> None:
    """Trust more classes or functions in checkpoints (e.g. a plugin's fitted state).

    Args:
        objs: Classes/functions, or ``(object, 'module.qualname')`` pairs when a pickle
            names the object differently from its ``__module__``.
    """
    for obj in objs:
        if obj not in _extra_globals:
            _extra_globals.append(obj)


def _describe(source) -> str:
    return source if isinstance(source, str) else getattr(source, 'name', repr(source))


def safe_torch_load(f, map_location=None, source: Optional[str] = None):
    """``torch.load(f, weights_only=True)`` with vadkit's allow-list.

    Raises:
        UnsafeCheckpointError: the file refers to an object outside the allow-list.
        CheckpointError: the file is missing or is not a readable checkpoint.
    """
    name = source or _describe(f)
    try:
        with torch.serialization.safe_globals(allowed_globals()):
            return torch.load(f, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise _unsafe(name, exc) from None
    except FileNotFoundError:
        raise CheckpointError(f'checkpoint {name} does not exist') from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise CheckpointError(f'cannot read checkpoint {name}: {exc}') from None


def _unsafe(name: str, exc: BaseException) -> CheckpointError:
    """Explain a refusal of torch's weights-only unpickler."""
    inner = str(exc.__context__) if exc.__context__ is not None else ''
    if not inner:
        text = str(exc)
        marker = 'WeightsUnpickler error:'
        inner = text.split(marker, 1)[1].strip().split('\n')[0] if marker in text else text
    match = (re.search(r'GLOBAL ([\w.]+)', inner)
             or re.search(r'unrecognized function (\S+)', inner)
             or re.search(r'^(getattr\(.*\))', inner))
    if match is None:
        return CheckpointError(f'cannot read checkpoint {name}: not a file torch can load '
                               f'with weights_only=True ({inner})')
    return UnsafeCheckpointError(
        f'refused to load checkpoint {name}: it refers to `{match.group(1)}`, which is not '
        'among the objects vadkit and mmengine checkpoints contain, so loading it could run '
        f'code ({inner}). If you trust the file, allow the object with '
        'vadkit.utils.checkpoint.register_checkpoint_globals.')


def load_from_local_weights_only(filename: str, map_location=None):
    """mmengine's local-path scheme, loading with :func:`safe_torch_load`."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise CheckpointError(f'checkpoint {filename} does not exist')
    return safe_torch_load(filename, map_location=map_location)


load_from_local_weights_only._vadkit_safe = True


def _guard(loader: Callable) -> Callable:
    """Run one of mmengine's scheme loaders under the allow-list."""

    def guarded(filename, map_location=None, *args, **kwargs):
        try:
            with torch.serialization.safe_globals(allowed_globals()):
                return loader(filename, map_location, *args, **kwargs)
        except pickle.UnpicklingError as exc:
            raise _unsafe(filename, exc) from None

    guarded._vadkit_safe = True
    guarded.__name__ = loader.__name__  # mmengine logs the loader by its name
    guarded.__wrapped__ = loader
    return guarded


def install_safe_checkpoint_loader() -> None:
    """Route every mmengine checkpoint scheme through the weights-only allow-list loader.

    Idempotent. Local paths are loaded by :func:`safe_torch_load`; the other schemes keep
    their own download logic and run under the same allow-list.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    schemes = CheckpointLoader._schemes
    for prefix, loader in list(schemes.items()):
        if getattr(loader, '_vadkit_safe', False):
            continue
        schemes[prefix] = load_from_local_weights_only if prefix == '' else _guard(loader)


def extract_state_dict(checkpoint) -> Dict[str, torch.Tensor]:
    """The model weights of a checkpoint (mmengine's ``state_dict`` key or a bare dict),
    without the ``module.`` prefix that wrappers add."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointError('checkpoint holds no state_dict')
    return OrderedDict((k[7:] if k.startswith('module.') else k, v) for k, v in state.items())


def resizable_keys(model: nn.Module) -> set:
    """State keys whose shape comes from the data a model was fitted on (memory banks,
    cluster centres): submodules list them in a ``RESIZABLE_STATE`` class attribute and
    take the checkpoint's shape when loading."""
    keys = set()
    for prefix, module in model.named_modules():
        for name in getattr(module, 'RESIZABLE_STATE', ()):
            keys.add(f'{prefix}.{name}' if prefix else name)
    return keys


def check_state_dict_fits(model: nn.Module, state_dict: Dict[str, torch.Tensor],
                          source: str = 'checkpoint', strict: bool = True) -> List[str]:
    """Compare a checkpoint's weights with a model before loading them.

    Args:
        model: The model (unwrapped) the weights are meant for.
        state_dict: Weights from :func:`extract_state_dict`.
        source: Name of the checkpoint, for messages.
            (Shapes of :func:`resizable_keys` may differ: the model takes them.)
        strict: If True any missing or unexpected key is an error; otherwise only shape
            mismatches and a checkpoint sharing no key with the model are.

    Returns:
        Warnings (missing/unexpected keys) when ``strict`` is False.

    Raises:
        CheckpointMismatchError: the weights do not fit the model.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    resizable = resizable_keys(model)
    shapes = [f'{k} {tuple(state_dict[k].shape)} vs {tuple(own[k].shape)}' for k in own
              if k in state_dict and hasattr(state_dict[k], 'shape') and k not in resizable
              and tuple(state_dict[k].shape) != tuple(own[k].shape)]
    problems = []
    if shapes:
        problems.append(f'{len(shapes)} shape mismatches (checkpoint vs model: '
                        f'{"; ".join(shapes[:3])})')
    if missing:
        problems.append(f'{len(missing)} model weights missing from it '
                        f'(e.g. {", ".join(missing[:3])})')
    if unexpected:
        problems.append(f'{len(unexpected)} weights the model does not have '
                        f'(e.g. {", ".join(unexpected[:3])})')
    no_overlap = len(own) > 0 and len(missing) == len(own)
    if problems and (strict or shapes or no_overlap):
        raise CheckpointMismatchError(
            f'checkpoint {source} does not fit model {type(model).__name__}: ' +
            '; '.join(problems))
    return problems
