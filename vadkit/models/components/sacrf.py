"""Building blocks of SA-CRF (Purwanto et al., ICCV 2021): the spatio-temporal graph's
clique masks, the clique self-attention (Eq. 1, 3, 4), the self-attention CRF with
mean-field inference (Eq. 5-8, Algorithm 1) and the contrastive MIL losses (Eq. 9-10).

A video of ``T`` segments (frames of the paper) with ``G`` patches each is a graph of
``T * G`` nodes, numbered frame-major: node ``t * G + g`` is patch ``g`` of segment ``t``.
Batches pad videos to one ``T`` and give ``valid [N, T]``; padded nodes take no part.

Readings of the paper (each is a key; ``docs/methods/sacrf.md`` says why):

- Eq. 3 applies ``theta3`` to the node itself, which would pass nothing between nodes; here
  ``theta3(b_{i',j'})`` of the neighbours, weighted by ``p`` normalised over the clique as
  in the non-local block the paper cites (a softmax of ``theta1(b)^T theta2(b')``).
- A clique ``C_j^tau`` is frame ``j`` and ``tau - 1`` adjacent frames: ``window='centered'``
  (default; ``floor((tau - 1) / 2)`` before, the rest after, shifted to stay inside the
  video) or ``'forward'`` (``j .. j + tau - 1``, shifted likewise).
- Algorithm 1 initialises the marginals with a softmax of ``exp(-E_u) / Z`` (two
  normalisations); here ``Q_0 = softmax(-E_u)``. Its step 8 subtracts the pairwise term
  from the marginal (``update='marginal'``) where the text says "unary addition"; the
  default is CRF-as-RNN's ``-E_u - E_p`` (``update='unary'``).
- The pairwise energy is Eq. 7's ``f_p(H) U`` (``pairwise='features'``, fixed for a
  video: mean-field then settles after one update), or the textbook mean-field message
  ``(P_hat Q) U`` of the neighbours' current marginals through the same attention
  (``pairwise='marginals'``, the node itself left out as in Eq. 6).
- Eq. 10 as printed is a squared distance between the bags' embeddings that minimising
  would shrink, while the text says the term broadens the gap: ``contrastive_bag_loss``
  takes ``mode='margin'`` (default, ``max(0, margin - d)``), ``'negative'`` (``-d``) or
  ``'printed'`` (``+d``, for reference).
"""
import math
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from vadkit.registry import MODELS

WINDOWS = ('centered', 'forward')
COMPATIBILITY_INITS = ('potts', 'identity')
PAIRWISE_MODES = ('features', 'marginals')
UPDATE_MODES = ('unary', 'marginal')
BAG_REDUCE = ('max', 'mean', 'topk_mean')
CONTRAST_MODES = ('margin', 'negative', 'printed')


def _window_bounds(lengths: torch.Tensor, num_frames: int, tau: int, window: str):
    """``(start [N, T], size [N, 1], valid [N, T])`` of every frame's clique window."""
    if window not in WINDOWS:
        raise ValueError(f'window must be one of {WINDOWS}, got {window!r}')
    if int(tau) < 1:
        raise ValueError(f'temporal locality must be >= 1, got {tau}')
    lengths = lengths.long().reshape(-1, 1)
    t = torch.arange(num_frames, device=lengths.device).reshape(1, -1)
    size = torch.clamp(lengths, max=int(tau))
    before = (size - 1) // 2 if window == 'centered' else torch.zeros_like(size)
    start = torch.clamp(torch.minimum(t - before, lengths - size), min=0)  # [N, T]
    return start, size, t < lengths


