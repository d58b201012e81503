"""The feature store: what parsing wrote, per video, as memory-mappable arrays.

::

    STORE/manifest.json            format version, parsing-config hash and config,
                                   the video patterns it was made from
    STORE/videos/<video>/<name>.npy   arrays (``np.load(..., mmap_mode='r')``)
    STORE/videos/<video>/meta.json    video info, array shapes, class names
    STORE/index.json               every video written, with its number of frames / items

A video is written into ``videos/.<video>.partial-<rank>/`` and renamed into place when
complete, so a store never holds half a video: an interrupted extraction resumes with the
videos it had not finished. A store made with another parsing config (another hash) is
refused, never mixed.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional

import numpy as np

from vadkit.utils.errors import DataError
from vadkit.utils.io import dump_json

FORMAT_VERSION = 1


def config_hash(config: dict) -> str:
    """A short, stable hash of a parsing config (JSON with sorted keys)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class FeatureStore:
    """A feature store on disk.

    Args:
        root: The store's folder.
        config: The parsing config; required to create a store, and checked against the
            manifest of an existing one.
        extra: More entries for the manifest of a new store, outside the hash (e.g. the
            ``videos`` patterns the store was made from).
    """

    def __init__(self, root: str, config: Optional[dict] = None,
                 extra: Optional[dict] = None) -> None:
        self.root = root
        self.manifest_path = osp.join(root, 'manifest.json')
        if osp.isfile(self.manifest_path):
            with open(self.manifest_path, encoding='utf-8') as f:
                self.manifest = json.load(f)
            if config is not None and self.manifest['config_hash'] != config_hash(config):
                raise DataError(
                    f'{root} is a feature store of another parsing config (hash '
                    f'{self.manifest["config_hash"]}, this config {config_hash(config)}); '
                    'use another --out, or remove it to rebuild')
        elif config is None:
            raise DataError(f'{root} is not a feature store (no manifest.json)')
        else:
            self.manifest = dict(format_version=FORMAT_VERSION, config_hash=config_hash(config),
                                 config=config, **(extra or {}))

    @property
    def hash(self) -> str:
        return self.manifest['config_hash']

    def create(self) -> None:
        """Write the manifest (once, by one process)."""
        os.makedirs(osp.join(self.root, 'videos'), exist_ok=True)
        if not osp.isfile(self.manifest_path):
            dump_json(self.manifest, self.manifest_path)

    def video_dir(self, video_id: str) -> str:
        return osp.join(self.root, 'videos', video_id)

    def has(self, video_id: str) -> bool:
        return osp.isfile(osp.join(self.video_dir(video_id), 'meta.json'))

    def videos(self) -> List[str]:
        """The completely written videos, sorted."""
        folder = osp.join(self.root, 'videos')
        if not osp.isdir(folder):
            return []
        return sorted(v for v in os.listdir(folder)
                      if not v.startswith('.') and self.has(v))

    def write(self, video_id: str, arrays: Dict[str, np.ndarray], meta: dict,
              rank: int = 0) -> None:
        """Write one video's arrays and meta atomically (replacing an older copy)."""
        tmp = osp.join(self.root, 'videos', f'.{video_id}.partial-{rank}')
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        shapes = {}
        for name, array in sorted(arrays.items()):
            array = np.ascontiguousarray(array)
            np.save(osp.join(tmp, f'{name.replace("/", ".")}.npy'), array, allow_pickle=False)
            shapes[name] = dict(shape=list(array.shape), dtype=str(array.dtype))
        dump_json(dict(meta, video_id=video_id, arrays=shapes), osp.join(tmp, 'meta.json'))
        final = self.video_dir(video_id)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)

    def meta(self, video_id: str) -> dict:
        if not self.has(video_id):
            raise DataError(f'feature store {self.root}: no video {video_id}')
        with open(osp.join(self.video_dir(video_id), 'meta.json'), encoding='utf-8') as f:
            return json.load(f)

    def read(self, video_id: str, names: Optional[List[str]] = None,
             mmap: bool = True) -> Dict[str, np.ndarray]:
        """A video's arrays (memory-mapped by default)."""
        meta = self.meta(video_id)
        out = {}
        for name in names or meta['arrays']:
            if name not in meta['arrays']:
                raise DataError(f'feature store {self.root}: video {video_id} has no array '
                                f'{name!r} (it has {sorted(meta["arrays"])})')
            out[name] = np.load(osp.join(self.video_dir(video_id),
                                         f'{name.replace("/", ".")}.npy'),
                                mmap_mode='r' if mmap else None, allow_pickle=False)
        return out

    def clean_partials(self) -> None:
        """Remove what interrupted writes left behind."""
        folder = osp.join(self.root, 'videos')
        if osp.isdir(folder):
            for name in os.listdir(folder):
                if name.startswith('.') and '.partial-' in name:
                    shutil.rmtree(osp.join(folder, name), ignore_errors=True)

    def write_index(self) -> dict:
        """Summarise every written video into ``index.json``."""
        index = dict(config_hash=self.hash, videos={})
        for video_id in self.videos():
            meta = self.meta(video_id)
            index['videos'][video_id] = dict(
                num_frames=meta['num_frames'],
                **{f'num_{k}': v for k, v in meta.get('counts', {}).items()})
        dump_json(index, osp.join(self.root, 'index.json'))
        return index
