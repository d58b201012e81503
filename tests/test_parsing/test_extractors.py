"""Hand-crafted feature extractors on drawn inputs whose features are known by hand:
colour / HOG appearance, skeleton kinematics, the background scene descriptor and the
motion-energy clip features."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest

from tests.conftest import require_shared_data
from vadkit.parsing.base import ObjectClip, VideoInfo
from vadkit.parsing.extractors import (BackgroundSceneDescriptor, ColorHOGAppearance,
                                       MotionEnergyClip, SkeletonKinematics)
from vadkit.parsing.extractors.appearance import sample_indices
from vadkit.utils.errors import DataError


def textured(height: int, width: int, seed: int, low: int = 0, high: int = 255,
             channels: int = 0) -> np.ndarray:
    """Smooth random texture, ``uint8[h, w]`` (or ``[h, w, channels]``)."""
    shape = (height, width, channels) if channels else (height, width)
    noise = np.random.default_rng(seed).integers(low, high + 1, shape).astype(np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 1.0)


def object_clip(frames, boxes, keypoints=None, start=0, track_id=1,
                track_length=None) -> ObjectClip:
    frames = np.asarray(frames, np.int64)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    end = int(frames.max()) + 1 if len(frames) else start
    return ObjectClip(clip_index=0, start=start, end=max(end, start + 1), track_id=track_id,
                      label='person', frames=frames, boxes=boxes, keypoints=keypoints,
                      track_length=len(frames) if track_length is None else track_length)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------- appearance
def tinted(texture: np.ndarray, bgr) -> np.ndarray:
    """A grey texture coloured by ``bgr`` factors: ``uint8[h, w, 3]``."""
    return np.clip(texture[..., None] * np.asarray(bgr, np.float64), 0, 255).astype(np.uint8)


def test_appearance_dim_follows_the_formula():
    assert ColorHOGAppearance().dim == 884  # 8 * 4 * 4 + 36 * 3 * 7
    other = ColorHOGAppearance(crop_size=(48, 96), bins=(6, 3, 2))
    assert other.dim == 6 * 3 * 2 + 36 * ((48 - 8) // 8) * ((96 - 8) // 8) == 2016
    frames = [np.zeros((60, 80, 3), np.uint8)] * 3
    out = other(frames, [object_clip([0, 1, 2], [[10, 5, 40, 55]] * 3)])
    assert out.shape == (1, 2016) and out.dtype == np.float32


@pytest.mark.parametrize('color_weight', [0.5, 0.8, 0.0])
def test_appearance_parts_share_the_unit_norm(color_weight):
    extractor = ColorHOGAppearance(color_weight=color_weight)
    frame = tinted(textured(120, 160, 0, 40, 255), (0.3, 0.6, 1.0))
    vector = extractor([frame] * 4, [object_clip([0, 1, 2, 3], [[30, 10, 70, 100]] * 4)])[0]
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert np.sum(vector[:128] ** 2) == pytest.approx(color_weight, abs=1e-5)
    assert np.sum(vector[128:] ** 2) == pytest.approx(1.0 - color_weight, abs=1e-5)
    assert vector.min() >= 0


@pytest.mark.parametrize('bgr,hue_bin', [((0, 0, 255), 0), ((0, 255, 0), 2),
                                         ((255, 0, 0), 5)])
def test_pure_colour_fills_its_hue_bin(bgr, hue_bin):
    # OpenCV hues: red 0, green 60, blue 120 of 0..180 -> bins of 22.5: 0, 2, 5; full
    # saturation and value fall in the last of 4 bins: index hue * 16 + 3 * 4 + 3
    frame = np.zeros((64, 64, 3), np.uint8)
    frame[8:56, 16:40] = bgr
    vector = ColorHOGAppearance()([frame] * 2, [object_clip([0, 1], [[16, 8, 40, 56]] * 2)])[0]
    expected = np.zeros(128, np.float32)
    expected[hue_bin * 16 + 15] = np.sqrt(0.5)
    np.testing.assert_allclose(vector[:128], expected, atol=1e-6)
    # a flat crop has no gradient: the HOG part stays zero, the norm is sqrt(color_weight)
    np.testing.assert_array_equal(vector[128:], 0)
    assert np.linalg.norm(vector) == pytest.approx(np.sqrt(0.5), abs=1e-6)


def test_same_object_same_vector_other_colour_less_similar():
    figure = textured(48, 24, 7, 60, 255)
    red, green = tinted(figure, (0.2, 0.25, 1.0)), tinted(figure, (0.2, 1.0, 0.25))

    def clip_with(obj, seed, x0):
        frames, boxes = [], []
        for t in range(6):
            frame = textured(120, 160, seed + t, 0, 80, channels=3)
            x = x0 + 3 * t
            frame[30:78, x:x + 24] = obj
            frames.append(frame)
            boxes.append([x, 30, x + 24, 78])
        return frames, object_clip(range(6), boxes)

    extractor = ColorHOGAppearance()

    def vector(obj, seed, x0):
        frames, clip = clip_with(obj, seed, x0)
        return extractor(frames, [clip])[0]

    a, b, c = vector(red, 0, 20), vector(red, 50, 90), vector(green, 50, 90)
    np.testing.assert_array_equal(a, b)  # same crops on other backgrounds and places
    # colour histograms disjoint, shapes alike: about the HOG half of the similarity
    assert 0.3 < cosine(a, c) < 0.55


def test_sample_indices_are_evenly_spaced():
    assert sample_indices(10, 4).tolist() == [0, 3, 6, 9]
    assert sample_indices(5, 4).tolist() == [0, 1, 3, 4]
    assert sample_indices(4, 4).tolist() == [0, 1, 2, 3]
    assert sample_indices(3, 4).tolist() == [0, 1, 2]
    assert sample_indices(7, 1).tolist() == [0]
    assert sample_indices(0, 4).tolist() == []


def test_crops_are_taken_at_the_sampled_tracked_frames():
    frames = [np.full((40, 40, 3), 10 * i, np.uint8) for i in range(16)]  # frame i: 10 * i
    tracked = [2, 3, 5, 6, 8, 9, 11, 12, 13, 15]
    clip = object_clip(tracked, [[5, 5, 30, 35]] * len(tracked))
    crops = ColorHOGAppearance().crops(frames, clip)
    assert [int(c[0, 0, 0]) for c in crops] == [20, 60, 110, 150]  # frames 2, 6, 11, 15
    assert all(c.shape == (64, 32, 3) for c in crops)


def test_boxes_outside_the_frame_are_clipped():
    frame = textured(48, 64, 3, channels=3)
    extractor = ColorHOGAppearance()
    partly = extractor.crops([frame], object_clip([0], [[-10.0, -6.0, 20.0, 30.0]]))[0]
    np.testing.assert_array_equal(
        partly, cv2.resize(frame[0:30, 0:20], (32, 64), interpolation=cv2.INTER_AREA))
    outside = extractor.crops([frame], object_clip([0], [[70.0, 5.0, 90.0, 20.0]]))[0]
    np.testing.assert_array_equal(
        outside, cv2.resize(frame[5:20, 63:64], (32, 64), interpolation=cv2.INTER_AREA))


def test_frames_outside_the_buffer_raise_with_the_track_id():
    frames = [np.zeros((40, 40, 3), np.uint8)] * 16
    clip = object_clip([10, 11, 30], [[0, 0, 10, 10]] * 3, start=10, track_id=7)
    with pytest.raises(DataError, match=r'track 7 .*needs frame 30.*frames 10 to 25'):
        ColorHOGAppearance()(frames, [clip])


def test_clip_without_frames_gives_zeros():
    frame = textured(64, 64, 1, channels=3)
    empty = object_clip(np.zeros(0, np.int64), np.zeros((0, 4)))
    full = object_clip([0], [[10, 10, 40, 60]])
    out = ColorHOGAppearance()([frame], [empty, full])
    assert out.shape == (2, 884)
    np.testing.assert_array_equal(out[0], 0)
    assert np.linalg.norm(out[1]) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize('kwargs', [dict(num_samples=0), dict(crop_size=(30, 64)),
                                    dict(crop_size=(8, 64)), dict(crop_size=(32, )),
                                    dict(bins=(8, 4)), dict(bins=(0, 4, 4)),
                                    dict(color_weight=1.5), dict(color_weight=-0.1)])
def test_appearance_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ColorHOGAppearance(**kwargs)


# --------------------------------------------------------------------------- skeleton
F = {name: i for i, name in enumerate(SkeletonKinematics.feature_names)}
#: COCO-17 order of a flipped image: nose, then each left / right pair swapped.
MIRROR = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
HEIGHT = 100.0  # box height of the drawn skeletons (pixels)


def standing(x: float = 100.0, y_feet: float = 200.0) -> np.ndarray:
    """``float[17, 3]`` upright skeleton (seen from the side, facing +x)."""
    from vadkit.datasets.synthetic.motion import standing_pose
    return standing_pose((x, y_feet), HEIGHT)


def box_of(kp: np.ndarray) -> np.ndarray:
    """Box of constant height ``HEIGHT`` standing on the skeleton's feet."""
    x = kp[11:13, 0].mean()
    bottom = kp[:, 1].max()
    return np.array([x - 20, bottom - HEIGHT, x + 20, bottom])


