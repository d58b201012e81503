"""Object tubes: merging overlapping boxes, squaring, padded crops, the tube builder."""
import os.path as osp
from collections import deque

import cv2
import numpy as np
import pytest

from tests.conftest import require_shared_data
from vadkit.parsing.base import VideoInfo
from vadkit.parsing.tubes import (ObjectTubeBuilder, crop_square, merge_overlapping,
                                  pixel_bounds, square_box)
from vadkit.registry import EXTRACTORS
from vadkit.utils.errors import DataError

RED = (0, 0, 255)
MAGENTA = (255, 0, 255)


def groups_of(boxes, **kwargs):
    return [g.tolist() for g in merge_overlapping(np.asarray(boxes, float), **kwargs)]


# --- merge_overlapping -------------------------------------------------------------------

A = [0, 0, 10, 10]
B = [8, 8, 20, 20]      # overlaps A on 2 x 2 = 4 px
C = [18, 0, 30, 9]      # overlaps B on 2 x 1 = 2 px, not A
D = [100, 100, 110, 110]


def test_merge_is_transitive_and_ordered_by_smallest_index():
    assert groups_of([A, B, C, D]) == [[0, 1, 2], [3]]
    # the far box first, the chain shuffled: groups keep ascending indices
    assert groups_of([D, C, A, B]) == [[0], [1, 2, 3]]
    assert groups_of([A, D]) == [[0], [1]]


def test_merge_edges_only_do_not_overlap():
    assert groups_of([[0, 0, 4, 4], [4, 0, 8, 4], [4, 4, 8, 8]]) == [[0], [1], [2]]
    assert groups_of([[0, 0, 4, 4], [3.5, 0, 8, 4]]) == [[0, 1]]


def test_merge_min_overlap_is_relative_to_the_smaller_box():
    # A-B: 4 px of min(100, 144) = 4 %; B-C: 2 px of min(144, 108) = 1.85 %
    assert groups_of([A, B, C], min_overlap=0.03) == [[0, 1], [2]]
    assert groups_of([A, B, C], min_overlap=0.0185) == [[0, 1, 2]]
    assert groups_of([A, B, C], min_overlap=0.04) == [[0], [1], [2]]   # 4 > 4 is false
    # a box inside another shares 100 % of the smaller one: never above min_overlap=1
    assert groups_of([[0, 0, 10, 10], [2, 2, 4, 4]], min_overlap=0.99) == [[0, 1]]
    assert groups_of([[0, 0, 10, 10], [2, 2, 4, 4]], min_overlap=1.0) == [[0], [1]]


def test_merge_empty_and_bad_input():
    assert merge_overlapping(np.zeros((0, 4))) == []
    assert groups_of([[5, 5, 5, 9], [0, 0, 10, 10]]) == [[0], [1]]   # zero width: alone
    with pytest.raises(ValueError, match='min_overlap'):
        merge_overlapping([A], min_overlap=-0.1)
    with pytest.raises(DataError, match='float\\[N, 4\\]'):
        merge_overlapping([[0, 0, 1]])


# --- square_box --------------------------------------------------------------------------

def test_square_box_squares_then_enlarges():
    # 20 x 40 centred at (20, 40): side 40 * 1.25 = 50
    np.testing.assert_array_equal(square_box([10, 20, 30, 60], 0.25), [-5, 15, 45, 65])
    np.testing.assert_array_equal(square_box([10, 20, 30, 60], 0.0), [0, 20, 40, 60])
    # a wide box grows its height; a group uses the union box [0, 0, 40, 10]
    np.testing.assert_array_equal(square_box([0, 0, 40, 10], 0.0), [0, -15, 40, 25])
    np.testing.assert_array_equal(square_box([[0, 0, 10, 10], [30, 5, 40, 8]], 0.5),
                                  [-10, -25, 50, 35])


def test_square_box_order_does_not_matter_for_a_uniform_factor():
    # enlarge first by hand: 25 x 50 around (20, 40), then square without enlarging
    enlarged_first = square_box([7.5, 15, 32.5, 65], 0.0)
    np.testing.assert_array_equal(enlarged_first, square_box([10, 20, 30, 60], 0.25))
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (20, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(1, 60, (20, 2))], axis=1)
    for box, e in zip(boxes, rng.uniform(0, 1, 20)):
        centre, size = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) * (1 + e)
        first = square_box(np.concatenate([centre - size / 2, centre + size / 2]), 0.0)
        np.testing.assert_allclose(first, square_box(box, e), atol=1e-9)


