"""Writing result files so that an interruption never leaves a half-written one."""
import json
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


def dump_json(obj, path: str) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp, open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write('\n')


def save_npz(arrays: Mapping[str, np.ndarray], path: str) -> None:
    """Write ``{name: array}`` to an ``.npz`` file, atomically."""
    with atomic_path(path, suffix='.npz') as tmp:
        np.savez(tmp, **{str(k): np.asarray(v) for k, v in arrays.items()})
