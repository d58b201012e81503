import torch

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample


def test_loss_and_scores_are_reconstruction_errors():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='ToyAutoEncoder', in_channels=6, hidden_channels=[5],
                              latent_channels=2))
    x = torch.randn(3, 6)
    recon = model(x, mode='tensor')
    assert recon.shape == (3, 6)
    expected = ((recon - x)**2).mean(dim=1)
    loss = model(x, mode='loss')['loss_recon']
    assert torch.allclose(loss, expected.mean())
    samples = [VADDataSample(metainfo=dict(video_id='v', start=i, end=i + 1)) for i in range(3)]
    out = model(x, samples, mode='predict')
    got = torch.stack([s.pred_scores.final for s in out])
    assert torch.allclose(got, expected)


def test_learns_a_subspace():
    """Trained on points of a 2-D subspace, it scores points off it higher."""
    torch.manual_seed(0)
    basis = torch.linalg.qr(torch.randn(8, 8))[0]
    normal = torch.randn(256, 2) @ basis[:, :2].T
    model = MODELS.build(dict(type='ToyAutoEncoder', in_channels=8, hidden_channels=[16],
                              latent_channels=2))
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        optim.zero_grad()
        model(normal, mode='loss')['loss_recon'].backward()
        optim.step()
    test_normal = torch.randn(64, 2) @ basis[:, :2].T
    test_anomal = test_normal + 2.0 * (torch.randn(64, 6) @ basis[:, 2:].T) / 6**0.5
    with torch.no_grad():
        e_n = model.reconstruction_error(test_normal)
        e_a = model.reconstruction_error(test_anomal)
    auc = (e_a[:, None] > e_n[None, :]).float().mean()
    assert auc > 0.95
