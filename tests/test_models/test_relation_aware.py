"""SA-CRF's relation-aware feature extractor (Sec. 3.2): relations with the neighbouring
frames, the scalar attention re-weighting the maps, pyramid pooling, end to end."""
import numpy as np
import pytest
import torch

from vadkit.models.components.relation_aware import (RelationAwareAttention,
                                                     RelationAwareEncoder, SmallConvNet,
                                                     neighbour_index, relation_state)
from vadkit.utils import register_all_modules
from vadkit.utils.errors import CheckpointError

register_all_modules()


def test_neighbours_are_clamped_into_each_video():
    lengths = torch.tensor([4, 2])
    assert neighbour_index(lengths, 4, -1).tolist() == [[0, 0, 1, 2], [0, 0, 1, 1]]
    assert neighbour_index(lengths, 4, 1).tolist() == [[1, 2, 3, 3], [1, 1, 1, 1]]
    assert neighbour_index(lengths, 4, 2).tolist() == [[2, 3, 3, 3], [1, 1, 1, 1]]


def _direct(module, maps, lengths):
    """Loop form of Sec. 3.2: gamma(a, a') = psi1(d_a)^T psi2(d'_a') for every position
    a' of each neighbouring frame, concatenated with d_a, times w, plus c, sigmoid."""
    n, c, t, h, w = maps.shape
    p1, p2 = module.psi1.weight.detach(), module.psi2.weight.detach()
    wt, bias = module.weight.weight.detach()[0], module.weight.bias.detach()[0]
    out = torch.zeros(n, t, h, w)
    for i in range(n):
        for f in range(t):
            for y in range(h):
                for x in range(w):
                    d = maps[i, :, f, y, x]
                    rel = []
                    for o in module.offsets:
                        g = min(max(f + o, 0), int(lengths[i]) - 1)
                        for y2 in range(h):
                            for x2 in range(w):
                                rel.append(float((p1 @ d) @ (p2 @ maps[i, :, g, y2, x2])))
                    rel = torch.tensor(rel) / module.embed_channels ** 0.5
                    out[i, f, y, x] = torch.sigmoid(wt @ torch.cat([d, rel]) + bias)
    return out


def test_the_attention_weight_matches_a_direct_computation():
    torch.manual_seed(0)
    module = RelationAwareAttention(5, map_size=(2, 3), embed_channels=3, offsets=(-1, 1, 2))
    maps = torch.randn(2, 5, 4, 2, 3)
    valid = torch.tensor([[True] * 4, [True, True, True, False]])
    out, weight = module(maps, valid)
    expected = _direct(module, maps, torch.tensor([4, 3]))
    torch.testing.assert_close(weight, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out, maps * expected.unsqueeze(1), rtol=1e-5, atol=1e-6)
    assert weight.min() > 0 and weight.max() < 1


def test_the_weight_follows_the_neighbours():
    """Changing frame 2 changes the weights of frames 1 and 3 (its neighbours) and of 2,
    not of frame 0."""
    torch.manual_seed(1)
    module = RelationAwareAttention(4, map_size=(2, 2))
    maps = torch.randn(1, 4, 4, 2, 2)
    _, before = module(maps)
    maps[:, :, 2] += torch.randn(4, 2, 2)
    _, after = module(maps)
    moved = (after - before).abs().amax((-1, -2))[0]
    assert moved[0] == 0 and bool((moved[1:] > 1e-6).all())


def test_bad_maps_and_arguments_are_named():
    module = RelationAwareAttention(4, map_size=(2, 2))
    with pytest.raises(ValueError, match='3 x 2'):
        module(torch.zeros(1, 4, 2, 3, 2))
    with pytest.raises(ValueError, match='offsets'):
        RelationAwareAttention(4, map_size=(2, 2), offsets=(0, 1))
    with pytest.raises(ValueError, match='map_size'):
        RelationAwareAttention(4, map_size=(2, ))


def test_the_encoder_pools_14_patches_of_each_segment():
    """Without the relation, patch 0 of a segment is the mean over its frames of the
    whole map's maximum; with it, the maps are re-weighted first (weights in (0, 1) can
    only shrink a positive map's maxima)."""
    torch.manual_seed(0)
    plain = RelationAwareEncoder(dict(type='SmallConvNet', channels=(4, 8)), relation=None)
    frames = torch.randint(0, 255, (2, 3, 2, 24, 24, 3), dtype=torch.uint8)
    b = plain(frames)
    assert b.shape == (2, 3, 14, 8)
    images = frames.reshape(12, 24, 24, 3).permute(0, 3, 1, 2)
    maps = plain.backbone((images.float() - plain.mean) / plain.std)  # [12, 8, 6, 6]
    whole = maps.amax((-1, -2)).reshape(2, 3, 2, 8).mean(2)
    torch.testing.assert_close(b[:, :, 0], whole, rtol=1e-5, atol=1e-6)
    top_left = maps[..., :3, :3].amax((-1, -2)).reshape(2, 3, 2, 8).mean(2)
    torch.testing.assert_close(b[:, :, 1], top_left, rtol=1e-5, atol=1e-6)
    related = RelationAwareEncoder(dict(type='SmallConvNet', channels=(4, 8)),
                                   relation=dict(map_size=(6, 6)))
    related.backbone.load_state_dict(plain.backbone.state_dict())
    assert bool((related(frames) <= b + 1e-6).all())  # ReLU maps are >= 0


