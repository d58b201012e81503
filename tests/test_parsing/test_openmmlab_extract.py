"""tools/extract_features.py with every OpenMMLab backend at once (tiny random models), on
the generated world and on UCSD Ped2, and the papers' parsing configs."""
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT, require_shared_data, run_tool
from tests.helpers.world import write_tiny_world
from vadkit.parsing import FeatureStore
from vadkit.parsing.extractors import scene_feature_dim

pytestmark = pytest.mark.openmmlab
for _package in ('mmdet', 'mmpose', 'mmaction', 'mmseg'):
    pytest.importorskip(_package)

CONFIGS = osp.join(REPO_ROOT, 'configs', 'parsing')
TINY = osp.join(CONFIGS, 'openmmlab_tiny_synthetic.py')
TINY_PED2 = osp.join(CONFIGS, 'openmmlab_tiny_ped2.py')
#: What the tiny models give (configs/parsing/openmmlab_tiny_synthetic.py and models/).
TINY_DIMS = dict(appearance=32, motion=32, actions=5)


def _extract(config, root, out, *extra, timeout=400):
    result = run_tool(['tools/extract_features.py', config, '--data-root', root, '--out', out,
                       '--no-progress', *extra], timeout=timeout)
    return result


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mm_world'))
    write_tiny_world(root, test_videos=2, num_frames=(48, 64), seed=5)
    return root


def _check_store(store: FeatureStore, video: str, width: int, height: int,
                 clips_shape: tuple) -> dict:
    """The fields the methods read, consistent with each other; returns the arrays."""
    arrays, meta = store.read(video), store.meta(video)
    spans = np.asarray(arrays['clip_spans'])
    index = np.asarray(arrays['objects_index'])
    n, c = len(index), len(spans)
    assert c == meta['counts']['clips'] == meta['num_frames'] // 16
    assert n == meta['counts']['objects'] > 0
    # object features of every object clip; motion (PoseConv3D) only where motion_valid
    assert arrays['objects_appearance'].shape == (n, TINY_DIMS['appearance'])
    assert arrays['objects_motion'].shape == (n, TINY_DIMS['motion'])
    scores = np.asarray(arrays['objects_motion_action_scores'])
    assert scores.shape == (n, TINY_DIMS['actions'])
    valid = index[:, 5] == 1
    np.testing.assert_allclose(scores[valid].sum(axis=1), 1.0, atol=1e-5)
    assert not scores[~valid].any() and not np.asarray(arrays['objects_motion'])[~valid].any()
    # every object clip belongs to a track of the track table, inside its clip
    tracks = np.asarray(arrays['tracks'])
    assert set(index[:, 3]) <= set(tracks[:, 1].astype(int))
    np.testing.assert_array_equal(spans[index[:, 0]], index[:, 1:3])
    # poses from the top-down model, in the frame where a box was tracked
    keypoints = np.asarray(arrays['objects_keypoints'])
    mask = np.asarray(arrays['objects_mask'])
    assert keypoints.shape == (n, 16, 17, 3)
    posed = keypoints[mask]
    assert np.isfinite(posed).all() and (posed[..., 2] >= 0).all() and \
        (posed[..., 2] <= 1).all()
    # inside the region the top-down model saw: the box padded by 1.25 and widened to
    # the model's 3:4 input (which may reach past the frame's edge)
    boxes = np.asarray(arrays['objects_boxes'])[mask]
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    half = 0.625 * np.stack([np.maximum(w, 0.75 * h), np.maximum(h, w / 0.75)], axis=1)
    offset = np.abs(posed[..., :2] - centre[:, None])
    found = posed[..., 2] > 0  # the others are (0, 0, 0): no peak in their heatmap
    assert found.mean() > 0.2  # random weights: many heatmaps have no positive value
    assert (offset <= half[:, None] + 1)[found].all()
    assert not posed[~found].any()
    assert not keypoints[~mask].any()
    # scene: one l2-normalised vector per clip, of the paper's size for the frame size
    scene = np.asarray(arrays['scene'])
    assert scene.shape == (c, scene_feature_dim(height, width))
    np.testing.assert_allclose(np.linalg.norm(scene, axis=1), 1.0, atol=1e-5)
    clips = np.asarray(arrays['clips'])
    assert clips.shape == (c, *clips_shape)
    assert np.isfinite(clips).all() and np.abs(clips).sum() > 0
    return arrays


def test_every_backend_in_one_extraction_on_the_generated_world(world, tmp_path):
    out = str(tmp_path / 'store')
    result = _extract(TINY, world, out, '--videos', '01_0001')
    assert result.returncode == 0, result
    store = FeatureStore(out)
    assert store.videos() == ['01_0001']
    arrays = _check_store(store, '01_0001', 320, 240, (5, 128))  # tiny I3D, 1 + 4 patches
    assert arrays['scene'].shape[1] == 300  # 240 / 16 x 320 / 16
    # a second run finds the video done and recomputes nothing
    again = _extract(TINY, world, out, '--videos', '01_0001')
    assert again.returncode == 0, again
    assert '1 already in' in again.stdout


