"""Writing result files so that an interruption never leaves a half-written one."""
import json
import math
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterator, Mapping

import numpy as np


@contextmanager
def atomic_path(path: str, suffix: str = '') -> Iterator[str]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only on success."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix=suffix, dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def to_jsonable(obj):
    """``obj`` with numpy scalars and arrays made plain and NaN / infinity made ``None``
    (strict JSON has no NaN)."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dump_json(obj, path: str) -> None:
    """Write ``obj`` as indented strict JSON (NaN as ``null``), atomically."""
    with atomic_path(path) as tmp, open(tmp, 'w', encoding='utf-8') as f:
        json.dump(to_jsonable(obj), f, indent=2, sort_keys=True, allow_nan=False)
        f.write('\n')


def save_npz(arrays: Mapping[str, np.ndarray], path: str) -> None:
    """Write ``{name: array}`` to an ``.npz`` file, atomically."""
    with atomic_path(path, suffix='.npz') as tmp:
        np.savez(tmp, **{str(k): np.asarray(v) for k, v in arrays.items()})
