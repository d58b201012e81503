"""MMActionClipEncoder: mmaction2 recognizers (I3D, SlowOnly, TRN) as segment encoders.

The tiny random-initialised configs of ``configs/parsing/models/`` run on real UCSD Ped2
frames (360 x 240, resized to a short side of 128 and centre-cropped to 112); the maths
(frame sampling, resizing, crop geometry, pyramid pooling, temporal pooling, the order of
stacked crops) is checked on inputs built by hand.
"""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from tests.conftest import REPO_ROOT
from vadkit.utils.errors import (CheckpointError, CheckpointMismatchError, ConfigError,
                                 DataError)

pytestmark = pytest.mark.openmmlab
pytest.importorskip('mmaction')

from vadkit.parsing.extractors.mmaction_clip import (  # noqa: E402
    MMActionClipEncoder, crop_offsets, pool_patches, pyramid_bounds, resized_short_side,
    sample_indices)
from vadkit.parsing.openmmlab import random_init_seed  # noqa: E402

MODELS_DIR = osp.join(REPO_ROOT, 'configs', 'parsing', 'models')
TINY = {name: osp.join(MODELS_DIR, f'{name}_tiny.py') for name in ('i3d', 'slowonly', 'trn')}
TINY_DIMS = {'i3d': 128, 'slowonly': 128, 'trn': 256}
SMALL = dict(short_side=128, crop_size=112)  # keeps every tiny model well under 1 s
PED2 = '/work/shared/data/ped2/testing/frames/01'
PAPER = {
    'i3d': 'mmaction::recognition/i3d/'
           'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
    'slowonly': 'mmaction::recognition/slowonly/'
                'slowonly_imagenet-pretrained-r50_8xb16-8x8x1-steplr-150e_kinetics400-rgb.py',
    'trn': 'mmaction::recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb.py',
}


@pytest.fixture(scope='module')
def ped2():
    """16 consecutive frames of Ped2 test video 01 (BGR 240 x 360), pedestrians walking."""
    files = sorted(glob.glob(osp.join(PED2, '*.jpg')))[:16]
    if len(files) < 16:
        pytest.skip(f'Ped2 frames not found under {PED2}')
    return [cv2.imread(f) for f in files]


@pytest.fixture(scope='module')
def encoders():
    """One centre-crop encoder per tiny config, built once."""
    return {name: MMActionClipEncoder(path, **SMALL) for name, path in TINY.items()}


@pytest.fixture(scope='module')
def weights(encoders, tmp_path_factory):
    """The fixture encoders' weights, saved."""
    root = tmp_path_factory.mktemp('mmaction_clip')
    return {name: enc.save_weights(str(root / f'{name}.pth')) for name, enc in encoders.items()}


def _ramp_map(dim: int, frames: int = 1, side: int = 6) -> torch.Tensor:
    """``float[1, dim, frames, side, side]`` with value ``side * y + x + c`` at channel c."""
    y, x = np.mgrid[:side, :side]
    base = (side * y + x).astype(np.float32)
    maps = base[None, None] + np.arange(dim, dtype=np.float32)[:, None, None, None]
    return torch.from_numpy(np.repeat(maps, frames, axis=1)[None])


