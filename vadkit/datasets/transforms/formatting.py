"""Packing of dataset items into model inputs and :class:`VADDataSample`."""
from typing import Sequence, Union

import numpy as np
import torch

from vadkit.registry import TRANSFORMS
from vadkit.structures import VADDataSample
from vadkit.utils.errors import DataError


@TRANSFORMS.register_module()
class PackVADInputs:
    """Turn an item dict into ``dict(inputs=Tensor, data_samples=VADDataSample)``.

    Args:
        input_key: Key of the array that becomes ``inputs``; a list of keys makes
            ``inputs`` a dict of tensors (arrays and numbers alike), which the default
            collate stacks key by key.
        meta_keys: Keys copied into the sample's metainfo when present.
    """

    def __init__(self, input_key: Union[str, Sequence[str]] = 'feature',
                 meta_keys: Sequence[str] = ('video_id', 'start', 'end', 'num_frames',
                                             'track_id', 'frame_inds')) -> None:
        self.input_key = input_key if isinstance(input_key, str) else tuple(input_key)
        self.meta_keys = tuple(meta_keys)

    def __call__(self, results: dict) -> dict:
        keys = [self.input_key] if isinstance(self.input_key, str) else self.input_key
        for key in keys:
            if key not in results:
                raise DataError(f'item of video {results.get("video_id", "?")} has no '
                                f"'{key}' field (it has {sorted(results)})")
        if isinstance(self.input_key, str):
            inputs = torch.from_numpy(np.ascontiguousarray(results[self.input_key]))
        else:
            inputs = {k: torch.as_tensor(np.array(results[k], copy=True)) for k in keys}
        sample = VADDataSample(
            metainfo={k: results[k] for k in self.meta_keys if k in results})
        if 'gt_label' in results:
            sample.gt_label = results['gt_label']
        if 'gt_frame_labels' in results:
            sample.gt_frame_labels = results['gt_frame_labels']
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(input_key={self.input_key!r}, meta_keys={self.meta_keys})'
