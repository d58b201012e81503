"""SA-CRF's relation-aware patch features from a model trained end to end, written to the
feature store: the second way of using the relation-aware extractor (Sec. 3.2)."""
from typing import Sequence

import numpy as np
import torch

from vadkit.registry import EXTRACTORS

from ..base import BaseClipExtractor
from ..video_io import rgb_frames, segment_frame_indices


@EXTRACTORS.register_module()
class RelationAwareClipEncoder(BaseClipExtractor):
    """The 14 patch vectors of a segment from a trained SA-CRF's ``RelationAwareEncoder``.

    The segment's ``per_segment`` frames (as in training) are resized to ``size``, passed
    through the checkpoint's backbone, re-weighted by its relation-aware attention (the
    frames of the segment are each other's neighbours) and pooled per patch of the pyramid,
    then averaged over the frames: ``float32[G, C]``. Any backbone of the registry works
    (``SmallConvNet`` on the CPU); for an mmaction2 TRN / ResNet-50 use
    ``MMActionClipEncoder(relation=...)``, which also takes ten crops.

    Args:
        encoder: The ``RelationAwareEncoder`` config of the trained model (its
            ``model.encoder``).
        checkpoint: The trained SA-CRF checkpoint (``SACRF(encoder=...)``).
        prefix: Where the encoder's weights are in it. Default ``'encoder.'``.
        size: ``(h, w)`` the frames are resized to, as in training.
        per_segment: Frames taken from each segment, as in training. Default 2.
        device: Torch device. Default ``'cpu'``.
    """

    def __init__(self, encoder: dict, checkpoint: str, prefix: str = 'encoder.',
                 size: Sequence[int] = (60, 80), per_segment: int = 2,
                 device: str = 'cpu') -> None:
        from vadkit.models.components.relation_aware import RelationAwareEncoder
        size = (int(size), int(size)) if isinstance(size, (int, float)) else \
            tuple(int(s) for s in size)
        if len(size) != 2 or min(size) < 1 or int(per_segment) < 1:
            raise ValueError(f'size must be (h, w) > 0 and per_segment >= 1, got {size}, '
                             f'{per_segment}')
        self.encoder, self.checkpoint, self.prefix = dict(encoder), str(checkpoint), prefix
        self.size, self.per_segment, self.device = size, int(per_segment), device
        cfg = dict(self.encoder)
        cfg.pop('type', None)
        self._model = RelationAwareEncoder(**cfg)
        self.dim, self.num_patches = self._model.channels, self._model.num_patches
        self._loaded = False

    def _load(self) -> None:
        from vadkit.models.components.relation_aware import load_prefixed
        load_prefixed(self._model, self.checkpoint, self.prefix)
        self._model.to(self.device).eval()
        self._loaded = True

    def __call__(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """``float32[G, C]`` of one segment's frames (``uint8`` BGR or grey)."""
        if not self._loaded:
            self._load()
        picked = [frames[int(i)] for i in segment_frame_indices(len(frames), self.per_segment)]
        rgb = rgb_frames(picked, self.size, f'{type(self).__name__} (a segment)')
        batch = torch.from_numpy(rgb)[None, None].to(self.device)
        with torch.inference_mode():
            b = self._model(batch)  # [1, 1, G, C]
        return b[0, 0].cpu().numpy().astype(np.float32)
