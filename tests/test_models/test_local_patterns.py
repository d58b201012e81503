"""LocalPatterns (ITAM + SMM): the two stages' losses against the paper's equations by
hand, the frozen spatial part, the branch fusion, and the errors."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from vadkit.models.losses.image_text import image_text_contrastive_loss
from vadkit.registry import MODELS
from vadkit.structures import VADDataSample
from vadkit.utils import register_all_modules
from vadkit.utils.errors import ConfigError, DataError

WORDS = Config.fromfile(f'{REPO_ROOT}/configs/_base_/captions/words_en.py')


def small_model(stage='spatial', **overrides):
    register_all_modules()
    cfg = dict(
        type='LocalPatterns', stage=stage,
        vocabulary=dict(words=WORDS.caption_words.to_dict(),
                        templates=WORDS.caption_templates.to_dict(),
                        subjects=list(WORDS.caption_subjects), max_length=12),
        branches=dict(actions=dict(kinds=['actions']),
                      appearances=dict(kinds=['clothes', 'places'])),
        branch_defaults=dict(
            backbone=dict(backbone=dict(type='SmallConvNet', channels=(8, 16)),
                          visual_channels=16, grid=4),
            image=dict(num_queries=3, hidden_channels=16, out_channels=8, self_layers=1,
                       cross_layers=1, num_heads=2, dropout=0.0),
            text=dict(hidden_channels=16, out_channels=8, layers=1, num_heads=2,
                      dropout=0.0)),
        fusion=dict(num_heads=1),
        smm=dict(order=6, window=3, shift=1),
        loss_itc=dict(type='ImageTextContrastiveLoss', temperature=0.1))
    cfg.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def samples(captions):
    return [VADDataSample(metainfo=dict(video_id='v', end_frame=i, captions=c))
            for i, c in enumerate(captions)]


CAPTIONS = [dict(actions='a person is walking', clothes='a person in a black coat',
                 places='a person is in a road'),
            dict(actions='a person is running', clothes='a person in a white shirt',
                 places='a person is in a road'),
            dict(actions='a car is driving', clothes='a car in a red jacket',
                 places='a car is in a street')]


def test_spatial_loss_is_eq1_per_branch_with_the_captions_of_its_kinds():
    model = small_model()
    crops = torch.randint(0, 256, (3, 16, 16, 3), dtype=torch.uint8)
    losses = model(crops, samples(CAPTIONS), mode='loss')
    assert sorted(losses) == ['loss_itc_actions', 'loss_itc_appearances']
    x = model.images(crops)
    for name, kinds in (('actions', ['actions']), ('appearances', ['clothes', 'places'])):
        branch = model.branches[name]
        sentences = [c[k] for c in CAPTIONS for k in kinds]
        ids, mask = model.vocabulary.encode(sentences)
        text = branch.text(ids.view(3, len(kinds), -1), mask.view(3, len(kinds), -1))
        # 'a person is in a road' twice: one sentence, a positive of both images
        text_ids = {'actions': [[0], [1], [2]], 'appearances': [[0, 1], [2, 1], [3, 4]]}[name]
        expected = image_text_contrastive_loss(branch(x), text, 0.1, torch.tensor(text_ids))
        torch.testing.assert_close(losses[f'loss_itc_{name}'], expected)


def test_pixels_are_flipped_to_rgb_and_normalised():
    model = small_model()
    crops = torch.zeros(1, 2, 2, 3, dtype=torch.uint8)
    crops[..., 0] = 255  # blue in BGR
    x = model.images(crops)
    np.testing.assert_allclose(x[0, :, 0, 0].numpy(),
                               [-123.675 / 58.395, -116.28 / 57.12, (255 - 103.53) / 57.375],
                               rtol=1e-5)


def test_fusion_is_a_residual_cross_attention_by_hand():
    model = small_model()
    attention = model.fusion.attention
    with torch.no_grad():  # one head, identity projections, no biases
        attention.in_proj_weight.copy_(torch.eye(8).repeat(3, 1))
        attention.in_proj_bias.zero_()
        attention.out_proj.weight.copy_(torch.eye(8))
        attention.out_proj.bias.zero_()
    first, second = torch.randn(2, 3, 8), torch.randn(2, 3, 8)
    weights = torch.softmax(first @ second.transpose(1, 2) / np.sqrt(8), dim=-1)
    expected = (first + weights @ second).flatten(1)
    torch.testing.assert_close(model.fusion([first, second]), expected)


def test_temporal_stage_freezes_the_spatial_part_and_predicts_by_eq_3_to_6():
    model = small_model(stage='temporal')
    model.train()
    assert not any(p.requires_grad for p in model.branches.parameters())
    assert all(p.requires_grad for p in model.smm.parameters())
    assert all(p.requires_grad for p in model.fusion.parameters())
    assert not model.branches.training and model.smm.training  # BatchNorm statistics kept
    bn = model.branches['actions'].backbone.backbone.layers[1]
    before = bn.running_mean.clone()
    tubes = torch.randint(0, 256, (4, 4, 16, 16, 3), dtype=torch.uint8)
    loss = model(tubes, samples([{}] * 4), mode='loss')['loss_prediction']
    loss.backward()
    torch.testing.assert_close(bn.running_mean, before)
    assert all(p.grad is None for p in model.branches.parameters())
    assert model.smm.C.grad is not None and model.fusion.attention.in_proj_weight.grad is not None
    # by hand: v per frame from the frozen branches and the fusion, SMM on the first L = 3
    with torch.no_grad():
        feats = [b(model.images(tubes)) for b in model.branches.values()]
        v = model.fusion(feats).view(4, 4, -1)
        smm = model.smm
        u = v[:, :3] @ smm.encoder.weight.T + smm.encoder.bias              # Eq. 2
        c = torch.zeros(4, 6)
        for t in range(3):                                                  # Eq. 3
            c = c @ smm.memory.A.T + u[:, t].sum(-1, keepdim=True) * smm.memory.B
        x = c @ smm.C.T                                                     # Eq. 4
        predicted = (x * smm.g_ahead) @ smm.decoder.weight.T + smm.decoder.bias  # Eq. 6
        error = (predicted - v[:, 3]).pow(2).mean(-1)
    torch.testing.assert_close(loss.detach(), error.mean())
    out = model(tubes, samples([{}] * 4), mode='predict')
    torch.testing.assert_close(torch.stack([s.pred_scores.final for s in out]), error)


def test_errors_name_what_is_wrong():
    model = small_model()
    crops = torch.randint(0, 256, (3, 16, 16, 3), dtype=torch.uint8)
    no_place = [dict(c) for c in CAPTIONS]
    no_place[2].pop('places')
    with pytest.raises(DataError, match=r"video v, tube ending at frame 2: no \['places'\]"):
        model(crops, samples(no_place), mode='loss')
    with pytest.raises(DataError, match='no captions'):
        model(crops, samples([{}] * 3), mode='loss')
    temporal = small_model(stage='temporal')
    with pytest.raises(DataError, match='tubes of 4 crops needed'):
        temporal(torch.zeros(2, 6, 16, 16, 3, dtype=torch.uint8), samples([{}] * 2),
                 mode='loss')
    with pytest.raises(ConfigError, match="branch 'appearances' gives 5 x 8"):
        small_model(branches=dict(actions=dict(kinds=['actions']),
                                  appearances=dict(kinds=['places'],
                                                   image=dict(num_queries=5))))
    with pytest.raises(ConfigError, match='stage must be one of'):
        small_model(stage='both')


def test_cached_spatial_features_give_the_same_loss_with_one_pass_per_tube():
    model = small_model(stage='temporal', cache_spatial=True)
    model.train()
    tubes = torch.randint(0, 256, (3, 4, 16, 16, 3), dtype=torch.uint8)
    batch = [VADDataSample(metainfo=dict(video_id='v', tube_index=i)) for i in range(3)]
    calls = []
    model.branches['actions'].register_forward_hook(lambda *a: calls.append(len(a[1][0])))
    first = model(tubes, batch, mode='loss')['loss_prediction']
    again = model(tubes, batch, mode='loss')['loss_prediction']
    torch.testing.assert_close(first, again)
    assert calls == [12]  # 3 tubes x 4 crops, once
    model.cache_spatial = False
    torch.testing.assert_close(model(tubes, batch, mode='loss')['loss_prediction'], first)
    assert calls == [12, 12]
    # another tube order: each tube keeps its own features
    order = [2, 0, 1]
    model.cache_spatial = True
    shuffled = model.prediction(tubes[order], [('v', i) for i in order])['error']
    torch.testing.assert_close(shuffled, model.prediction(tubes)['error'][order])


def test_crop_normalisation_ignores_a_global_light_change():
    model = small_model(pixel_norm='crop')
    crops = torch.randint(0, 100, (2, 8, 8, 3), dtype=torch.uint8)
    x = model.images(crops)
    torch.testing.assert_close(model.images(crops * 2), x)        # twice as bright
    torch.testing.assert_close(model.images(crops + 40), x)       # a brighter sky
    np.testing.assert_allclose(x.mean(dim=(2, 3)).numpy(), 0, atol=1e-5)
    assert not torch.allclose(small_model().images(crops * 2), small_model().images(crops))
    with pytest.raises(ConfigError, match='pixel_norm must be one of'):
        small_model(pixel_norm='image')