def test_square_box_boundary_modes():
    box = [10, 20, 30, 60]                 # square [-5, 15, 45, 65]
    np.testing.assert_array_equal(square_box(box, image_size=(100, 100), mode='pad'),
                                  [-5, 15, 45, 65])
    np.testing.assert_array_equal(square_box(box, image_size=(100, 100), mode='shift'),
                                  [0, 15, 50, 65])
    np.testing.assert_array_equal(square_box(box, image_size=(100, 100), mode='clip'),
                                  [0, 15, 45, 65])
    # 40 px wide image: the 50 px side does not fit in x (clipped), fits in y (shifted up)
    np.testing.assert_array_equal(square_box(box, image_size=(40, 60), mode='shift'),
                                  [0, 10, 40, 60])
    np.testing.assert_array_equal(square_box(box, image_size=(40, 60), mode='clip'),
                                  [0, 15, 40, 60])
    # bottom-right corner: 8 x 8 at (94, 94) -> side 10 [89, 89, 99, 99] in a 96 x 100 image
    np.testing.assert_array_equal(
        square_box([90, 90, 98, 98], image_size=(96, 100), mode='shift'), [86, 89, 96, 99])
    np.testing.assert_array_equal(
        square_box([90, 90, 98, 98], image_size=(96, 100), mode='clip'), [89, 89, 96, 99])
    with pytest.raises(ValueError, match='mode'):
        square_box(box, mode='wrap')
    with pytest.raises(ValueError, match='enlarge'):
        square_box(box, enlarge=-0.5)


# --- crop_square -------------------------------------------------------------------------

def ramp_frame(width=10, height=10):
    """BGR frame whose pixel (y, x) is (x, y, 10 y + x)."""
    ys, xs = np.mgrid[:height, :width]
    return np.stack([xs, ys, 10 * ys + xs], axis=-1).astype(np.uint8)


def test_pixel_bounds_keep_squares_square():
    assert pixel_bounds([-5, 15, 45, 65]) == (-5, 15, 45, 65)
    assert pixel_bounds([86.25, 93.75, 148.75, 156.25]) == (86, 94, 149, 157)
    assert pixel_bounds([3.2, 3.2, 3.3, 3.3]) == (3, 3, 4, 4)


def test_crop_square_pads_exactly_outside_the_frame():
    frame = ramp_frame()
    # left half of [-4, 2, 4, 10] is outside: columns 0..3 pad, 4..7 are frame x 0..3
    crop = crop_square(frame, [-4, 2, 4, 10], 8, pad_value=MAGENTA)
    assert crop.shape == (8, 8, 3) and crop.dtype == np.uint8
    assert np.all(crop[:, :4] == MAGENTA)
    np.testing.assert_array_equal(crop[:, 4:], frame[2:10, 0:4])
    # bottom-right corner out: rows/cols 2.. of the crop are pad
    crop = crop_square(frame, [8, 8, 12, 12], 4, pad_value=7)
    np.testing.assert_array_equal(crop[:2, :2], frame[8:, 8:])
    assert np.all(crop[2:] == 7) and np.all(crop[:, 2:] == 7)
    # wholly outside: all pad
    assert np.all(crop_square(frame, [20, 20, 30, 30], 5, pad_value=MAGENTA) == MAGENTA)


def test_crop_square_resizes_area_down_linear_up_and_grey():
    frame = np.zeros((8, 8), np.uint8)
    frame[:4, :4], frame[:4, 4:], frame[4:, :4], frame[4:, 4:] = 10, 20, 30, 40
    frame[0, 0] = 14                      # the 2 x 2 block mean becomes 11
    crop = crop_square(frame, [0, 0, 8, 8], 4)
    assert crop.shape == (4, 4, 3)
    np.testing.assert_array_equal(crop[..., 0], [[11, 10, 20, 20], [10, 10, 20, 20],
                                                 [30, 30, 40, 40], [30, 30, 40, 40]])
    assert np.all(crop[..., 0] == crop[..., 2])          # grey made 3-channel
    # growing 2 x 2 to 4 x 4 (bilinear, half-pixel centres): edges keep the values
    small = np.array([[0, 100], [100, 200]], np.uint8)
    grown = crop_square(small, [0, 0, 2, 2], 4)[..., 1]
    np.testing.assert_array_equal(grown, [[0, 25, 75, 100], [25, 50, 100, 125],
                                          [75, 100, 150, 175], [100, 125, 175, 200]])
    with pytest.raises(DataError, match='shape'):
        crop_square(np.zeros((4, 4, 2), np.uint8), [0, 0, 2, 2], 2)
    with pytest.raises(ValueError, match='pad_value'):
        crop_square(frame, [0, 0, 2, 2], 2, pad_value=300)


# --- ObjectTubeBuilder -------------------------------------------------------------------

def moving_square_video(num_frames=12, width=64, height=64):
    """A red 8 x 8 square at x = 10 + 2k, y = 20 on grey 50, and its boxes."""
    frames, boxes = [], []
    for k in range(num_frames):
        frame = np.full((height, width, 3), 50, np.uint8)
        frame[20:28, 10 + 2 * k:18 + 2 * k] = RED
        frames.append(frame)
        boxes.append([10 + 2 * k, 20, 18 + 2 * k, 28])
    return frames, np.asarray(boxes, float)


