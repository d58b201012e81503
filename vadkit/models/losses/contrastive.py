"""Contrastive losses against a memory bank (HSC, Sun & Gong, CVPR 2023, Eq. 3 and 5).

:func:`memory_contrast_loss` is the general form (``B x N`` masks of positives and
candidates, masked log-sum-exps) and the reference; :func:`hierarchical_memory_contrast`
computes HSC's two levels from one similarity matrix and sums over groups of the bank,
at about the cost of its two matrix products (``benchmarks/hsc_memory.py``). No Python loop
over bank entries, queries or positives in either.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from vadkit.registry import MODELS

#: How the positives enter the loss: ``'sum_log'`` is Eq. 3 / Eq. 5 as printed (the sum
#: over positives of the log of each one's share); ``'log_sum'`` puts the sum over
#: positives inside the log (what the HSC authors' code does).
POSITIVE_FORMS = ('sum_log', 'log_sum')
#: How a sample's loss over several positives is reduced: ``'sum'`` (as printed) or
#: ``'mean'`` (divided by the number of positives, the supervised-contrastive habit).
POSITIVE_REDUCTIONS = ('sum', 'mean')



def _check_options(form: str, positive_reduction: str, temperature: float) -> None:
    if form not in POSITIVE_FORMS:
        raise ValueError(f'form must be one of {POSITIVE_FORMS}, got {form!r}')
    if positive_reduction not in POSITIVE_REDUCTIONS:
        raise ValueError(f'positive_reduction must be one of {POSITIVE_REDUCTIONS}, got '
                         f'{positive_reduction!r}')
    if not temperature > 0:
        raise ValueError(f'temperature must be positive, got {temperature}')

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
    _check_options(form, positive_reduction, temperature)
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
        _check_options(form, positive_reduction, temperature)
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


#: Above this ``1 / temperature`` the one-pass ``exp`` of the cosine logits (in
#: ``[-1 / tau, 1 / tau]``) loses its smallest terms (``exp(-2 / tau)`` falls under fp32's
#: smallest normal number, 1.2e-38, past 1 / tau = 43.7) and later overflows (``exp(89)``),
#: so :func:`hierarchical_memory_contrast` computes the max-shifted masked reference.
MAX_INVERSE_TEMPERATURE = 40.0
#: Bank rows whose norm is within this of 1 (or exactly 0) are used as they are instead of
#: being renormalised (which would copy the whole bank): the logits change by less than
#: this, relative.
UNIT_NORM_TOLERANCE = 1e-6


class _GroupedExpSum(torch.autograd.Function):
    """``sums[i, g] = sum_{k: group[k] = g} exp(<q_i, m_k>)`` without ``B x N`` masks.

    Forward: one product ``M Q^T`` (``[N, B]``: the faster layout of the two on CPU), ``exp``
    in place, each query's own entry set to 0, one ``index_add_`` over the bank's rows.
    Backward: ``W = E * grad[:, group]`` (one gather, one product in place) and
    ``grad_Q = W^T M`` (and ``grad_M = W Q`` when the bank needs it).
    """

    @staticmethod
    def forward(ctx, query: torch.Tensor, bank: torch.Tensor, group: torch.Tensor,
                num_groups: int, self_index: Optional[torch.Tensor],
                own_rows_updated: bool) -> torch.Tensor:
        exp_t = torch.mm(bank, query.t())  # [N, B] logits, then their exp, in place
        exp_t.exp_()
        if self_index is not None:
            exp_t[self_index, torch.arange(len(self_index), device=exp_t.device)] = 0.0
        sums_t = exp_t.new_zeros(num_groups, exp_t.shape[1]).index_add_(0, group, exp_t)
        if own_rows_updated:
            # the rows at self_index may be overwritten before backward (Eq. 6): keep them
            ctx.rows = torch.unique(self_index)
            ctx.old_rows = bank[ctx.rows].clone()
            ctx.bank, ctx.version = bank, bank._version
            ctx.save_for_backward(query, group, exp_t)
        else:
            ctx.bank = None
            ctx.save_for_backward(query, group, exp_t, bank)
        return sums_t.t().contiguous()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_sums: torch.Tensor):
        if ctx.bank is None:
            query, group, exp_t, bank = ctx.saved_tensors
        else:
            (query, group, exp_t), bank = ctx.saved_tensors, ctx.bank
        weight_t = grad_sums.t().contiguous().index_select(0, group)  # [N, B]
        weight_t.mul_(exp_t)
        grad_query = grad_bank = None
        if ctx.needs_input_grad[0]:
            grad_query = weight_t.t() @ bank
            if ctx.bank is not None and bank._version != ctx.version:
                # the own rows changed since forward: replace their share by the old rows'
                rows = ctx.rows
                grad_query += weight_t[rows].t() @ (ctx.old_rows - bank[rows])
        if ctx.needs_input_grad[1]:
            grad_bank = weight_t @ query
        return grad_query, grad_bank, None, None, None, None


def _compact_ids(values: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``0 .. n-1`` ids of ``values`` (in increasing order of value) and the ``n`` distinct
    values: a lookup table over ``min .. max`` when that range is small (labels), which is
    much faster on CPU than the sort of ``torch.unique``; the sort otherwise."""
    if not values.numel():
        return values, values
    low, high = torch.aminmax(values)
    span = int(high - low) + 1
    if span > 4 * len(values) + 1024:
        unique, inverse = torch.unique(values, return_inverse=True)
        return inverse, unique
    offset = values - low
    present = torch.zeros(span, dtype=torch.bool, device=values.device)
    present[offset] = True
    table = torch.cumsum(present, 0) - 1
    return table[offset], torch.nonzero(present)[:, 0] + low


