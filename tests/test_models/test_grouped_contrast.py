"""HSC's two memory contrasts from one similarity matrix (Eq. 3 and 5) against the masked
reference ``memory_contrast_loss``, hand-computed values and through ``HSCStream.loss``."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F

from vadkit.models.components.hsc_stream import HSCStream
from vadkit.models.losses.contrastive import (hierarchical_memory_contrast,
                                              memory_contrast_loss)

E = math.e
# The hand case: 4 slots on the axes, tau = 0.5, so the logits are 2 * cos.
#   slot 0 (+x): scene 0, class 0     slot 1 (+y): scene 0, class 1
#   slot 2 (-x): scene 1, class 0     slot 3 (-y): scene 1, class 1
# query 0 = +x (scene 0, class 0): logits [2, 0, -2, 0]
# query 1 = +y (scene 1, class 1): logits [0, 2, 0, -2]
HAND_BANK = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
HAND_SLOTS = dict(slot_scene=torch.tensor([0, 0, 1, 1]), slot_class=torch.tensor([0, 1, 0, 1]))
HAND_QUERY = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
HAND_LABELS = dict(query_scene=torch.tensor([0, 1]), query_class=torch.tensor([0, 1]))
# every denominator over all four slots: lse = log(e^2 + 1 + e^-2 + 1) = 2 log(e + 1/e) = 2 L
L = math.log(E + 1 / E)  # 1.126928


def hand(**kwargs):
    return hierarchical_memory_contrast(HAND_QUERY, HAND_BANK, **HAND_SLOTS, **HAND_LABELS,
                                        **kwargs)


def test_hand_case_every_slot_filled():
    out = hand()
    # Eq. 3, query 0: positives slots 0, 1 (logits 2, 0): -[(2 - 2L) + (0 - 2L)] = 4L - 2;
    # query 1: slots 2, 3 (0, -2): 4L + 2; mean 4L = 4.507712
    assert out['scene'].item() == pytest.approx(4 * L, abs=1e-5)
    assert 4 * L == pytest.approx(4.507712, abs=1e-6)
    # Eq. 5, query 0: slot 0 over scene 0 (2, 0): log(e^2 + 1) - 2; query 1: slot 3 over
    # scene 1 (0, -2): 2 + log(1 + e^-2); mean 1 + log(1 + e^-2) = L = 1.126928
    assert out['object'].item() == pytest.approx(L, abs=1e-5)
    assert L == pytest.approx(1.126928, abs=1e-6)
    # the log of the summed positives (the authors' code): Eq. 3 is
    # mean(2L - log(e^2 + 1), 2L - log(1 + e^-2)) = 2L - (2 + 2 log(1 + e^-2)) / 2 = L; Eq. 5
    # has one positive per query, so it equals the sum of logs
    out = hand(form='log_sum')
    assert out['scene'].item() == pytest.approx(L, abs=1e-5)
    assert out['object'].item() == pytest.approx(L, abs=1e-5)
    # dividing by the 2 positives of Eq. 3: mean(2L - 1, 2L + 1) = 2L = 2.253856
    out = hand(positive_reduction='mean')
    assert out['scene'].item() == pytest.approx(2 * L, abs=1e-5)
    assert out['object'].item() == pytest.approx(L, abs=1e-5)


def test_hand_case_own_slots_and_an_unfilled_slot():
    query = HAND_QUERY.clone().requires_grad_(True)
    out = hierarchical_memory_contrast(query, HAND_BANK, **HAND_SLOTS, **HAND_LABELS,
                                       self_index=torch.tensor([0, 3]))
    # own slots 0 and 3 removed. Eq. 3, query 0: slot 1 (0) over slots 1, 2, 3 (0, -2, 0):
    # log(2 + e^-2); query 1: slot 2 (0) over 0, 1, 2 (0, 2, 0): log(2 + e^2); mean 1.499084
    assert out['scene'].item() == pytest.approx(
        (math.log(2 + E ** -2) + math.log(2 + E ** 2)) / 2, abs=1e-5)
    assert out['scene'].item() == pytest.approx(1.499084, abs=1e-5)
    # Eq. 5: each query's class has only its own slot in its scene: no positive anywhere,
    # the loss is 0 and still has a (zero) gradient
    assert out['object'].item() == 0.0
    out['object'].backward()
    assert torch.equal(query.grad, torch.zeros_like(query))

    out = hand(filled=torch.tensor([True, True, True, False]))
    # slot 3 unfilled. Eq. 3, query 0: slots 0, 1 over 0, 1, 2: 2 log(e^2 + 1 + e^-2) - 2;
    # query 1: slot 2 (0) over 0, 1, 2 (0, 2, 0): log(2 + e^2); mean 2.262704
    lse = math.log(E ** 2 + 1 + E ** -2)
    assert out['scene'].item() == pytest.approx((2 * lse - 2 + math.log(2 + E ** 2)) / 2,
                                                abs=1e-5)
    assert out['scene'].item() == pytest.approx(2.262704, abs=1e-5)
    # Eq. 5: query 1's only positive was slot 3; query 0: log(e^2 + 1) - 2 = 0.126928
    assert out['object'].item() == pytest.approx(math.log(1 + E ** -2), abs=1e-5)
    assert out['object'].item() == pytest.approx(0.126928, abs=1e-5)


def masked_reference(query, bank, slot_scene, slot_class, query_scene, query_class,
                     filled, **kwargs):
    """Eq. 3 and 5 as ``memory_contrast_loss`` calls with the equivalent ``B x N`` masks."""
    same_scene = (query_scene[:, None] == slot_scene[None]) & filled[None]
    same_class = same_scene & (query_class[:, None] == slot_class[None])
    every = filled[None].expand_as(same_scene)
    return {'scene': memory_contrast_loss(query, bank, same_scene, every, **kwargs),
            'object': memory_contrast_loss(query, bank, same_class, same_scene, **kwargs)}


def random_case(seed=0, num_queries=24, num_slots=300, dim=16):
    """Scenes 0-4 and classes 0-3 on the slots, 20% unfilled; queries are perturbed slots
    (their own slots). Scene 5 has no slot (a query sits in it), scene 4 no filled slot,
    and query 1's (scene, class) pair has only its own slot (a class of one member)."""
    g = torch.Generator().manual_seed(seed)
    bank = torch.randn(num_slots, dim, generator=g)
    slot_scene = torch.randint(0, 4, (num_slots, ), generator=g)
    slot_class = torch.randint(0, 4, (num_slots, ), generator=g)
    filled = torch.rand(num_slots, generator=g) > 0.2
    slot_scene[-10:] = 4
    filled[-10:] = False
    own = torch.randperm(num_slots - 10, generator=g)[:num_queries]
    slot_scene[own[1]], slot_class[own[1]], filled[own[1]] = 3, 7, True  # the only (3, 7)
    query = bank[own] + 0.5 * torch.randn(num_queries, dim, generator=g)
    query_scene, query_class = slot_scene[own].clone(), slot_class[own].clone()
    query_scene[0] = 5
    query_scene[2] = 4
    return dict(query=query, bank=bank, slot_scene=slot_scene, slot_class=slot_class,
                query_scene=query_scene, query_class=query_class, filled=filled), own


