"""The SACRF model: Eq. 9's terms on hand-made outputs, the ablations, predictions mapped
back to frames, and learning from video-level labels on generated bags."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from vadkit.datasets.video_bags import bag_collate
from vadkit.models import SACRF
from vadkit.models.components.sacrf import contrastive_bag_loss


def _model(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=4, attention=dict(embed_channels=4, out_channels=6,
                                             localities=(1, 2)),
               scorer=dict(hidden_channels=(8, ), dropout=0.0))
    cfg.update(kwargs)
    return SACRF(**cfg)


def test_the_loss_terms_of_eq_9():
    model = _model(loss_weights=dict(sparsity=0.5, smoothness=0.25, contrast=2.0),
                   contrast=dict(topk=1, l2=False, margin=10.0))
    scores = torch.tensor([[0.2, 0.9, 0.4], [0.1, 0.3, 0.0]])
    marginals = torch.tensor([[0.6, 0.7, 0.1], [0.2, 0.2, 0.0]])
    valid = torch.tensor([[True, True, True], [True, True, False]])
    h = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2) / 10
    labels = torch.tensor([1, 0])
    out = dict(scores=scores, marginals=marginals, valid=valid, h=h)
    losses = model.losses(out, labels)
    # bags: mean of the top 3 valid segments
    bce = F.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([1.0, 0.0]))
    assert losses['loss_bce_scores'].item() == pytest.approx(bce.item(), rel=1e-5)
    bce = F.binary_cross_entropy(torch.tensor([1.4 / 3, 0.2]), torch.tensor([1.0, 0.0]))
    assert losses['loss_bce_marginals'].item() == pytest.approx(bce.item(), rel=1e-5)
    assert losses['loss_sparsity'].item() == pytest.approx(0.5 * 1.5)
    assert losses['loss_smoothness'].item() == pytest.approx(0.25 * (0.49 + 0.25))
    # contrast: the top-scored segment of each bag, patch-averaged attention output
    pos, neg = h[0, 1].mean(0, keepdim=True), h[1, 1].mean(0, keepdim=True)
    expected = 2.0 * contrastive_bag_loss(pos, neg, margin=10.0)
    assert losses['loss_contrast'].item() == pytest.approx(expected.item(), rel=1e-5)


def test_ablations_and_bad_settings():
    x = dict(feature=torch.randn(2, 3, 2, 4), valid=torch.ones(2, 3, dtype=torch.bool),
             video_label=torch.tensor([1, 0]))
    full = _model()(x, mode='loss')
    assert {'loss_bce_marginals', 'loss_bce_scores', 'loss_contrast'} <= set(full)
    no_crf = _model(use_crf=False)(x, mode='loss')
    assert 'loss_bce_marginals' not in no_crf and 'loss_bce_scores' in no_crf
    no_contrast = _model(loss_weights=dict(contrast=0))(x, mode='loss')
    assert 'loss_contrast' not in no_contrast
    with pytest.raises(ValueError, match='use_crf'):
        _model(use_crf=False, score='crf')
    with pytest.raises(ValueError, match='video_label'):
        _model()(dict(x, video_label=torch.tensor([1, -1])), mode='loss')
    with pytest.raises(ValueError, match='patch_pool'):
        _model(patch_pool='sum')


def test_predictions_cover_each_videos_frames():
    model = _model(score='mean').eval()
    items = [dict(feature=np.random.default_rng(v).normal(size=(t, 2, 4)).astype(np.float32),
                  spans=np.array([(16 * c, 16 * c + 16) for c in range(t)]),
                  video_id=f'v{v}', label=-1, num_frames=16 * t + 5)
             for v, t in enumerate((4, 2))]
    batch = bag_collate(items)
    out = model(batch['inputs'], batch['data_samples'], mode='predict')
    for sample, t in zip(out, (4, 2)):
        assert sample.pred_scores.final.shape == (16 * t, )
        assert torch.allclose(sample.pred_scores.final,
                              0.5 * (sample.pred_scores.scorer + sample.pred_scores.crf))
        assert 1 <= sample.crf_iterations <= model.crf.max_iter
    alone = model(bag_collate(items[1:])['inputs'], bag_collate(items[1:])['data_samples'],
                  mode='predict')[0]
    assert torch.allclose(alone.pred_scores.final, out[1].pred_scores.final, atol=1e-6)


def test_it_learns_from_video_labels():
    """Normal bags: noise; anomalous bags: 2-3 consecutive segments where one patch moves
    along a fixed direction. Only the bag labels are given."""
    rng = np.random.default_rng(0)
    direction = rng.normal(size=4)
    direction /= np.linalg.norm(direction)

    def bag(anomalous):
        x = rng.normal(size=(12, 3, 4)).astype(np.float32) * 0.5
        y = np.zeros(12, int)
        if anomalous:
            start = rng.integers(0, 9)
            y[start:start + 3] = 1
            x[start:start + 3, rng.integers(0, 3)] += 2.5 * direction
        return x, y

    def items(n):
        out = []
        for i in range(n):
            x, y = bag(i % 2 == 0)
            out.append((dict(feature=x, spans=np.array([(c, c + 1) for c in range(12)]),
                             video_id=f'b{i}', label=int(y.any()), num_frames=12), y))
        return out

    train, test = items(48), items(20)
    torch.manual_seed(0)
    model = _model(attention=dict(embed_channels=8, out_channels=16, localities=(1, 2)),
                   scorer=dict(hidden_channels=(16, ), dropout=0.0))
    optim = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(30):
        model.train()
        for idx in np.random.default_rng(1).permutation(48).reshape(-1, 8):
            batch = bag_collate([train[i][0] for i in idx])
            loss = sum(model(batch['inputs'], mode='loss').values())
            optim.zero_grad()
            loss.backward()
            optim.step()
    model.eval()
    batch = bag_collate([t[0] for t in test])
    with torch.no_grad():
        out = model(batch['inputs'])
    y = np.concatenate([t[1] for t in test])
    # measured 0.997 (scorer) and 0.997 (CRF marginals)
    assert roc_auc_score(y, out['scores'].numpy().reshape(-1)) > 0.9
    assert roc_auc_score(y, out['marginals'].numpy().reshape(-1)) > 0.9


def test_video_centering_removes_each_videos_median():
    """video_center='median': each video's per-patch median over its real segments is
    subtracted (padding left out), so a constant offset of a whole video changes nothing."""
    model = _model(video_center='median').eval()
    b = torch.randn(2, 5, 3, 4)
    valid = torch.tensor([[True] * 5, [True] * 4 + [False]])
    centred = model.center(b, valid)
    np.testing.assert_allclose(centred[1, :4].numpy(),
                               (b[1, :4] - torch.from_numpy(np.median(b[1, :4].numpy(), 0)))
                               .numpy(), rtol=1e-5, atol=1e-6)
    assert torch.all(centred[1, 4] == 0)
    inputs = dict(feature=b, valid=valid)
    shifted = dict(feature=b + torch.randn(2, 1, 3, 4) * 5, valid=valid)
    torch.testing.assert_close(model(inputs)['scores'], model(shifted)['scores'])
    mean = _model(video_center='mean')
    torch.testing.assert_close(mean.center(b, valid)[0].mean(0), torch.zeros(3, 4),
                               atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match='video_center'):
        _model(video_center='scene')