# ---------------------------------------------------------------- hand-checked maths
def test_sample_indices_take_the_middle_of_equal_pieces():
    np.testing.assert_array_equal(sample_indices(16, None), np.arange(16))
    np.testing.assert_array_equal(sample_indices(16, 4), [2, 6, 10, 14])
    np.testing.assert_array_equal(sample_indices(5, 2), [1, 3])  # floor(1.25), floor(3.75)
    np.testing.assert_array_equal(sample_indices(3, 6), [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(sample_indices(16, 1), [8])


def test_resize_keeps_the_aspect_ratio():
    assert resized_short_side(240, 360, 256) == (256, 384)  # Ped2
    assert resized_short_side(576, 768, 256) == (256, 341)  # PETS: 341.33
    assert resized_short_side(360, 240, 128) == (192, 128)  # portrait
    assert resized_short_side(240, 360, None) == (240, 360)


def test_pyramid_bounds_cut_near_equal_pieces():
    np.testing.assert_array_equal(pyramid_bounds(7, 3), [0, 2, 5, 7])  # 2.33, 4.67
    np.testing.assert_array_equal(pyramid_bounds(4, 3), [0, 1, 3, 4])  # 1.33, 2.67
    np.testing.assert_array_equal(pyramid_bounds(6, 2), [0, 3, 6])
    np.testing.assert_array_equal(pyramid_bounds(5, 1), [0, 5])


def test_crop_offsets_by_hand():
    assert crop_offsets(40, 60, 20, 'center') == [(10, 20, False)]
    assert crop_offsets(40, 60, 20, 'three') == [(10, 0, False), (10, 20, False),
                                                 (10, 40, False)]
    assert crop_offsets(60, 40, 20, 'three') == [(0, 10, False), (20, 10, False),
                                                 (40, 10, False)]
    five = [(0, 0), (0, 40), (20, 0), (20, 40), (10, 20)]
    assert crop_offsets(40, 60, 20, 'five') == [(y, x, False) for y, x in five]
    assert crop_offsets(40, 60, 20, 'ten') == [(y, x, f) for f in (False, True)
                                               for y, x in five]
    with pytest.raises(DataError, match='do not fit'):
        crop_offsets(10, 60, 20, 'center')


@pytest.mark.parametrize('crops', ['center', 'three', 'five', 'ten'])
def test_crops_land_where_they_should(crops):
    """A frame whose blue value is x and green value is y: each crop's pixels name their
    coordinates in the frame, and the flipped crops run right to left."""
    height, width, s = 40, 60, 20
    y, x = np.mgrid[:height, :width]
    frame = np.stack([x, y, np.zeros_like(x)], axis=-1).astype(np.uint8)
    encoder = MMActionClipEncoder(TINY['i3d'], short_side=None, crop_size=s, crops=crops)
    stack = encoder.crop_stack([frame, frame])
    expected = {'center': [(10, 20, False)],
                'three': [(10, 0, False), (10, 20, False), (10, 40, False)],
                'five': [(0, 0, False), (0, 40, False), (20, 0, False), (20, 40, False),
                         (10, 20, False)]}
    expected['ten'] = expected['five'] + [(a, b, True) for a, b, _ in expected['five']]
    assert stack.shape == (len(expected[crops]), 2, s, s, 3) and stack.dtype == np.uint8
    for crop, (top, left, flipped) in zip(stack, expected[crops]):
        columns = np.arange(left, left + s)[::-1 if flipped else 1]
        np.testing.assert_array_equal(crop[0, :, :, 0], np.broadcast_to(columns, (s, s)))
        np.testing.assert_array_equal(crop[1, :, :, 1],
                                      np.broadcast_to(np.arange(top, top + s)[:, None], (s, s)))


def test_crop_stack_resizes_and_samples(ped2):
    encoder = MMActionClipEncoder(TINY['i3d'], num_frames=4, short_side=128, crop_size=112)
    stack = encoder.crop_stack(ped2)
    assert stack.shape == (1, 4, 112, 112, 3)
    resized = cv2.resize(ped2[6], (192, 128), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(stack[0, 1], resized[8:120, 40:152])  # frame 6, centre


def test_to_input_normalises_rgb_like_the_data_preprocessor(encoders):
    crops = np.zeros((2, 3, 4, 4, 3), np.uint8)
    crops[..., 0], crops[..., 1], crops[..., 2] = 10, 20, 30  # B, G, R
    crops[1, 2] = 255  # crop 1, frame 2: white
    mean, std = np.array([123.675, 116.28, 103.53]), np.array([58.395, 57.12, 57.375])
    rgb = (np.array([30, 20, 10]) - mean) / std
    white = (255 - mean) / std
    three = encoders['i3d'].to_input(crops)  # [K, 3, T, s, s]
    assert three.shape == (2, 3, 3, 4, 4) and three.dtype == torch.float32
    np.testing.assert_allclose(three[0, :, 0, 0, 0].numpy(), rgb, rtol=1e-6)
    np.testing.assert_allclose(three[1, :, 2, 3, 3].numpy(), white, rtol=1e-6)
    two = encoders['trn'].to_input(crops)  # [K * T, 3, s, s], crop-major
    assert two.shape == (6, 3, 4, 4)
    np.testing.assert_allclose(two[5, :, 1, 2].numpy(), white, rtol=1e-6)
    np.testing.assert_allclose(two[4, :, 1, 2].numpy(), rgb, rtol=1e-6)


def test_pool_patches_gives_the_14_means_and_maxima():
    maps = _ramp_map(2)  # value 6 y + x (+ 1 on channel 1)
    mean = pool_patches(maps, (1, 2, 3), 'mean', 'mean')[0].numpy()
    peak = pool_patches(maps, (1, 2, 3), 'max', 'mean')[0].numpy()
    assert mean.shape == peak.shape == (14, 2)
    expected_mean = [17.5, 7, 10, 25, 28, 3.5, 5.5, 7.5, 15.5, 17.5, 19.5, 27.5, 29.5, 31.5]
    expected_max = [35, 14, 17, 32, 35, 7, 9, 11, 19, 21, 23, 31, 33, 35]
    np.testing.assert_allclose(mean[:, 0], expected_mean, rtol=1e-6)
    np.testing.assert_allclose(peak[:, 0], expected_max, rtol=1e-6)
    np.testing.assert_allclose(mean[:, 1], np.add(expected_mean, 1), rtol=1e-6)
    with pytest.raises(DataError, match='too small for 3'):
        pool_patches(maps[..., :2, :], (1, 3))


def test_temporal_pooling_follows_spatial_pooling():
    """Two steps of a 1 x 2 map: [0, 10] then [10, 0]. Spatial max then temporal mean is
    10; spatial mean then temporal max is 5; scaled steps give the mean / max of scales."""
    maps = torch.tensor([[0.0, 10.0], [10.0, 0.0]]).reshape(1, 1, 2, 1, 2)
    assert pool_patches(maps, (1, ), 'max', 'mean').item() == 10
    assert pool_patches(maps, (1, ), 'mean', 'max').item() == 5
    assert pool_patches(maps, (1, ), 'mean', 'mean').item() == 5
    assert pool_patches(maps, (1, ), 'max', 'max').item() == 10
    ramp = _ramp_map(1, frames=3) * torch.tensor([1.0, 2.0, 3.0]).view(1, 1, 3, 1, 1)
    np.testing.assert_allclose(pool_patches(ramp, (1, 2), 'max', 'mean')[0, :, 0].numpy(),
                               [70, 28, 34, 64, 70])  # 2 x the maxima 35, 14, 17, 32, 35
    np.testing.assert_allclose(pool_patches(ramp, (1, 2), 'mean', 'max')[0, :, 0].numpy(),
                               [52.5, 21, 30, 75, 84])  # 3 x the means


def test_the_encoder_pools_the_feature_map_it_is_given(ped2, monkeypatch):
    """With the feature function replaced by a hand-made map, the encoder's output is the
    14 patch maxima (per channel: + c), averaged over the crops and frames."""
    encoder = MMActionClipEncoder(TINY['i3d'], grid=(1, 2, 3), spatial_pool='max',
                                  crops='five', **SMALL)
    dim = encoder.dim

    def fake(inputs, num_crops):
        assert tuple(inputs.shape) == (num_crops, 3, 16, 112, 112)
        return _ramp_map(dim, frames=2).repeat(num_crops, 1, 1, 1, 1)

    monkeypatch.setattr(encoder, 'feature_maps', fake)
    out = encoder(ped2)
    assert out.shape == (14, dim) and out.dtype == np.float32
    expected_max = np.array([35, 14, 17, 32, 35, 7, 9, 11, 19, 21, 23, 31, 33, 35],
                            np.float32)
    np.testing.assert_allclose(out, expected_max[:, None] + np.arange(dim), rtol=1e-6)


def test_stack_rows_are_crop_major(ped2, monkeypatch):
    encoder = MMActionClipEncoder(TINY['i3d'], grid=(1, 2), crops='five',
                                  crop_reduce='stack', **SMALL)
    assert encoder.num_patches == 25

    def fake(inputs, num_crops):  # crop k's map: the ramp + 100 k
        offsets = 100.0 * torch.arange(num_crops, dtype=torch.float32).view(-1, 1, 1, 1, 1)
        return _ramp_map(encoder.dim).repeat(num_crops, 1, 1, 1, 1) + offsets

    monkeypatch.setattr(encoder, 'feature_maps', fake)
    out = encoder(ped2)
    means = np.array([17.5, 7, 10, 25, 28])
    expected = (100 * np.arange(5)[:, None] + means[None]).reshape(25)
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-6)


def test_2d_feature_maps_put_frames_on_the_time_axis():
    """A 2D backbone's ``[K * T, C, h, w]`` output becomes ``[K, C, T, h, w]``."""
    encoder = MMActionClipEncoder(TINY['trn'], **SMALL)

    class Numbered(nn.Module):  # output value of image i: i, on every channel and cell
        def forward(self, x):
            index = torch.arange(len(x), dtype=torch.float32).view(-1, 1, 1, 1)
            return index.expand(len(x), encoder.dim, 2, 3).clone()

    encoder.model.backbone = Numbered()  # a fresh encoder: nothing to restore
    maps = encoder.feature_maps(torch.zeros(2 * 4, 3, 8, 8), num_crops=2)
    assert tuple(maps.shape) == (2, encoder.dim, 4, 2, 3)
    np.testing.assert_array_equal(maps[:, 0, :, 0, 0].numpy(), [[0, 1, 2, 3], [4, 5, 6, 7]])


# ---------------------------------------------------------------- the real models
@pytest.mark.parametrize('name', sorted(TINY))
def test_tiny_models_encode_real_frames(encoders, ped2, name):
    encoder = encoders[name]
    assert encoder.dim == TINY_DIMS[name] and encoder.num_patches == 1
    out = encoder(ped2)
    assert out.shape == (1, encoder.dim) and out.dtype == np.float32
    assert np.isfinite(out).all() and np.abs(out).max() > 0
    np.testing.assert_array_equal(out, encoder(ped2))  # deterministic
    assert out.min() >= 0  # the ResNets end with a ReLU


def test_dim_and_num_patches_come_from_the_config_alone():
    encoder = MMActionClipEncoder(TINY['trn'], grid=(1, 2, 3), crops='ten',
                                  crop_reduce='stack', **SMALL)
    assert (encoder.dim, encoder.num_patches) == (256, 140)
    assert encoder.describe()['num_patches'] == 140
    assert encoder._model is None  # nothing built
    for name, spec in PAPER.items():
        paper = MMActionClipEncoder(spec, grid=(1, 2, 3))
        assert (paper.dim, paper.num_patches) == (2048, 14) and paper._model is None


def test_sa_crf_pyramid_and_ten_crops_on_real_frames(encoders, weights, ped2):
    """Ten crops, 14 max-pooled patches: the mean of the stacked rows is the mean result,
    the centre crop's rows are the centre-crop encoder's, and a maximum over a patch of
    the map is never below the maximum over the whole map's sub-patch means."""
    args = dict(checkpoint=weights['trn'], grid=(1, 2, 3), spatial_pool='max', num_frames=4,
                **SMALL)
    stacked = MMActionClipEncoder(TINY['trn'], crops='ten', crop_reduce='stack', **args)
    averaged = MMActionClipEncoder(TINY['trn'], crops='ten', **args)
    centre = MMActionClipEncoder(TINY['trn'], **args)
    rows, mean, one = stacked(ped2), averaged(ped2), centre(ped2)
    assert rows.shape == (140, 256) and mean.shape == one.shape == (14, 256)
    np.testing.assert_allclose(rows.reshape(10, 14, 256).mean(axis=0), mean, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(rows[4 * 14:5 * 14], one, rtol=1e-5, atol=1e-5)  # crop 4
    # the whole map's maximum is the largest of its 2 x 2 (and 3 x 3) patches' maxima,
    # per frame; averaged over frames it can only be at least as large
    assert np.all(one[0] >= one[1:5].max(axis=0) - 1e-5)
    assert np.all(one[0] >= one[5:14].max(axis=0) - 1e-5)


def test_relation_aware_patches_from_a_trained_sacrf(encoders, weights, ped2, tmp_path):
    """relation=...: the maps are re-weighted by the checkpoint's relation-aware attention
    (keys under 'encoder.relation.') before the 14 patches are pooled."""
    from vadkit.models.components.relation_aware import RelationAwareAttention
    torch.manual_seed(0)
    relation = RelationAwareAttention(256, map_size=(7, 7), embed_channels=16)
    path = str(tmp_path / 'sacrf.pth')
    torch.save(dict(state_dict={f'encoder.relation.{k}': v
                                for k, v in relation.state_dict().items()}), path)
    args = dict(checkpoint=weights['trn'], grid=(1, 2, 3), spatial_pool='max', num_frames=4,
                **SMALL)
    plain = MMActionClipEncoder(TINY['trn'], **args)
    related = MMActionClipEncoder(TINY['trn'], relation=dict(
        map_size=(7, 7), embed_channels=16, checkpoint=path), **args)
    crops = plain.crop_stack(ped2)
    maps = plain.feature_maps(plain.to_input(crops), len(crops))  # [1, 256, 4, 7, 7]
    with torch.no_grad():
        expected = pool_patches(relation(maps)[0], (1, 2, 3), 'max')[0].numpy()
    out = related(ped2)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert np.abs(out - plain(ped2)).max() > 1e-3
    with pytest.raises(ValueError, match='checkpoint'):
        MMActionClipEncoder(TINY['trn'], relation=dict(map_size=(7, 7)), **args)
    wrong = MMActionClipEncoder(TINY['trn'], relation=dict(
        map_size=(7, 7), checkpoint=path, prefix='relation.'), **args)
    with pytest.raises(CheckpointError, match="no weights start with 'relation.'"):
        wrong(ped2)
    # the backbone trained end to end comes from the same checkpoint with backbone_prefix
    other = MMActionClipEncoder(TINY['trn'], **SMALL)
    torch.manual_seed(5)
    for w in other.model.backbone.parameters():
        w.data.normal_(0, 0.05)
    both = dict(state_dict={**{f'encoder.relation.{k}': v
                               for k, v in relation.state_dict().items()},
                            **{f'encoder.backbone.{k}': v
                               for k, v in other.model.backbone.state_dict().items()}})
    torch.save(both, path)
    trained = MMActionClipEncoder(TINY['trn'], relation=dict(
        map_size=(7, 7), embed_channels=16, checkpoint=path,
        backbone_prefix='encoder.backbone.'), **args)
    maps = other.feature_maps(other.to_input(crops), len(crops))
    with torch.no_grad():
        expected = pool_patches(relation(maps)[0], (1, 2, 3), 'max')[0].numpy()
    np.testing.assert_allclose(trained(ped2), expected, rtol=1e-4, atol=1e-5)


def test_num_frames_samples_the_segment(encoders, weights, ped2):
    sampled = MMActionClipEncoder(TINY['slowonly'], checkpoint=weights['slowonly'],
                                  num_frames=4, **SMALL)
    np.testing.assert_allclose(sampled(ped2), encoders['slowonly']([ped2[i] for i in
                                                                     (2, 6, 10, 14)]),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', sorted(TINY))
def test_a_moving_segment_differs_from_a_static_one(encoders, ped2, name):
    moving = encoders[name](ped2)
    static = encoders[name]([ped2[0]] * 16)
    assert np.abs(moving - static).max() > 1e-3 * np.abs(moving).max()


def test_a_static_segment_of_a_2d_model_is_its_frame(encoders, ped2):
    """Frame by frame, a 2D backbone sees the same image 16 times: the temporal mean is
    the one-frame result."""
    encoder = encoders['trn']
    np.testing.assert_allclose(encoder([ped2[3]] * 16), encoder([ped2[3]]), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('name', sorted(TINY))
def test_weights_round_trip(encoders, weights, ped2, name):
    expected = encoders[name](ped2)
    with random_init_seed(1):  # another random initialisation
        fresh = MMActionClipEncoder(TINY[name], **SMALL)
        assert not np.array_equal(fresh(ped2), expected)
    loaded = MMActionClipEncoder(TINY[name], checkpoint=weights[name], **SMALL)
    np.testing.assert_array_equal(loaded(ped2), expected)


def test_a_checkpoint_of_another_model_is_refused(weights, ped2):
    wrong = MMActionClipEncoder(TINY['slowonly'], checkpoint=weights['i3d'], **SMALL)
    with pytest.raises(CheckpointMismatchError):
        wrong(ped2)
    wrong = MMActionClipEncoder(TINY['trn'], checkpoint=weights['i3d'], **SMALL)
    with pytest.raises(CheckpointMismatchError):
        wrong.model


@pytest.mark.parametrize('kwargs, name', [
    (dict(num_frames=0), 'num_frames'), (dict(crop_size=0), 'crop_size'),
    (dict(short_side=100, crop_size=112), 'short_side'), (dict(crops='four'), 'crops'),
    (dict(crop_reduce='sum'), 'crop_reduce'), (dict(grid=(1, 0)), 'grid'),
    (dict(grid=()), 'grid'), (dict(spatial_pool='median'), 'spatial_pool'),
    (dict(temporal_pool='sum'), 'temporal_pool'), (dict(batch_size=0), 'batch_size')])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MMActionClipEncoder(TINY['i3d'], **kwargs)


def test_bad_configs_are_named(ped2, tmp_path):
    with pytest.raises(ConfigError, match='config is required'):
        MMActionClipEncoder(None)
    with pytest.raises(ConfigError, match='RecognizerGCN'):
        MMActionClipEncoder(dict(type='RecognizerGCN', backbone=dict(type='STGCN')))
    with pytest.raises(ConfigError, match='cls_head.in_channels'):
        MMActionClipEncoder(TINY['i3d'], cfg_options={'model.cls_head': None})
    with pytest.raises(ConfigError, match='backbone_from'):
        MMActionClipEncoder(TINY['trn'], cfg_options={'model.backbone_from': 'torchvision'})
    with pytest.raises(ConfigError, match='does not exist'):
        MMActionClipEncoder(str(tmp_path / 'missing.py'))
    wrong_dim = MMActionClipEncoder(TINY['i3d'], cfg_options={'model.cls_head.in_channels':
                                                              64}, **SMALL)
    with pytest.raises(ConfigError, match='gives 128 channels.*says 64'):
        wrong_dim(ped2)
    with pytest.raises(ConfigError, match='device'):
        MMActionClipEncoder(TINY['i3d'], device='cuda:7' if not torch.cuda.is_available()
                            else 'nonsense').model


def test_bad_segments_are_named(encoders, ped2, monkeypatch):
    encoder = encoders['i3d']
    with pytest.raises(DataError, match='no frames'):
        encoder([])
    with pytest.raises(DataError, match='differ in size'):
        encoder([ped2[0], ped2[1][:200]])
    tiny = MMActionClipEncoder(TINY['i3d'], short_side=None, crop_size=112)
    with pytest.raises(DataError, match='short_side'):
        tiny([np.zeros((100, 300, 3), np.uint8)] * 2)
    coarse = MMActionClipEncoder(TINY['i3d'], short_side=64, crop_size=56, grid=(1, 3))
    with pytest.raises(DataError, match='MMActionClipEncoder: a 2 x 2 feature map.*grid'):
        coarse(ped2)  # stride 32: a 2 x 2 map has no 3 x 3 patches
    trn = encoders['trn']
    monkeypatch.setattr(trn.model.backbone, 'num_segments', 3, raising=False)
    with pytest.raises(DataError, match='multiple of 3'):
        trn(ped2)


def test_the_encoder_in_the_parser(tmp_path):
    """VideoParser with the oracle detector and tracker on a generated-world video: one
    ``[num_patches, dim]`` block per 16-frame clip, equal to the encoder on those frames."""
    from tests.helpers.world import write_tiny_world
    from vadkit.parsing import VideoInfo, VideoParser, VideoSource
    root = str(tmp_path / 'world')
    write_tiny_world(root, test_videos=1, num_frames=(48, 48), seed=5)
    video = sorted(glob.glob(osp.join(root, 'testing', 'frames', '*')))[0]
    name = osp.basename(video)
    with open(osp.join(root, 'annotations', f'{name}.json')) as f:
        annotation = json.load(f)
    clip = dict(type='MMActionClipEncoder', config=TINY['i3d'], grid=(1, 2),
                spatial_pool='max', **SMALL)
    parser = VideoParser(detector=dict(type='OracleDetector'),
                         tracker=dict(type='OracleTracker'), clip_extractor=clip)
    frames = list(VideoSource(video))
    arrays, meta = parser.parse(frames, VideoInfo(name, len(frames), 320, 240, 25.0,
                                                  annotation))
    clips = arrays['clips']
    assert clips.shape == (len(frames) // 16, 5, 128) and clips.dtype == np.float32
    assert len(clips) == 3 and np.isfinite(clips).all()
    np.testing.assert_array_equal(clips[1], parser.clip_extractor(frames[16:32]))


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(PAPER))
def test_paper_size_models_build_without_weights(name, ped2):
    encoder = MMActionClipEncoder(PAPER[name], grid=(1, 2, 3),
                                  spatial_pool='max' if name == 'trn' else 'mean')
    out = encoder(ped2)
    assert out.shape == (14, 2048) and np.isfinite(out).all()
