"""ITAM's image-text contrastive loss (Eq. 1) on hand-checked inputs."""
import math

import pytest
import torch

from vadkit.models.losses import (ImageTextContrastiveLoss, image_text_contrastive_loss,
                                  query_text_similarity)


def _small():
    s = 1 / math.sqrt(2)
    image = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[s, s], [-1.0, 0.0]]])  # [B=2, N_q=2, 2]
    text = torch.tensor([[[2.0, 0.0]], [[0.0, 3.0]]])  # [B=2, N_s=1, 2]: lengths do not count
    return image, text


def test_similarity_is_the_best_query_cosine():
    image, text = _small()
    sim = query_text_similarity(image, text)
    s = 1 / math.sqrt(2)
    torch.testing.assert_close(sim, torch.tensor([[[1.0, 1.0], [s, s]]]))


def test_loss_by_hand():
    image, text = _small()
    # image -> text rows [1, 1] and [s, s]: log 2 each; text -> image columns [1, s]:
    # log(1 + e^(s - 1)) for its image 0, log(1 + e^(1 - s)) for image 1
    s = 1 / math.sqrt(2)
    expected = (2 * math.log(2) + math.log(1 + math.exp(s - 1)) + math.log(1 + math.exp(1 - s))
                ) / 4
    assert float(image_text_contrastive_loss(image, text, temperature=1.0)) == \
        pytest.approx(expected, abs=1e-6)


def _reference(image, text, tau, ids):
    """Eq. 1 with loops: groups n, images i, sentences c."""
    b, n_s = text.shape[:2]
    total = 0.0
    for n in range(n_s):
        sim = [[max(float(torch.cosine_similarity(image[i, q], text[c, n], dim=0))
                    for q in range(image.shape[1])) / tau for c in range(b)] for i in range(b)]
        for i in range(b):
            positives = [c for c in range(b) if ids[c][n] == ids[i][n]]
            norm = math.log(sum(math.exp(v) for v in sim[i]))
            total -= sum(sim[i][c] - norm for c in positives) / len(positives)
        for c in range(b):
            positives = [i for i in range(b) if ids[i][n] == ids[c][n]]
            column = [sim[i][c] for i in range(b)]
            norm = math.log(sum(math.exp(v) for v in column))
            total -= sum(column[i] - norm for i in positives) / len(positives)
    return total / (2 * n_s * b)


def test_groups_and_repeated_captions_match_a_loop_reference():
    torch.manual_seed(0)
    image, text = torch.randn(5, 3, 4), torch.randn(5, 2, 4)
    ids = torch.tensor([[0, 10], [1, 11], [0, 12], [2, 13], [3, 11]])  # repeats in both groups
    distinct = torch.arange(10).view(5, 2)
    for tau in (1.0, 0.1):
        assert float(image_text_contrastive_loss(image, text, tau, ids)) == pytest.approx(
            _reference(image, text, tau, ids.tolist()), rel=1e-5)
        assert float(image_text_contrastive_loss(image, text, tau)) == pytest.approx(
            _reference(image, text, tau, distinct.tolist()), rel=1e-5)


def test_aligned_features_have_a_lower_loss_and_the_module_learns_tau():
    torch.manual_seed(1)
    text = torch.randn(8, 4, 16)
    aligned = torch.cat([text, torch.randn(8, 28, 16)], dim=1)  # one query per sentence
    loss = ImageTextContrastiveLoss(learnable_temperature=True)
    low, high = loss(aligned, text), loss(torch.randn(8, 32, 16), text)
    assert float(low.detach()) < 0.5 * float(high.detach())
    low.backward()
    assert loss.log_scale.grad is not None
    with pytest.raises(ValueError, match=r'image \[B, N_q, E\]'):
        loss(torch.randn(8, 32, 16), torch.randn(7, 4, 16))