def test_every_backend_on_ped2_frames_gives_the_papers_scene_size(tmp_path):
    root = require_shared_data('ped2')
    out = str(tmp_path / 'ped2')
    result = _extract(TINY_PED2, root, out, '--videos', '09')  # 120 frames
    assert result.returncode == 0, result
    # the tiny TRN-style 2D backbone with SA-CRF's 1 + 4 + 9 max-pooled patches
    arrays = _check_store(FeatureStore(out), '09', 360, 240, (14, 256))
    assert arrays['scene'].shape == (7, 330)  # the HSC supplement's D_B for Ped2


def test_segment_features_alone_parse_no_objects(world, tmp_path):
    config = tmp_path / 'segments.py'
    config.write_text(
        f"_base_ = ['{TINY}']\n"
        "parser = dict(_delete_=True, type='VideoParser',\n"
        "              clip_extractor=dict(type='MMActionClipEncoder',\n"
        f"                                  config='{CONFIGS}/models/slowonly_tiny.py',\n"
        "                                  short_side=64, crop_size=56, crops='five',\n"
        "                                  crop_reduce='stack'))\n")
    out = str(tmp_path / 'segments')
    result = _extract(str(config), world, out, '--videos', '01_0001')
    assert result.returncode == 0, result
    arrays = FeatureStore(out).read('01_0001')
    assert arrays['clips'].shape == (3, 5, 128)  # five crops stacked, one patch each
    assert len(arrays['objects_index']) == 0 and len(arrays['tracks']) == 0
    assert 'scene' not in arrays


def test_a_paper_config_without_its_weights_names_every_missing_file(tmp_path):
    out = str(tmp_path / 'store')
    result = _extract(osp.join(CONFIGS, 'hsc_avenue.py'), str(tmp_path), out)
    assert result.returncode == 2, result
    for key in ('parser.detector.checkpoint=checkpoints/yolov3_d53_mstrain-608',
                'parser.pose.checkpoint=checkpoints/td-hm_hrnet-w32',
                'parser.object_extractors.appearance.checkpoint=checkpoints/vit_large',
                'parser.object_extractors.motion.checkpoint=checkpoints/slowonly_r50',
                'parser.scene_extractor.segmenter.checkpoint=checkpoints/deeplabv3plus'):
        assert key in result.stderr, result
    assert '5 weight file(s) not found' in result.stderr
    assert not osp.exists(out), 'nothing is written before the weights are there'


@pytest.mark.parametrize('name,dims', [
    ('hsc_shanghaitech.py', dict(appearance=1024, motion=512, motion_action_scores=60)),
    ('hsc_avenue.py', dict(appearance=1024, motion=512, motion_action_scores=60)),
    ('hsc_ped2.py', dict(appearance=1024)),
])
def test_hsc_configs_give_the_papers_feature_sizes(name, dims):
    """Without building a model: 1024-d ViT-L appearance, 512-d PoseConv3D motion with
    NTU-60 action scores, the supplement's thresholds."""
    from vadkit.registry import PARSERS
    from vadkit.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    parser = PARSERS.build(cfg.parser.to_dict())
    assert parser._object_fields() == dims
    expected = {'hsc_shanghaitech.py': (0.8, 0.7), 'hsc_avenue.py': (0.8, 0.5),
                'hsc_ped2.py': (0.5, 0.3)}[name]
    assert (parser.detector.score_thr, parser.tracker.score_thr) == expected
    assert parser.scene_extractor.pool == 4 and parser.min_track_length == 10
    assert (parser.pose is None) == (name == 'hsc_ped2.py')


def test_segment_configs_give_the_papers_feature_sizes():
    from vadkit.registry import PARSERS
    from vadkit.utils import register_all_modules
    register_all_modules()
    gcl = PARSERS.build(Config.fromfile(osp.join(CONFIGS, 'gcl_ucf_crime.py')).parser.to_dict())
    sacrf = PARSERS.build(
        Config.fromfile(osp.join(CONFIGS, 'sacrf_ucf_crime.py')).parser.to_dict())
    assert (gcl.clip_extractor.num_patches, gcl.clip_extractor.dim) == (1, 2048)
    assert (sacrf.clip_extractor.num_patches, sacrf.clip_extractor.dim) == (14, 2048)
    assert sacrf.clip_extractor.spatial_pool == 'max'
    assert gcl.clip_len == gcl.stride == 16 and gcl.detector is None


@pytest.mark.slow
def test_hsc_ped2_config_runs_with_random_paper_size_models(tmp_path):
    """The whole paper-size HSC parsing of 16 Ped2 frames (random weights): YOLOv3-608,
    ByteTrack, ViT-L/16, DeepLabV3+ R50 with its 330-d scene feature."""
    frames = require_shared_data('ped2', 'testing', 'frames', '09')
    root = tmp_path / 'ped2'
    video = root / 'testing' / 'frames' / '09'
    video.mkdir(parents=True)
    for name in sorted(os.listdir(frames))[:16]:
        os.symlink(osp.join(frames, name), video / name)
    out = str(tmp_path / 'store')
    result = _extract(osp.join(CONFIGS, 'hsc_ped2.py'), str(root), out, '--cfg-options',
                      'parser.detector.checkpoint=None',
                      'parser.object_extractors.appearance.checkpoint=None',
                      'parser.scene_extractor.segmenter.checkpoint=None', timeout=1200)
    assert result.returncode == 0, result
    arrays = FeatureStore(out).read('09')
    assert arrays['scene'].shape == (1, 330)
    assert arrays['objects_appearance'].shape[1] == 1024