@pytest.mark.parametrize('form', ['sum_log', 'log_sum'])
@pytest.mark.parametrize('reduction', ['sum', 'mean'])
@pytest.mark.parametrize('own_slot', [False, True])
def test_equals_the_masked_reference_values_and_gradients(form, reduction, own_slot):
    case, own = random_case()
    kwargs = dict(temperature=0.5, form=form, positive_reduction=reduction,
                  self_index=own if own_slot else None)
    query = case.pop('query')
    fast_query = query.clone().requires_grad_(True)
    ref_query = query.clone().requires_grad_(True)
    fast = hierarchical_memory_contrast(fast_query, **case, **kwargs)
    ref = masked_reference(ref_query, **case, **kwargs)
    for name in ('scene', 'object'):
        assert fast[name].item() == pytest.approx(ref[name].item(), rel=1e-5), name
        assert ref[name].item() > 0.01  # a real loss, not an empty case
    # weights 1 and 3 so that each level's gradient counts
    (fast['scene'] + 3 * fast['object']).backward()
    (ref['scene'] + 3 * ref['object']).backward()
    scale = ref_query.grad.abs().max().item()
    assert scale > 1e-3
    torch.testing.assert_close(fast_query.grad, ref_query.grad, rtol=1e-5, atol=1e-5 * scale)
    # the queries of the empty scenes (0: no slot, 2: no filled slot) contribute nothing
    # and are not counted: the mean over the others is the same
    rest = torch.tensor([1] + list(range(3, 24)))
    sub = dict(case, query_scene=case['query_scene'][rest],
               query_class=case['query_class'][rest])
    alone = hierarchical_memory_contrast(query[rest], **sub, **dict(
        kwargs, self_index=own[rest] if own_slot else None))
    for name in ('scene', 'object'):
        assert alone[name].item() == pytest.approx(fast[name].item(), rel=1e-5)