def skeleton_clip(keypoints: np.ndarray, frames=None, track_length=None) -> ObjectClip:
    frames = np.arange(len(keypoints)) if frames is None else np.asarray(frames)
    boxes = np.stack([box_of(k) for k in keypoints])
    return object_clip(frames, boxes, keypoints=keypoints,
                       track_length=max(len(frames), 20) if track_length is None
                       else track_length)


def translated(v: float, frames: int = 12, fps: float = 25.0) -> np.ndarray:
    """A standing skeleton moving along x at ``v`` box heights per second."""
    kp = np.repeat(standing()[None], frames, axis=0)
    kp[..., 0] += (v * HEIGHT / fps) * np.arange(frames)[:, None]
    return kp


def mirrored(kp: np.ndarray, width: float = 400.0) -> np.ndarray:
    """What a pose estimator reports on the horizontally flipped frames."""
    out = kp[:, MIRROR].copy()
    out[..., 0] = width - out[..., 0]
    return out


def walking(direction: int, frames: int = 20) -> np.ndarray:
    """A walking gait (the synthetic world's body model) moving along ``direction``."""
    from vadkit.datasets.synthetic.motion import pose_at
    facing = 0.3 if direction > 0 else np.pi - 0.3
    return np.stack([pose_at((200 + direction * 3.0 * t, 200), HEIGHT, facing, 0.6 * t)
                     for t in range(frames)])


