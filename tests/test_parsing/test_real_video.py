"""The built-in parsing of configs/parsing/builtin_{ped2,pets2009}.py on real surveillance
video: people are found, track ids are stable, skeletons are anatomically plausible, and
the store can be drawn.

UCSD Ped2 comes from ``../shared/data`` (required in CI); the PETS 2009 clip
``data/real/vtest.avi`` from Debian's opencv-doc package
(``tools/misc/fetch_sample_videos.sh``; these tests skip without it)."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT, require_shared_data
from vadkit.parsing import VideoInfo, VideoSource
from vadkit.registry import PARSERS

VTEST = osp.join(REPO_ROOT, 'data', 'real', 'vtest.avi')


def _parser(config, **changes):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'parsing', config)).parser.to_dict()
    cfg.update(changes)
    return PARSERS.build(cfg)


def _vtest_frames(count):
    if not osp.isfile(VTEST):
        pytest.skip(f'{VTEST} not found (bash tools/misc/fetch_sample_videos.sh)')
    cap = cv2.VideoCapture(VTEST)
    frames = [cap.read()[1] for _ in range(count)]
    cap.release()
    assert all(f is not None and f.shape == (576, 768, 3) for f in frames)
    return frames


def _coverage(tracklets, num_frames):
    """Tracked objects per frame, and the lengths of the tracklets, longest first."""
    per_frame = np.bincount(np.concatenate([t.frames for t in tracklets]),
                            minlength=num_frames)
    return per_frame, sorted((len(t) for t in tracklets), reverse=True)


def test_ped2_people_are_found_and_keep_their_ids():
    folder = require_shared_data('ped2', 'training', 'frames', '01')
    frames = list(VideoSource(folder))[:120]
    parser = _parser('builtin_ped2.py')
    tracklets, count = parser.track(frames, VideoInfo('01', 120, 360, 240))
    assert count == 120
    per_frame, lengths = _coverage(tracklets, count)
    # measured: 21.2 tracked people per frame, 12 tracks of >= 96 of the 120 frames, 49
    # tracks in all; the pedestrians of Ped2 are 20-35 px tall (median box 32 px)
    assert per_frame.mean() >= 15 and per_frame.min() >= 8, per_frame
    assert sum(length >= 96 for length in lengths) >= 8, lengths
    assert len(tracklets) <= 80
    heights = np.concatenate([t.boxes[:, 3] - t.boxes[:, 1] for t in tracklets])
    assert 20 <= np.median(heights) <= 45
    assert all(t.label in ('person', 'vehicle') for t in tracklets)


def test_pets2009_people_are_found_and_keep_their_ids():
    frames = _vtest_frames(150)
    parser = _parser('builtin_pets2009.py', pose=None)
    tracklets, count = parser.track(frames, VideoInfo('vtest', 150, 768, 576))
    per_frame, lengths = _coverage(tracklets, count)
    # measured: 7.8 tracked objects per frame (about 8 people walk through), tracks of
    # 147, 140, 136, 133 and 111 of the 150 frames, 32 tracks in all
    assert per_frame.mean() >= 5, per_frame
    assert sum(length >= 100 for length in lengths) >= 4, lengths
    assert len(tracklets) <= 50
    heights = np.concatenate([t.boxes[:, 3] - t.boxes[:, 1] for t in tracklets
                              if t.label == 'person'])
    assert 60 <= np.median(heights) <= 160


def test_pets2009_skeletons_are_plausible():
    pytest.importorskip('mediapipe')
    frames = _vtest_frames(32)
    parser = _parser('builtin_pets2009.py')
    arrays, meta = parser.parse(frames, VideoInfo('vtest', 32, 768, 576))
    assert meta['counts']['clips'] == 2 and meta['counts']['objects'] >= 6
    keypoints, mask = arrays['objects_keypoints'], arrays['objects_mask']
    boxes = arrays['objects_boxes']
    posed = (keypoints[..., 2].mean(-1) > 0.5) & mask
    # measured: 114 of the 126 tracked person frames posed
    assert posed.sum() >= 0.6 * mask.sum(), (posed.sum(), mask.sum())
    k, b = keypoints[posed], boxes[posed]
    shoulders, hips = k[:, [5, 6], 1].mean(1), k[:, [11, 12], 1].mean(1)
    ankles = k[:, [15, 16], 1].mean(1)
    assert np.mean((shoulders < hips) & (hips < ankles)) >= 0.95
    # the skeleton lies in (a margin around) its box
    margin = 0.25 * (b[:, 3] - b[:, 1])
    inside = (k[..., 0] >= b[:, None, 0] - margin[:, None]) & \
        (k[..., 0] <= b[:, None, 2] + margin[:, None]) & \
        (k[..., 1] >= b[:, None, 1] - margin[:, None]) & \
        (k[..., 1] <= b[:, None, 3] + margin[:, None])
    assert inside.mean() >= 0.95
    # motion features ran on the long tracks only, and are finite
    motion, index = arrays['objects_motion'], arrays['objects_index']
    assert np.isfinite(motion).all()
    assert not motion[index[:, 5] == 0].any()
