"""Legendre state spaces (HiPPO, Gu et al. NeurIPS 2020): a state of ``O`` coefficients
that summarises the recent history of a signal on the Legendre polynomials, the memory of
SMM (the State Machine Module of the local-patterns method, Sec. 3.3, Eq. 3).

Continuous time, ``dc/dt = A c + B u``:

- **LegT** (translated Legendre, a sliding window of length ``theta``; the Legendre memory
  of Voelker et al. 2019): ``A[n, k] = (2n + 1) / theta * (-1 if n < k else (-1)^(n-k+1))``,
  ``B[n] = (2n + 1) (-1)^n / theta``. The state then holds the coefficients of the window
  on the shifted Legendre polynomials: ``u(t - theta r) ~ sum_n c_n(t) P~_n(r)`` for
  ``r`` in ``[0, 1]`` (``r = 0`` now, ``r = 1`` the window's far end), with
  ``P~_n(r) = P_n(2 r - 1)``.
- **LegS** (scaled Legendre: the whole history, a measure that stretches with time; what
  the authors' S4 layers use): ``dc/dt = (A c + B u) / t`` with ``A[n, k] = -sqrt(2n+1)
  sqrt(2k+1)`` below the diagonal, ``-(n + 1)`` on it, 0 above, and ``B[n] = sqrt(2n+1)``;
  then ``u(t r) ~ sum_n c_n(t) sqrt(2n+1) P_n(2 r - 1)`` for ``r`` in ``[0, 1]``.

:func:`discretize` turns ``(A, B)`` into the step ``c(k) = A_d c(k-1) + B_d u(k)`` (bilinear,
zero-order hold or forward Euler), Eq. 3's ``A`` and ``B``.
"""
from typing import Tuple

import numpy as np
import torch
from torch import nn

from vadkit.registry import MODELS

MEASURES = ('legt', 'legs')
DISCRETIZATIONS = ('bilinear', 'zoh', 'euler')


def legt_matrices(order: int, theta: float) -> Tuple[np.ndarray, np.ndarray]:
    """Continuous-time LegT ``(A [O, O], B [O])`` of a window of length ``theta``."""
    if order < 1 or theta <= 0:
        raise ValueError(f'order must be >= 1 and theta > 0, got {order}, {theta}')
    n = np.arange(order)[:, None]
    k = np.arange(order)[None, :]
    sign = np.where(n < k, -1.0, (-1.0) ** (n - k + 1))
    a = (2 * n + 1) / float(theta) * sign
    b = (2 * np.arange(order) + 1) * (-1.0) ** np.arange(order) / float(theta)
    return a.astype(np.float64), b.astype(np.float64)


def legs_matrices(order: int) -> Tuple[np.ndarray, np.ndarray]:
    """Continuous-time LegS ``(A [O, O], B [O])`` (to be divided by the time ``t``)."""
    if order < 1:
        raise ValueError(f'order must be >= 1, got {order}')
    q = np.sqrt(2 * np.arange(order) + 1.0)
    a = -np.tril(q[:, None] * q[None, :], -1) - np.diag(np.arange(order) + 1.0)
    return a, q.copy()


def discretize(a: np.ndarray, b: np.ndarray, dt: float = 1.0, method: str = 'bilinear'
               ) -> Tuple[np.ndarray, np.ndarray]:
    """``(A_d, B_d)`` of the step ``c(k) = A_d c(k-1) + B_d u(k)`` for time step ``dt``:
    ``'bilinear'`` (Tustin, as HiPPO / S4), ``'zoh'`` (zero-order hold: exact for a
    piecewise-constant input) or ``'euler'`` (forward)."""
    if method not in DISCRETIZATIONS:
        raise ValueError(f'method must be one of {DISCRETIZATIONS}, got {method!r}')
    eye = np.eye(len(a))
    if method == 'euler':
        return eye + dt * a, dt * b
    if method == 'bilinear':
        inv = np.linalg.inv(eye - dt / 2.0 * a)
        return inv @ (eye + dt / 2.0 * a), inv @ (dt * b)
    from scipy.linalg import expm
    ad = expm(dt * a)
    return ad, np.linalg.solve(a, (ad - eye) @ b)