def test_skeleton_dim_and_names():
    extractor = SkeletonKinematics()
    assert extractor.dim == len(extractor.feature_names) == 176
    assert len(set(extractor.feature_names)) == 176
    assert extractor.feature_names[-1] == 'valid'
    out = extractor(None, [skeleton_clip(translated(1.0))])
    assert out.shape == (1, 176) and out.dtype == np.float32


def test_constant_velocity_gives_centre_speed_and_no_joint_motion():
    v = 1.5  # box heights per second: 6 px per frame at 25 fps
    out = SkeletonKinematics().describe_clip(skeleton_clip(translated(v)))
    for name, value in dict(centre_speed_mean=v, centre_speed_std=0.0, centre_speed_max=v,
                            centre_abs_vx_mean=v, centre_vy_mean=0.0, centre_abs_vy_mean=0.0,
                            box_aspect_mean=0.4, box_aspect_std=0.0, height_ratio_min=1.0,
                            posed_fraction=1.0, valid=1.0).items():
        assert out[F[name]] == pytest.approx(value, abs=1e-5), name
    joint_motion = [F[n] for n in F if n.startswith(('vel_', 'acc_'))]
    assert len(joint_motion) == 68
    np.testing.assert_allclose(out[joint_motion], 0.0, atol=1e-4)


def test_box_shape_and_vertical_motion():
    heights = np.array([100.0, 100, 90, 80, 70, 60])  # a shrinking box on fixed feet
    kp = np.repeat(standing()[None], len(heights), axis=0)
    boxes = np.stack([[80.0, 200 - h, 120, 200] for h in heights])
    clip = object_clip(range(len(heights)), boxes, keypoints=kp, track_length=20)
    out = SkeletonKinematics().describe_clip(clip)
    assert out[F['height_ratio_min']] == pytest.approx(0.6)
    assert out[F['box_aspect_mean']] == pytest.approx(np.mean(40 / heights), rel=1e-6)
    assert out[F['box_aspect_std']] == pytest.approx(np.std(40 / heights), rel=1e-5)
    # the centre moves down by 5 px per frame after the first pair: 125 px/s over the
    # median height 85
    assert out[F['centre_vy_mean']] == pytest.approx(4 * 125 / 5 / 85, rel=1e-6)
    assert out[F['centre_abs_vy_mean']] == pytest.approx(4 * 125 / 5 / 85, rel=1e-6)
    assert out[F['centre_speed_max']] == pytest.approx(125 / 85, rel=1e-6)
    assert out[F['centre_abs_vx_mean']] == 0


def test_fps_comes_from_reset():
    clip = skeleton_clip(translated(1.5))  # 6 px per frame
    extractor = SkeletonKinematics(fps=25.0)
    extractor.reset(VideoInfo('v', 100, 400, 300, fps=50.0))
    assert extractor.describe_clip(clip)[F['centre_speed_mean']] == pytest.approx(3.0, 1e-5)
    extractor.reset(VideoInfo('v', 100, 400, 300, fps=0.0))  # unknown: the default
    assert extractor.describe_clip(clip)[F['centre_speed_mean']] == pytest.approx(1.5, 1e-5)
    extractor = SkeletonKinematics(fps=10.0)
    assert extractor.describe_clip(clip)[F['centre_speed_mean']] == pytest.approx(0.6, 1e-5)


