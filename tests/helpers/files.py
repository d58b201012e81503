"""Comparing folders written by vadkit: a digest of every file."""
import hashlib
import os
import os.path as osp
from typing import Callable, Dict, Optional


def tree_digest(root: str, skip: Optional[Callable[[str], bool]] = None) -> Dict[str, str]:
    """``{relative path: sha256}`` of every file under ``root`` (those for which ``skip``
    of the relative path is true left out)."""
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            rel = osp.relpath(path, root)
            if skip is not None and skip(rel):
                continue
            with open(path, 'rb') as f:
                out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out