def run_video(builder, frames, boxes):
    window, results = deque(maxlen=builder.length), {}
    for k, frame in enumerate(frames):
        window.append(frame)
        out = builder.build(k, list(window), boxes[k:k + 1], np.array([3]))
        results[k] = out
    return results


def test_builder_tube_follows_the_moving_square():
    frames, boxes = moving_square_video()
    builder = ObjectTubeBuilder(crop_size=10)
    builder.reset(VideoInfo('synthetic', len(frames), 64, 64))
    results = run_video(builder, frames, boxes)
    for k in range(4):                           # no tube before frame length - 1 = 4
        assert len(results[k]['tubes']) == 0 and results[k]['crops'].shape == (0, 5, 10, 10, 3)
    out = results[4]
    # box at frame 4: [18, 20, 26, 28], centre (22, 24), side 8 * 1.25 = 10
    np.testing.assert_array_equal(out['tubes'], [[4, 17, 19, 27, 29, 1]])
    np.testing.assert_array_equal(out['members'], [[3, -1, -1, -1, -1, -1, -1, -1]])
    assert out['crops'].shape == (1, 5, 10, 10, 3) and out['crops'].dtype == np.uint8
    # frame i of the tube: red columns x = 10 + 2 i - 17 ... 18 + 2 i - 17, clipped to 0..10
    expected_cols = [(0, 1), (0, 3), (0, 5), (0, 7), (1, 9)]
    for i, (c1, c2) in enumerate(expected_cols):
        red = np.all(out['crops'][0, i] == RED, axis=-1)
        rows, cols = np.nonzero(red)
        assert (rows.min(), rows.max() + 1) == (1, 9), i
        assert (cols.min(), cols.max() + 1) == (c1, c2), i
        assert red.sum() == 8 * (c2 - c1), i
        assert np.all(out['crops'][0, i][~red] == 50)
    assert not out['truncated'].any()
    # every later frame has its tube, its square 2 px further right
    for k in range(5, 12):
        np.testing.assert_array_equal(results[k]['tubes'][:, :5],
                                      [[k, 17 + 2 * (k - 4), 19, 27 + 2 * (k - 4), 29]])


def test_builder_stride_and_boxes_only():
    frames, boxes = moving_square_video()
    builder = ObjectTubeBuilder(stride=3, crop_size=None, boundary='shift')
    builder.reset(VideoInfo('synthetic', len(frames), 64, 64))
    results = run_video(builder, [None] * len(frames), boxes)   # frames unused: boxes only
    ends = [k for k, out in results.items() if len(out['tubes'])]
    assert ends == [4, 7, 10]
    assert all('crops' not in out for out in results.values())
    assert [builder.ends_tube(k) for k in range(4, 9)] == [True, False, False, True, False]


def test_builder_merges_orders_and_truncates():
    frame = np.zeros((100, 100, 3), np.uint8)
    boxes = np.array([[10, 10, 20, 20], [60, 60, 70, 70], [15, 15, 25, 25],
                      [65, 65, 75, 75], [68, 68, 80, 80], [90, 90, 90.5, 99]], float)
    ids = np.array([7, 5, 9, 2, 4, 1])           # the 0.5 px wide box is dropped by size
    builder = ObjectTubeBuilder(length=1, crop_size=16, max_members=2, min_box_size=1.0)
    out = builder.build(0, [frame], boxes, ids)
    # groups {5, 2, 4} (smallest id 2) and {7, 9}: ordered by smallest member id
    np.testing.assert_array_equal(out['members'], [[2, 4], [7, 9]])
    np.testing.assert_array_equal(out['tubes'][:, 5], [3, 2])
    np.testing.assert_array_equal(out['truncated'], [True, False])
    # union [60, 60, 80, 80], side 25 -> [57.5, 57.5, 82.5, 82.5]; [10, 10, 25, 25] -> side 18.75
    np.testing.assert_array_equal(out['tubes'][:, 1:5], [[57.5, 57.5, 82.5, 82.5],
                                                         [8.125, 8.125, 26.875, 26.875]])
    assert out['crops'].shape == (2, 1, 16, 16, 3)
    # the same boxes in another order give the same result
    order = np.array([5, 3, 0, 4, 2, 1])
    again = builder.build(0, [frame], boxes[order], ids[order])
    for key in out:
        np.testing.assert_array_equal(out[key], again[key])
    with pytest.raises(DataError, match='video \\?, frame 0: 6 boxes but 5 track ids'):
        builder.build(0, [frame], boxes, ids[:5])
    with pytest.raises(DataError, match='non-negative'):
        builder.build(0, [frame], boxes, -ids)