def shifted_legendre(order: int, r: np.ndarray) -> np.ndarray:
    """``float[O, len(r)]``: ``P_n(2 r - 1)`` for ``n < order`` (Legendre's recurrence)."""
    x = 2.0 * np.asarray(r, np.float64).reshape(-1) - 1.0
    out = np.empty((order, x.size))
    out[0] = 1.0
    if order > 1:
        out[1] = x
    for n in range(1, order - 1):
        out[n + 1] = ((2 * n + 1) * x * out[n] - n * out[n - 1]) / (n + 1)
    return out


def window_basis(order: int, length: int, shift: float = 0.0, measure: str = 'legt'
                 ) -> np.ndarray:
    """``float[O, length]``: the motion components ``g_o(1 + shift) .. g_o(length + shift)``
    of SMM (Eq. 2, 6): the reconstruction basis of a state over a window of ``length``
    steps, position ``length`` the newest (``r = 0`` for LegT, ``r = 1`` for LegS; steps
    past it, ``shift > 0``, extrapolate)."""
    k = np.arange(1, length + 1, dtype=np.float64) + float(shift)
    if measure == 'legt':
        return shifted_legendre(order, (length - k) / float(length))
    if measure == 'legs':
        q = np.sqrt(2 * np.arange(order) + 1.0)[:, None]
        return q * shifted_legendre(order, k / float(length))
    raise ValueError(f'measure must be one of {MEASURES}, got {measure!r}')


@MODELS.register_module()
class LegendreMemory(nn.Module):
    """Eq. 3's recurrence ``c(t) = A c(t-1) + B u(t)`` with fixed Legendre ``A``, ``B``.

    Args:
        order: ``O``, the number of coefficients (motion components).
        window: ``L``, the window (LegT) in steps.
        measure: ``'legt'`` (the paper) or ``'legs'`` (the authors' code: ``A / t``,
            ``B / t`` at step ``t``, the whole history scaled to ``[0, 1]``).
        method: Discretisation, see :func:`discretize`.

    ``forward(u [..., T])`` returns every state ``[..., T, O]``.
    """

    def __init__(self, order: int, window: int, measure: str = 'legt',
                 method: str = 'bilinear') -> None:
        super().__init__()
        if measure not in MEASURES:
            raise ValueError(f'measure must be one of {MEASURES}, got {measure!r}')
        self.order, self.window = int(order), int(window)
        self.measure, self.method = measure, method
        if measure == 'legt':
            ad, bd = discretize(*legt_matrices(self.order, self.window), 1.0, method)
            self.register_buffer('A', torch.tensor(ad, dtype=torch.float32))
            self.register_buffer('B', torch.tensor(bd, dtype=torch.float32))
        else:
            self.legs = legs_matrices(self.order)
            a, b = self._legs_step(self.window)
            self.register_buffer('A', a[-1])
            self.register_buffer('B', b[-1])

    def _legs_step(self, steps: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """The LegS steps ``1 .. steps`` (``dt / t`` at step ``t``), stacked."""
        a, b = self.legs
        out_a, out_b = [], []
        for t in range(1, steps + 1):
            ad, bd = discretize(a, b, 1.0 / t, self.method)
            out_a.append(ad)
            out_b.append(bd)
        return (torch.tensor(np.stack(out_a), dtype=torch.float32),
                torch.tensor(np.stack(out_b), dtype=torch.float32))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        steps = u.shape[-1]
        c = u.new_zeros(u.shape[:-1] + (self.order, ))
        if self.measure == 'legs':
            a, b = self._legs_step(steps)
            a, b = a.to(u), b.to(u)
        out = []
        for t in range(steps):
            at, bt = (self.A, self.B) if self.measure == 'legt' else (a[t], b[t])
            c = c @ at.T + u[..., t:t + 1] * bt
            out.append(c)
        return torch.stack(out, dim=-2)
