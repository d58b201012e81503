"""GCL's building blocks on hand-made batches: pseudo-labels (Eq. 2, 4), negative-learning
targets (Eq. 5-6), temporal-difference cleaning (Sec. 3.3), the two networks."""
import numpy as np
import pytest
import torch

from vadkit.models.components.gcl import (GCLDiscriminator, GCLGenerator, batch_pseudo_labels,
                                          negative_targets, reconstruction_errors,
                                          temporal_difference_keep)


def test_mean_plus_k_std_thresholds():
    errors = torch.tensor([1.0, 1.0, 1.0, 1.0, 6.0])  # mean 2, population std 2
    assert batch_pseudo_labels(errors, k=1.0).tolist() == [0, 0, 0, 0, 1]  # >= 4
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4])  # mean 0.25, std 0.1118; 0.1 std: 0.2612
    assert batch_pseudo_labels(probs, k=0.1).tolist() == [0, 0, 1, 1]
    equal = torch.full((3, ), 0.5)  # threshold equals every value: all anomalous (>=)
    assert batch_pseudo_labels(equal).tolist() == [1, 1, 1]
    assert batch_pseudo_labels(torch.zeros(0)).numel() == 0


def test_top_fraction_labels_the_largest_values():
    errors = torch.tensor([0.3, 5.0, 0.1, 2.0, 0.2, 0.9, 0.4, 0.8, 0.7, 0.6])
    assert batch_pseudo_labels(errors, 'top_fraction', fraction=0.2).tolist() == \
        [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    assert batch_pseudo_labels(errors[:3], 'top_fraction', fraction=0.1).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match='fraction'):
        batch_pseudo_labels(errors, 'top_fraction', fraction=1.0)
    with pytest.raises(ValueError, match='rule'):
        batch_pseudo_labels(errors, 'median')


def test_negative_targets_replace_the_target_not_the_output():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    labels = torch.tensor([0, 1, 0])
    targets, weights = negative_targets(f, labels, 'ones')
    assert targets.tolist() == [[1, 2], [1, 1], [5, 6]] and weights.tolist() == [1, 1, 1]
    assert f.tolist() == [[1, 2], [3, 4], [5, 6]]  # the input is left alone

    targets, weights = negative_targets(f, labels, 'none')
    assert targets.tolist() == f.tolist() and weights.tolist() == [1, 0, 1]

    g = torch.Generator().manual_seed(0)
    targets, _ = negative_targets(f, labels, 'random_normal', generator=g)
    assert targets[1].tolist() in ([1, 2], [5, 6])  # a feature D calls normal
    assert targets[[0, 2]].tolist() == [[1, 2], [5, 6]]

    g = torch.Generator().manual_seed(0)
    targets, _ = negative_targets(f, labels, 'gaussian', sigma=6.0, generator=g)
    noise = torch.randn(1, 2, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(targets[1], f[1] + 6.0 * noise[0])
    assert targets[[0, 2]].tolist() == [[1, 2], [5, 6]]

    all_bad = torch.ones(3, dtype=torch.long)
    _, weights = negative_targets(f, all_bad, 'random_normal')
    assert weights.tolist() == [0, 0, 0]  # no normal sample to borrow

    # Eq. 5: the norm of the difference to the target, per sample
    rebuilt = torch.tensor([[1.0, 2.0], [4.0, 5.0], [5.0, 3.0]])
    targets, _ = negative_targets(f, labels, 'ones')
    assert reconstruction_errors(targets, rebuilt).tolist() == pytest.approx(
        [0.0, 5.0, 3.0])  # ||(1,1)-(4,5)|| = 5


def test_temporal_difference_keeps_calm_segments():
    f = np.array([[0.0, 0.0], [0.3, 0.4], [3.0, 4.0], [3.0, 4.6], [3.0, 5.4]])
    # steps: 0.5, 4.5, 0.6, 0.8
    assert temporal_difference_keep(f, 0.70).tolist() == [True, True, False, True, False]
    assert temporal_difference_keep(f, 0.70, keep_first=False)[0] == False  # noqa: E712
    assert temporal_difference_keep(np.zeros((0, 3))).tolist() == []


def test_the_networks_have_the_papers_widths():
    g, d = GCLGenerator(2048), GCLDiscriminator(2048)
    widths = [m.out_features for m in g.net if isinstance(m, torch.nn.Linear)]
    assert widths == [1024, 512, 256, 512, 1024, 2048]
    assert [m.out_features for m in d.net if isinstance(m, torch.nn.Linear)] == [512, 32, 1]
    x = torch.randn(8, 2048)
    assert g(x).shape == (8, 2048)
    p = d(x)
    assert p.shape == (8, ) and ((p > 0) & (p < 1)).all()
    labels = torch.tensor([0, 1] * 4)
    expected = -(labels * p.log() + (1 - labels) * (1 - p).log()).mean()  # Eq. 3
    assert d.loss(x, labels).item() == pytest.approx(expected.item(), rel=1e-5)
