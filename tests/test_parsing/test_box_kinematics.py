"""BoxKinematics: the motion, size, place and inner motion of a tracked box, checked on a
box whose every number is known; and the pixel scores of tools/analysis/pixel_scores.py."""
import numpy as np
import pytest

from vadkit.parsing.base import ObjectClip, VideoInfo
from vadkit.parsing.extractors import BoxKinematics
from vadkit.parsing.extractors.motion import BOX_FEATURES


def _clip(frames, boxes):
    return ObjectClip(clip_index=0, start=0, end=16, track_id=3, label='person',
                      frames=np.asarray(frames), boxes=np.asarray(boxes, np.float64),
                      keypoints=None, track_length=len(frames))


def test_a_box_moving_right_at_two_pixels_a_frame():
    extractor = BoxKinematics(moving_threshold=15)
    extractor.reset(VideoInfo('v', 16, 100, 50, 25.0))
    t = np.arange(10)
    boxes = np.stack([10 + 2 * t, np.full(10, 10), 20 + 2 * t, np.full(10, 30)], 1)
    # uniform frames brightening by 20 grey levels a frame: every pixel moves
    frames = [np.full((50, 100, 3), 20 * i, np.uint8) for i in range(16)]
    out = dict(zip(BOX_FEATURES, extractor(frames, [_clip(t, boxes)])[0]))
    expected = dict(speed_mean=2.5, speed_std=0.0, speed_max=2.5, abs_vx_mean=2.5,
                    vy_mean=0.0, abs_vy_mean=0.0,  # 50 px/s over a 20 px tall box
                    pixel_speed_mean=1.0, pixel_speed_max=1.0,  # 50 px/s over 50 px
                    height_mean=0.4, height_ratio_min=1.0, aspect_mean=0.5, aspect_std=0.0,
                    centre_x_mean=0.24, centre_y_mean=0.4, bottom_y_mean=0.6,
                    motion_energy=20 / 255, moving_fraction=1.0, tracked_fraction=10 / 16,
                    valid=1.0)
    assert extractor.dim == len(expected) == 19
    for name, value in expected.items():
        assert out[name] == pytest.approx(value, abs=1e-6), name


def test_inner_motion_is_measured_inside_the_box_only():
    extractor = BoxKinematics(moving_threshold=15)
    extractor.reset(VideoInfo('v', 16, 100, 50, 25.0))
    frames = [np.zeros((50, 100), np.uint8) for _ in range(16)]
    for i, frame in enumerate(frames):  # a change of 10 outside the box, 30 on half of it
        frame[:] = 10 * (i % 2)
        frame[10:30, 10:15] = 30 * (i % 2)
    boxes = np.tile([10, 10, 20, 30], (4, 1))
    out = dict(zip(BOX_FEATURES, extractor(frames, [_clip(np.arange(4), boxes)])[0]))
    # half the box changes by 30, the other half by 10: mean 20, half above 15
    assert out['motion_energy'] == pytest.approx(20 / 255)
    assert out['moving_fraction'] == pytest.approx(0.5)
    assert out['speed_max'] == 0.0 and out['valid'] == 1.0


def test_a_single_tracked_frame_is_not_valid():
    extractor = BoxKinematics()
    out = extractor([np.zeros((8, 8), np.uint8)] * 2, [_clip([0], [[0, 0, 4, 4]])])
    assert out.shape == (1, 19) and not out.any()
    with pytest.raises(ValueError, match='moving_threshold'):
        BoxKinematics(moving_threshold=300)


def test_pixel_scores_by_hand(tmp_path):
    import cv2

    from tools.analysis.pixel_scores import probe_scores
    from vadkit.parsing.video_io import VideoSource
    folder = tmp_path / 'v'
    folder.mkdir()
    levels = [0, 10, 10, 40]
    for i, level in enumerate(levels):
        cv2.imwrite(str(folder / f'{i:03d}.png'), np.full((4, 6), level, np.uint8))
    source = VideoSource(str(folder))
    np.testing.assert_allclose(probe_scores(source, 'frame_difference'), [10, 10, 0, 30])
    # the median frame is 10 everywhere
    np.testing.assert_allclose(probe_scores(source, 'pixel_statistics'), [10, 0, 0, 30])
