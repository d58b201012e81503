"""MMPoseTopDown (mmpose top-down heatmap pose, HRNet) and PoseConv3DEncoder (mmaction2
skeleton heatmaps into a 3D CNN: a motion feature and action scores per object clip).

The tiny random-initialised configs of ``configs/parsing/models/`` run on real frames (UCSD
Ped2 and a generated world with exact ground truth); the maths (the pose's frame
coordinates, PoseConv3D's frame sampling, keypoint compaction, resizing, cropping,
Gaussian keypoint and limb heatmaps, mirroring) is checked on inputs built by hand and
against mmaction2's own transforms.
"""
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT
from vadkit.parsing.base import ObjectClip, VideoInfo
from vadkit.utils.errors import CheckpointMismatchError, ConfigError, DataError

pytestmark = pytest.mark.openmmlab
pytest.importorskip('mmpose')
pytest.importorskip('mmaction')

from vadkit.parsing.extractors.poseconv3d import (  # noqa: E402
    NTU60_ACTIONS, PoseConv3DEncoder, center_crop_keypoints, compact_keypoints, flip_heatmaps,
    keypoint_heatmaps, limb_heatmaps, resize_keypoints, resized_shape, uniform_sample_indices)
from vadkit.parsing.pose.mmpose_topdown import MMPoseTopDown  # noqa: E402
from vadkit.parsing.openmmlab import random_init_seed  # noqa: E402

MODELS_DIR = osp.join(REPO_ROOT, 'configs', 'parsing', 'models')
HRNET_TINY = osp.join(MODELS_DIR, 'hrnet_tiny.py')
POSEC3D_TINY = osp.join(MODELS_DIR, 'poseconv3d_tiny.py')
HRNET_PAPER = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
               'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
POSEC3D_PAPER = 'mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py'
POSEC3D_DIR = 'mmaction::skeleton/posec3d/'
PED2 = '/work/shared/data/ped2/testing/frames/01'
WIDTH, HEIGHT = 320, 240
SIGMA = 0.6
TOL = 1e-3  # pixels: mmpose maps keypoints back to the frame in float32


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope='module')
def ped2():
    """Frame 1 of Ped2 test video 01 (BGR 240 x 360)."""
    path = osp.join(PED2, '001.jpg')
    if not osp.isfile(path):
        pytest.skip(f'Ped2 frames not found under {PED2}')
    return cv2.imread(path)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    """A generated world (320 x 240) with exact boxes and keypoints of its people."""
    from vadkit.datasets.synthetic import world_config, write_world
    root = str(tmp_path_factory.mktemp('world') / 'tiny')
    write_world(root, world_config('tiny', width=WIDTH, height=HEIGHT, train_videos=1,
                                   test_videos=1, num_frames=(48, 64)), seed=5, progress=False)
    return root


def _video(world, name):
    from tests.helpers.world import read_world_video
    return read_world_video(world, name)[1:]


def _people(annotation, frame, min_size=12):
    """``(track_ids, boxes)`` of the annotated people well inside the frame at ``frame``."""
    from vadkit.parsing.oracle_utils import boxes_by_frame
    rows = [(t, b) for t, c, b, _ in boxes_by_frame(annotation).get(frame, [])
            if c == 'person' and b[2] - b[0] >= min_size and b[3] - b[1] >= min_size]
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows], np.float64)


@pytest.fixture(scope='module')
def pose():
    return MMPoseTopDown(HRNET_TINY)


@pytest.fixture(scope='module')
def encoder():
    return PoseConv3DEncoder(POSEC3D_TINY)


@pytest.fixture(scope='module')
def weights(pose, encoder, tmp_path_factory):
    root = tmp_path_factory.mktemp('weights')
    return dict(pose=pose.save_weights(str(root / 'pose.pth')),
                encoder=encoder.save_weights(str(root / 'encoder.pth')))


def _skeleton(x0=100.0, y0=60.0, scale=1.0, frames=16, seed=0, score=0.9):
    """``float32[frames, 17, 3]``: a standing person (head at the top, ankles at the
    bottom) at ``(x0, y0)``, swaying a little from frame to frame."""
    # x, y offsets of the 17 COCO keypoints of a person 40 wide and 80 tall
    base = np.array([[20, 0], [23, -3], [17, -3], [27, 0], [13, 0], [32, 15], [8, 15],
                     [36, 32], [4, 32], [38, 46], [2, 46], [28, 48], [12, 48], [29, 64],
                     [11, 64], [30, 80], [10, 80]], np.float32)
    rng = np.random.default_rng(seed)
    out = np.zeros((frames, 17, 3), np.float32)
    for t in range(frames):
        out[t, :, :2] = (base + rng.normal(0, 1.5, base.shape)) * scale + (x0 + 2 * t, y0)
    out[..., 2] = score
    return out


