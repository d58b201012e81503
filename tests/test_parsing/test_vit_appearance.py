"""vadkit's Vision Transformer appearance (HSC's object feature): the attention and block
maths against direct computations, position-embedding resizing, the public checkpoint
layout, real crops of the generated world and Ped2, the parser."""
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

pytestmark = pytest.mark.openmmlab
pytest.importorskip('torch')

from vadkit.parsing.base import ObjectClip, VideoInfo  # noqa: E402
from vadkit.parsing.extractors.vit import (Attention, Block, ViTAppearance,  # noqa: E402
                                           VisionTransformer, resize_pos_embed)
from vadkit.utils.errors import (CheckpointError, CheckpointMismatchError,  # noqa: E402
                                 ConfigError, DataError)
from vadkit.parsing.openmmlab import random_init_seed  # noqa: E402

from ..conftest import require_shared_data  # noqa: E402

TINY = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=4)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm(x, weight, bias, eps=1e-6):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * weight + bias


def np_params(module):
    return {k: v.detach().double().numpy() for k, v in module.state_dict().items()}


def direct_attention(x, p, heads):
    """softmax(q k^T / sqrt(d)) v per head with explicit loops."""
    n, tokens, dim = x.shape
    d = dim // heads
    qkv = x @ p['qkv.weight'].T + p['qkv.bias']
    q, k, v = qkv[..., :dim], qkv[..., dim:2 * dim], qkv[..., 2 * dim:]
    out = np.zeros_like(x)
    for b in range(n):
        for h in range(heads):
            cols = slice(h * d, (h + 1) * d)
            weights = softmax(q[b, :, cols] @ k[b, :, cols].T / math.sqrt(d))
            out[b, :, cols] = weights @ v[b, :, cols]
    return out @ p['proj.weight'].T + p['proj.bias']


def test_attention_matches_a_direct_computation():
    torch.manual_seed(0)
    attn = Attention(8, 2).double()
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    with torch.no_grad():
        ours = attn(x).numpy()
    np.testing.assert_allclose(ours, direct_attention(x.numpy(), np_params(attn), 2),
                               rtol=1e-10, atol=1e-12)
    # one token attends only to itself: the output is proj(v)
    one = x[:, :1]
    p = np_params(attn)
    v = (one.numpy() @ p['qkv.weight'].T + p['qkv.bias'])[..., 16:]
    with torch.no_grad():
        np.testing.assert_allclose(attn(one).numpy(), v @ p['proj.weight'].T + p['proj.bias'],
                                   rtol=1e-10)


def test_block_is_pre_norm_attention_then_gelu_mlp():
    torch.manual_seed(1)
    block = Block(8, 2, mlp_ratio=2.0, qkv_bias=True).double()
    x = torch.randn(1, 4, 8, dtype=torch.float64)
    p = np_params(block)
    a = {k[5:]: v for k, v in p.items() if k.startswith('attn.')}
    xn = x.numpy()
    h = xn + direct_attention(layer_norm(xn, p['norm1.weight'], p['norm1.bias']), a, 2)
    z = layer_norm(h, p['norm2.weight'], p['norm2.bias']) @ p['mlp.fc1.weight'].T \
        + p['mlp.fc1.bias']
    gelu = 0.5 * z * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    expected = h + gelu @ p['mlp.fc2.weight'].T + p['mlp.fc2.bias']
    assert block.mlp.fc1.out_features == 16
    with torch.no_grad():
        np.testing.assert_allclose(block(x).numpy(), expected, rtol=1e-9, atol=1e-12)


