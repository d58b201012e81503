"""Parsing output drawn on frames: colours per id, boxes where they belong, skeletons,
and the show_parsing tool on a real store."""
import os.path as osp

import cv2
import numpy as np

from tests.conftest import REPO_ROOT, run_tool
from vadkit.datasets.synthetic import world_config, write_world
from vadkit.visualization import draw_tracks, track_colour


def test_track_colour_is_stable_and_distinct():
    assert track_colour(3) == track_colour(3)
    assert len({track_colour(i) for i in range(1, 11)}) == 10


def test_draw_tracks_draws_boxes_and_skeletons_in_place():
    frame = np.zeros((100, 200), np.uint8)  # grey frames are drawn in colour
    keypoints = np.zeros((17, 3))
    keypoints[:, 0], keypoints[:, 1] = 150, np.linspace(20, 80, 17)
    keypoints[:, 2] = 1.0
    out = draw_tracks(frame, [[10, 20, 50, 90], [130, 10, 170, 95]], [1, 2],
                      ['person', 'car'], {2: keypoints})
    assert out.shape == (100, 200, 3) and not frame.any()
    colour = np.array(track_colour(1))
    np.testing.assert_array_equal(out[50, 10], colour)  # left edge of box 1
    np.testing.assert_array_equal(out[90, 30], colour)  # bottom edge
    assert not out[50, 30].any()  # inside the box: untouched
    assert (out[50, 148:153] > 0).any()  # the vertical skeleton of track 2
    doubled = draw_tracks(frame, [[10, 20, 50, 90]], [1], scale=2.0)
    assert doubled.shape == (200, 400, 3)
    np.testing.assert_array_equal(doubled[100, 20], colour)


def test_show_parsing_writes_a_sheet(tmp_path):
    world = str(tmp_path / 'world')
    write_world(world, world_config('tiny', train_videos=1, test_videos=1,
                                    num_frames=(40, 40)), seed=2, progress=False)
    store = str(tmp_path / 'store')
    result = run_tool(['tools/extract_features.py', 'configs/parsing/oracle_synthetic.py',
                       '--data-root', world, '--out', store, '--no-progress',
                       '--videos', '01_0001'], timeout=300)
    assert result.returncode == 0, result
    out = str(tmp_path / 'sheet.png')
    result = run_tool(['tools/analysis/show_parsing.py', store, '--data-root', world,
                       '--video', '01_0001', '--frames', '5', '30', '--out', out])
    assert result.returncode == 0, result
    sheet = cv2.imread(out)
    # two 160 x 120 frames drawn at 2x side by side, with 14 px caption bars
    assert sheet.shape == (240 + 14, 2 * 320, 3)
    result = run_tool(['tools/analysis/show_parsing.py', store, '--data-root', world,
                       '--video', 'nope', '--out', out])
    assert result.returncode == 2 and 'no video nope' in result.stderr
    assert osp.isfile(osp.join(REPO_ROOT, 'tools', 'analysis', 'show_parsing.py'))
