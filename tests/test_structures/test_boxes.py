"""Box helpers: IoU, intersections, NMS (and the doctests of the modules that use them)."""
import doctest

import numpy as np
import pytest

import vadkit.parsing.tubes
import vadkit.structures.boxes
from vadkit.structures import box_area, box_intersection, box_iou, nms, paired_iou


@pytest.mark.parametrize('module', [vadkit.structures.boxes, vadkit.parsing.tubes])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_iou_values():
    a = np.array([[0, 0, 10, 10], [0, 0, 0, 5]], float)
    b = np.array([[5, 0, 15, 10], [0, 0, 10, 10], [20, 20, 30, 30]], float)
    np.testing.assert_allclose(box_area(a), [100, 0])
    np.testing.assert_allclose(box_intersection(a, b), [[50, 100, 0], [0, 0, 0]])
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 1, 0], [0, 0, 0]])
    np.testing.assert_allclose(paired_iou(a, b[:2]), [50 / 150, 0])
    assert box_iou(np.zeros((0, 4)), b).shape == (0, 3)


def test_nms_keeps_the_best_of_each_cluster():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [51, 50, 61, 60], [0, 0, 10, 9]]
    scores = [0.5, 0.9, 0.3, 0.4, 0.2]
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [1, 3])
    # a looser threshold keeps the overlapping pair (IoU 81 / 119 = 0.68)
    np.testing.assert_array_equal(nms(boxes, scores, 0.7), [1, 0, 3])
    assert nms(np.zeros((0, 4)), [], 0.5).tolist() == []
