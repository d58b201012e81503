"""The synthetic world as a registered dataset: one item per video."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from vadkit.registry import DATASETS
from vadkit.utils.errors import DataError

from ..annotations import load_frame_masks
from .world import world_config

REGIMES = ('one_class', 'weak', 'unsupervised')


def world_complete(root: str) -> bool:
    """Whether ``root`` holds a completely written synthetic world."""
    path = osp.join(root, 'world.json')
    if not osp.isfile(path):
        return False
    with open(path, encoding='utf-8') as f:
        return bool(json.load(f).get('complete'))


@DATASETS.register_module()
class SyntheticVideos(BaseDataset):
    """Videos of a generated surveillance world (``tools/misc/make_synthetic.py``), one
    item per video: its frame folder, number of frames, scene, annotation file and, where
    the regime gives it, its video-level label.

    With ``generate`` the world is written into ``data_root`` first if it is not there
    (an interrupted generation resumes), so a config alone reproduces the data.

    Args:
        data_root: The world's folder.
        split: ``'train'`` or ``'test'``.
        regime: ``'one_class'`` (normal training videos), ``'weak'`` (video-level labels,
            anomalous videos in training) or ``'unsupervised'`` (the weak split's videos,
            no labels).
        generate: ``dict(preset='small', seed=0, workers=1, **WorldConfig overrides)``
            to generate a missing world; None to require it.
        pipeline: Transforms of each item.

    ``metainfo`` holds ``num_frames``, ``video_groups['scene']`` and, for the test split,
    ``video_gt`` (the frame masks), as :class:`~vadkit.evaluation.VADMetric` reads them.
    """

    def __init__(self, data_root: str, split: str = 'test', regime: str = 'one_class',
                 generate: Optional[dict] = None, pipeline: Sequence = (), **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if regime not in REGIMES:
            raise ValueError(f'regime must be one of {REGIMES}, got {regime!r}')
        self.split = split
        self.regime = regime
        if generate is not None:
            from .writer import write_world
            options = dict(generate)
            preset, seed = options.pop('preset', 'small'), options.pop('seed', 0)
            workers = options.pop('workers', 1)
            if not world_complete(data_root):
                write_world(data_root, world_config(preset, **options), seed, workers)
        super().__init__(data_root=data_root, ann_file='', pipeline=list(pipeline),
                         serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        meta_path = osp.join(root, 'world.json')
        if not osp.isfile(meta_path):
            raise DataError(f'{root} holds no synthetic world (no world.json); generate one '
                            'with tools/misc/make_synthetic.py --out ' + root)
        with open(meta_path, encoding='utf-8') as f:
            meta = json.load(f)
        if not meta.get('complete'):
            raise DataError(f'{meta_path}: the world is incomplete (generation was '
                            'interrupted); run tools/misc/make_synthetic.py again to finish')
        with open(osp.join(root, 'splits', f'{self.regime}.json'), encoding='utf-8') as f:
            split = json.load(f)[self.split]
        videos: Dict[str, dict] = meta['videos']
        items = []
        for entry in split:
            name = entry if isinstance(entry, str) else entry['video']
            info = videos[name]
            item = dict(video_id=name, frame_dir=osp.join(root, info['folder'], 'frames', name),
                        num_frames=info['num_frames'], scene_id=info['scene_id'],
                        ann_path=osp.join(root, 'annotations', f'{name}.json'))
            if isinstance(entry, dict) and self.regime != 'unsupervised':
                item['label'] = int(entry['label'])
            elif self.regime == 'one_class':
                item['label'] = 0 if self.split == 'train' else int(info['label'])
            items.append(item)
        names = [item['video_id'] for item in items]
        self._metainfo.update(
            name=f'synthetic world {osp.basename(osp.normpath(root))} ({self.regime}, '
                 f'{self.split})',
            num_frames={i['video_id']: i['num_frames'] for i in items},
            video_groups=dict(scene={i['video_id']: i['scene_id'] for i in items}))
        if self.split == 'test':
            masks = load_frame_masks(osp.join(root, 'testing', 'test_frame_mask'), names)
            self._metainfo['video_gt'] = {k: np.asarray(v) for k, v in masks.items()}
        return items