def _masked_reference(query, bank, slot_scene, slot_class, query_scene, query_class,
                      filled, temperature, form, positive_reduction, self_index):
    """Eq. 3 and 5 through :func:`memory_contrast_loss` with ``B x N`` masks."""
    same_scene = (query_scene[:, None] == slot_scene[None]) & filled[None]
    same_class = same_scene & (query_class[:, None] == slot_class[None])
    kwargs = dict(temperature=temperature, form=form, positive_reduction=positive_reduction,
                  self_index=self_index)
    return {'scene': memory_contrast_loss(query, bank, same_scene,
                                          filled[None].expand_as(same_scene), **kwargs),
            'object': memory_contrast_loss(query, bank, same_class, same_scene, **kwargs)}


def _level_loss(log_denominator: torch.Tensor, count: torch.Tensor, form: str,
                positive_reduction: str, positive_logits: Optional[torch.Tensor],
                log_numerator: Optional[torch.Tensor]) -> torch.Tensor:
    """One level's mean over the queries that have positives (``count > 0``)."""
    valid = count > 0
    if form == 'sum_log':
        per_query = count.to(log_denominator) * log_denominator - positive_logits
    else:
        per_query = log_denominator - log_numerator
    if positive_reduction == 'mean':
        per_query = per_query / count.clamp(min=1).to(per_query)
    per_query = torch.where(valid, per_query, torch.zeros_like(per_query))
    return per_query.sum() / valid.sum().clamp(min=1)