def test_builder_empty_validation_and_registry():
    builder = EXTRACTORS.build(dict(type='ObjectTubeBuilder', crop_size=224))
    assert isinstance(builder, ObjectTubeBuilder)
    empty = builder.empty()
    assert empty['tubes'].shape == (0, 6) and empty['tubes'].dtype == np.float32
    assert empty['members'].shape == (0, 8) and empty['members'].dtype == np.int64
    assert empty['truncated'].shape == (0, ) and empty['truncated'].dtype == bool
    assert empty['crops'].shape == (0, 5, 224, 224, 3) and empty['crops'].dtype == np.uint8
    assert set(ObjectTubeBuilder(crop_size=None).empty()) == {'tubes', 'members', 'truncated'}
    frame = np.zeros((32, 32, 3), np.uint8)
    out = builder.build(4, [frame] * 5, np.zeros((0, 4)), np.zeros(0, int))
    for key in empty:
        assert out[key].shape == empty[key].shape and out[key].dtype == empty[key].dtype
    described = builder.describe()
    assert described['type'] == 'ObjectTubeBuilder' and described['crop_size'] == 224
    assert described['length'] == 5 and described['enlarge'] == 0.25
    for kwargs, word in [(dict(length=0), 'length'), (dict(enlarge=-1), 'enlarge'),
                         (dict(min_overlap=2), 'min_overlap'), (dict(crop_size=0), 'crop_size'),
                         (dict(boundary='wrap'), 'boundary'), (dict(stride=0), 'stride'),
                         (dict(pad_value=(1, 2)), 'pad_value'), (dict(max_members=0), 'max'),
                         (dict(min_box_size=-1), 'min_box_size')]:
        with pytest.raises(ValueError, match=word):
            ObjectTubeBuilder(**kwargs)
    builder.reset(VideoInfo('v7', 10, 32, 32))
    with pytest.raises(DataError, match='video v7, frame 6: .* window holds 3 frames, 5'):
        builder.build(6, [frame] * 3, np.array([[0, 0, 4, 4]]), np.array([0]))
    with pytest.raises(DataError, match="boundary 'clip' needs the frame size"):
        ObjectTubeBuilder(crop_size=None, boundary='clip').build(
            4, [], np.array([[0, 0, 4, 4]]), np.array([0]))


def test_builder_on_ped2_frames():
    root = require_shared_data('ped2', 'training', 'frames', '01')
    frames = [cv2.imread(osp.join(root, f'{k:03d}.jpg')) for k in range(5)]
    assert all(f is not None and f.shape == (240, 360, 3) for f in frames)
    boxes = np.array([[100, 100, 120, 130], [115, 120, 135, 150], [340, 200, 358, 235]])
    builder = ObjectTubeBuilder(crop_size=32, pad_value=MAGENTA)
    builder.reset(VideoInfo('01', 120, 360, 240))
    out = builder.build(4, frames, boxes, np.array([11, 12, 3]))
    assert out['tubes'].dtype == np.float32 and out['members'].dtype == np.int64
    assert out['crops'].shape == (2, 5, 32, 32, 3) and out['crops'].dtype == np.uint8
    np.testing.assert_array_equal(out['members'][:, :3], [[3, -1, -1], [11, 12, -1]])
    # box 3: 18 x 35 at (349, 217.5) -> side 43.75, sticks out 10.875 px on the right
    np.testing.assert_allclose(out['tubes'], [[4, 327.125, 195.625, 370.875, 239.375, 1],
                                              [4, 86.25, 93.75, 148.75, 156.25, 2]])
    # pixels 327..371 (44), 360.. padded: 11 of 44 -> the last 8 of 32 crop columns
    edge = out['crops'][0]
    assert np.all(edge[:, :, 24:] == MAGENTA)
    assert not np.any(np.all(edge[:, :, :24] == MAGENTA, axis=-1))
    # the merged pair lies inside the frame: plain INTER_AREA crop of pixels 86..149 x 94..157
    for i in range(5):
        expected = cv2.resize(frames[i][94:157, 86:149], (32, 32), interpolation=cv2.INTER_AREA)
        np.testing.assert_array_equal(out['crops'][1, i], expected)
    # the pedestrians move: the 5 crops differ from one frame to the next
    assert np.abs(np.diff(out['crops'][1].astype(int), axis=0)).mean() > 0
    # 'shift' keeps the square inside the frame and unpadded
    shifted = ObjectTubeBuilder(crop_size=32, boundary='shift', pad_value=MAGENTA).build(
        4, frames, boxes, np.array([11, 12, 3]))
    np.testing.assert_allclose(shifted['tubes'][0, 1:5], [316.25, 195.625, 360, 239.375])
    assert not np.any(np.all(shifted['crops'] == MAGENTA, axis=-1))