def test_walk_to_the_left_is_described_like_its_mirror_image():
    extractor = SkeletonKinematics()
    left = walking(-1)
    a = extractor.describe_clip(skeleton_clip(left))
    b = extractor.describe_clip(skeleton_clip(mirrored(left)))
    assert a[F['valid']] == 1 and a[F['centre_abs_vx_mean']] > 0.5
    np.testing.assert_allclose(a, b, atol=1e-5)
    # flipping x alone (keeping the labels) would turn the body inside out: it differs
    flipped = left.copy()
    flipped[..., 0] = 400.0 - flipped[..., 0]
    c = extractor.describe_clip(skeleton_clip(flipped))
    pos = [F[n] for n in F if n.startswith('pos_') and n.endswith('_mean')]
    assert np.abs(a[pos] - c[pos]).max() > 0.02


def test_synthetic_walks_in_both_directions_look_alike():
    from vadkit.datasets.synthetic.motion import make_track
    from vadkit.datasets.synthetic.scenes import make_scene
    scene = make_scene('walkway', 's00_walkway', 320, 240, seed=3)
    extractor = SkeletonKinematics()
    pos = [F[n] for n in F if n.startswith('pos_') and n.endswith('_mean')]
    distances = []
    for seed in range(3):
        vectors = []
        for direction in (1, -1):
            track = make_track('walk', scene, np.random.default_rng(seed), 0, 0, 200, 25.0,
                               direction=direction)
            clips = [ObjectClip(0, int(track.frames[a]), int(track.frames[a]) + 16, 0, 'person',
                                track.frames[a:a + 16], track.boxes[a:a + 16],
                                track.keypoints[a:a + 16], len(track.frames))
                     for a in range(10, len(track.frames) - 16, 16)]
            vectors.append(extractor(None, clips).mean(axis=0))
        distances.append(np.linalg.norm(vectors[0][pos] - vectors[1][pos]))
    # measured 0.01-0.03 (0.28 when the left walker was flipped without swapping sides)
    assert max(distances) < 0.06


def test_torso_direction_standing_and_lying():
    extractor = SkeletonKinematics()
    upright = np.repeat(standing()[None], 8, axis=0)
    up = extractor.describe_clip(skeleton_clip(upright))
    assert up[F['limb_torso_dy']] == pytest.approx(-1.0, abs=0.01)
    assert abs(up[F['limb_torso_dx']]) < 0.1 and up[F['limb_torso_spread']] < 1e-3
    # one foot forward: the left shin slants, the torso stays upright
    stride = upright.copy()
    stride[:, 15, 0] += 20.0
    shin = stride[0, 15, :2] - stride[0, 13, :2]
    out = extractor.describe_clip(skeleton_clip(stride))
    np.testing.assert_allclose(out[[F['limb_left_shin_dx'], F['limb_left_shin_dy']]],
                               shin / np.linalg.norm(shin), atol=1e-5)
    assert out[F['limb_torso_dy']] == pytest.approx(up[F['limb_torso_dy']], abs=1e-6)
    # lying: the skeleton turned by 90 degrees about its hips (head towards +x)
    lying = upright.copy()
    hips = upright[0, 11:13, :2].mean(axis=0)
    rel = upright[..., :2] - hips
    lying[..., 0], lying[..., 1] = hips[0] - rel[..., 1], hips[1] + rel[..., 0]
    down = extractor.describe_clip(skeleton_clip(lying))
    assert abs(down[F['limb_torso_dy']]) < 0.1
    assert down[F['limb_torso_dx']] == pytest.approx(1.0, abs=0.01)
    assert down[F['skeleton_aspect_mean']] > 2.0 > up[F['skeleton_aspect_mean']]


def test_constant_acceleration_of_a_joint():
    a = 2.0  # box heights per second squared, relative to the hips
    frames = np.array([0, 1, 2, 4, 5, 7, 8, 9, 12, 13, 14, 15])  # uneven gaps
    t = frames / 25.0
    kp = np.repeat(standing()[None], len(frames), axis=0)
    kp[:, 9, 0] += 0.5 * a * t ** 2 * HEIGHT  # the left wrist
    out = SkeletonKinematics().describe_clip(skeleton_clip(kp, frames))
    assert out[F['acc_left_wrist_mean']] == pytest.approx(a, rel=1e-4)
    assert out[F['acc_left_wrist_std']] == pytest.approx(0.0, abs=1e-3)
    mid = (t[1:] + t[:-1]) / 2  # the finite-difference speed is exact at the mid-times
    assert out[F['vel_left_wrist_mean']] == pytest.approx(a * mid.mean(), rel=1e-4)
    assert out[F['vel_left_wrist_std']] == pytest.approx(a * mid.std(), rel=1e-3)
    others = [F[f'acc_{j}_mean'] for j in ('nose', 'right_wrist', 'left_ankle', 'left_hip')]
    np.testing.assert_allclose(out[others], 0.0, atol=1e-4)