def test_the_random_case_has_its_edge_cases():
    case, own = random_case()
    scene, cls, filled = case['slot_scene'], case['slot_class'], case['filled']
    assert case['query_scene'][0] == 5 and not (scene == 5).any()
    assert case['query_scene'][2] == 4 and (scene == 4).sum() == 10
    assert not filled[scene == 4].any() and (~filled).sum() > 50
    assert ((scene == 3) & (cls == 7)).nonzero().flatten().tolist() == [own[1].item()]
    assert len(set(zip(scene[filled].tolist(), cls[filled].tolist()))) == 17  # 16 + (3, 7)


def test_the_class_of_one_member_has_no_positive_once_its_slot_is_left_out():
    case, own = random_case()
    query = case.pop('query')
    only = lambda index: hierarchical_memory_contrast(  # noqa: E731
        query[1:2], **dict(case, query_scene=case['query_scene'][1:2],
                           query_class=case['query_class'][1:2]), self_index=index)
    # kept, its own slot is its one positive: lse over its scene's filled slots - own logit
    logits = F.normalize(query[1], dim=0) @ F.normalize(case['bank'], dim=1).t() / 0.5
    in_scene = (case['slot_scene'] == 3) & case['filled']
    expected = torch.logsumexp(logits[in_scene], 0) - logits[own[1]]
    assert only(None)['object'].item() == pytest.approx(expected.item(), rel=1e-5)
    assert expected.item() > 1.0
    assert only(own[1:2])['object'].item() == 0.0
    assert only(own[1:2])['scene'].item() > 1.0  # its scene still has other slots


def test_a_unit_bank_is_used_as_it_is_and_its_own_rows_may_change():
    """A bank of unit rows (the memory bank's, zeros where unfilled) is not copied: changing
    it in place before backward is caught, except for the own rows announced with
    own_rows_updated, whose old values the backward pass uses."""
    case, own = random_case(seed=1)
    bank = F.normalize(case['bank'], dim=1)
    bank[~case['filled']] = 0.0
    query = case.pop('query')
    case['bank'] = bank
    ref_query = query.clone().requires_grad_(True)
    ref = masked_reference(ref_query, **dict(case, bank=bank.clone()), self_index=own)
    (ref['scene'] + ref['object']).backward()

    fast_query = query.clone().requires_grad_(True)
    fast = hierarchical_memory_contrast(fast_query, **case, self_index=own,
                                        own_rows_updated=True)
    for name in ('scene', 'object'):
        assert fast[name].item() == pytest.approx(ref[name].item(), rel=1e-5)
    new_rows = F.normalize(torch.randn(len(own), bank.shape[1]), dim=1)
    bank[own] = new_rows  # the Eq. 6 update of the queries' slots
    (fast['scene'] + fast['object']).backward()
    scale = ref_query.grad.abs().max().item()
    torch.testing.assert_close(fast_query.grad, ref_query.grad, rtol=1e-5, atol=1e-5 * scale)
    # the gradient against the updated rows would be another one
    moved = query.clone().requires_grad_(True)
    late = masked_reference(moved, **case, self_index=own)
    (late['scene'] + late['object']).backward()
    assert (moved.grad - ref_query.grad).abs().max().item() > 100 * 1e-5 * scale

    plain = hierarchical_memory_contrast(query.clone().requires_grad_(True), **case,
                                         self_index=own)
    bank[own] = -new_rows
    with pytest.raises(RuntimeError, match='modified by an inplace operation'):
        (plain['scene'] + plain['object']).backward()


def test_the_bank_gradient_equals_the_reference():
    case, own = random_case(seed=2, num_queries=8, num_slots=60, dim=6)
    query, bank = case.pop('query'), case.pop('bank')
    grads = []
    for fn in (hierarchical_memory_contrast, masked_reference):
        leaf = bank.clone().requires_grad_(True)
        out = fn(query, leaf, **case, self_index=own)
        (out['scene'] + 2 * out['object']).backward()
        grads.append(leaf.grad)
    scale = grads[1].abs().max().item()
    assert scale > 1e-3
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize('temperature', [1 / 40, 0.02])
def test_low_temperatures(temperature):
    """1 / tau = 40 still takes the one-pass exp (logits in [-40, 40]); 50 takes the masked
    reference: exp(-2 / tau) = e^-100 is below fp32's smallest normal number (a subnormal
    with a few bits left), while e^-80 is above it."""
    case, own = random_case(seed=3)
    fast = hierarchical_memory_contrast(**case, temperature=temperature, self_index=own)
    ref = masked_reference(**case, temperature=temperature, self_index=own)
    for name in ('scene', 'object'):
        assert math.isfinite(fast[name].item()) and fast[name].item() > 1.0
        assert fast[name].item() == pytest.approx(ref[name].item(), rel=1e-5)
    tiny = torch.finfo(torch.float32).tiny  # 1.18e-38
    assert torch.exp(torch.tensor(-100.0)).item() < tiny < torch.exp(torch.tensor(-80.0)).item()