def test_patch_embedding_class_token_and_pooling():
    torch.manual_seed(2)
    model = VisionTransformer(img_size=(8, 12), patch_size=4, embed_dim=6, depth=0,
                              num_heads=2).double()
    assert model.grid == (2, 3) and model.pos_embed.shape == (1, 7, 6)
    x = torch.randn(1, 3, 8, 12, dtype=torch.float64)
    p = np_params(model)
    w = p['patch_embed.proj.weight'].reshape(6, -1)
    patches = [x[0, :, 4 * r:4 * r + 4, 4 * c:4 * c + 4].numpy().reshape(-1)
               for r in range(2) for c in range(3)]  # row by row
    tokens = np.concatenate([p['cls_token'][0], np.stack(patches) @ w.T
                             + p['patch_embed.proj.bias']]) + p['pos_embed'][0]
    normed = layer_norm(tokens, p['norm.weight'], p['norm.bias'])
    with torch.no_grad():
        np.testing.assert_allclose(model.tokens(x)[0].numpy(), normed, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(model(x)[0].numpy(), normed[0], rtol=1e-9, atol=1e-12)
        model.pool = 'mean'
        np.testing.assert_allclose(model(x)[0].numpy(), normed[1:].mean(0), rtol=1e-9,
                                   atol=1e-12)
    with pytest.raises(ValueError, match='takes'):
        model(torch.zeros(1, 3, 8, 8, dtype=torch.float64))


def test_pos_embed_resizing_keeps_the_grid_at_scale_one():
    torch.manual_seed(3)
    pos = torch.randn(1, 1 + 4 * 4, 5)
    same = resize_pos_embed(pos, (4, 4))
    torch.testing.assert_close(same, pos, rtol=0, atol=0)
    # bicubic interpolation at the same size is the identity too
    image = pos[:, 1:].reshape(1, 4, 4, 5).permute(0, 3, 1, 2)
    torch.testing.assert_close(torch.nn.functional.interpolate(
        image, size=(4, 4), mode='bicubic', align_corners=False), image)
    bigger = resize_pos_embed(pos, (6, 8))
    assert bigger.shape == (1, 1 + 48, 5)
    torch.testing.assert_close(bigger[:, 0], pos[:, 0], rtol=0, atol=0)  # class token kept
    constant = torch.cat([torch.zeros(1, 1, 2), torch.full((1, 9, 2), 0.25)], dim=1)
    torch.testing.assert_close(resize_pos_embed(constant, (5, 7))[:, 1:],
                               torch.full((1, 35, 2), 0.25))
    rect = resize_pos_embed(bigger, (4, 4), old_grid=(6, 8))
    assert rect.shape == (1, 17, 5)
    with pytest.raises(CheckpointMismatchError, match='square'):
        resize_pos_embed(torch.zeros(1, 1 + 6, 2), (2, 2))


def public_layout_state(depth, dim, grid, heads_classes=10, patch=8, hidden=None):
    """A state dict spelt as public ViT checkpoints are, from the names alone."""
    hidden = hidden or 4 * dim
    g = torch.Generator().manual_seed(7)

    def r(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    state = {'cls_token': r(1, 1, dim), 'pos_embed': r(1, 1 + grid * grid, dim),
             'patch_embed.proj.weight': r(dim, 3, patch, patch),
             'patch_embed.proj.bias': r(dim)}
    for i in range(depth):
        for name, shape in (('norm1', (dim, )), ('attn.qkv', (3 * dim, dim)),
                            ('attn.proj', (dim, dim)), ('norm2', (dim, )),
                            ('mlp.fc1', (hidden, dim)), ('mlp.fc2', (dim, hidden))):
            state[f'blocks.{i}.{name}.weight'] = r(*shape) + (1 if 'norm' in name else 0)
            state[f'blocks.{i}.{name}.bias'] = r(shape[0])
    state['norm.weight'], state['norm.bias'] = r(dim) + 1, r(dim)
    state['head.weight'], state['head.bias'] = r(heads_classes, dim), r(heads_classes)
    return state


def test_a_public_layout_checkpoint_loads_strictly(tmp_path):
    state = public_layout_state(depth=2, dim=32, grid=4)
    path = str(tmp_path / 'vit_public.pth')
    torch.save(state, path)
    vit = ViTAppearance(checkpoint=path, **TINY)
    own = vit.model.state_dict()
    assert set(own) == set(state) - {'head.weight', 'head.bias'}
    for key, value in own.items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    # under a 'model' key (some training scripts), and at another input size: the 4 x 4
    # grid of position embeddings is resized to 6 x 6, the class token kept
    torch.save({'model': state}, str(tmp_path / 'wrapped.pth'))
    big = ViTAppearance(checkpoint=str(tmp_path / 'wrapped.pth'), **dict(TINY, img_size=48))
    assert big.model.pos_embed.shape == (1, 37, 32)
    torch.testing.assert_close(big.model.pos_embed[:, 0], state['pos_embed'][:, 0])
    torch.testing.assert_close(big.model.pos_embed,
                               resize_pos_embed(state['pos_embed'], (6, 6)))
    # missing, extra or misshapen weights are refused
    for broken, name in (({k: v for k, v in state.items() if k != 'norm.bias'}, 'missing'),
                         (dict(state, **{'blocks.0.ls1.gamma': torch.ones(32)}),
                          'does not have'),
                         (public_layout_state(depth=2, dim=16, grid=4), 'shape')):
        torch.save(broken, str(tmp_path / 'broken.pth'))
        with pytest.raises(CheckpointMismatchError, match=name):
            ViTAppearance(checkpoint=str(tmp_path / 'broken.pth'), **TINY).model


def test_vit_large_has_the_published_size():
    vit = ViTAppearance()
    assert vit.dim == 1024 and (vit.embed_dim, vit.depth, vit.num_heads) == (1024, 24, 16)
    with torch.device('meta'):
        model = VisionTransformer()
    params = sum(p.numel() for p in model.parameters())
    # 304,326,632 with the 1000-class ImageNet head (1024 * 1000 + 1000)
    assert params == 304_326_632 - 1_025_000
    assert model.pos_embed.shape == (1, 197, 1024)
    assert len(model.state_dict()) == 4 + 24 * 12 + 2


def test_bad_arguments_are_named():
    for kwargs, name in ((dict(img_size=30), 'img_size'), (dict(patch_size=0), 'patch_size'),
                         (dict(embed_dim=30, num_heads=4), 'embed_dim'),
                         (dict(depth=0), 'depth'), (dict(pool='max'), 'pool'),
                         (dict(mean=(0.5, 0.5)), 'mean'), (dict(std=(0.5, 0.5, 0)), 'std'),
                         (dict(num_samples=0), 'num_samples'),
                         (dict(batch_size=0), 'batch_size'),
                         (dict(mlp_ratio=0), 'mlp_ratio')):
        with pytest.raises(ValueError, match=name):
            ViTAppearance(**dict(TINY, **kwargs))
    with pytest.raises(ConfigError, match='device'):
        ViTAppearance(device='tpu:0', **TINY)
    with pytest.raises(CheckpointError, match='does not exist'):
        ViTAppearance(checkpoint='/nonexistent/vit.pth', **TINY).model


# ---------------------------------------------------------------- real crops
@pytest.fixture(scope='module')
def world(tmp_path_factory):
    from tests.helpers.world import read_world_video, write_tiny_world
    root = str(tmp_path_factory.mktemp('world'))
    write_tiny_world(root, test_videos=1, num_frames=(48, 64), seed=5)
    return read_world_video(root)


def world_clips(frames, annotation, start=0, end=16):
    """Object clips of the annotated tracks inside ``[start, end)``."""
    clips = []
    for t in annotation['tracks']:
        first = int(t['first_frame'])
        idx = [i for i in range(len(t['boxes'])) if start <= first + i < end]
        if idx:
            clips.append(ObjectClip(0, start, end, int(t['track_id']), t['category'],
                                    np.asarray([first + i for i in idx]),
                                    np.asarray([t['boxes'][i] for i in idx], np.float64),
                                    None, len(t['boxes'])))
    return clips


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    torch.manual_seed(0)
    vit = ViTAppearance(**TINY)
    path = vit.save_weights(str(tmp_path_factory.mktemp('weights') / 'w.pth'))
    return vit, path


def test_features_of_real_object_clips(tiny, world):
    vit, _ = tiny
    _, frames, annotation = world
    clips = world_clips(frames, annotation)
    assert len(clips) >= 2
    out = vit(frames[:16], clips)
    assert out.shape == (len(clips), 32) and out.dtype == np.float32
    assert np.isfinite(out).all() and (np.abs(out).sum(axis=1) > 0).all()
    np.testing.assert_array_equal(vit(frames[:16], clips), out)  # deterministic
    # every tracked frame is a crop (the paper), and the vector is their mean
    crops = vit.crops(frames[:16], clips[0])
    assert len(crops) == len(clips[0].frames) and crops[0].shape == (32, 32, 3)
    np.testing.assert_allclose(out[0], vit.embed_crops(crops).mean(axis=0), rtol=1e-5,
                               atol=1e-6)
    # batching does not change a crop's feature
    np.testing.assert_allclose(vit.embed_crops(crops[:1])[0], vit.embed_crops(crops)[0],
                               rtol=1e-4, atol=1e-5)
    # distinct objects look distinct
    assert not np.allclose(out[0], out[1])
    # a clip without frames gives zeros
    empty = ObjectClip(0, 0, 16, 99, 'person', np.zeros(0, np.int64), np.zeros((0, 4)),
                       None, 0)
    np.testing.assert_array_equal(vit(frames[:16], [empty]), np.zeros((1, 32), np.float32))
    with pytest.raises(DataError, match='track'):
        vit(frames[:2], clips)  # the buffer lacks the clip's later frames


def test_sampling_normalisation_and_input_scaling(tiny, world):
    vit, path = tiny
    _, frames, annotation = world
    clips = world_clips(frames, annotation)
    sampled = ViTAppearance(checkpoint=path, num_samples=3, normalize=True, **TINY)
    assert len(sampled.crops(frames[:16], clips[0])) == min(3, len(clips[0].frames))
    out = sampled(frames[:16], clips)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
    # (rgb / 255 - mean) / std of a BGR crop
    crop = np.empty((32, 32, 3), np.uint8)
    crop[...] = (0, 128, 255)
    x = vit.to_tensor([crop])[0, :, 0, 0].numpy()
    np.testing.assert_allclose(x, [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224,
                                   (0 - 0.406) / 0.225], rtol=1e-5)
    half = ViTAppearance(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), **TINY)
    np.testing.assert_allclose(half.to_tensor([crop])[0, :, 0, 0].numpy(),
                               [1.0, 128 / 127.5 - 1, -1.0], rtol=1e-5)


def test_ped2_crops(tiny):
    vit, _ = tiny
    root = require_shared_data('ped2', 'testing', 'frames', '01')
    frames = [cv2.imread(osp.join(root, f'{i:03d}.jpg')) for i in range(1, 5)]
    clip = ObjectClip(0, 0, 4, 1, 'person', np.arange(4),
                      np.asarray([[150, 80, 170, 115]] * 4, np.float64), None, 4)
    out = vit(frames, [clip])
    assert out.shape == (1, 32) and np.isfinite(out).all()


def test_weights_round_trip_and_other_models_are_refused(tiny, world, tmp_path):
    vit, path = tiny
    _, frames, annotation = world
    clips = world_clips(frames, annotation)
    torch.manual_seed(1)
    with random_init_seed(1):  # another random initialisation
        fresh = ViTAppearance(**TINY)
        assert not np.allclose(fresh(frames[:16], clips), vit(frames[:16], clips))
    loaded = ViTAppearance(checkpoint=path, **TINY)
    np.testing.assert_array_equal(loaded(frames[:16], clips), vit(frames[:16], clips))
    deeper = ViTAppearance(checkpoint=path, **dict(TINY, depth=3))
    with pytest.raises(CheckpointMismatchError, match='blocks.2'):
        deeper.model
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(4, 3, 3, 3)}},
               str(tmp_path / 'cnn.pth'))
    with pytest.raises(CheckpointMismatchError):
        ViTAppearance(checkpoint=str(tmp_path / 'cnn.pth'), **TINY).model


def test_appearance_inside_the_parser(tiny, world):
    from vadkit.parsing import VideoParser
    _, path = tiny
    video, frames, annotation = world
    parser = VideoParser(detector=dict(type='OracleDetector'),
                         tracker=dict(type='OracleTracker'),
                         object_extractors=dict(appearance=dict(
                             type='ViTAppearance', checkpoint=path, **TINY)))
    arrays, _ = parser.parse(frames, VideoInfo(video, len(frames), 320, 240, 25.0,
                                               annotation))
    features = arrays['objects_appearance']
    assert features.shape == (len(arrays['objects_index']), 32) and len(features) >= 3
    assert np.isfinite(features).all() and (np.abs(features).sum(axis=1) > 0).all()


@pytest.mark.slow
def test_vit_large_on_real_crops(world):
    _, frames, annotation = world
    clips = world_clips(frames, annotation)[:1]
    torch.manual_seed(0)
    vit = ViTAppearance(num_samples=2)
    out = vit(frames[:16], clips)
    assert out.shape == (1, 1024) and np.isfinite(out).all()
