"""SA-CRF's building blocks against direct computations on tiny graphs: which node pairs
each clique connects, the clique self-attention (Eq. 1, 3, 4), the CRF energies and
mean-field updates (Eq. 5-8, Algorithm 1) with dynamic halting, and the MIL losses."""
import itertools

import pytest
import torch

from vadkit.models.components.sacrf import (BandWeights, CliqueSelfAttention,
                                            SelfAttentionCRF, bag_scores, band_window,
                                            clique_mask, contrastive_bag_loss, frame_window,
                                            smoothness_loss, sparsity_loss)


def _dense(p_hat):
    return p_hat.dense() if isinstance(p_hat, BandWeights) else p_hat


def _frames(length, num_frames, tau, window):
    rows = frame_window(torch.tensor([length]), num_frames, tau, window)[0]
    return [sorted(torch.nonzero(r).flatten().tolist()) for r in rows]


def test_clique_windows_for_each_locality():
    assert _frames(6, 6, 1, 'centered') == [[0], [1], [2], [3], [4], [5]]
    assert _frames(6, 6, 2, 'centered') == [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [4, 5]]
    assert _frames(6, 6, 4, 'centered') == [[0, 1, 2, 3], [0, 1, 2, 3], [1, 2, 3, 4],
                                            [2, 3, 4, 5], [2, 3, 4, 5], [2, 3, 4, 5]]
    assert _frames(6, 6, 4, 'forward') == [[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5],
                                           [2, 3, 4, 5], [2, 3, 4, 5], [2, 3, 4, 5]]
    # a video shorter than tau: its whole length; padded frames connect to nothing
    assert _frames(3, 5, 8, 'centered') == [[0, 1, 2], [0, 1, 2], [0, 1, 2], [], []]
    with pytest.raises(ValueError, match='window'):
        frame_window(torch.tensor([3]), 3, 2, 'backward')


def test_clique_mask_connects_every_patch_of_the_window():
    mask = clique_mask(torch.tensor([3]), 3, 2, 2)[0]  # 3 frames x 2 patches, tau 2
    pairs = {(i, j) for i, j in itertools.product(range(6), repeat=2) if mask[i, j]}
    # node t * 2 + g; frame 0 -> {0, 1}, frame 1 -> {1, 2}, frame 2 -> {1, 2}
    expected = set()
    for t, frames in enumerate(([0, 1], [1, 2], [1, 2])):
        for g, t2, g2 in itertools.product(range(2), frames, range(2)):
            expected.add((t * 2 + g, t2 * 2 + g2))
    assert pairs == expected