def test_argument_checks():
    for kwargs, match in ((dict(form='x'), 'form'), (dict(positive_reduction='x'),
                                                      'positive_reduction'),
                          (dict(temperature=0.0), 'temperature'),
                          (dict(self_index=torch.tensor([0, 4])), r'self_index must be in'),
                          (dict(self_index=torch.tensor([0])), r'self_index must be \[2\]'),
                          (dict(filled=torch.ones(3, dtype=torch.bool)), r'filled must be'),
                          (dict(own_rows_updated=True), 'needs self_index')):
        with pytest.raises(ValueError, match=match):
            hand(**kwargs)
    with pytest.raises(ValueError, match='share D'):
        hierarchical_memory_contrast(HAND_QUERY, torch.ones(4, 3), **HAND_SLOTS,
                                     **HAND_LABELS)
    with pytest.raises(ValueError, match=r'slot_scene must be \[4\]'):
        hierarchical_memory_contrast(HAND_QUERY, HAND_BANK, torch.zeros(3),
                                     HAND_SLOTS['slot_class'], **HAND_LABELS)


def test_the_stream_loss_and_gradient_equal_the_masked_reference():
    """HSCStream.loss (one grouped call, then the in-place Eq. 6 update) gives the terms and
    encoder gradients of the masked reference computed on a copy of the memory."""
    torch.manual_seed(0)
    stream = HSCStream(6, 3, 40, 3, encoder_sizes=(8, 5), decoder_sizes=(7, 6),
                       loss_weights=dict(classifier=0, reconstruction=0, object=2.0))
    scene_of_slot, class_of_slot = torch.randint(0, 3, (40, )), torch.randint(0, 2, (40, ))
    stream.set_slot_labels(scene_of_slot, class_of_slot)
    stream.memory.update(torch.arange(30), torch.randn(30, 5))  # 10 slots stay unfilled
    twin = copy.deepcopy(stream)
    scene, feature, slot = torch.randn(12, 3), torch.randn(12, 6), torch.arange(4, 16)
    out = stream.loss(scene, feature, slot, scene_of_slot[slot], class_of_slot[slot])
    (out['scene'] + out['object']).backward()

    latent = twin.encode(scene, feature)
    ref = masked_reference(latent, twin.memory.slots.clone(), twin.slot_scene,
                           twin.slot_class, scene_of_slot[slot], class_of_slot[slot],
                           twin.memory.filled.clone(), self_index=slot)
    (ref['scene'] + 2.0 * ref['object']).backward()
    assert out['scene'].item() == pytest.approx(ref['scene'].item(), rel=1e-5)
    assert out['object'].item() == pytest.approx(2.0 * ref['object'].item(), rel=1e-5)
    assert ref['object'].item() > 0.1
    # (the first Linear's bias has no gradient: the BatchNorm after it removes it)
    assert min(stream.encoder[k].weight.grad.abs().max().item() for k in (0, 3)) > 1e-3
    scale = max(p.grad.abs().max().item() for p in twin.encoder.parameters())
    for (name, mine), theirs in zip(stream.encoder.named_parameters(),
                                    twin.encoder.parameters()):
        torch.testing.assert_close(mine.grad, theirs.grad, rtol=1e-5, atol=1e-5 * scale,
                                   msg=name)
    # and the memory was updated as before: the batch's slots moved, the others did not
    before = twin.memory.slots.clone()
    twin.memory.update(slot, latent)
    torch.testing.assert_close(stream.memory.slots, twin.memory.slots, rtol=0, atol=1e-6)
    assert torch.equal(stream.memory.slots[16:], before[16:])
    assert (stream.memory.slots[slot] - before[slot]).norm(dim=1).min() > 1e-3


def test_labels_are_any_integers():
    """Scene and class labels are matched by value: negative ones, and ones far apart (whose
    range is too large for a lookup table, so they are sorted), give the same losses."""
    case, own = random_case(seed=4)
    base = hierarchical_memory_contrast(**case, self_index=own)
    for scene_shift, class_scale in ((-3, -1), (10**12, 10**9)):
        moved = dict(case, slot_scene=case['slot_scene'] + scene_shift,
                     query_scene=case['query_scene'] + scene_shift,
                     slot_class=case['slot_class'] * class_scale,
                     query_class=case['query_class'] * class_scale)
        out = hierarchical_memory_contrast(**moved, self_index=own)
        for name in ('scene', 'object'):
            assert out[name].item() == pytest.approx(base[name].item(), rel=1e-6)
    assert base['object'].item() > 0.1
