"""Samplers for weakly supervised training on video bags."""
from typing import Iterator, List, Optional

import torch
from torch.utils.data import Sampler

from vadkit.registry import DATA_SAMPLERS
from vadkit.utils.errors import DataError


@DATA_SAMPLERS.register_module()
class BalancedBagSampler(Sampler):
    """Batches of as many anomalous bags as normal ones, the usual MIL setting (Sultani et
    al. take 30 + 30 videos per batch): every run of ``2 * per_class`` indices is
    ``per_class`` normal bags (label 0) then ``per_class`` anomalous ones (label 1).

    An epoch takes every normal bag once, shuffled; the anomalous bags (usually fewer)
    are shuffled and taken again as often as needed. Set the dataloader's ``batch_size``
    to ``2 * per_class``:
    ``train_dataloader = dict(batch_size=16, sampler=dict(type='BalancedBagSampler',
    per_class=8))``.

    Args:
        dataset: Items with a ``label`` (``VideoBagDataset``'s ``data_list``).
        per_class: Bags of each class per batch.
        seed: Shuffling seed (the Runner gives its own); the epoch is added to it.
    """

    def __init__(self, dataset, per_class: int = 16, seed: Optional[int] = None) -> None:
        if int(per_class) < 1:
            raise ValueError(f'per_class must be positive, got {per_class}')
        items = getattr(dataset, 'data_list', None)
        if items is None:
            raise DataError(f'BalancedBagSampler: {type(dataset).__name__} has no data_list '
                            'with labels')
        labels = [int(item.get('label', -1)) for item in items]
        self.normal = [i for i, label in enumerate(labels) if label == 0]
        self.anomalous = [i for i, label in enumerate(labels) if label == 1]
        if not self.normal or not self.anomalous:
            raise DataError(f'BalancedBagSampler: {len(self.normal)} normal and '
                            f'{len(self.anomalous)} anomalous bags; it needs both')
        self.per_class = int(per_class)
        self.seed = 0 if seed is None else int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def indices(self) -> List[int]:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        normal = [self.normal[i] for i in torch.randperm(len(self.normal), generator=g)]
        rounds = -(-len(normal) // len(self.anomalous))
        anomalous = [self.anomalous[i] for _ in range(rounds)
                     for i in torch.randperm(len(self.anomalous), generator=g)]
        out = []
        for start in range(0, len(normal), self.per_class):
            part = normal[start:start + self.per_class]
            out += part + anomalous[start:start + len(part)]
        return out

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices())

    def __len__(self) -> int:
        return 2 * len(self.normal)