def test_short_tracks_and_few_posed_frames_give_zeros():
    extractor = SkeletonKinematics(min_frames=4, min_track_length=10)
    kp = translated(1.0, frames=8)
    short = extractor.describe_clip(skeleton_clip(kp, track_length=10))
    np.testing.assert_array_equal(short, 0)
    assert extractor.describe_clip(skeleton_clip(kp, track_length=11))[F['valid']] == 1
    few = kp.copy()
    few[3:, 11, 2] = 0  # left hip unseen: only 3 posed frames
    np.testing.assert_array_equal(extractor.describe_clip(skeleton_clip(few)), 0)
    few[3, 11, 2] = 1.0  # 4 posed frames of 8
    out = extractor.describe_clip(skeleton_clip(few))
    assert out[F['valid']] == 1 and out[F['posed_fraction']] == pytest.approx(0.5)
    no_pose = skeleton_clip(kp)
    no_pose.keypoints = None
    np.testing.assert_array_equal(extractor(None, [no_pose]), 0)


def test_run_is_faster_than_walk_in_the_synthetic_world():
    from vadkit.datasets.synthetic.motion import make_track
    from vadkit.datasets.synthetic.scenes import make_scene
    scene = make_scene('walkway', 's00_walkway', 320, 240, seed=3)
    extractor = SkeletonKinematics()
    values = {}
    for behaviour in ('walk', 'run'):
        track = make_track(behaviour, scene, np.random.default_rng(1), 0, 0, 200, 25.0,
                           direction=1)
        m = len(track.frames) // 2
        clip = ObjectClip(0, int(track.frames[m - 8]), int(track.frames[m + 7]) + 1, 0,
                          'person', track.frames[m - 8:m + 8], track.boxes[m - 8:m + 8],
                          track.keypoints[m - 8:m + 8], len(track.frames))
        values[behaviour] = extractor.describe_clip(clip)
    walk, run = values['walk'], values['run']
    assert walk[F['valid']] == run[F['valid']] == 1
    # measured 0.83 and 2.28 box heights per second (the world: 0.77-0.93 and 2.25-2.75
    # person heights per second)
    assert 0.6 < walk[F['centre_speed_mean']] < 1.0
    assert 1.9 < run[F['centre_speed_mean']] < 2.8
    joints = [F[f'vel_{j}_mean'] for j in ('left_ankle', 'right_ankle', 'left_wrist',
                                          'right_wrist')]
    assert np.all(run[joints] > 1.5 * walk[joints])


@pytest.mark.parametrize('kwargs', [dict(min_frames=2), dict(min_joints=1),
                                    dict(min_joints=18), dict(fps=0),
                                    dict(min_track_length=-1)])
def test_skeleton_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        SkeletonKinematics(**kwargs)


# --------------------------------------------------------------------------- scene
@pytest.fixture(scope='module')
def world_clips():
    """16 frames of each of two videos of scene 01 (walkway) and of 02 (road)."""
    from vadkit.datasets.synthetic import (plan_world, render_video, simulate_video,
                                           world_config)
    from vadkit.datasets.synthetic.scenes import render_background
    config = world_config('tiny', width=160, height=120, train_videos=2, test_videos=0,
                          num_frames=(64, 64))
    plan = plan_world(config, seed=7)
    backgrounds = [render_background(s) for s in plan.scenes]
    clips = {}
    for video in plan.videos:
        simulated = simulate_video(video, plan.scenes[video.scene_index], config)
        assert all(simulated.actors_at(f) for f in range(16))  # people in every frame
        frames = []
        for frame in render_video(simulated, backgrounds[video.scene_index],
                                  config.noise_sigma):
            frames.append(frame)
            if len(frames) == 16:
                break
        clips[video.video] = frames
    assert sorted(clips) == ['01_001', '01_002', '02_001', '02_002']
    return clips


def test_scene_dim():
    assert BackgroundSceneDescriptor().dim == 64
    assert BackgroundSceneDescriptor(grid=3, size=(60, 48)).dim == 36


def test_same_scene_is_closer_than_another_scene(world_clips):
    extractor = BackgroundSceneDescriptor()
    vectors = {}
    for name, frames in world_clips.items():
        extractor.reset(VideoInfo(name, 64, 160, 120))
        vectors[name] = extractor(frames, 0)
        assert vectors[name].shape == (64, ) and vectors[name].dtype == np.float32
        assert np.linalg.norm(vectors[name]) == pytest.approx(1.0, abs=1e-5)
    same = [cosine(vectors['01_001'], vectors['01_002']),
            cosine(vectors['02_001'], vectors['02_002'])]
    other = [cosine(vectors[a], vectors[b]) for a in ('01_001', '01_002')
             for b in ('02_001', '02_002')]
    # measured: same scene 0.995, walkway vs road 0.83-0.85
    assert min(same) > 0.98
    assert max(other) < 0.92
    assert min(same) - max(other) > 0.1


