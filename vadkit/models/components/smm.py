"""SMM, the State Machine Module of the local-patterns method (Sec. 3.3, Eq. 2-6): an
object's recent features summarised on fixed Legendre motion components, the components
that normal dynamics use selected by a learnable matrix, and the features ``dt`` steps
ahead predicted; the prediction error is the anomaly score.

For an object's features ``v(t-L+1) .. v(t)`` (``N`` each):

1. the object feature encoder (linear ``N -> O``) gives ``u(tau)``, read as weighted motion
   components (Eq. 2);
2. the state ``c(t) = A c(t-1) + B sum_o u_o(t)`` with Legendre ``A``, ``B`` of window
   ``L`` (Eq. 3; :class:`~vadkit.models.components.legendre.LegendreMemory`);
3. ``x(t) = C c(t)`` with learnable ``C`` (Eq. 4, 5);
4. the shifted components ``u^_o(t + dt) = x_o(t) g_o(L + dt)`` (Eq. 6);
5. the object feature decoder (linear ``O -> N``) gives ``v^(t + dt)``.
"""
from typing import Optional

import numpy as np
import torch
from torch import nn

from vadkit.registry import MODELS

from .legendre import LegendreMemory, window_basis

C_INITS = ('normal', 'identity')
AHEAD = ('exact', 'sign')


@MODELS.register_module()
class StateMachineModule(nn.Module):
    """Predict an object's features ``shift`` steps ahead from its last ``window`` steps.

    Args:
        in_channels: ``N``, the feature width (``N_q E_d`` of the spatial part).
        order: ``O``, the number of Legendre motion components (64 in the paper).
        window: ``L``, the past steps (5 in the paper).
        shift: ``dt``, how far ahead to predict, in steps.
        measure: ``'legt'`` (the paper: translated Legendre over the window) or
            ``'legs'`` (scaled Legendre, the authors' code).
        method: Discretisation of the Legendre ODE (``'bilinear'``, ``'zoh'``,
            ``'euler'``).
        init_std: Standard deviation of the normal initialisation of the encoder,
            decoder and ``C`` (0.02 in the paper; biases start at 0).
        c_init: ``'normal'`` (the paper) or ``'identity'`` (``C = I``: every component
            kept at the start).
        ahead: Eq. 6's factors ``g_o(L + dt)``: ``'exact'`` (the polynomials' values) or
            ``'sign'`` (their signs). Past the window the Legendre polynomials grow as
            ``3.4^o`` (``|g_63(6)| = 4e22`` at ``L = 5``, ``dt = 1``), which overflows
            float32 at the paper's ``O = 64``; as the decoder is linear, ``W diag(g) x``,
            a factor's size is only a fixed scale of one decoder column, which ``'sign'``
            leaves to the decoder to learn. ``'exact'`` suits small orders (``O <= 8``).
    """

    def __init__(self, in_channels: int, order: int = 64, window: int = 5, shift: int = 1,
                 measure: str = 'legt', method: str = 'bilinear', init_std: float = 0.02,
                 c_init: str = 'normal', ahead: str = 'sign') -> None:
        super().__init__()
        if c_init not in C_INITS:
            raise ValueError(f'c_init must be one of {C_INITS}, got {c_init!r}')
        if ahead not in AHEAD:
            raise ValueError(f'ahead must be one of {AHEAD}, got {ahead!r}')
        if shift < 1 or window < 1:
            raise ValueError(f'shift and window must be >= 1, got {shift}, {window}')
        self.window, self.shift = int(window), int(shift)
        self.encoder = nn.Linear(in_channels, order)
        self.decoder = nn.Linear(order, in_channels)
        self.memory = LegendreMemory(order, window, measure, method)
        self.C = nn.Parameter(torch.empty(order, order))
        g = window_basis(order, window, shift=shift, measure=measure)[:, -1]  # g_o(L + dt)
        if ahead == 'sign':
            g = np.where(g < 0, -1.0, 1.0)
        elif np.abs(g).max() > 1e6:
            raise ValueError(f"ahead='exact' with order {order}: g_o(L + dt) reaches "
                             f"{np.abs(g).max():.1e}, which overflows; use ahead='sign'")
        self.register_buffer('g_ahead', torch.tensor(g, dtype=torch.float32))
        for layer in (self.encoder, self.decoder):
            nn.init.normal_(layer.weight, 0.0, init_std)
            nn.init.zeros_(layer.bias)
        if c_init == 'normal':
            nn.init.normal_(self.C, 0.0, init_std)
        else:
            nn.init.eye_(self.C)

    def forward(self, v: torch.Tensor, valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``v [B, L, N]`` -> ``v^(t + shift) [B, N]``."""
        if v.dim() != 3 or v.shape[1] != self.window:
            raise ValueError(f'expected features [batch, {self.window}, N], got '
                             f'{tuple(v.shape)}')
        u = self.encoder(v)                                  # Eq. 2: [B, L, O]
        c = self.memory(u.sum(-1))[:, -1]                    # Eq. 3: [B, O]
        x = c @ self.C.T                                     # Eq. 4
        return self.decoder(x * self.g_ahead)                # Eq. 6, then the decoder

    def prediction_error(self, v: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean squared error of the prediction per object ``[B]``: the anomaly score."""
        return (self(v) - target).pow(2).mean(-1)