def frame_window(lengths: torch.Tensor, num_frames: int, tau: int,
                 window: str = 'centered') -> torch.Tensor:
    """``bool[N, T, T]``: frame ``t'`` is in the clique of frame ``t`` (temporal locality
    ``tau``), for videos of ``lengths[n]`` valid frames out of ``T = num_frames``.

    The window holds ``min(tau, length)`` frames including ``t``; near a video's ends it is
    shifted to stay inside (every clique of a long enough video has ``tau`` frames).
    Padded frames (``t >= length``) have empty rows and columns."""
    start, size, valid = _window_bounds(lengths, num_frames, tau, window)
    other = torch.arange(num_frames, device=start.device).reshape(1, 1, -1)
    inside = (other >= start.unsqueeze(-1)) & (other < (start + size).unsqueeze(-1))
    return inside & valid.unsqueeze(-1) & valid.unsqueeze(1)


def band_window(lengths: torch.Tensor, num_frames: int, tau: int, reach: int,
                window: str = 'centered') -> torch.Tensor:
    """``bool[N, T, 2 * reach + 1]``: :func:`frame_window` on the band of frame offsets
    ``d = -reach .. reach`` (column ``d + reach`` says whether frame ``t + d`` is in the
    clique of ``t``); ``reach >= tau - 1`` holds every clique."""
    if int(reach) < int(tau) - 1:
        raise ValueError(f'a band of reach {reach} cannot hold cliques of {tau} frames')
    start, size, valid = _window_bounds(lengths, num_frames, tau, window)
    t = torch.arange(num_frames, device=start.device).reshape(1, -1, 1)
    other = t + torch.arange(-int(reach), int(reach) + 1, device=start.device).reshape(1, 1, -1)
    inside = (other >= start.unsqueeze(-1)) & (other < (start + size).unsqueeze(-1))
    lengths = lengths.long().reshape(-1, 1, 1)
    return inside & valid.unsqueeze(-1) & (other >= 0) & (other < lengths)


def clique_mask(lengths: torch.Tensor, num_frames: int, num_patches: int, tau: int,
                window: str = 'centered') -> torch.Tensor:
    """``bool[N, T*G, T*G]``: node ``(t, g)`` and node ``(t', g')`` share the clique
    ``C_t^tau`` (every patch of every frame of :func:`frame_window`)."""
    frames = frame_window(lengths, num_frames, tau, window)
    g = int(num_patches)
    return frames.repeat_interleave(g, dim=1).repeat_interleave(g, dim=2)


def _lengths(valid: torch.Tensor) -> torch.Tensor:
    """Valid frames per video; a video's valid frames must come first."""
    lengths = valid.long().sum(1)
    t = torch.arange(valid.shape[1], device=valid.device).reshape(1, -1)
    if not torch.equal(valid.bool(), t < lengths.reshape(-1, 1)):
        raise ValueError('valid must mark a prefix of each video (padding at the end)')
    return lengths


def band_windows(x: torch.Tensor, reach: int) -> torch.Tensor:
    """``x [N, T, G, F]`` -> ``[N, T, 2 * reach + 1, G, F]``: for each frame ``t`` the
    frames ``t - reach .. t + reach`` (zeros outside the video)."""
    padded = F.pad(x, (0, 0, 0, 0, int(reach), int(reach)))
    return padded.unfold(1, 2 * int(reach) + 1, 1).permute(0, 1, 4, 2, 3)


class BandWeights:
    """``P_hat`` kept as its band: ``weights [N, T, G, 2 * reach + 1, G]``, the weight of
    node ``(t, g)`` on node ``(t + d - reach, g')``; memory linear in ``T`` where the dense
    ``[N, T*G, T*G]`` is quadratic. :func:`attend` and :func:`self_weights` take either."""

    def __init__(self, weights: torch.Tensor, reach: int) -> None:
        self.weights, self.reach = weights, int(reach)

    def matmul(self, x: torch.Tensor) -> torch.Tensor:
        """``P_hat @ x`` for ``x [N, T*G, L]``."""
        n, t, g = self.weights.shape[:3]
        windows = band_windows(x.reshape(n, t, g, -1), self.reach)
        return torch.einsum('ntgdh,ntdhl->ntgl', self.weights, windows).reshape(n, t * g, -1)

    def diagonal(self) -> torch.Tensor:
        """``float[N, T*G]``: each node's weight on itself."""
        n, t, g = self.weights.shape[:3]
        index = torch.arange(g, device=self.weights.device)
        return self.weights[:, :, index, self.reach, index].reshape(n, t * g)

    def dense(self) -> torch.Tensor:
        """The dense ``float[N, T*G, T*G]`` (for checks; quadratic memory)."""
        n, t, g, d, _ = self.weights.shape
        out = self.weights.new_zeros(n, t, g, t + 2 * self.reach, g)
        for k in range(d):  # column block t + k - reach of row block t, shifted by reach
            rows = torch.arange(t, device=out.device)
            out[:, rows, :, rows + k, :] = self.weights[:, :, :, k, :].transpose(0, 1)
        return out[:, :, :, self.reach:self.reach + t].reshape(n, t * g, t * g)