def test_background_follows_the_running_update():
    extractor = BackgroundSceneDescriptor(learning_rate=0.2)
    assert extractor.background is None
    np.testing.assert_array_equal(extractor([], 0), 0)  # nothing seen yet
    first = [np.full((120, 160, 3), v, np.uint8) for v in (10, 100, 240)]  # median 100
    extractor(first, 0)
    np.testing.assert_allclose(extractor.background, 100 / 255, atol=1e-6)
    extractor([np.full((120, 160, 3), 200, np.uint8)] * 3, 16)
    np.testing.assert_allclose(extractor.background, (0.8 * 100 + 0.2 * 200) / 255, atol=1e-6)
    extractor([np.full((120, 160, 3), 50, np.uint8)] * 3, 32)
    np.testing.assert_allclose(extractor.background, (0.8 * 120 + 0.2 * 50) / 255, atol=1e-6)
    assert extractor.background.shape == (48, 64, 3)
    # an empty clip leaves the background as it is
    before = extractor.background.copy()
    extractor([], 48)
    np.testing.assert_array_equal(extractor.background, before)


def test_background_is_bgr_and_the_layout_of_a_flat_grey_is_known():
    extractor = BackgroundSceneDescriptor()
    extractor([np.full((48, 64, 3), (10, 100, 200), np.uint8)], 0)
    np.testing.assert_allclose(extractor.background[0, 0], np.array([10, 100, 200]) / 255,
                               atol=1e-6)
    extractor.reset(VideoInfo('v', 16, 64, 48))
    vector = extractor([np.full((48, 64), 100, np.uint8)], 0)  # grey frames are accepted
    cells = vector.reshape(16, 4)
    # L of grey 100 is below 50, a = b = 0 and no gradient: each cell is (-1/4, 0, 0, 0)
    np.testing.assert_allclose(cells[:, 0], -0.25, atol=1e-4)
    np.testing.assert_allclose(cells[:, 1:], 0.0, atol=5e-3)


def test_median_removes_people_passing_by():
    scene = textured(96, 128, 4, channels=3)
    frames = []
    for t in range(5):
        frame = scene.copy()
        frame[30:62, 8 + 24 * t:24 + 24 * t] = (0, 0, 255)  # a red figure walking right
        frames.append(frame)
    extractor = BackgroundSceneDescriptor()
    extractor(frames, 0)
    clean = cv2.resize(scene, (64, 48), interpolation=cv2.INTER_AREA) / 255.0
    np.testing.assert_allclose(extractor.background, clean, atol=1e-6)


def test_reset_and_going_back_restart_the_background():
    extractor = BackgroundSceneDescriptor(learning_rate=0.5)
    grey = [np.full((48, 64, 3), v, np.uint8) for v in (100, 200, 50, 20)]
    extractor([grey[0]], 0)
    extractor([grey[1]], 16)
    np.testing.assert_allclose(extractor.background, 150 / 255, atol=1e-6)
    extractor([grey[2]], 0)  # the video read again from its start
    np.testing.assert_allclose(extractor.background, 50 / 255, atol=1e-6)
    extractor([grey[3]], 0)  # the same start once more: not a later clip either
    np.testing.assert_allclose(extractor.background, 20 / 255, atol=1e-6)
    extractor([grey[1]], 8)
    np.testing.assert_allclose(extractor.background, 110 / 255, atol=1e-6)
    extractor.reset(VideoInfo('next', 64, 64, 48))
    assert extractor.background is None
    np.testing.assert_array_equal(extractor([], 100), 0)
    extractor([grey[1]], 100)  # the first clip of the new video sets the background
    np.testing.assert_allclose(extractor.background, 200 / 255, atol=1e-6)


@pytest.mark.parametrize('kwargs', [dict(grid=0), dict(size=(65, 48)), dict(size=(2, 48)),
                                    dict(size=(64, )), dict(learning_rate=0.0),
                                    dict(learning_rate=1.5)])
def test_scene_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        BackgroundSceneDescriptor(**kwargs)


def test_scene_rejects_bad_frames():
    with pytest.raises(DataError, match='shape'):
        BackgroundSceneDescriptor()([np.zeros((48, 64, 4), np.uint8)], 0)


# --------------------------------------------------------------------------- clip
PATCH = dict(whole=0, top_left_2x2=1, top_left_3x3=5)
OB, FB = 8, 8  # default orientation and flow bins
DIRECTIONS = slice(4 + OB, 4 + OB + FB)
MAGNITUDES = slice(4 + OB + FB, 4 + OB + FB + 4)