def _safe_log(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """``log`` where ``valid``, 0 elsewhere (no ``log(0)``, so no NaN gradient)."""
    return torch.log(torch.where(valid, values, torch.ones_like(values)))


def hierarchical_memory_contrast(query: torch.Tensor, bank: torch.Tensor,
                                 slot_scene: torch.Tensor, slot_class: torch.Tensor,
                                 query_scene: torch.Tensor, query_class: torch.Tensor,
                                 temperature: float = 0.5, form: str = 'sum_log',
                                 positive_reduction: str = 'sum',
                                 self_index: Optional[torch.Tensor] = None,
                                 filled: Optional[torch.Tensor] = None,
                                 own_rows_updated: bool = False) -> Dict[str, torch.Tensor]:
    """Eq. 3 (scene level) and Eq. 5 (object level) from one ``B x N`` similarity matrix.

    The same losses as :func:`memory_contrast_loss` with the masks of HSC: Eq. 3's positives
    are the filled slots of the query's scene and its candidates every filled slot; Eq. 5's
    positives are the filled slots of the query's scene and class and its candidates the
    filled slots of its scene. Unfilled slots take part in nothing; ``self_index`` removes
    each query's own slot from its positives and candidates; a query without positives
    contributes nothing to that level, which is the mean over the queries that have some
    (0, still differentiable, when none has). ``form`` and ``positive_reduction`` are those
    of :func:`memory_contrast_loss`.

    How: since query and bank are l2-normalised, ``|logit| <= 1 / temperature``, so with
    ``1 / temperature <= 40`` one ``exp`` pass without max-subtraction is exact in fp32.
    The ``exp`` of the logits is summed per (scene, class) pair of the bank in one
    ``index_add_`` (faster on CPU than a product with a one-hot matrix); the scene sums
    and the total are sums of those ``[B, pairs]`` sums, and the sum of the positives'
    logits (``'sum_log'``) is ``<q_i, sum of the pair's entries>``. A custom autograd
    function keeps only ``exp(logits)`` for the backward pass: two ``B x N x D`` products
    in all, no Python loop over slots, queries or groups, and no chunking (peak extra
    memory two ``B x N`` matrices). With ``1 / temperature > 40`` it computes the masked
    reference (max-shifted, ``B x N`` masks) instead.

    Args:
        query: ``float[B, D]`` encoded features (normalised here).
        bank: ``float[N, D]`` memory entries (normalised here; rows already of unit norm,
            within :data:`UNIT_NORM_TOLERANCE`, or zero are used as they are). Unfilled
            rows must be finite.
        slot_scene: ``long[N]`` scene label of every slot.
        slot_class: ``long[N]`` object class of every slot.
        query_scene: ``long[B]`` scene label of every query.
        query_class: ``long[B]`` object class of every query.
        temperature: ``tau`` of Eq. 3 and 5 (> 0). Default 0.5 (the paper).
        form: One of :data:`POSITIVE_FORMS`. Default ``'sum_log'`` (as printed).
        positive_reduction: One of :data:`POSITIVE_REDUCTIONS`. Default ``'sum'``.
        self_index: ``long[B]`` each query's own slot; None keeps every slot.
        filled: ``bool[N]`` the slots holding an entry; None: all.
        own_rows_updated: True when the bank rows at ``self_index`` will be overwritten in
            place before the backward pass (the Eq. 6 update right after the loss, as
            :meth:`HSCStream.loss` does): their values are kept (a ``B x D`` copy) and the
            gradient is that of the bank as it was. Other rows must not change then; with
            False (default) any in-place change of the bank before backward raises.

    Returns:
        ``{'scene': Eq. 3, 'object': Eq. 5}``, two scalars.
    """
    _check_options(form, positive_reduction, temperature)
    if query.dim() != 2 or bank.dim() != 2 or query.shape[1] != bank.shape[1]:
        raise ValueError(f'query [B, D] and bank [N, D] must share D, got '
                         f'{tuple(query.shape)} and {tuple(bank.shape)}')
    num_queries, num_slots = query.shape[0], bank.shape[0]
    for name, labels, size in (('slot_scene', slot_scene, num_slots),
                               ('slot_class', slot_class, num_slots),
                               ('query_scene', query_scene, num_queries),
                               ('query_class', query_class, num_queries),
                               ('self_index', self_index, num_queries),
                               ('filled', filled, num_slots)):
        if labels is not None and tuple(labels.shape) != (size, ):
            raise ValueError(f'{name} must be [{size}], got {list(labels.shape)}')
    if self_index is not None:
        self_index = self_index.long()
        if num_queries and (self_index.min() < 0 or self_index.max() >= num_slots):
            raise ValueError(f'self_index must be in [0, {num_slots}), got '
                             f'{self_index.min().item()}..{self_index.max().item()}')
    elif own_rows_updated:
        raise ValueError('own_rows_updated needs self_index (the rows that will change)')
    filled = (torch.ones(num_slots, dtype=torch.bool, device=bank.device)
              if filled is None else filled.bool())
    slot_scene, slot_class = slot_scene.long(), slot_class.long()
    query_scene, query_class = query_scene.long(), query_class.long()
    if 1.0 / temperature > MAX_INVERSE_TEMPERATURE:
        return _masked_reference(query, bank, slot_scene, slot_class, query_scene,
                                 query_class, filled, temperature, form, positive_reduction,
                                 self_index)

    dtype = torch.promote_types(torch.promote_types(query.dtype, bank.dtype), torch.float32)
    scaled = F.normalize(query.to(dtype), dim=1) / temperature  # q_i / tau
    bank = bank.to(dtype)
    unit = False  # a bank that needs a gradient goes through F.normalize's
    if not bank.requires_grad:
        norm = torch.linalg.vector_norm(bank, dim=1)
        unit = bool((((norm - 1).abs() <= UNIT_NORM_TOLERANCE) | (norm == 0)).all())
    entries = bank if unit else F.normalize(bank, dim=1)

    # compact ids of scenes, classes and (scene, class) pairs over slots and queries
    scene_id, scenes = _compact_ids(torch.cat([slot_scene, query_scene]))
    class_id, classes = _compact_ids(torch.cat([slot_class, query_class]))
    num_scenes, num_classes = len(scenes), len(classes)
    pair_id, pairs = _compact_ids(scene_id * num_classes + class_id)
    num_pairs = len(pairs)
    pair_scene = pairs // num_classes  # [pairs] the scene of each pair
    slot_pair, query_pair = pair_id[:num_slots], pair_id[num_slots:]
    query_scene_id = scene_id[num_slots:]
    group = torch.where(filled, slot_pair, torch.full_like(slot_pair, num_pairs))

    # exp sums per pair ([B, pairs]; the last group, unfilled slots, is dropped), per scene
    pair_sums = _GroupedExpSum.apply(scaled, entries, group, num_pairs + 1, self_index,
                                     own_rows_updated and entries is bank)[:, :num_pairs]
    scene_sums = pair_sums.new_zeros(num_queries, num_scenes).index_add(1, pair_scene,
                                                                        pair_sums)
    total = pair_sums.sum(dim=1)
    own_pair = pair_sums.gather(1, query_pair[:, None])[:, 0]
    own_scene = scene_sums.gather(1, query_scene_id[:, None])[:, 0]

    # positives per query: filled slots of its pair / scene, less its own slot
    pair_count = torch.bincount(group, minlength=num_pairs + 1)[:num_pairs]
    scene_count = pair_count.new_zeros(num_scenes).index_add_(0, pair_scene, pair_count)
    count_object, count_scene = pair_count[query_pair], scene_count[query_scene_id]
    if self_index is not None:
        own_filled = filled[self_index]
        in_scene = own_filled & (scene_id[:num_slots][self_index] == query_scene_id)
        in_pair = own_filled & (slot_pair[self_index] == query_pair)
        count_scene, count_object = count_scene - in_scene.long(), count_object - in_pair.long()

    logits_scene = logits_object = None
    if form == 'sum_log':  # the positives' logits: <q_i / tau, sum of their entries>
        pair_entries = entries.new_zeros(num_pairs + 1, entries.shape[1]).index_add(
            0, group, entries)[:num_pairs]
        scene_entries = entries.new_zeros(num_scenes, entries.shape[1]).index_add(
            0, pair_scene, pair_entries)
        summed = scaled @ torch.cat([pair_entries, scene_entries]).t()  # [B, pairs + scenes]
        summed = summed.gather(1, torch.stack([query_pair, num_pairs + query_scene_id], 1))
        logits_object, logits_scene = summed[:, 0], summed[:, 1]
        if self_index is not None:
            own_logit = (scaled * entries[self_index]).sum(dim=1)
            logits_object = logits_object - in_pair.to(own_logit) * own_logit
            logits_scene = logits_scene - in_scene.to(own_logit) * own_logit

    valid_scene, valid_object = count_scene > 0, count_object > 0
    log_total = _safe_log(total, valid_scene)
    log_own_scene_3 = _safe_log(own_scene, valid_scene)
    log_own_scene_5 = _safe_log(own_scene, valid_object)
    log_own_pair = _safe_log(own_pair, valid_object)
    scene = _level_loss(log_total, count_scene, form, positive_reduction, logits_scene,
                        log_own_scene_3)
    obj = _level_loss(log_own_scene_5, count_object, form, positive_reduction, logits_object,
                      log_own_pair)
    return {'scene': scene, 'object': obj}
