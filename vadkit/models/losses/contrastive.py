"""Contrastive losses against a memory bank (HSC, Sun & Gong, CVPR 2023, Eq. 3 and 5).

Every loss here is a batched matrix product and masked log-sum-exps over the whole bank:
no Python loop over bank entries or positives.
"""
from typing import Optional

import torch
import torch.nn.functional as F

from vadkit.registry import MODELS

#: How the positives enter the loss: ``'sum_log'`` is Eq. 3 / Eq. 5 as printed (the sum
#: over positives of the log of each one's share); ``'log_sum'`` puts the sum over
#: positives inside the log (what the HSC authors' code does).
POSITIVE_FORMS = ('sum_log', 'log_sum')
#: How a sample's loss over several positives is reduced: ``'sum'`` (as printed) or
#: ``'mean'`` (divided by the number of positives, the supervised-contrastive habit).
POSITIVE_REDUCTIONS = ('sum', 'mean')


def memory_contrast_loss(query: torch.Tensor, bank: torch.Tensor, positives: torch.Tensor,
                         candidates: Optional[torch.Tensor] = None,
                         temperature: float = 0.5, form: str = 'sum_log',
                         positive_reduction: str = 'sum',
                         self_index: Optional[torch.Tensor] = None) -> torch.Tensor:
    """InfoNCE of each query against the memory bank, with a set of positives per query.

    For query ``i`` with logits ``l_ik = <q_i, m_k> / temperature`` (cosine similarities:
    both sides are l2-normalised here), positives ``P_i`` and candidates ``C_i`` (the
    entries in the denominator; all of them for the scene-level loss, Eq. 3; those of the
    query's scene for the object-level one, Eq. 5):

    - ``'sum_log'``: ``loss_i = -sum_{j in P_i} (l_ij - logsumexp_{k in C_i} l_ik)``;
    - ``'log_sum'``: ``loss_i = -(logsumexp_{j in P_i} l_ij - logsumexp_{k in C_i} l_ik)``;

    divided by ``|P_i|`` with ``positive_reduction='mean'``. Positives outside the
    candidates are not counted. A query without any positive (an empty set: a class with
    only itself once ``self_index`` removes its own entry) contributes nothing, and the
    loss is the mean over the queries that have positives (0, still differentiable, when
    none has).

    Args:
        query: ``float[B, D]`` encoded features.
        bank: ``float[N, D]`` memory entries.
        positives: ``bool[B, N]`` positive entries of each query.
        candidates: ``bool[B, N]`` entries of each denominator; None: all.
        temperature: ``tau`` (> 0). Default 0.5 (the paper).
        form: One of :data:`POSITIVE_FORMS`.
        positive_reduction: One of :data:`POSITIVE_REDUCTIONS`.
        self_index: ``int[B]`` each query's own bank entry, removed from its positives
            and its candidates (a sample is not its own positive); None keeps it.

    Returns:
        The scalar loss.
    """
    if form not in POSITIVE_FORMS:
        raise ValueError(f'form must be one of {POSITIVE_FORMS}, got {form!r}')
    if positive_reduction not in POSITIVE_REDUCTIONS:
        raise ValueError(f'positive_reduction must be one of {POSITIVE_REDUCTIONS}, got '
                         f'{positive_reduction!r}')
    if not temperature > 0:
        raise ValueError(f'temperature must be positive, got {temperature}')
    if query.dim() != 2 or bank.dim() != 2 or query.shape[1] != bank.shape[1]:
        raise ValueError(f'query [B, D] and bank [N, D] must share D, got '
                         f'{tuple(query.shape)} and {tuple(bank.shape)}')
    size = (query.shape[0], bank.shape[0])
    if tuple(positives.shape) != size:
        raise ValueError(f'positives must be [B, N] = {list(size)}, got {list(positives.shape)}')
    positives = positives.bool()
    candidates = torch.ones_like(positives) if candidates is None else candidates.bool()
    if tuple(candidates.shape) != size:
        raise ValueError(f'candidates must be [B, N] = {list(size)}, got '
                         f'{list(candidates.shape)}')
    if self_index is not None:
        own = F.one_hot(self_index.long(), size[1]).bool()
        positives, candidates = positives & ~own, candidates & ~own
    positives = positives & candidates
    logits = F.normalize(query, dim=1) @ F.normalize(bank, dim=1).t() / temperature
    neg_inf = torch.finfo(logits.dtype).min
    log_denominator = torch.logsumexp(logits.masked_fill(~candidates, neg_inf), dim=1)
    count = positives.sum(dim=1)
    valid = count > 0
    if form == 'sum_log':
        log_share = (logits - log_denominator[:, None]).masked_fill(~positives, 0.0)
        per_query = -log_share.sum(dim=1)
    else:
        log_numerator = torch.logsumexp(logits.masked_fill(~positives, neg_inf), dim=1)
        per_query = -(log_numerator - log_denominator)
    if positive_reduction == 'mean':
        per_query = per_query / count.clamp(min=1)
    per_query = per_query.masked_fill(~valid, 0.0)
    return per_query.sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class MemoryContrastLoss(torch.nn.Module):
    """:func:`memory_contrast_loss` as a module with its options fixed by a config.

    Args:
        temperature: Default 0.5 (HSC).
        form: ``'sum_log'`` (Eq. 3 / 5 as printed, default) or ``'log_sum'`` (the HSC
            authors' code).
        positive_reduction: ``'sum'`` (default, as printed) or ``'mean'``.
        loss_weight: Factor on the loss. Default 1.
    """

    def __init__(self, temperature: float = 0.5, form: str = 'sum_log',
                 positive_reduction: str = 'sum', loss_weight: float = 1.0) -> None:
        super().__init__()
        if form not in POSITIVE_FORMS or positive_reduction not in POSITIVE_REDUCTIONS:
            raise ValueError(f'form must be one of {POSITIVE_FORMS} and positive_reduction '
                             f'one of {POSITIVE_REDUCTIONS}, got {form!r}, '
                             f'{positive_reduction!r}')
        if not temperature > 0:
            raise ValueError(f'temperature must be positive, got {temperature}')
        self.temperature = float(temperature)
        self.form = form
        self.positive_reduction = positive_reduction
        self.loss_weight = float(loss_weight)

    def forward(self, query: torch.Tensor, bank: torch.Tensor, positives: torch.Tensor,
                candidates: Optional[torch.Tensor] = None,
                self_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.loss_weight * memory_contrast_loss(
            query, bank, positives, candidates, self.temperature, self.form,
            self.positive_reduction, self_index)