@pytest.mark.parametrize('implementation', ['band', 'dense'])
def test_self_attention_matches_a_direct_computation(implementation):
    torch.manual_seed(0)
    att = CliqueSelfAttention(3, embed_channels=2, out_channels=4, localities=(1, 2),
                              implementation=implementation)
    with torch.no_grad():
        att.locality_weights.copy_(torch.tensor([0.3, 0.7]))
    b = torch.randn(1, 3, 2, 3)  # T = 3 segments, G = 2 patches
    h, p_hat = att(b)
    nodes = b.reshape(6, 3)
    windows = {1: [[0], [1], [2]], 2: [[0, 1], [1, 2], [1, 2]]}
    expected_h = torch.zeros(6, 4)
    expected_p = torch.zeros(6, 6)
    for w, tau in zip((0.3, 0.7), (1, 2)):
        for i in range(6):
            members = [t * 2 + g for t in windows[tau][i // 2] for g in range(2)]
            p = torch.stack([torch.exp(att.theta1(nodes[i]) @ att.theta2(nodes[j]))
                             for j in members])  # Eq. 1
            p = p / p.sum()  # normalised over the clique
            for weight, j in zip(p, members):
                expected_p[i, j] += w * weight
                expected_h[i] += w * weight * att.theta3(nodes[j])  # Eq. 3-4
    assert torch.allclose(_dense(p_hat)[0], expected_p, atol=1e-6)
    assert torch.allclose(h.reshape(6, 4), expected_h, atol=1e-5)
    h.sum().backward()
    assert att.locality_weights.grad is not None and att.theta1.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('implementation', ['band', 'dense'])
def test_padded_segments_take_no_part(implementation):
    torch.manual_seed(0)
    att = CliqueSelfAttention(3, localities=(1, 4), implementation=implementation)
    b = torch.randn(2, 4, 2, 3)
    valid = torch.tensor([[True] * 4, [True, True, False, False]])
    h, p_hat = att(b, valid)
    alone, _ = att(b[1:, :2], None)
    assert torch.allclose(h[1, :2], alone[0], atol=1e-6)
    assert torch.all(h[1, 2:] == 0) and torch.all(_dense(p_hat)[1, :, 4:] == 0)
    with pytest.raises(ValueError, match='prefix'):
        att(b, torch.tensor([[True, False, True, True]] * 2))


def test_band_window_is_the_frame_window_on_the_band():
    lengths = torch.tensor([9, 5, 1])
    for tau, window in itertools.product((1, 2, 4, 6, 8), ('centered', 'forward')):
        dense = frame_window(lengths, 9, tau, window)
        band = band_window(lengths, 9, tau, 7, window)  # reach max(K) - 1
        for t, d in itertools.product(range(9), range(15)):
            other = t + d - 7
            if 0 <= other < 9:
                assert torch.equal(band[:, t, d], dense[:, t, other]), (tau, window, t, d)
            else:
                assert not band[:, t, d].any()
    with pytest.raises(ValueError, match='reach'):
        band_window(lengths, 9, 8, 3)


@pytest.mark.parametrize('window', ['centered', 'forward'])
def test_band_and_dense_attention_agree(window):
    """The band form gives the dense form's h, P_hat and CRF messages, with padding."""
    torch.manual_seed(3)
    band = CliqueSelfAttention(5, embed_channels=4, out_channels=6, window=window,
                               residual=True)
    dense = CliqueSelfAttention(5, embed_channels=4, out_channels=6, window=window,
                                residual=True, implementation='dense')
    dense.load_state_dict(band.state_dict())
    b = torch.randn(2, 11, 3, 5)
    valid = torch.arange(11).reshape(1, -1) < torch.tensor([[11], [6]])
    (h1, p1), (h2, p2) = band(b, valid), dense(b, valid)
    torch.testing.assert_close(h1, h2, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(p1.dense(), p2, rtol=1e-5, atol=1e-6)
    crf = SelfAttentionCRF(5, 6, pairwise='marginals', max_iter=3, halt_tol=0.0)
    torch.testing.assert_close(crf(b, h1, p1, valid)['marginals'],
                               crf(b, h2, p2, valid)['marginals'], rtol=1e-5, atol=1e-6)


def _crf_inputs(seed=0, t=3, g=2):
    torch.manual_seed(seed)
    att = CliqueSelfAttention(3, out_channels=4, localities=(1, 2))
    b = torch.randn(1, t, g, 3)
    h, p_hat = att(b)
    return b, h.detach(), _dense(p_hat).detach()


def test_crf_energies_and_updates_match_the_equations():
    b, h, p_hat = _crf_inputs()
    crf = SelfAttentionCRF(3, 4, max_iter=3)
    u = crf.compatibility
    assert torch.equal(u, torch.tensor([[0.0, 1.0], [1.0, 0.0]]))  # Potts
    out = crf(b, h, p_hat)
    e_u = crf.unary(b.reshape(6, 3))  # Eq. 5
    e_p = crf.pairwise_head(h.reshape(6, 4)) @ u  # Eq. 7
    q = torch.softmax(-e_u - e_p, -1)  # one update; E_p is fixed, so it is the fixed point
    assert torch.allclose(out['marginals'].reshape(6, 2), q, atol=1e-6)
    assert out['iterations'].tolist() == [2]  # the second update moved nothing: halted
    literal = SelfAttentionCRF(3, 4, update='marginal', max_iter=3, halt_tol=0.0)
    literal.load_state_dict(crf.state_dict())
    q = torch.softmax(-e_u, -1)
    for _ in range(3):  # Algorithm 1, step 8 as printed: marginal minus pairwise
        q = torch.softmax(q - e_p, -1)
    out = literal(b, h, p_hat)
    assert torch.allclose(out['marginals'].reshape(6, 2), q, atol=1e-6)
    assert out['iterations'].tolist() == [3]  # max_iter caps it


def test_mean_field_messages_of_the_neighbours_marginals():
    b, h, p_hat = _crf_inputs(1)
    crf = SelfAttentionCRF(3, 4, compatibility='identity', pairwise='marginals', max_iter=4,
                           halt_tol=0.0)
    with torch.no_grad():
        crf.compatibility_raw.copy_(torch.tensor([[0.2, 1.5], [0.3, -0.4]]))
    u = crf.compatibility
    assert torch.equal(u, u.t())
    e_u = crf.unary(b.reshape(6, 3))
    q = torch.softmax(-e_u, -1)
    for _ in range(4):
        e_p = torch.zeros(6, 2)
        for i, j in itertools.product(range(6), repeat=2):
            if i != j:  # Eq. 6: the node itself is not its own neighbour
                for z, z2 in itertools.product(range(2), repeat=2):
                    e_p[i, z] += u[z, z2] * p_hat[0, i, j] * q[j, z2]
        q = torch.softmax(-e_u - e_p, -1)
    out = crf(b, h, p_hat)
    assert torch.allclose(out['marginals'].reshape(6, 2), q, atol=1e-5)
    assert out['iterations'].tolist() == [4]


def test_dynamic_halting_per_video():
    """A video with no neighbours is at its fixed point from the start: its first update
    moves nothing and it halts, while the other video goes on."""
    torch.manual_seed(2)
    att = CliqueSelfAttention(3, localities=(1, 2))
    b = torch.randn(2, 3, 2, 3) * 3
    valid = torch.tensor([[True, True, True], [True, False, False]])
    h, p_hat = att(b, valid)
    p_hat = _dense(p_hat).clone()
    p_hat[1] = torch.diag_embed(torch.diagonal(p_hat[1]))  # video 2: itself only
    crf = SelfAttentionCRF(3, 3, pairwise='marginals', update='marginal', max_iter=6,
                           halt_tol=1e-6)
    out = crf(b, h, p_hat, valid)
    assert out['iterations'].tolist() == [6, 6]  # the literal update keeps moving
    crf = SelfAttentionCRF(3, 3, pairwise='marginals', max_iter=6, halt_tol=1e-6)
    with torch.no_grad():
        crf.compatibility_raw.mul_(3.0)
    out = crf(b, h, p_hat, valid)
    assert out['iterations'][1] == 1 and 2 < out['iterations'][0] <= 6
    video2 = torch.softmax(-crf.unary(b[1, :1].reshape(2, 3)), -1)
    assert torch.allclose(out['marginals'][1, 0], video2, atol=1e-6)
    with pytest.raises(ValueError, match='pairwise'):
        SelfAttentionCRF(3, 3, pairwise='dense')


def test_bag_scores_and_mil_terms():
    s = torch.tensor([[0.1, 0.9, 0.3, 0.7], [0.2, 0.4, 5.0, 5.0]])
    valid = torch.tensor([[True] * 4, [True, True, False, False]])
    assert torch.allclose(bag_scores(s, valid, 'max'), torch.tensor([0.9, 0.4]))
    assert torch.allclose(bag_scores(s, valid, 'mean'), torch.tensor([0.5, 0.3]))
    assert torch.allclose(bag_scores(s, valid, 'topk_mean', k=2), torch.tensor([0.8, 0.3]))
    labels = torch.tensor([1, 0])
    assert sparsity_loss(s, valid, labels).item() == pytest.approx(2.0)
    # (0.8^2 + 0.6^2 + 0.4^2) for video 1; video 2 only (0.2 - 0.4)^2
    assert smoothness_loss(s, valid, labels).item() == pytest.approx(1.16)
    assert smoothness_loss(s, valid).item() == pytest.approx((1.16 + 0.04) / 2)
    assert sparsity_loss(s, valid, torch.tensor([0, 0])).item() == 0.0
    assert sparsity_loss(s, valid, torch.tensor([-1, -1])).item() == 0.0  # unknown: not 1


def test_contrastive_term_broadens_the_gap():
    torch.manual_seed(0)
    pos, neg = torch.randn(5, 3), torch.randn(4, 3) + 1.0
    brute = sum(((p - n) ** 2).sum() for p in pos for n in neg)
    printed = contrastive_bag_loss(pos, neg, mode='printed', normalise='printed')
    assert printed.item() == pytest.approx(brute.item() / 400.0, rel=1e-5)  # Eq. 10
    d = brute.item() / 20.0
    assert contrastive_bag_loss(pos, neg, 'negative').item() == pytest.approx(-d, rel=1e-5)
    assert contrastive_bag_loss(pos, neg, margin=d + 1.0).item() == pytest.approx(1.0,
                                                                                 rel=1e-4)
    assert contrastive_bag_loss(pos, neg, margin=d - 1.0).item() == 0.0
    pos.requires_grad_(True)
    loss = contrastive_bag_loss(pos, neg, margin=100.0)
    loss.backward()
    step = pos - 0.01 * pos.grad  # a gradient step moves the bags apart
    assert contrastive_bag_loss(step, neg, 'negative') < contrastive_bag_loss(pos, neg,
                                                                              'negative')
    assert contrastive_bag_loss(pos[:0], neg).item() == 0.0