def moving_square(dx: int, dy: int, frames: int = 9, height: int = 144, width: int = 192,
                  x0: int = 8, y0: int = 12, size: int = 16) -> list:
    """A bright textured square moving by ``(dx, dy)`` px per frame over a dark textured
    background."""
    background = textured(height, width, 0, 0, 120)
    square = textured(size, size, 1, 150, 255)
    out = []
    for t in range(frames):
        frame = background.copy()
        x, y = x0 + dx * t, y0 + dy * t
        frame[y:y + size, x:x + size] = square
        out.append(frame)
    return out


def test_clip_dims_and_names():
    extractor = MotionEnergyClip()
    assert extractor.num_patches == 14 and extractor.dim == 25
    names = extractor.feature_names
    assert len(names) == 25 and names[:3] == ['diff_mean', 'diff_max', 'moving_fraction']
    assert names[3 + OB] == 'grad_magnitude' and names[-1] == 'flow_mean'
    assert names[DIRECTIONS][0] == 'flow_direction_0'
    assert names[MAGNITUDES] == [f'flow_magnitude_{k}' for k in range(4)]
    other = MotionEnergyClip(grid=(1, 2), orientation_bins=4, flow_bins=4,
                             magnitude_edges=(1.0, 2.0))
    assert other.num_patches == 5 and other.dim == 3 + 4 + 1 + 4 + 2 + 1
    assert len(other.feature_names) == other.dim
    out = other([textured(48, 64, 0)] * 3)
    assert out.shape == (5, 15) and out.dtype == np.float32


def test_static_segment_has_no_motion():
    extractor = MotionEnergyClip()
    out = extractor([textured(120, 160, 2)] * 6)
    np.testing.assert_array_equal(out[:, :3], 0)
    np.testing.assert_array_equal(out[:, 4 + OB:], 0)
    assert np.all(out[:, 3 + OB] > 0)  # a texture has gradients
    np.testing.assert_allclose(out[:, 3:3 + OB].sum(axis=1), 1.0, atol=1e-5)
    single = extractor([textured(120, 160, 2)])  # one frame: gradients only
    np.testing.assert_array_equal(single[:, :3], 0)
    np.testing.assert_array_equal(single[:, 4 + OB:], 0)
    np.testing.assert_allclose(single[:, 3:4 + OB], out[:, 3:4 + OB], rtol=1e-5)
    np.testing.assert_array_equal(extractor([]), np.zeros((14, 25), np.float32))


def test_rightward_motion_fills_direction_bin_0_where_it_moves():
    # 2 px per frame; the edges put 2 inside [1.5, 3) (with the defaults it sits on an edge)
    extractor = MotionEnergyClip(magnitude_edges=(0.5, 1.0, 1.5, 3.0))
    out = extractor(moving_square(2, 0))
    moving = list(PATCH.values())  # the square stays in the top-left patches
    for p in moving:
        directions = out[p, DIRECTIONS]
        assert directions[0] > 0.9 * directions.sum(), p
        magnitudes = out[p, MAGNITUDES]
        assert magnitudes[2] > 0.75 * magnitudes.sum(), p
        # mean flow of the moving pixels: about 2 px per frame
        assert 1.7 < out[p, -1] / magnitudes.sum() < 2.3
        assert out[p, 0] > 0 and out[p, 2] > 0
    still = [p for p in range(14) if p not in moving]
    np.testing.assert_array_equal(out[still, 4 + OB:], 0)
    np.testing.assert_array_equal(out[still, :3], 0)
    assert out[PATCH['top_left_3x3'], DIRECTIONS][0] > out[PATCH['whole'], DIRECTIONS][0]


def test_downward_motion_fills_direction_bin_a_quarter_turn_on():
    out = MotionEnergyClip()(moving_square(0, 2))
    for p in PATCH.values():
        directions = out[p, DIRECTIONS]
        assert np.argmax(directions) == FB // 4 and directions[2] > 0.9 * directions.sum()
    four = MotionEnergyClip(flow_bins=4)(moving_square(0, 2))
    directions = four[PATCH['whole'], 4 + OB:4 + OB + 4]
    assert np.argmax(directions) == 1 and directions[1] > 0.9 * directions.sum()
    left = MotionEnergyClip()(moving_square(-2, 0, x0=40))
    assert np.argmax(left[PATCH['whole'], DIRECTIONS]) == FB // 2


