"""HSC's memory contrast (Eq. 3 and 5) and memory bank (Eq. 6) against hand-computed values."""
import math

import pytest
import torch

from vadkit.models import MemoryBank, MemoryContrastLoss, memory_contrast_loss
from vadkit.registry import MODELS

# a query along +x and three entries at 0, 90 and 180 degrees: cosines 1, 0, -1, so with
# tau = 0.5 the logits are 2, 0, -2
QUERY = torch.tensor([[1.0, 0.0]])
BANK = torch.tensor([[3.0, 0.0], [0.0, 0.5], [-2.0, 0.0]])  # normalised inside
LSE_ALL = math.log(math.exp(2) + 1 + math.exp(-2))


def mask(*rows):
    return torch.tensor(rows, dtype=torch.bool)


def test_scene_level_sum_of_logs_eq3():
    loss = memory_contrast_loss(QUERY, BANK, mask([1, 1, 0]), temperature=0.5)
    expected = -((2 - LSE_ALL) + (0 - LSE_ALL))  # 2.285863
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(2.285863, abs=1e-6)
    mean = memory_contrast_loss(QUERY, BANK, mask([1, 1, 0]), positive_reduction='mean')
    assert mean.item() == pytest.approx(expected / 2, abs=1e-6)


def test_scene_level_log_of_sum_the_authors_code():
    loss = memory_contrast_loss(QUERY, BANK, mask([1, 1, 0]), form='log_sum')
    expected = -(math.log(math.exp(2) + 1) - LSE_ALL)  # 0.016003
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(0.016003, abs=1e-6)


def test_object_level_only_counts_the_scene_eq5():
    """Candidates are the query's scene (entries 0 and 1); positives its class (0)."""
    loss = memory_contrast_loss(QUERY, BANK, mask([1, 0, 1]), candidates=mask([1, 1, 0]))
    # entry 2 is a positive outside the scene: ignored
    assert loss.item() == pytest.approx(math.log(math.exp(2) + 1) - 2, abs=1e-6)


def test_own_slot_is_neither_positive_nor_candidate():
    loss = memory_contrast_loss(QUERY, BANK, mask([1, 1, 0]), self_index=torch.tensor([0]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)


def test_empty_positive_sets_contribute_nothing():
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    # query 1 belongs to a class with one member: once its own slot (1) is removed it has
    # no positive, and the loss is query 0's alone
    loss = memory_contrast_loss(queries, BANK, mask([1, 1, 0], [0, 1, 0]),
                                self_index=torch.tensor([2, 1]))
    assert loss.item() == pytest.approx(-((2 - math.log(math.exp(2) + 1))
                                          + (0 - math.log(math.exp(2) + 1))), abs=1e-6)
    query = QUERY.clone().requires_grad_(True)
    none = memory_contrast_loss(query, BANK, mask([0, 0, 0]))
    none.backward()
    assert none.item() == 0.0 and torch.equal(query.grad, torch.zeros_like(query))


def _reference(query, bank, positives, candidates, tau, form, reduction):
    """Eq. 3 / 5 one query and one positive at a time."""
    q = torch.nn.functional.normalize(query, dim=1)
    m = torch.nn.functional.normalize(bank, dim=1)
    losses = []
    for i in range(len(q)):
        cand = [k for k in range(len(m)) if candidates[i, k]]
        pos = [j for j in cand if positives[i, j]]
        if not pos:
            continue
        denominator = sum(math.exp(float(q[i] @ m[k]) / tau) for k in cand)
        if form == 'sum_log':
            value = -sum(math.log(math.exp(float(q[i] @ m[j]) / tau) / denominator)
                         for j in pos)
        else:
            value = -math.log(sum(math.exp(float(q[i] @ m[j]) / tau) for j in pos)
                              / denominator)
        losses.append(value / (len(pos) if reduction == 'mean' else 1))
    return sum(losses) / max(len(losses), 1)


@pytest.mark.parametrize('form', ['sum_log', 'log_sum'])
@pytest.mark.parametrize('reduction', ['sum', 'mean'])
def test_batched_equals_the_equations_one_entry_at_a_time(form, reduction):
    g = torch.Generator().manual_seed(0)
    query, bank = torch.randn(6, 5, generator=g), torch.randn(40, 5, generator=g)
    scene = torch.randint(0, 3, (40, ), generator=g)
    cls = torch.randint(0, 4, (40, ), generator=g)
    qscene, qcls = scene[:6], cls[:6]  # the queries are the first six entries
    candidates = qscene[:, None] == scene[None]
    positives = candidates & (qcls[:, None] == cls[None])
    loss = memory_contrast_loss(query, bank, positives, candidates, 0.5, form, reduction)
    assert loss.item() == pytest.approx(
        _reference(query, bank, positives, candidates, 0.5, form, reduction), rel=1e-5)


def test_the_registered_loss_and_its_checks():
    loss = MODELS.build(dict(type='MemoryContrastLoss', loss_weight=2.0))
    assert isinstance(loss, MemoryContrastLoss)
    value = loss(QUERY, BANK, mask([1, 1, 0]))
    assert value.item() == pytest.approx(2 * 2.285863, abs=1e-5)
    for kwargs, name in ((dict(form='x'), 'form'), (dict(temperature=0), 'temperature')):
        with pytest.raises(ValueError, match=name):
            MemoryContrastLoss(**kwargs)
    with pytest.raises(ValueError, match='positives'):
        memory_contrast_loss(QUERY, BANK, mask([1, 1]))


def test_memory_bank_momentum_eq6():
    bank = MemoryBank(3, 2, momentum=0.9)
    bank.update(torch.tensor([1]), torch.tensor([[2.0, 0.0]]))
    assert torch.equal(bank.slots[1], torch.tensor([1.0, 0.0]))  # the first write
    assert bank.filled.tolist() == [False, True, False]
    bank.update(torch.tensor([1]), torch.tensor([[0.0, 5.0]]))
    # (1 - m) f + m M = [0.9, 0.1], renormalised
    norm = math.hypot(0.9, 0.1)
    assert bank.slots[1].tolist() == pytest.approx([0.9 / norm, 0.1 / norm], abs=1e-6)
    code = MemoryBank(3, 2, momentum=0.9, momentum_on='new')
    code.update(torch.tensor([0]), torch.tensor([[1.0, 0.0]]))
    code.update(torch.tensor([0]), torch.tensor([[0.0, 1.0]]))
    assert code.slots[0].tolist() == pytest.approx([0.1 / norm, 0.9 / norm], abs=1e-6)


def test_memory_bank_is_saved_with_the_model():
    bank = MemoryBank(4, 3)
    bank.update(torch.tensor([0, 2]), torch.randn(2, 3))
    copy = MODELS.build(dict(type='MemoryBank', num_slots=4, dim=3))
    copy.load_state_dict(bank.state_dict())
    assert torch.equal(copy.slots, bank.slots) and torch.equal(copy.filled, bank.filled)
    with pytest.raises(IndexError, match=r'\[0, 4\)'):
        bank.update(torch.tensor([4]), torch.randn(1, 3))
    for kwargs, name in ((dict(momentum=1.0), 'momentum'), (dict(momentum_on='x'),
                                                             'momentum_on')):
        with pytest.raises(ValueError, match=name):
            MemoryBank(2, 2, **kwargs)
