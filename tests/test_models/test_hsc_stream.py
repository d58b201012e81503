"""One HSC stream: sizes of the supplement, Eq. 2-6 through the stream, Eq. 10-11, learning."""
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from vadkit.models.components import HSCStream, memory_readout

E = math.e


def test_the_supplements_sizes():
    app = HSCStream(feature_dim=1024, scene_dim=1590, num_slots=4, num_scenes=23)
    linears = [m for m in app.encoder if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2614, 2048), (2048, 1280)]
    linears = [m for m in app.decoder if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(1280, 1152), (1152, 1024)]
    assert app.classifier.out_features == 23 and app.memory.slots.shape == (4, 1280)
    mot = HSCStream(512, 1590, 4, encoder_sizes=(1792, 1280), decoder_sizes=(1024, 512))
    assert mot.encoder[0].in_features == 2102  # the authors' code's 2102 = 512 + 1590
    with pytest.raises(ValueError, match='decoder_sizes must end with 2614'):
        HSCStream(1024, 1590, 4, object_centric=False)
    assert HSCStream(1024, 1590, 4, scene_aware=False).encoder[0].in_features == 1024


def tiny_stream(**kwargs) -> HSCStream:
    return HSCStream(feature_dim=2, scene_dim=1, num_slots=4, num_scenes=2,
                     encoder_sizes=(4, 2), decoder_sizes=(3, 2), **kwargs)


def test_reconstruction_is_eq2_on_the_object_feature_only():
    stream = tiny_stream(loss_weights=dict(classifier=0))
    for layer in stream.decoder:  # a decoder that always answers (1, -1)
        if isinstance(layer, nn.Linear):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
    stream.decoder[-1].bias.data = torch.tensor([1.0, -1.0])
    scene = torch.tensor([[5.0], [7.0]])
    feature = torch.tensor([[1.0, 1.0], [3.0, -1.0]])
    out = stream.loss(scene, feature, torch.tensor([0, 1]), torch.tensor([0, 1]),
                      torch.tensor([0, 0]))
    # ||(1,1)-(1,-1)||^2 = 4, ||(3,-1)-(1,-1)||^2 = 4: mean 4; the scene is not rebuilt
    assert out['reconstruction'].item() == pytest.approx(4.0)
    assert set(out) == {'reconstruction'}  # an empty memory: no contrast yet


def test_scene_classifier_is_eq4_cross_entropy_of_the_latent():
    stream = tiny_stream(loss_weights=dict(reconstruction=0))
    stream.eval()  # fixed BatchNorm statistics: the latent is a function of the input
    scene = torch.tensor([[5.0], [7.0]])
    feature = torch.tensor([[1.0, 1.0], [3.0, -1.0]])
    latent = stream.encode(scene, feature)
    # logits <Lambda, f~>: weights (1, 0) and (0, 2), no bias
    stream.classifier.weight.data = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    stream.classifier.bias.data.zero_()
    out = stream.loss(scene, feature, torch.tensor([0, 1]), torch.tensor([0, 1]),
                      torch.tensor([0, 0]), contrast=False)
    z = latent.detach().numpy()
    logits = np.stack([z[:, 0], 2 * z[:, 1]], axis=1)
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -(log_p[0, 0] + log_p[1, 1]) / 2  # labels 0 and 1
    assert out['classifier'].item() == pytest.approx(expected, rel=1e-5)


def test_contrast_masks_scene_and_class_through_the_stream(monkeypatch):
    """With latents and bank set by hand the terms are the hand-computed Eq. 3 and 5."""
    stream = tiny_stream(loss_weights=dict(classifier=0, reconstruction=0)).eval()
    # slots: 0 (+x, scene 0, class 0), 1 (+y, scene 0, class 1), 2 (-x, scene 1, class 0),
    # 3 (+x, scene 0, class 0): the query is the object of slot 3
    stream.memory.slots.copy_(torch.tensor([[1.0, 0], [0, 1.0], [-1.0, 0], [1.0, 0]]))
    stream.memory.filled[:] = True
    stream.set_slot_labels(torch.tensor([0, 0, 1, 0]), torch.tensor([0, 1, 0, 0]))
    monkeypatch.setattr(stream, 'encode', lambda s, f: torch.tensor([[1.0, 0.0]]))
    out = stream.loss(torch.zeros(1, 1), torch.zeros(1, 2), torch.tensor([3]),
                      torch.tensor([0]), torch.tensor([0]))
    # logits 2, 0, -2 (slot 3, its own, left out). Scene 0 positives: slots 0, 1 over
    # all: -[(2 - lse) + (0 - lse)], lse = log(e^2 + 1 + e^-2)
    lse = math.log(E ** 2 + 1 + E ** -2)
    assert out['scene'].item() == pytest.approx(-((2 - lse) + (0 - lse)), abs=1e-5)
    # within scene 0 (slots 0, 1), class 0: slot 0
    assert out['object'].item() == pytest.approx(math.log(E ** 2 + 1) - 2, abs=1e-5)
    # and the query's slot now holds its latent (it was +x already: stays +x)
    assert stream.memory.slots[3].tolist() == pytest.approx([1.0, 0.0])


