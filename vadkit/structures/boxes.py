"""Axis-aligned boxes ``(x1, y1, x2, y2)`` in pixels: areas, IoU, non-maximum suppression.

Used wherever boxes meet (parsing, region metrics); plain numpy, no framework.
"""
import numpy as np


def box_area(boxes: np.ndarray) -> np.ndarray:
    """``float[N]`` areas (zero for degenerate boxes)."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def box_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``float[N, M]`` intersection areas of every box of ``a`` with every box of ``b``.

    >>> box_intersection([[0, 0, 2, 2]], [[1, 0, 3, 2], [2, 0, 3, 1]]).tolist()
    [[2.0, 0.0]]
    """
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(iw, 0, None) * np.clip(ih, 0, None)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``float[N, M]`` IoU of every box of ``a`` with every box of ``b`` (0 where both are
    empty).

    >>> box_iou([[0, 0, 2, 2]], [[1, 0, 3, 2], [5, 5, 6, 6]]).round(3).tolist()
    [[0.333, 0.0]]
    """
    inter = box_intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def paired_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``float[N]`` IoU of row-aligned boxes ``a[i]`` and ``b[i]``.

    >>> paired_iou([[0, 0, 2, 2], [0, 0, 1, 1]], [[1, 0, 3, 2], [0, 0, 1, 1]]).round(3).tolist()
    [0.333, 1.0]
    """
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = box_area(a) + box_area(b) - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression: indices of the kept boxes, best score first (ties
    keep the lower index first).

    >>> nms([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5).tolist()
    [0, 2]
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, np.float64).ravel(), kind='stable')
    keep = []
    while order.size:
        best = order[0]
        keep.append(int(best))
        if order.size == 1:
            break
        rest = order[1:]
        order = rest[box_iou(boxes[best], boxes[rest])[0] <= iou_threshold]
    return np.asarray(keep, np.int64)
