"""Legendre state spaces (HiPPO LegT / LegS), SMM's memory: the matrices by hand, the
discretisations, and what the state holds (the recent signal, read back on the
Legendre basis)."""
import numpy as np
import pytest
import torch

from vadkit.models.components.legendre import (LegendreMemory, discretize, legs_matrices,
                                                legt_matrices, shifted_legendre,
                                                window_basis)


def test_matrices_by_hand():
    a, b = legt_matrices(2, theta=4.0)
    np.testing.assert_allclose(a, np.array([[-1, -1], [3, -3]]) / 4.0)
    np.testing.assert_allclose(b, np.array([1, -3]) / 4.0)
    a, b = legs_matrices(3)
    r3, r5 = np.sqrt(3), np.sqrt(5)
    np.testing.assert_allclose(a, [[-1, 0, 0], [-r3, -2, 0], [-r5, -r5 * r3, -3]])
    np.testing.assert_allclose(b, [1, r3, r5])


def test_shifted_legendre_polynomials():
    r = np.array([0.0, 0.25, 1.0])
    p = shifted_legendre(3, r)
    np.testing.assert_allclose(p[1], 2 * r - 1)
    np.testing.assert_allclose(p[2], 6 * r ** 2 - 6 * r + 1)  # P_2(2r - 1)
    # orthogonal on [0, 1] with norm 1 / (2n + 1)
    x = (np.arange(20000) + 0.5) / 20000
    gram = shifted_legendre(4, x) @ shifted_legendre(4, x).T / len(x)
    np.testing.assert_allclose(gram, np.diag(1 / (2 * np.arange(4) + 1.0)), atol=1e-6)


def test_discretisations():
    a, b = np.array([[-1.0]]), np.array([2.0])
    ad, bd = discretize(a, b, 1.0, 'zoh')
    assert ad[0, 0] == pytest.approx(np.exp(-1)) and bd[0] == pytest.approx(2 * (1 - np.exp(-1)))
    ad, bd = discretize(a, b, 1.0, 'bilinear')
    assert ad[0, 0] == pytest.approx(0.5 / 1.5) and bd[0] == pytest.approx(2 / 1.5)
    ad, bd = discretize(a, b, 0.5, 'euler')
    assert ad[0, 0] == pytest.approx(0.5) and bd[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match='method'):
        discretize(a, b, 1.0, 'rk4')


def _signal(t):
    return np.sin(2 * np.pi * t / 150) + 0.5 * np.cos(2 * np.pi * t / 90)


@pytest.mark.parametrize('method, tolerance', [('bilinear', 0.03), ('zoh', 0.03)])
def test_legt_state_holds_the_window(method, tolerance):
    """Fed a signal, the LegT state reconstructs its last ``L`` steps on the shifted
    Legendre polynomials (an independent check of A and B: a wrong sign or scale breaks
    it); forward Euler is visibly worse."""
    window, order, steps = 200, 12, 400
    u = _signal(np.arange(steps))
    memory = LegendreMemory(order, window, 'legt', method)
    states = memory(torch.tensor(u[None], dtype=torch.float32))
    assert states.shape == (1, steps, order)
    rec = states[0, -1].double().numpy() @ window_basis(order, window, measure='legt')
    rmse = np.sqrt(np.mean((rec - u[-window:]) ** 2))
    assert rmse < tolerance
    euler = LegendreMemory(order, window, 'legt', 'euler')(
        torch.tensor(u[None], dtype=torch.float32))[0, -1].double().numpy()
    assert np.sqrt(np.mean((euler @ window_basis(order, window) - u[-window:]) ** 2)) > 3 * rmse
    # a flipped B no longer tracks the signal
    memory.B.neg_()
    flipped = memory(torch.tensor(u[None], dtype=torch.float32))[0, -1].double().numpy()
    assert np.sqrt(np.mean((flipped @ window_basis(order, window) - u[-window:]) ** 2)) > 0.5


def test_legs_state_holds_the_whole_history():
    steps, order = 400, 12
    t = np.arange(steps)
    u = np.sin(2 * np.pi * t / 300) + 0.5 * np.cos(2 * np.pi * t / 180)
    state = LegendreMemory(order, steps, 'legs')(torch.tensor(u[None], dtype=torch.float32))
    rec = state[0, -1].double().numpy() @ window_basis(order, steps, measure='legs')
    assert np.sqrt(np.mean((rec - u) ** 2)) < 0.02


def test_shifted_components_extrapolate_a_slow_sinusoid():
    """Eq. 6's shifted motion components: the state read at positions past the window
    predicts the next steps of a smooth signal."""
    window, order, steps = 50, 6, 200
    t = np.arange(steps + 3)
    u = np.sin(2 * np.pi * t / 120)
    state = LegendreMemory(order, window, 'legt')(torch.tensor(u[None, :steps],
                                                                dtype=torch.float32))
    c = state[0, -1].double().numpy()
    ahead = c @ window_basis(order, window, shift=3, measure='legt')  # steps +1 .. +3 at the end
    np.testing.assert_allclose(ahead[-3:], u[steps:steps + 3], atol=0.05)


def test_smm_predicts_a_known_sinusoid_through_its_equations():
    """With the encoder giving the signal once (sum_o u_o = v), C = I and a decoder that
    sums the shifted components, SMM's prediction is the Legendre extrapolation of the
    window: from the paper's L = 5 steps, the next value of a sinusoid of period 40, about
    twice as close as repeating the last value."""
    from vadkit.models.components.smm import StateMachineModule
    window, order = 5, 4
    smm = StateMachineModule(1, order=order, window=window, shift=1, c_init='identity',
                            ahead='exact')
    with torch.no_grad():
        smm.encoder.weight.fill_(1.0 / order)
        smm.decoder.weight.fill_(1.0)
    t = np.arange(400)
    u = np.sin(2 * np.pi * t / 40)
    starts = np.arange(0, 300, 7)
    v = torch.tensor(np.stack([u[s:s + window] for s in starts])[..., None], dtype=torch.float32)
    pred = smm(v)[:, 0].detach().numpy()
    error = np.abs(pred - u[starts + window]).max()
    persistence = np.abs(u[starts + window - 1] - u[starts + window]).max()  # 0.156
    assert error < 0.1 and error < 0.6 * persistence
    # the same path by hand: Eq. 3 state from the summed components, Eq. 6 at L + 1
    memory = LegendreMemory(order, window, 'legt')
    c = memory(v[..., 0])[:, -1].double().numpy()
    by_hand = c @ window_basis(order, window, shift=1)[:, -1]
    np.testing.assert_allclose(pred, by_hand, atol=1e-5)


def test_smm_paper_size_shapes_and_initialisation():
    from vadkit.models.components.smm import StateMachineModule
    torch.manual_seed(0)
    smm = StateMachineModule(32 * 256, order=64, window=5)
    v = torch.randn(3, 5, 32 * 256)
    assert smm(v).shape == (3, 32 * 256)
    assert smm.prediction_error(v, torch.zeros(3, 32 * 256)).shape == (3, )
    for weight in (smm.encoder.weight, smm.decoder.weight, smm.C):
        w = weight.detach()
        assert abs(float(w.std()) - 0.02) < 0.002 and abs(float(w.mean())) < 0.002
    with pytest.raises(ValueError, match=r'\[batch, 5, N\]'):
        smm(torch.randn(3, 4, 32 * 256))
    # Eq. 6's exact factors overflow at O = 64; their signs are kept
    assert set(smm.g_ahead.tolist()) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="ahead='sign'"):
        StateMachineModule(8, order=64, window=5, ahead='exact')