def _clip(keypoints, track_id=1, start=0):
    t = 16 if keypoints is None else len(keypoints)
    return ObjectClip(clip_index=0, start=start, end=start + 16, track_id=track_id,
                      label='person', frames=np.arange(start, start + t),
                      boxes=np.zeros((t, 4)), keypoints=keypoints, track_length=20)


# ================================================================ MMPoseTopDown
def test_pose_on_real_frames(pose, ped2):
    boxes = np.array([[100, 50, 130, 90], [200, 100, 220, 140], [5, 5, 40, 60]], float)
    out = pose(ped2, 0, boxes, np.arange(3))
    assert out.shape == (3, 17, 3) and out.dtype == np.float32 and np.isfinite(out).all()
    assert ((out[..., 2] >= 0) & (out[..., 2] <= 1)).all() and (out[..., 2] > 0).any()
    np.testing.assert_array_equal(out, pose(ped2, 0, boxes, np.arange(3)))  # deterministic
    # each box alone gives its own row: boxes do not interact
    np.testing.assert_allclose(pose(ped2, 0, boxes[1:2], None)[0], out[1], atol=1e-4)
    assert pose(ped2, 0, np.zeros((0, 4)), np.zeros(0)).shape == (0, 17, 3)
    # a box without area gets zeros, the others their keypoints
    mixed = pose(ped2, 0, np.array([[50, 50, 50, 80], *boxes[:1]]), None)
    np.testing.assert_array_equal(mixed[0], 0)
    np.testing.assert_allclose(mixed[1], out[0], atol=1e-4)
    # grey frames are made BGR
    grey = cv2.cvtColor(ped2, cv2.COLOR_BGR2GRAY)
    assert pose(grey, 0, boxes[:1], None).shape == (1, 17, 3)