def test_stripes_fill_the_gradient_orientation_bins():
    extractor = MotionEnergyClip()
    vertical = np.zeros((48, 64), np.uint8)
    vertical[:, (np.arange(64) // 4) % 2 == 1] = 200  # 4 px dark, 4 px bright
    out = extractor([vertical])
    np.testing.assert_allclose(out[:, 3], 1.0)  # horizontal gradients: bin 0
    np.testing.assert_array_equal(out[:, 4:3 + OB], 0)
    # central differences: 2 pixels of |g| = 100 at each of the 15 edges of a row
    assert out[PATCH['whole'], 3 + OB] == pytest.approx(30 * 100 / (64 * 255), rel=1e-5)
    out = extractor([np.ascontiguousarray(vertical.T)])  # horizontal stripes
    np.testing.assert_allclose(out[:, 3 + OB // 2], 1.0)  # vertical gradients: bin 4
    assert out[PATCH['whole'], 3 + OB] == pytest.approx(30 * 100 / (64 * 255), rel=1e-5)


def test_frame_difference_features():
    a = textured(120, 160, 5, 0, 200)
    out = MotionEnergyClip()([a, a + 10])
    np.testing.assert_allclose(out[:, 0], 10 / 255, rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], 10 / 255, rtol=1e-6)
    np.testing.assert_array_equal(out[:, 2], 0)  # 10 is not above 15 grey levels
    out = MotionEnergyClip()([a, a + 20, a])
    np.testing.assert_allclose(out[:, 0], 20 / 255, rtol=1e-6)
    np.testing.assert_allclose(out[:, 2], 1.0)
    half = a.copy()
    half[:, 80:] += 30  # only the right half changes
    out = MotionEnergyClip()([a, half])
    assert out[PATCH['whole'], 0] == pytest.approx(15 / 255, rel=1e-6)
    assert out[PATCH['top_left_2x2'], 0] == 0 and out[2, 0] == pytest.approx(30 / 255)


def test_grey_and_bgr_frames_agree():
    bgr = [textured(120, 160, 10 + t, channels=3) for t in range(4)]
    grey = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in bgr]
    extractor = MotionEnergyClip()
    expected = extractor(grey)
    np.testing.assert_array_equal(extractor(bgr), expected)
    np.testing.assert_array_equal(extractor([g[..., None] for g in grey]), expected)
    np.testing.assert_array_equal(extractor([g.astype(np.float32) for g in grey]), expected)


def test_large_frames_are_shrunk():
    large = moving_square(4, 0, height=288, width=384, x0=16, y0=24, size=32)
    extractor = MotionEnergyClip(max_size=192, magnitude_edges=(0.5, 1.0, 1.5, 3.0))
    small = [cv2.resize(f, (192, 144), interpolation=cv2.INTER_AREA) for f in large]
    out = extractor(large)
    np.testing.assert_array_equal(out, extractor(small))
    # 4 px per frame in the large frames is 2 px per frame of the shrunk ones
    magnitudes = out[PATCH['whole'], MAGNITUDES]
    assert 1.7 < out[PATCH['whole'], -1] / magnitudes.sum() < 2.3


def test_ped2_segment_wider_than_max_size():
    folder = require_shared_data('ped2', 'testing', 'frames', '04')
    paths = sorted(glob.glob(osp.join(folder, '*.jpg')))[:16]
    frames = [cv2.imread(p) for p in paths]
    assert len(frames) == 16 and frames[0].shape == (240, 360, 3)
    extractor = MotionEnergyClip()  # max_size 320: shrunk to 320 x 213
    out = extractor(frames)
    small = [cv2.resize(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), (320, 213),
                        interpolation=cv2.INTER_AREA) for f in frames]
    np.testing.assert_array_equal(out, extractor(small))
    assert np.isfinite(out).all()
    # pedestrians walk through: measured flow_mean 0.09 px/frame over the whole frame
    assert 0.03 < out[PATCH['whole'], -1] < 0.3
    assert out[PATCH['whole'], 0] > 0


@pytest.mark.parametrize('kwargs', [
    dict(grid=()), dict(grid=(1, 0)), dict(orientation_bins=0), dict(flow_bins=0),
    dict(magnitude_edges=()), dict(magnitude_edges=(0.0, 1.0)),
    dict(magnitude_edges=(1.0, 0.5)), dict(magnitude_edges=(1.0, 1.0)),
    dict(diff_threshold=-1.0), dict(flow_scale=0.0), dict(flow_scale=1.5),
    dict(flow_step=0), dict(max_size=11)])
def test_clip_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        MotionEnergyClip(**kwargs)


def test_clip_rejects_bad_frames():
    extractor = MotionEnergyClip()
    with pytest.raises(DataError, match='differ in size'):
        extractor([np.zeros((48, 64), np.uint8), np.zeros((48, 60), np.uint8)])
    with pytest.raises(DataError, match='shape'):
        extractor([np.zeros((48, 64, 4), np.uint8)])
    with pytest.raises(DataError, match='too small'):
        extractor([np.zeros((2, 64), np.uint8)] * 2)