def test_sacrf_learns_the_relation_end_to_end():
    """The bag losses reach the relation weights and the backbone from the frames."""
    from vadkit.models import SACRF
    torch.manual_seed(0)
    model = SACRF(in_channels=8, attention=dict(embed_channels=8, out_channels=8),
                  scorer=dict(hidden_channels=(8, ), dropout=0.0),
                  encoder=dict(backbone=dict(type='SmallConvNet', channels=(4, 8)),
                               relation=dict(map_size=(4, 4))))
    inputs = dict(frames=torch.randint(0, 255, (2, 5, 2, 16, 16, 3), dtype=torch.uint8),
                  valid=torch.tensor([[True] * 5, [True] * 3 + [False] * 2]),
                  video_label=torch.tensor([1, 0]))
    losses = model(inputs, None, mode='loss')
    sum(losses.values()).backward()
    assert float(model.encoder.relation.weight.weight.grad.abs().sum()) > 0
    assert float(model.encoder.relation.psi1.weight.grad.abs().sum()) > 0
    assert float(model.encoder.backbone.layers[0].weight.grad.abs().sum()) > 0
    with pytest.raises(ValueError, match='frames'):
        model(dict(feature=torch.zeros(1, 2, 14, 8)), None, mode='tensor')
    with pytest.raises(ValueError, match='input_norm'):
        SACRF(in_channels=8, input_norm='zscore',
              encoder=dict(backbone=dict(type='SmallConvNet', channels=(8, ))))
    with pytest.raises(ValueError, match='in_channels'):
        SACRF(in_channels=16, encoder=dict(backbone=dict(type='SmallConvNet', channels=(8, ))))


def test_relation_state_takes_the_prefixed_weights():
    state = {'encoder.relation.psi1.weight': torch.ones(1), 'scorer.0.weight': torch.zeros(1)}
    assert list(relation_state(state, 'encoder.relation.')) == ['psi1.weight']
    with pytest.raises(CheckpointError, match='encoder.relation'):
        relation_state({'a': torch.ones(1)}, 'encoder.relation.')


def test_small_conv_net_halves_the_map_per_layer():
    net = SmallConvNet(channels=(4, 6, 8))
    assert net(torch.zeros(1, 3, 32, 24)).shape == (1, 8, 4, 3)
    assert net.out_channels == 8


def test_the_clip_extractor_writes_what_the_trained_encoder_computes(tmp_path):
    """RelationAwareClipEncoder (the store path) gives the trained SA-CRF encoder's patches
    of the segment's evenly spaced frames, resized as in training."""
    import cv2

    from vadkit.models import SACRF
    from vadkit.parsing.extractors import RelationAwareClipEncoder
    from vadkit.parsing.video_io import segment_frame_indices
    from vadkit.utils.errors import CheckpointMismatchError
    torch.manual_seed(0)
    encoder = dict(backbone=dict(type='SmallConvNet', channels=(4, 8)),
                   relation=dict(map_size=(4, 5)))
    model = SACRF(in_channels=8, attention=dict(embed_channels=8, out_channels=8),
                  encoder=encoder).eval()
    path = str(tmp_path / 'sacrf.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    rng = torch.Generator().manual_seed(1)
    frames = [torch.randint(0, 255, (30, 40, 3), generator=rng, dtype=torch.uint8).numpy()
              for _ in range(16)]
    extractor = RelationAwareClipEncoder(encoder, path, size=(16, 20), per_segment=3)
    assert (extractor.dim, extractor.num_patches) == (8, 14)
    out = extractor(frames)
    assert segment_frame_indices(16, 3).tolist() == [0, 8, 15]
    picked = [cv2.cvtColor(cv2.resize(frames[i], (20, 16), interpolation=cv2.INTER_AREA),
                           cv2.COLOR_BGR2RGB) for i in (0, 8, 15)]
    with torch.no_grad():
        expected = model.encoder(torch.from_numpy(np.stack(picked))[None, None])[0, 0]
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-6)
    other = dict(encoder, relation=dict(map_size=(4, 5), embed_channels=2))
    with pytest.raises(CheckpointMismatchError):
        RelationAwareClipEncoder(other, path, size=(16, 20))(frames)