def _crop_region(box, padding, aspect=96 / 128):
    """``(x1, y1, x2, y2)`` of the network input in the frame: the box grown by
    ``padding`` about its centre, then widened (or heightened) to ``aspect`` = w / h."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    w, h = (box[2] - box[0]) * padding, (box[3] - box[1]) * padding
    w, h = (w, w / aspect) if w > h * aspect else (h * aspect, h)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def test_world_people_keypoints_come_out_inside_their_boxes(pose, weights, world):
    """The annotated people of a generated video (real rendered frames): every found
    keypoint lies inside the region the network saw (the box grown by 1.25 and to 3:4,
    computed by hand), and, with no padding and boxes already 3:4, inside the box."""
    frames, annotation = _video(world, '02_0001')
    tight = MMPoseTopDown(HRNET_TINY, checkpoint=weights['pose'], bbox_padding=1.0)
    checked = 0
    for frame in range(0, len(frames), 6):
        ids, boxes = _people(annotation, frame)
        if not len(boxes):
            continue
        out = pose(frames[frame], frame, boxes, ids)
        assert out.shape == (len(boxes), 17, 3)
        for box, kp in zip(boxes, out):
            found = kp[:, 2] > 0
            assert found.any()
            np.testing.assert_array_equal(kp[~found], 0)
            x1, y1, x2, y2 = _crop_region(box, 1.25)
            assert (kp[found, 0] >= x1 - TOL).all() and (kp[found, 0] <= x2 + TOL).all()
            assert (kp[found, 1] >= y1 - TOL).all() and (kp[found, 1] <= y2 + TOL).all()
        cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        h = boxes[:, 3] - boxes[:, 1]
        square = np.stack([cx - 0.375 * h, cy - h / 2, cx + 0.375 * h, cy + h / 2], 1)
        out = tight(frames[frame], frame, square, ids)
        for box, kp in zip(square, out):
            found = kp[:, 2] > 0
            assert ((kp[found, 0] >= box[0] - TOL) & (kp[found, 0] <= box[2] + TOL)).all()
            assert ((kp[found, 1] >= box[1] - TOL) & (kp[found, 1] <= box[3] + TOL)).all()
        checked += len(boxes)
    assert checked >= 5


def test_pose_frame_coordinates_hand_checked(ped2, monkeypatch):
    """A head giving one single-pixel peak per keypoint: the keypoint is that pixel
    mapped back to the frame. Box (100, 50)-(130, 90) with padding 1.25 is the region
    (96.25, 45)-(133.75, 95), exactly 3:4, seen at 96 x 128 with a 24 x 32 heatmap: a
    heatmap pixel is 37.5 / 24 = 1.5625 frame pixels."""
    model = MMPoseTopDown(HRNET_TINY, cfg_options={'model.test_cfg.flip_test': False})
    peaks = [(2 + k, 3 + k) for k in range(17)]  # (x, y) in heatmap pixels
    values = np.full(17, 0.5, np.float32)
    values[4], values[7] = 1.7, -1.0  # clipped to 1; not found (no positive value)

    def forward(feats):
        n = feats[-1].shape[0]
        maps = torch.zeros(n, 17, 32, 24)
        if values[7] < 0:
            maps[:, 7] = -1.0
        for k, (x, y) in enumerate(peaks):
            if k != 7:
                maps[:, k, y, x] = float(values[k])
        return maps

    monkeypatch.setattr(model.model.head, 'forward', forward)
    out = model(ped2, 3, np.array([[100, 50, 130, 90]], float), None)[0]
    for k, (x, y) in enumerate(peaks):
        if k == 7:
            np.testing.assert_array_equal(out[k], 0)
            continue
        np.testing.assert_allclose(out[k, :2], [96.25 + 1.5625 * x, 45 + 1.5625 * y],
                                   atol=1e-4)
        assert out[k, 2] == pytest.approx(min(values[k], 1.0))


def test_pose_udp_follows_the_config(tmp_path):
    from mmengine.config import Config
    cfg = Config.fromfile(HRNET_TINY)
    cfg.test_pipeline[2]['use_udp'] = True
    path = str(tmp_path / 'udp.py')
    cfg.dump(path)
    udp = MMPoseTopDown(path)
    udp.model
    assert udp._use_udp is True and udp.describe()['use_udp'] is True
    assert MMPoseTopDown(path, use_udp=False).describe()['use_udp'] is False


def test_pose_weights_round_trip(pose, weights, ped2):
    boxes = np.array([[100, 50, 130, 90], [200, 100, 220, 140]], float)
    reference = pose(ped2, 0, boxes, None)
    with random_init_seed(1):  # another random initialisation
        other = MMPoseTopDown(HRNET_TINY)
        assert not np.array_equal(other(ped2, 0, boxes, None), reference)
    loaded = MMPoseTopDown(HRNET_TINY, checkpoint=weights['pose'])
    np.testing.assert_array_equal(loaded(ped2, 0, boxes, None), reference)
    one_by_one = MMPoseTopDown(HRNET_TINY, checkpoint=weights['pose'], batch_size=1)
    np.testing.assert_allclose(one_by_one(ped2, 0, boxes, None), reference, atol=1e-5)


def test_pose_refuses_bad_input(pose, weights, ped2):
    with pytest.raises(CheckpointMismatchError):
        MMPoseTopDown(HRNET_TINY, checkpoint=weights['encoder']).model
    for kwargs, name in [(dict(bbox_padding=0), 'bbox_padding'),
                         (dict(bbox_padding=float('nan')), 'bbox_padding'),
                         (dict(batch_size=0), 'batch_size'),
                         (dict(use_udp='yes'), 'use_udp')]:
        with pytest.raises(ValueError, match=name):
            MMPoseTopDown(HRNET_TINY, **kwargs)
    with pytest.raises(ConfigError, match='config'):
        MMPoseTopDown(None)
    with pytest.raises(ConfigError, match='16 keypoints'):
        MMPoseTopDown(HRNET_TINY, cfg_options={'model.head.out_channels': 16}).model
    with pytest.raises(DataError, match='frame 7.*NaN'):
        pose(ped2, 7, np.array([[0, 0, np.nan, 10]]), None)
    with pytest.raises(DataError, match='frame 7.*N x 4'):
        pose(ped2, 7, np.array([1, 2, 3]), None)
    with pytest.raises(DataError, match='frame 7'):
        pose(np.zeros((4, 4, 2), np.uint8), 7, np.array([[0, 0, 2, 2]]), None)


# ================================================================ PoseConv3D maths
def test_uniform_sampling_by_hand():
    # shorter than clip_len: looped, each clip starting num_frames // num_clips later
    np.testing.assert_array_equal(uniform_sample_indices(5, 8), [0, 1, 2, 3, 4, 0, 1, 2])
    np.testing.assert_array_equal(uniform_sample_indices(5, 8, 2),
                                  [0, 1, 2, 3, 4, 0, 1, 2, 2, 3, 4, 0, 1, 2, 3, 4])
    np.testing.assert_array_equal(uniform_sample_indices(2, 3, 3),  # fewer frames than clips
                                  [0, 1, 0, 1, 0, 1, 0, 1, 0])
    # clip_len to 2 clip_len - 1 frames: all but num_frames - clip_len, in order
    inds = uniform_sample_indices(10, 8)
    assert len(set(inds)) == 8 and (np.diff(inds) >= 1).all() and (np.diff(inds) <= 3).all()
    # longer: one frame of each of the 8 segments [2k, 2k + 2)
    inds = uniform_sample_indices(16, 8)
    assert ((inds >= 2 * np.arange(8)) & (inds < 2 * np.arange(8) + 2)).all()
    np.testing.assert_array_equal(inds, uniform_sample_indices(16, 8))  # seeded
    with pytest.raises(ValueError):
        uniform_sample_indices(0, 8)


def test_compaction_resize_and_crop_by_hand():
    kp = np.zeros((2, 3, 2), np.float32)
    kp[0, 0], kp[0, 1], kp[1, 0] = (20, 10), (40, 50), (30, 30)  # kp[.., 2] and [1, 1]: none
    # tight box x 20..40, y 10..50; x1.25: half sizes 12.5 and 25; squared: 25 and 25
    # about the centre (30, 30): x 5..55, y 5..55
    out, shape = compact_keypoints(kp, (240, 320), padding=0.25, threshold=10, hw_ratio=1.0)
    assert shape == (50, 50)
    np.testing.assert_array_equal(out[0, 0], (15, 5))
    np.testing.assert_array_equal(out[0, 1], (35, 45))
    np.testing.assert_array_equal(out[1, 0], (25, 25))
    np.testing.assert_array_equal(out[0, 2], (0, 0))  # zeros stay "no keypoint"
    # without the ratio: x 17.5..42.5 -> 17..42, y 5..55
    out, shape = compact_keypoints(kp, (240, 320), hw_ratio=None)
    assert shape == (50, 25) and tuple(out[0, 0]) == (3, 5)
    # the box may not leave a 40 x 50 image: x 5..50, y 5..40
    assert compact_keypoints(kp, (40, 50), allow_imgpad=False)[1] == (35, 45)
    # a tight box narrower than the threshold: nothing changes
    narrow = kp.copy()
    narrow[0, 1, 0], narrow[1, 0, 0] = 25, 28  # x 20..28
    out, shape = compact_keypoints(narrow, (240, 320), threshold=10)
    assert shape == (240, 320)
    np.testing.assert_array_equal(out, narrow)
    # resize: the short side to 64 (factor 1.28), or to (w, h) exactly
    assert resized_shape((50, 50), (-1, 64)) == (64, 64)
    assert resized_shape((50, 100), (-1, 64)) == (64, 128)
    assert resized_shape((50, 100), (64, 64)) == (32, 64)  # the long side within 64
    assert resized_shape((50, 100), (48, 40), keep_ratio=False) == (40, 48)
    moved, shape = resize_keypoints(np.array([[15, 5]], np.float32), (50, 50), (-1, 64))
    assert shape == (64, 64)
    np.testing.assert_allclose(moved, [[19.2, 6.4]], rtol=1e-6)
    # centre crop of 64 from 64 x 128: left 32, top 0
    cropped, shape = center_crop_keypoints(np.array([[40, 10]], np.float32), (64, 128), 64)
    assert shape == (64, 64) and tuple(cropped[0]) == (8, 10)


def test_keypoint_heatmap_by_hand():
    maps = keypoint_heatmaps(np.array([[2, 3], [5.5, 1]], np.float32),
                             np.array([0.8, 0.00005], np.float32), (8, 8), SIGMA)
    assert maps.shape == (2, 8, 8) and maps.dtype == np.float32
    assert maps[0, 3, 2] == pytest.approx(0.8)
    assert maps[0, 3, 3] == pytest.approx(0.8 * math.exp(-1 / (2 * SIGMA ** 2)), rel=1e-6)
    assert maps[0, 4, 3] == pytest.approx(0.8 * math.exp(-2 / (2 * SIGMA ** 2)), rel=1e-6)
    # the window: x from int(2 - 1.8) = 0 to int(2 + 1.8) = 3, y from 1 to 4
    assert maps[0, 3, 4] == 0 and maps[0, 0, 2] == 0 and maps[0, 1, 2] > 0
    assert maps[0, 3, 0] == pytest.approx(0.8 * math.exp(-4 / (2 * SIGMA ** 2)), rel=1e-6)
    np.testing.assert_array_equal(maps[1], 0)  # below 1e-4: nothing drawn
    # a keypoint off the map draws only what falls inside
    edge = keypoint_heatmaps(np.array([[-1, 2]], np.float32), np.array([1.0]), (4, 4), SIGMA)
    assert edge[0, 2, 0] == pytest.approx(math.exp(-1 / (2 * SIGMA ** 2)), rel=1e-6)


def test_limb_heatmap_by_hand():
    kp = np.array([[2, 2], [6, 2], [4, 6], [4.5, 6.5]], np.float32)
    val = np.array([0.9, 0.5, 0.7, 0.6], np.float32)
    maps = limb_heatmaps(kp, val, (10, 10), ((0, 1), (2, 3)), SIGMA)
    assert maps.shape == (2, 10, 10)
    # along the segment: the smaller value; 1 pixel off it or past its end: exp(-1 / 2s^2)
    np.testing.assert_allclose(maps[0, 2, 2:7], 0.5, rtol=1e-6)
    off = 0.5 * math.exp(-1 / (2 * SIGMA ** 2))
    assert maps[0, 3, 4] == pytest.approx(off, rel=1e-6)
    assert maps[0, 2, 7] == pytest.approx(off, rel=1e-6)
    assert maps[0, 2, 1] == pytest.approx(off, rel=1e-6)
    assert maps[0, 5, 4] == 0  # outside the window (y up to int(2 + 1.8) = 3)
    # a limb shorter than a pixel: the first keypoint's Gaussian at its own value
    np.testing.assert_allclose(maps[1], keypoint_heatmaps(kp[2:3], val[2:3], (10, 10),
                                                          SIGMA)[0])
    # either end without a score: nothing
    val[1] = 0
    np.testing.assert_array_equal(limb_heatmaps(kp, val, (10, 10), ((0, 1), ), SIGMA), 0)


def test_flip_mirrors_and_swaps_sides():
    maps = np.zeros((3, 1, 4), np.float32)
    maps[0, 0, 0], maps[1, 0, 1], maps[2, 0, 3] = 1, 2, 3
    flipped = flip_heatmaps(maps, left=(1, ), right=(2, ))
    assert flipped[0, 0, 3] == 1  # centre keypoint: mirrored only
    assert flipped[1, 0, 0] == 3 and flipped[2, 0, 2] == 2  # left <-> right


def test_heatmap_peaks_of_a_hand_made_skeleton():
    """One frame, 4 keypoints: tight box x 95..145, y 50..150 (scores 0.9 and 0.6); grown
    by 1.25 and squared: half side 62.5 about (120, 100), so x 57.5..182.5 -> 57..182 and
    y 37.5..162.5 -> 37..162: a 125 x 125 image, resized to 32 (factor 0.256), no crop
    left to do. A keypoint at (x, y) lands at ((x - 57) 0.256, (y - 37) 0.256)."""
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, 0] = (120, 50, 0.9)     # nose -> (16.128, 3.328)
    kp[0, 5] = (145, 80, 0.9)     # left shoulder -> (22.528, 11.008)
    kp[0, 6] = (95, 80, 0.9)      # right shoulder -> (9.728, 11.008)
    kp[0, 15] = (120, 150, 0.6)   # left ankle -> (16.128, 28.928)
    kp[0, 9] = (300, 10, 0.0)     # no score: ignored, also by the compaction
    enc = PoseConv3DEncoder(POSEC3D_TINY, double=True, num_clips=2)
    volumes = enc.heatmap_volumes(kp, (HEIGHT, WIDTH))
    assert volumes.shape == (4, 17, 8, 32, 32) and volumes.dtype == np.float32
    expected = {0: (16.128, 3.328), 5: (22.528, 11.008), 6: (9.728, 11.008),
                15: (16.128, 28.928)}
    first = volumes[0, :, 0]
    for k, (x, y) in expected.items():
        row, col = np.unravel_index(first[k].argmax(), first[k].shape)
        assert (col, row) == (round(x), round(y))
        d2 = (col - x) ** 2 + (row - y) ** 2
        assert first[k, row, col] == pytest.approx(kp[0, k, 2] * math.exp(-d2 / 0.72),
                                                   rel=1e-5)
    assert first[[1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 16]].max() == 0
    # one frame: every frame and clip of the volume repeats it
    for view in range(2):
        for t in range(8):
            np.testing.assert_array_equal(volumes[view, :, t], first)
    # the mirrored copy (views 2 and 3): left shoulder drawn in the right's channel
    mirror = volumes[2, :, 0]
    np.testing.assert_array_equal(mirror[6], first[5, :, ::-1])
    np.testing.assert_array_equal(mirror[16], first[15, :, ::-1])


@pytest.mark.parametrize('case', ['ntu60', 'short', 'long', 'limb', 'no_crop'])
def test_heatmaps_equal_mmaction_transforms(case):
    """The numpy pipeline against mmaction2's own transforms on the same skeletons."""
    from mmengine.dataset import Compose

    from vadkit.parsing.openmmlab import default_scope, import_backend
    import mmaction.datasets.transforms  # noqa: F401  (registers them)
    registry = import_backend('mmaction')
    spec, frames, kwargs = {
        'ntu60': (POSEC3D_PAPER, 16, {}),
        'short': (POSEC3D_PAPER, 7, dict(num_clips=3)),
        'long': (POSEC3D_PAPER, 70, dict(num_clips=2, double=False)),
        'limb': (POSEC3D_DIR + 'slowonly_r50_8xb16-u48-240e_gym-limb.py', 16,
                 dict(num_clips=3)),
        'no_crop': (POSEC3D_DIR + 'slowonly_r50_8xb32-u48-240e_k400-keypoint.py', 30,
                    dict(num_clips=2)),
    }[case]
    enc = PoseConv3DEncoder(spec, **kwargs)
    kp = _skeleton(frames=frames, seed=3)
    rng = np.random.default_rng(3)
    kp[..., 2] = rng.uniform(0.1, 1.0, kp.shape[:2])
    kp[rng.random(kp.shape[:2]) < 0.1] = 0
    kp[2] = 0  # a frame without pose
    steps = [dict(type='UniformSampleFrames', clip_len=enc.clip_len, num_clips=enc.num_clips,
                  test_mode=True, seed=enc.seed),
             dict(type='PoseDecode'),
             dict(type='PoseCompact', hw_ratio=enc.hw_ratio, allow_imgpad=enc.allow_imgpad,
                  padding=enc.padding, threshold=enc.threshold),
             dict(type='Resize', scale=enc.resize_scale, keep_ratio=enc.keep_ratio)]
    if enc.crop_size:
        steps.append(dict(type='CenterCrop', crop_size=enc.crop_size))
    steps += [dict(type='GeneratePoseTarget', sigma=enc.sigma, use_score=enc.use_score,
                   with_kp=enc.with_kp, with_limb=enc.with_limb, skeletons=enc.skeletons,
                   double=enc.double, left_kp=enc.left_kp, right_kp=enc.right_kp,
                   left_limb=enc.left_limb, right_limb=enc.right_limb),
              dict(type='FormatShape', input_format='NCTHW_Heatmap')]
    with default_scope('mmaction'):
        pipeline = Compose([registry.TRANSFORMS.build(s) for s in steps])
        reference = pipeline(dict(keypoint=kp[None, ..., :2].copy(),
                                  keypoint_score=kp[None, ..., 2].copy(),
                                  total_frames=frames, img_shape=(HEIGHT, WIDTH),
                                  start_index=0, modality='Pose'))['imgs']
    mine = enc.heatmap_volumes(kp, (HEIGHT, WIDTH))
    assert mine.shape == reference.shape and reference.max() > 0.5
    if case == 'limb':  # mmaction2 draws limbs partly in float64
        np.testing.assert_allclose(mine, reference, atol=1e-5)
    else:
        np.testing.assert_array_equal(mine, reference)