def test_score_reconstructs_the_weighted_memory_eq10_11(monkeypatch):
    stream = tiny_stream()
    stream.memory.slots[:2] = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    stream.memory.filled[:2] = True
    stream.decoder = nn.Identity()
    monkeypatch.setattr(stream, 'encode', lambda s, f: torch.tensor([[1.0, 0.0]]))
    w1, w2 = E / (E + 1), 1 / (E + 1)  # softmax of the dot products 1, 0
    score = stream.score(torch.zeros(1, 1), torch.tensor([[2.0, 2.0]]))
    assert score.item() == pytest.approx((2 - w1) ** 2 + (2 - w2) ** 2, abs=1e-6)
    only_second = stream.score(torch.zeros(1, 1), torch.tensor([[2.0, 2.0]]),
                               slots=torch.tensor([1]))
    assert only_second.item() == pytest.approx(4 + 1, abs=1e-6)
    bank = torch.randn(50, 3)
    latent = torch.randn(7, 3)
    np.testing.assert_allclose(memory_readout(latent, bank, chunk=2),
                               torch.softmax(latent @ bank.t(), 1) @ bank, atol=1e-6)


def test_a_stream_learns_scene_dependent_normality():
    """Two scenes; objects of kind A are normal in scene 0 only, kind B in scene 1 only.
    Test: each kind in the other scene is anomalous; only the scene-aware encoder sees it."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    dim, scene_dim = 16, 8
    kinds = rng.normal(size=(2, dim))
    scenes = rng.normal(size=(2, scene_dim)) * 2

    def objects(kind, scene, n):
        f = kinds[kind] + 0.3 * rng.normal(size=(n, dim))
        s = np.repeat(scenes[scene][None], n, 0) + 0.05 * rng.normal(size=(n, scene_dim))
        return torch.tensor(s, dtype=torch.float32), torch.tensor(f, dtype=torch.float32)

    train = [objects(0, 0, 200), objects(1, 1, 200)]
    scene = torch.cat([t[0] for t in train])
    feature = torch.cat([t[1] for t in train])
    labels = torch.tensor([0] * 200 + [1] * 200)

    def fit(**kwargs):
        torch.manual_seed(0)
        stream = HSCStream(dim, scene_dim, 400, 2, encoder_sizes=(32, 16),
                           decoder_sizes=(32, dim), **kwargs)
        opt = torch.optim.Adagrad(stream.parameters(), lr=0.01)
        for epoch in range(30):
            for idx in torch.randperm(400).split(64):
                loss = sum(stream.loss(scene[idx], feature[idx], idx, labels[idx],
                                       labels[idx], contrast=epoch > 0).values())
                opt.zero_grad()
                loss.backward()
                opt.step()
        return stream.eval()

    normal = [objects(0, 0, 50), objects(1, 1, 50)]
    odd = [objects(0, 1, 50), objects(1, 0, 50)]
    test = normal + odd
    truth = np.r_[np.zeros(100), np.ones(100)]

    def auc(stream):
        s = torch.cat([stream.score(a, b) for a, b in test]).numpy()
        return roc_auc_score(truth, s)

    # measured: 0.998 scene-aware, 0.542 without the scene (readout temperature 0.1)
    aware = auc(fit(readout_temperature=0.1))
    blind = auc(fit(scene_aware=False, readout_temperature=0.1))
    assert aware > 0.95, aware
    assert aware > blind + 0.3, (aware, blind)
    # Eq. 10 as printed (no temperature): softmax weights of cosines in [-1, 1] are nearly
    # uniform over the bank, the read-out is close to the memory's mean, and the normal
    # objects of one scene are rebuilt as the other's (measured 0.62)
    assert auc(fit(readout_temperature=1.0)) < 0.75