def attend(p_hat, x: torch.Tensor) -> torch.Tensor:
    """``P_hat @ x`` for a dense ``P_hat [N, M, M]`` or a :class:`BandWeights`."""
    return p_hat.matmul(x) if isinstance(p_hat, BandWeights) else p_hat @ x


def self_weights(p_hat) -> torch.Tensor:
    """``float[N, M]``: the diagonal of a dense ``P_hat`` or a :class:`BandWeights`."""
    if isinstance(p_hat, BandWeights):
        return p_hat.diagonal()
    return torch.diagonal(p_hat, dim1=1, dim2=2)


@MODELS.register_module()
class CliqueSelfAttention(nn.Module):
    """Self-attention over the cliques of several temporal localities (Eq. 1, 3, 4).

    For each ``tau`` in ``localities``, node ``(i, j)`` attends to the nodes of
    ``C_j^tau``: ``A^tau = softmax over the clique of theta1(b)^T theta2(b')`` (Eq. 1
    normalised), ``h^tau = A^tau theta3(B)`` (Eq. 3, neighbours' ``theta3``), and
    ``h = sum_tau w_tau h^tau`` (Eq. 4, ``w_tau`` trainable, ``1 / |K|`` at start).

    Args:
        in_channels: Patch feature width ``C``.
        embed_channels: Width of ``theta1``, ``theta2``. Default ``in_channels``.
        out_channels: Width ``F`` of ``theta3`` (and of ``h``). Default ``in_channels``.
        localities: The set ``K``. Default ``(1, 2, 4, 6, 8)`` (Table 2's best).
        window: ``'centered'`` or ``'forward'`` (see the module docstring).
        scaled: Divide the inner products by ``sqrt(embed_channels)`` (not in the paper).
        residual: Add ``W_z b`` (a linear map of the node's own feature) to ``h``, the
            residual connection of the non-local block the paper cites (``z = W_z y + x``
            there); not in the paper's Eq. 3. Default False.
        implementation: ``'band'`` (default: only the frames within ``max(K) - 1`` of each
            frame are scored, memory linear in ``T``; ``P_hat`` is a :class:`BandWeights`)
            or ``'dense'`` (every node pair scored and masked, quadratic; the same
            numbers).
    """

    def __init__(self, in_channels: int, embed_channels: Optional[int] = None,
                 out_channels: Optional[int] = None,
                 localities: Sequence[int] = (1, 2, 4, 6, 8), window: str = 'centered',
                 scaled: bool = False, residual: bool = False,
                 implementation: str = 'band') -> None:
        super().__init__()
        localities = tuple(int(t) for t in localities)
        if not localities or min(localities) < 1 or len(set(localities)) != len(localities):
            raise ValueError(f'localities must be distinct positive integers, got '
                             f'{localities}')
        if window not in WINDOWS:
            raise ValueError(f'window must be one of {WINDOWS}, got {window!r}')
        if implementation not in ('band', 'dense'):
            raise ValueError(f"implementation must be 'band' or 'dense', got "
                             f'{implementation!r}')
        self.implementation = implementation
        embed = int(embed_channels or in_channels)
        self.out_channels = int(out_channels or in_channels)
        self.localities, self.window, self.scaled = localities, window, bool(scaled)
        self.theta1 = nn.Linear(int(in_channels), embed, bias=False)
        self.theta2 = nn.Linear(int(in_channels), embed, bias=False)
        self.theta3 = nn.Linear(int(in_channels), self.out_channels)
        self.locality_weights = nn.Parameter(torch.full((len(localities), ),
                                                        1.0 / len(localities)))
        self.embed_channels = embed
        self.residual = nn.Linear(int(in_channels), self.out_channels, bias=False) \
            if residual else None

    def attention(self, b: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """``float[N, |K|, T*G, T*G]``: each row of ``A^tau`` sums to 1 over its clique
        (0 outside it and on padded rows)."""
        n, t, g, _ = b.shape
        nodes = b.reshape(n, t * g, -1)
        logits = self.theta1(nodes) @ self.theta2(nodes).transpose(1, 2)
        if self.scaled:
            logits = logits / math.sqrt(self.embed_channels)
        lengths = _lengths(valid)
        out = []
        for tau in self.localities:
            mask = clique_mask(lengths, t, g, tau, self.window)
            masked = logits.masked_fill(~mask, float('-inf'))
            weights = torch.softmax(masked, dim=-1)
            out.append(torch.nan_to_num(weights, nan=0.0))  # padded rows: all -inf
        return torch.stack(out, 1)

    def band_attention(self, b: torch.Tensor, valid: torch.Tensor) -> BandWeights:
        """``P_hat = sum_tau w_tau A^tau`` as a :class:`BandWeights` of reach
        ``max(K) - 1``, without the dense ``T*G x T*G`` logits."""
        n, t, g, _ = b.shape
        reach = max(self.localities) - 1
        keys = band_windows(self.theta2(b), reach)  # [N, T, D, G, E]
        logits = torch.einsum('ntge,ntdhe->ntgdh', self.theta1(b), keys)
        if self.scaled:
            logits = logits / math.sqrt(self.embed_channels)
        lengths = _lengths(valid)
        p_hat = torch.zeros_like(logits)
        for weight, tau in zip(self.locality_weights, self.localities):
            mask = band_window(lengths, t, tau, reach, self.window)[:, :, None, :, None]
            masked = logits.masked_fill(~mask, float('-inf')).reshape(n, t, g, -1)
            soft = torch.nan_to_num(torch.softmax(masked, dim=-1), nan=0.0)
            p_hat = p_hat + weight * soft.reshape(logits.shape)
        return BandWeights(p_hat, reach)

    def forward(self, b: torch.Tensor, valid: Optional[torch.Tensor] = None):
        """``b [N, T, G, C]`` -> ``(H [N, T, G, F], P_hat)`` with ``P_hat = sum_tau w_tau
        A^tau`` (the weights of Eq. 6): dense ``[N, T*G, T*G]`` or :class:`BandWeights`
        (``implementation``)."""
        n, t, g, _ = b.shape
        if valid is None:
            valid = torch.ones(n, t, dtype=torch.bool, device=b.device)
        if self.implementation == 'band':
            p_hat = self.band_attention(b, valid)
        else:
            p_hat = torch.einsum('k,nkij->nij', self.locality_weights,
                                 self.attention(b, valid))
        h = attend(p_hat, self.theta3(b.reshape(n, t * g, -1)))
        if self.residual is not None:
            h = h + self.residual(b.reshape(n, t * g, -1))
        h = h * valid.repeat_interleave(g, 1).unsqueeze(-1)
        return h.reshape(n, t, g, -1), p_hat


@MODELS.register_module()
class SelfAttentionCRF(nn.Module):
    """The CRF over the graph's nodes with mean-field inference (Eq. 5-8, Algorithm 1).

    Unary energy ``E_u = f_u(B)`` (Eq. 5, linear), pairwise energy ``E_p = f_p(H) U``
    (Eq. 7, ``pairwise='features'``) or ``(P_hat Q) U`` (``'marginals'``), ``U`` symmetric
    and trainable. Inference: ``Q_0 = softmax(-E_u)``, then up to ``max_iter`` updates
    ``Q <- softmax(-E_u - E_p)`` (``update='unary'``) or ``softmax(Q - E_p)``
    (``'marginal'``, step 8 as printed); a video halts once no marginal moves by more than
    ``halt_tol`` (dynamic halting), the others go on.

    Args:
        in_channels: ``C`` of the patch features ``B``.
        attention_channels: ``F`` of ``H``.
        num_labels: Labels per node. Default 2 (normal, anomalous).
        compatibility: ``'potts'`` (``1 - I``: a cost for different labels) or
            ``'identity'`` (the same lab's code starts from ``I``).
        pairwise: One of :data:`PAIRWISE_MODES`.
        update: One of :data:`UPDATE_MODES`.
        max_iter: The most updates per video. Default 5.
        halt_tol: The halting tolerance on ``max |Q_{l+1} - Q_l|``. Default 1e-4.
    """

    def __init__(self, in_channels: int, attention_channels: int, num_labels: int = 2,
                 compatibility: str = 'potts', pairwise: str = 'features',
                 update: str = 'unary', max_iter: int = 5, halt_tol: float = 1e-4) -> None:
        super().__init__()
        for name, value, choices in (('compatibility', compatibility, COMPATIBILITY_INITS),
                                     ('pairwise', pairwise, PAIRWISE_MODES),
                                     ('update', update, UPDATE_MODES)):
            if value not in choices:
                raise ValueError(f'{name} must be one of {choices}, got {value!r}')
        if int(max_iter) < 0 or not float(halt_tol) >= 0:
            raise ValueError(f'max_iter must be >= 0 and halt_tol >= 0, got {max_iter}, '
                             f'{halt_tol}')
        k = int(num_labels)
        self.unary = nn.Linear(int(in_channels), k)
        self.pairwise_head = nn.Linear(int(attention_channels), k)
        eye = torch.eye(k)
        self.compatibility_raw = nn.Parameter(1.0 - eye if compatibility == 'potts' else eye)
        self.pairwise, self.update = pairwise, update
        self.max_iter, self.halt_tol = int(max_iter), float(halt_tol)

    @property
    def compatibility(self) -> torch.Tensor:
        """The symmetric ``U``."""
        return 0.5 * (self.compatibility_raw + self.compatibility_raw.t())

    def pairwise_energy(self, h: torch.Tensor, p_hat: Union[torch.Tensor, BandWeights],
                        q: torch.Tensor) -> torch.Tensor:
        """``float[N, T*G, L]`` of the current marginals ``q [N, T*G, L]``."""
        if self.pairwise == 'features':
            n = h.shape[0]
            return self.pairwise_head(h.reshape(n, -1, h.shape[-1])) @ self.compatibility
        no_self = attend(p_hat, q) - self_weights(p_hat).unsqueeze(-1) * q
        return no_self @ self.compatibility

    def forward(self, b: torch.Tensor, h: torch.Tensor, p_hat: Union[torch.Tensor, BandWeights],
                valid: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """``b [N, T, G, C]``, ``h [N, T, G, F]``, ``p_hat [N, T*G, T*G]`` ->
        ``marginals [N, T, G, L]``, ``unary`` energies ``[N, T, G, L]`` and
        ``iterations [N]`` (updates each video took)."""
        n, t, g, _ = b.shape
        if valid is None:
            valid = torch.ones(n, t, dtype=torch.bool, device=b.device)
        unary = self.unary(b).reshape(n, t * g, -1)
        q = torch.softmax(-unary, dim=-1)
        nodes = valid.repeat_interleave(g, 1)  # [N, T*G]
        running = torch.ones(n, dtype=torch.bool, device=b.device)
        iterations = torch.zeros(n, dtype=torch.long, device=b.device)
        for _ in range(self.max_iter):
            if not bool(running.any()):
                break
            energy = self.pairwise_energy(h, p_hat, q)
            logits = -unary - energy if self.update == 'unary' else q - energy
            new = torch.softmax(logits, dim=-1)
            change = ((new - q).abs().amax(-1) * nodes).amax(-1)  # [N]
            q = torch.where(running.reshape(-1, 1, 1), new, q)
            iterations = iterations + running.long()
            running = running & (change > self.halt_tol)
        return dict(marginals=q.reshape(n, t, g, -1), unary=unary.reshape(n, t, g, -1),
                    iterations=iterations)


def bag_scores(scores: torch.Tensor, valid: torch.Tensor, reduce: str = 'max',
               k: int = 3) -> torch.Tensor:
    """``float[N]``: one score per video bag from ``scores [N, T]`` over its valid
    segments: the largest, the mean, or the mean of the ``k`` largest."""
    if reduce not in BAG_REDUCE:
        raise ValueError(f'reduce must be one of {BAG_REDUCE}, got {reduce!r}')
    valid = valid.bool()
    if reduce == 'mean':
        return (scores * valid).sum(1) / valid.sum(1).clamp(min=1)
    masked = scores.masked_fill(~valid, float('-inf'))
    if reduce == 'max':
        return masked.amax(1)
    top = masked.topk(min(int(k), scores.shape[1]), dim=1).values
    keep = torch.isfinite(top)
    return torch.where(keep, top, torch.zeros_like(top)).sum(1) / keep.sum(1).clamp(min=1)


def sparsity_loss(scores: torch.Tensor, valid: torch.Tensor,
                  labels: torch.Tensor) -> torch.Tensor:
    """Sultani et al.'s sparsity term: the sum of the anomalous videos' segment scores,
    averaged over those videos (label 1; 0 without one)."""
    positive = labels == 1
    if not bool(positive.any()):
        return scores.sum() * 0.0
    return (scores * valid)[positive].sum(1).mean()


def smoothness_loss(scores: torch.Tensor, valid: torch.Tensor,
                    labels: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Sultani et al.'s temporal smoothness: ``sum_t (s_t - s_{t+1})^2`` over the valid
    neighbours of each video (of the anomalous videos, label 1, when ``labels`` is
    given), averaged over those videos."""
    pairs = (valid[:, 1:] & valid[:, :-1]).float()
    per_video = (((scores[:, 1:] - scores[:, :-1]) ** 2) * pairs).sum(1)
    if labels is not None:
        positive = labels == 1
        if not bool(positive.any()):
            return scores.sum() * 0.0
        per_video = per_video[positive]
    return per_video.mean()


def contrastive_bag_loss(positive: torch.Tensor, negative: torch.Tensor,
                         mode: str = 'margin', margin: float = 1.0,
                         normalise: str = 'pairs') -> torch.Tensor:
    """Eq. 10 between the positive-bag embeddings ``[P, F]`` and the negative-bag ones
    ``[Q, F]``: ``d = sum over pairs of ||h_p - h_n||^2`` divided by the number of pairs
    (``normalise='pairs'``) or by its square (``'printed'``, Eq. 10's
    ``1 / (|B_p| |B_n|)^2``); the loss is ``max(0, margin - d)`` (``mode='margin'``), ``-d``
    (``'negative'``) or ``d`` (``'printed'``). 0 when a bag is empty."""
    if mode not in CONTRAST_MODES:
        raise ValueError(f'mode must be one of {CONTRAST_MODES}, got {mode!r}')
    if normalise not in ('pairs', 'printed'):
        raise ValueError(f"normalise must be 'pairs' or 'printed', got {normalise!r}")
    if len(positive) == 0 or len(negative) == 0:
        return positive.sum() * 0.0 + negative.sum() * 0.0
    # sum over pairs of squared distances without the [P, Q, F] tensor
    total = (len(negative) * (positive ** 2).sum() + len(positive) * (negative ** 2).sum()
             - 2.0 * (positive.sum(0) * negative.sum(0)).sum())
    pairs = float(len(positive) * len(negative))
    d = total / (pairs if normalise == 'pairs' else pairs * pairs)
    if mode == 'margin':
        return F.relu(float(margin) - d)
    return -d if mode == 'negative' else d