def test_pipeline_arguments_come_from_the_config_without_building():
    paper = PoseConv3DEncoder(POSEC3D_PAPER, action_names=NTU60_ACTIONS)
    assert paper._model is None  # the parser reads dim first
    assert paper.dim == 512 and paper.extra_dims == {'action_scores': 60}
    assert (paper.clip_len, paper.num_clips, paper.double, paper.crop_size) == (48, 10, True, 64)
    assert (paper.resize_scale, paper.sigma, paper.hw_ratio) == ((-1, 64), 0.6, 1.0)
    assert paper.num_views == 20 and paper.describe()['action_names'][42] == 'falling'
    gym = PoseConv3DEncoder(POSEC3D_DIR + 'slowonly_r50_8xb16-u48-240e_gym-limb.py')
    assert gym.with_limb and not gym.with_kp and gym.extra_dims == {'action_scores': 99}
    k400 = PoseConv3DEncoder(POSEC3D_DIR + 'slowonly_r50_8xb32-u48-240e_k400-keypoint.py')
    assert (k400.crop_size, k400.resize_scale, k400.keep_ratio) == (0, (64, 64), False)
    assert PoseConv3DEncoder(POSEC3D_PAPER, num_clips=1, sigma=1.0).num_clips == 1
    bare = PoseConv3DEncoder(dict(model=dict(
        type='Recognizer3D', backbone=dict(type='ResNet3dSlowOnly', in_channels=17),
        cls_head=dict(type='I3DHead', in_channels=512, num_classes=60))))
    assert (bare.clip_len, bare.num_clips, bare.crop_size) == (48, 10, 64)  # the paper's
    assert PoseConv3DEncoder(POSEC3D_TINY, with_action=False).extra_dims == {}


