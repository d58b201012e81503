"""A memory bank of l2-normalised features, one slot per training sample (HSC, Eq. 6)."""
import torch
import torch.nn.functional as F
from torch import nn

from vadkit.registry import MODELS

#: Which side the momentum weights in Eq. 6: ``'old'`` (as printed:
#: ``M <- (1 - m) f + m M``) or ``'new'`` (the HSC authors' code: ``M <- (1 - m) M + m f``).
MOMENTUM_SIDES = ('old', 'new')


@MODELS.register_module()
class MemoryBank(nn.Module):
    """``num_slots`` feature slots updated with momentum and renormalised.

    A slot's first update writes the feature itself (a bank starts empty, not random);
    later ones blend: with ``momentum_on='old'`` (Eq. 6 as printed)
    ``M <- normalize((1 - m) f + m M)``, with ``'new'`` ``M <- normalize((1 - m) M + m f)``.
    The slots and the ``filled`` flags are buffers, so they are saved in and restored from
    checkpoints (the fitted state of the method).

    Args:
        num_slots: Number of slots (training samples).
        dim: Feature width.
        momentum: ``m`` in ``[0, 1)``. Default 0.9 (HSC).
        momentum_on: ``'old'`` (default) or ``'new'``, see above.
    """

    RESIZABLE_STATE = ('slots', 'filled')

    def __init__(self, num_slots: int, dim: int, momentum: float = 0.9,
                 momentum_on: str = 'old') -> None:
        super().__init__()
        if int(num_slots) < 1 or int(dim) < 1:
            raise ValueError(f'num_slots and dim must be positive, got {num_slots}, {dim}')
        if not 0.0 <= float(momentum) < 1.0:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        if momentum_on not in MOMENTUM_SIDES:
            raise ValueError(f'momentum_on must be one of {MOMENTUM_SIDES}, got '
                             f'{momentum_on!r}')
        self.momentum = float(momentum)
        self.momentum_on = momentum_on
        self.register_buffer('slots', torch.zeros(int(num_slots), int(dim)))
        self.register_buffer('filled', torch.zeros(int(num_slots), dtype=torch.bool))

    @property
    def num_slots(self) -> int:
        return self.slots.shape[0]

    @torch.no_grad()
    def resize_(self, num_slots: int) -> None:
        """Empty the bank and give it ``num_slots`` slots, in place (the buffers stay the
        same tensors, so optimisers and wrappers that hold them keep working)."""
        if int(num_slots) < 1:
            raise ValueError(f'num_slots must be positive, got {num_slots}')
        self.slots.resize_(int(num_slots), self.slots.shape[1]).zero_()
        self.filled.resize_(int(num_slots)).zero_()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the number of slots is that of the training set the checkpoint was made with
        saved = state_dict.get(prefix + 'slots')
        if saved is not None and saved.dim() == 2 and saved.shape[1] == self.slots.shape[1] \
                and saved.shape[0] != self.num_slots:
            self.resize_(saved.shape[0])
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @torch.no_grad()
    def update(self, index: torch.Tensor, features: torch.Tensor) -> None:
        """Write ``features`` (``[B, dim]``, detached) into the slots ``index`` (``[B]``;
        a slot given twice in one batch keeps its last feature)."""
        index = index.long().to(self.slots.device)
        if index.numel() and (index.min() < 0 or index.max() >= self.num_slots):
            raise IndexError(f'MemoryBank: slot indices must be in [0, {self.num_slots}), '
                             f'got {index.min().item()}..{index.max().item()}')
        features = F.normalize(features.detach().to(self.slots), dim=1)
        old = self.slots[index]
        weight_old = self.momentum if self.momentum_on == 'old' else 1.0 - self.momentum
        blended = F.normalize(weight_old * old + (1.0 - weight_old) * features, dim=1)
        self.slots[index] = torch.where(self.filled[index, None], blended, features)
        self.filled[index] = True

    def extra_repr(self) -> str:
        return (f'num_slots={self.num_slots}, dim={self.slots.shape[1]}, '
                f'momentum={self.momentum}, momentum_on={self.momentum_on!r}')