# ================================================================ PoseConv3D model
def test_encoder_on_world_skeletons(encoder, pose, weights, world):
    """Skeletons that MMPoseTopDown finds on a generated video's people, encoded."""
    frames, annotation = _video(world, '02_0001')
    track = next(t for t in annotation['tracks'] if t['category'] == 'person'
                 and t['first_frame'] == 0)
    boxes = np.asarray(track['boxes'], np.float64)[:16]
    keypoints = np.stack([pose(frames[i], i, boxes[i:i + 1], None)[0] for i in range(16)])
    clips = [_clip(keypoints, 1), _clip(_skeleton(60, 40, seed=1), 2),
             _clip(_skeleton(150, 100, scale=1.4, seed=2), 3),
             _clip(np.zeros((16, 17, 3), np.float32), 4), _clip(None, 5)]
    features, extras = encoder.extract(frames[:16], clips)
    scores = extras['action_scores']
    assert features.shape == (5, 32) and features.dtype == np.float32
    assert scores.shape == (5, 5) and scores.dtype == np.float32
    assert np.isfinite(features).all() and np.isfinite(scores).all()
    np.testing.assert_allclose(scores.sum(axis=1), 1, rtol=1e-5)
    assert (scores >= 0).all()
    assert not np.allclose(features[0], features[1])  # another person, another feature
    assert not np.allclose(features[1], features[2])
    # no keypoint score, or no pose at all: the encoding of all-zero heatmaps
    zero_f, zero_s = encoder.encode_volumes(np.zeros((1, 17, 8, 32, 32), np.float32))
    np.testing.assert_allclose(features[3], zero_f[0], atol=1e-6)
    np.testing.assert_allclose(features[4], zero_f[0], atol=1e-6)
    np.testing.assert_allclose(scores[3], zero_s[0], atol=1e-6)
    # deterministic, and each object encoded alone gives its own row
    again = encoder(frames[:16], clips)
    np.testing.assert_array_equal(again, features)
    np.testing.assert_allclose(encoder(frames[:16], clips[1:2])[0], features[1], atol=1e-5)
    assert encoder(frames[:16], []).shape == (0, 32)
    # the features are the views' mean: two clips of 8 frames, and their mirror images
    four = PoseConv3DEncoder(POSEC3D_TINY, checkpoint=weights['encoder'], num_clips=2,
                             double=True, batch_size=3)
    volumes = four.heatmap_volumes(clips[1].keypoints, (HEIGHT, WIDTH))
    view_f, view_s = encoder.encode_volumes(volumes)
    f4, e4 = four.extract(frames[:16], clips[1:2])
    np.testing.assert_allclose(f4[0], view_f.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(e4['action_scores'][0], view_s.mean(axis=0), atol=1e-6)


def test_encoder_weights_round_trip(encoder, weights):
    clips = [_clip(_skeleton(60, 40, seed=1)), _clip(_skeleton(150, 90, seed=4), 2)]
    frames = [np.zeros((HEIGHT, WIDTH, 3), np.uint8)]
    reference, extras = encoder.extract(frames, clips)
    with random_init_seed(1):  # another random initialisation
        other = PoseConv3DEncoder(POSEC3D_TINY)
        assert not np.array_equal(other(frames, clips), reference)
    loaded = PoseConv3DEncoder(POSEC3D_TINY, checkpoint=weights['encoder'])
    features, more = loaded.extract(frames, clips)
    np.testing.assert_array_equal(features, reference)
    np.testing.assert_array_equal(more['action_scores'], extras['action_scores'])


def test_encoder_refuses_bad_input(encoder, weights):
    with pytest.raises(CheckpointMismatchError):
        PoseConv3DEncoder(POSEC3D_TINY, checkpoint=weights['pose']).model
    for kwargs, name in [(dict(clip_len=0), 'clip_len'), (dict(num_clips=1.5), 'num_clips'),
                         (dict(sigma=-1), 'sigma'), (dict(padding=-0.1), 'padding'),
                         (dict(hw_ratio='square'), 'hw_ratio'),
                         (dict(resize_scale=(-1, -1)), 'resize_scale'),
                         (dict(crop_size=-3), 'crop_size'), (dict(batch_size=0), 'batch_size'),
                         (dict(use_score='yes'), 'use_score'),
                         (dict(with_action=1), 'with_action'),
                         (dict(action_names=['walk']), 'action_names'),
                         (dict(with_kp=False, with_limb=False), 'with_kp or with_limb'),
                         (dict(left_kp=(1, 17)), 'left_kp'),
                         (dict(skeletons=((0, 1), (2, 20))), 'skeletons'),
                         (dict(left_limb=(40, )), 'left_limb'),
                         (dict(seed=-1), 'seed')]:
        with pytest.raises(ValueError, match=name):
            PoseConv3DEncoder(POSEC3D_TINY, **kwargs)
    with pytest.raises(ConfigError, match='34'):  # keypoints and limbs: 34 channels
        PoseConv3DEncoder(POSEC3D_TINY, with_limb=True)
    with pytest.raises(ConfigError, match='cls_head'):
        PoseConv3DEncoder(dict(type='Recognizer3D', backbone=dict(type='ResNet3dSlowOnly')))
    with pytest.raises(ConfigError):
        PoseConv3DEncoder(None)
    frames = [np.zeros((HEIGHT, WIDTH, 3), np.uint8)]
    with pytest.raises(DataError, match='track 9, clip 0.*t x 17 x 3'):
        encoder(frames, [_clip(np.zeros((16, 17, 2), np.float32), 9)])
    with pytest.raises(DataError, match='infinite'):
        bad = _skeleton()
        bad[0, 0, 0] = np.inf
        encoder(frames, [_clip(bad)])
    with pytest.raises(DataError, match='frame size'):
        PoseConv3DEncoder(POSEC3D_TINY)([], [_clip(_skeleton())])


def test_encoder_in_the_parser(world):
    """VideoParser with the oracle detector and tracker, MMPoseTopDown and the encoder as
    the ``motion`` extractor: features and action scores land in the parser's arrays for
    the tracklets with more than 10 tracked frames, zeros elsewhere."""
    from vadkit.parsing import VideoParser
    frames, annotation = _video(world, '02_0001')
    parser = VideoParser(detector=dict(type='OracleDetector'),
                         tracker=dict(type='OracleTracker'),
                         pose=dict(type='MMPoseTopDown', config=HRNET_TINY),
                         pose_labels=('person', ), min_track_length=15,
                         object_extractors=dict(
                             motion=dict(type='PoseConv3DEncoder', config=POSEC3D_TINY)))
    info = VideoInfo('02_0001', len(frames), WIDTH, HEIGHT, 25.0, annotation)
    arrays, meta = parser.parse(frames, info)
    motion, scores = arrays['objects_motion'], arrays['objects_motion_action_scores']
    valid = arrays['objects_index'][:, 5].astype(bool)
    assert motion.shape == (len(valid), 32) and scores.shape == (len(valid), 5)
    assert motion.dtype == np.float32 and scores.dtype == np.float32
    assert valid.any() and (~valid).any()
    np.testing.assert_allclose(scores[valid].sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(scores[~valid], 0)
    np.testing.assert_array_equal(motion[~valid], 0)
    assert np.isfinite(motion).all()
    # every valid row equals the encoder on that object clip's keypoints; a clip whose
    # heatmaps are not all zero has a non-zero feature (random weights: zero heatmaps
    # give a zero feature)
    encoder = parser.object_extractors['motion']
    drawn = 0
    for row in np.flatnonzero(valid):
        clip_index, start, end, track_id = (int(v) for v in arrays['objects_index'][row, :4])
        mask = arrays['objects_mask'][row]
        keypoints = arrays['objects_keypoints'][row][mask]
        clip = ObjectClip(clip_index, start, end, track_id, 'person',
                          np.flatnonzero(mask) + start, arrays['objects_boxes'][row][mask],
                          keypoints, 20)
        f, e = encoder.extract(frames[start:end], [clip])
        np.testing.assert_allclose(f[0], motion[row], atol=1e-5)
        np.testing.assert_allclose(e['action_scores'][0], scores[row], atol=1e-5)
        if encoder.heatmap_volumes(keypoints, (HEIGHT, WIDTH)).any():
            assert np.abs(motion[row]).sum() > 0
            drawn += 1
    assert drawn >= 3


@pytest.mark.slow
def test_paper_size_models_build_without_weights(ped2):
    pose = MMPoseTopDown(HRNET_PAPER)
    out = pose(ped2, 0, np.array([[100, 50, 130, 90]], float), None)
    assert out.shape == (1, 17, 3) and np.isfinite(out).all()
    assert pose.input_size == (192, 256)
    encoder = PoseConv3DEncoder(POSEC3D_PAPER, num_clips=1, double=False)
    features, extras = encoder.extract([ped2], [_clip(_skeleton())])
    assert features.shape == (1, 512) and extras['action_scores'].shape == (1, 60)
    assert np.isfinite(features).all()
