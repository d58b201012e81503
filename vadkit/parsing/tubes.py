"""Object tubes: merged, squared, enlarged box regions cut from the last frames.

The image-text local-pattern method (ITAM + SMM) describes each object (or group of
interacting objects) at frame ``t`` by a *tube*: the same square region cropped from the
``L`` frames ``t - L + 1 ... t`` (``L = 5``), from which its temporal part predicts the
next step. The region is built from the boxes of frame ``t`` in three steps:

1. :func:`merge_overlapping` -- boxes that overlap are grouped (connected components,
   so overlap is transitive: a person and the bicycle they ride become one group);
2. :func:`square_box` -- the union box of a group is made square by growing its short
   side around the centre to the long side (the background context), then enlarged by
   25 % along both dimensions for fast moving objects;
3. :func:`crop_square` -- the square is cut from each frame (padded where it leaves the
   frame) and resized to ``size x size`` (224 in the paper).

:class:`ObjectTubeBuilder` chains the three per frame and returns numpy arrays.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from vadkit.registry import EXTRACTORS
from vadkit.structures.boxes import box_area, box_intersection
from vadkit.utils.errors import DataError

from .base import BaseComponent, VideoInfo
from .video_io import as_uint8_frame

#: Columns of the ``tubes`` array of :meth:`ObjectTubeBuilder.build`.
TUBE_FIELDS = ('end_frame', 'x1', 'y1', 'x2', 'y2', 'num_members')

#: Ways of treating a square that leaves the image (see :func:`square_box`).
BOUNDARY_MODES = ('pad', 'shift', 'clip')

PadValue = Union[int, Sequence[int]]


def _as_boxes(boxes, name: str = 'boxes') -> np.ndarray:
    array = np.asarray(boxes, np.float64)
    if array.size == 0:
        return np.zeros((0, 4), np.float64)
    if array.ndim not in (1, 2) or array.shape[-1] != 4:
        raise DataError(f'{name} must be float[N, 4] (x1, y1, x2, y2), got shape {array.shape}')
    if not np.all(np.isfinite(array)):
        raise DataError(f'{name} holds NaN or infinite coordinates')
    return array.reshape(-1, 4)


def merge_overlapping(boxes: np.ndarray, min_overlap: float = 0.0) -> List[np.ndarray]:
    """Group the boxes that overlap, directly or through other boxes.

    Two boxes overlap when their intersection area is larger than ``min_overlap`` times
    the area of the smaller of the two (with 0: any positive intersection; boxes that only
    share an edge or a corner do not overlap). The groups are the connected components of
    that relation, so A overlapping B and B overlapping C put A, B and C in one group even
    when A and C are apart.

    Args:
        boxes: ``float[N, 4]`` ``(x1, y1, x2, y2)``.
        min_overlap: Fraction of the smaller box's area the intersection must exceed, in
            ``[0, 1]`` (1: nothing merges). Default 0.

    Returns:
        One ``int64`` array of box indices per group, ascending within a group, groups
        ordered by their smallest index; every box is in exactly one group.

    >>> [g.tolist() for g in merge_overlapping([[0, 0, 4, 4], [10, 0, 14, 4], [3, 3, 11, 5]])]
    [[0, 1, 2]]
    >>> [g.tolist() for g in merge_overlapping([[0, 0, 4, 4], [4, 0, 8, 4]])]
    [[0], [1]]
    """
    if not 0.0 <= float(min_overlap) <= 1.0:
        raise ValueError(f'min_overlap must be in [0, 1], got {min_overlap}')
    b = _as_boxes(boxes)
    n = len(b)
    if n == 0:
        return []
    inter = box_intersection(b, b)
    area = box_area(b)
    smaller = np.minimum(area[:, None], area[None, :])
    adjacency = (inter > 0) & (inter > float(min_overlap) * smaller)
    _, labels = connected_components(csr_matrix(adjacency), directed=False)
    groups = [np.flatnonzero(labels == label).astype(np.int64) for label in np.unique(labels)]
    return sorted(groups, key=lambda g: int(g[0]))


def square_box(box: np.ndarray, enlarge: float = 0.25,
               image_size: Optional[Sequence[int]] = None, mode: str = 'pad') -> np.ndarray:
    """The square region of a box (or of the union of a group of boxes).

    Order: the box is first made square -- its short side grows around the centre to the
    long side -- and the square is then enlarged by ``enlarge`` along both dimensions
    (side ``x (1 + enlarge)``), as the method's description reads. Enlarging first and
    squaring next gives the same square (``max(w, h) (1 + e) = max(w (1 + e), h (1 + e))``
    around the same centre), so there is no argument to choose the order.

    Args:
        box: ``float[4]`` ``(x1, y1, x2, y2)``, or ``float[N, 4]`` whose union box is used.
        enlarge: Relative growth of the square's side, ``>= 0``. Default 0.25 (25 %).
        image_size: ``(width, height)`` of the image in pixels, for ``mode`` 'shift' and
            'clip'; None: the square is returned as it is.
        mode: What happens to a square that leaves the image: 'pad' keeps it (the crop
            pads the pixels outside, see :func:`crop_square`); 'shift' moves it inside the
            image along each axis where its side fits (``side <= width`` resp.
            ``height``), and clips it along an axis where it does not (it then stops being
            square); 'clip' clips it to the image (it may stop being square).

    Returns:
        ``float64[4]`` ``(x1, y1, x2, y2)``.

    >>> square_box([10, 20, 30, 60]).tolist()
    [-5.0, 15.0, 45.0, 65.0]
    >>> square_box([10, 20, 30, 60], image_size=(100, 100), mode='shift').tolist()
    [0.0, 15.0, 50.0, 65.0]
    """
    if float(enlarge) < 0 or not np.isfinite(float(enlarge)):
        raise ValueError(f'enlarge must be a finite number >= 0, got {enlarge}')
    if mode not in BOUNDARY_MODES:
        raise ValueError(f'mode must be one of {BOUNDARY_MODES}, got {mode!r}')
    b = _as_boxes(box, 'box')
    if len(b) == 0:
        raise DataError('square_box needs at least one box, got none')
    x1, y1 = b[:, 0].min(), b[:, 1].min()
    x2, y2 = b[:, 2].max(), b[:, 3].max()
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    half = max(x2 - x1, y2 - y1) * (1.0 + float(enlarge)) / 2.0
    square = np.array([cx - half, cy - half, cx + half, cy + half], np.float64)
    if image_size is None or mode == 'pad':
        return square
    width, height = _image_size(image_size)
    for axis, limit in ((0, width), (1, height)):
        lo, hi = square[axis], square[axis + 2]
        if mode == 'shift' and hi - lo <= limit:
            offset = max(0.0, -lo) - max(0.0, hi - limit)
            lo, hi = lo + offset, hi + offset
        else:
            lo, hi = min(max(lo, 0.0), float(limit)), min(max(hi, 0.0), float(limit))
        square[axis], square[axis + 2] = lo, hi
    return square


def _image_size(image_size: Sequence[int]) -> Tuple[int, int]:
    size = tuple(int(v) for v in image_size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f'image_size must be (width, height), positive, got {image_size}')
    return size


def _pad_colour(pad_value: PadValue) -> Tuple[int, int, int]:
    values = np.asarray(pad_value).reshape(-1)
    if values.size == 1:
        values = np.repeat(values, 3)
    if values.size != 3 or not np.all((values >= 0) & (values <= 255)) or \
            not np.all(values == np.round(values)):
        raise ValueError(f'pad_value must be an integer in [0, 255] or three of them (B, G, R), '
                         f'got {pad_value}')
    return tuple(int(v) for v in values)


def pixel_bounds(box: np.ndarray) -> Tuple[int, int, int, int]:
    """Integer pixel rectangle ``[x1, x2) x [y1, y2)`` of a float box: the corners are
    rounded (halves up) and each side is ``round(x2 - x1)`` pixels, at least 1, so a square
    box always gives a square rectangle."""
    x1, y1, x2, y2 = (float(v) for v in box)
    left, top = int(np.floor(x1 + 0.5)), int(np.floor(y1 + 0.5))
    width = max(1, int(np.floor(x2 - x1 + 0.5)))
    height = max(1, int(np.floor(y2 - y1 + 0.5)))
    return left, top, left + width, top + height


def crop_square(frame: np.ndarray, box: np.ndarray, size: int,
                pad_value: PadValue = 0) -> np.ndarray:
    """Cut a box out of a frame and resize it to ``size x size``.

    The box may be partly or wholly outside the frame: the pixels outside are
    ``pad_value``. Its pixel rectangle is :func:`pixel_bounds`; a rectangle larger than
    ``size`` along either side is shrunk with ``INTER_AREA``, a smaller one is enlarged with
    ``INTER_LINEAR`` (one of exactly ``size x size`` is copied); a non-square box is
    stretched to the square.

    Args:
        frame: ``uint8[H, W, 3]`` BGR or ``uint8[H, W]`` grey (made 3-channel).
        box: ``float[4]`` ``(x1, y1, x2, y2)`` in pixels.
        size: Side of the output, pixels.
        pad_value: Colour of the pixels outside the frame: one integer in ``[0, 255]`` or
            ``(B, G, R)``. Default 0.

    Returns:
        ``uint8[size, size, 3]``.
    """
    if int(size) < 1:
        raise ValueError(f'size must be a positive number of pixels, got {size}')
    size = int(size)
    image = as_uint8_frame(frame, 'crop_square', 'bgr')
    colour = _pad_colour(pad_value)
    box = _as_boxes(box, 'box')
    if len(box) != 1:
        raise DataError(f'crop_square needs one box, got {len(box)}')
    left, top, right, bottom = pixel_bounds(box[0])
    height, width = image.shape[:2]
    region = np.empty((bottom - top, right - left, 3), np.uint8)
    region[...] = colour
    sx1, sy1 = max(left, 0), max(top, 0)
    sx2, sy2 = min(right, width), min(bottom, height)
    if sx1 < sx2 and sy1 < sy2:
        region[sy1 - top:sy2 - top, sx1 - left:sx2 - left] = image[sy1:sy2, sx1:sx2]
    rh, rw = region.shape[:2]
    if rh == size and rw == size:
        return region
    interpolation = cv2.INTER_AREA if max(rh, rw) > size else cv2.INTER_LINEAR
    return cv2.resize(region, (size, size), interpolation=interpolation)


@EXTRACTORS.register_module()
class ObjectTubeBuilder(BaseComponent):
    """Object tubes of the image-text local-pattern method (ITAM + SMM).

    At each frame ``t`` where a tube ends (``t >= length - 1`` and ``t - (length - 1)`` a
    multiple of ``stride``), the boxes of frame ``t`` larger than ``min_box_size`` are
    grouped by :func:`merge_overlapping`; each group's union box becomes a square enlarged
    by ``enlarge`` (:func:`square_box`, with ``boundary`` at the frame border), and the same
    square is cut from each of the ``length`` frames ``t - length + 1 ... t``
    (:func:`crop_square`). Tubes are ordered by their smallest member track id.

    A group with more than ``max_members`` tracks keeps the ``max_members`` smallest ids in
    ``members``; ``tubes[:, 5]`` still counts them all and ``truncated`` flags the tube.

    Args:
        length: Frames per tube (``L``). Default 5.
        enlarge: Relative growth of the square's side, ``>= 0``. Default 0.25.
        min_overlap: Fraction of the smaller box's area two boxes must share to merge, in
            ``[0, 1]``. Default 0 (any positive intersection).
        crop_size: Side of the crops in pixels (224 in the paper); None: boxes only, no
            crops (``window`` may then be empty). Default 64.
        boundary: Squares leaving the frame: 'pad' (kept, crops padded), 'shift' (moved
            inside where they fit) or 'clip' (clipped); see :func:`square_box`. Default
            'pad'.
        pad_value: Colour of padded pixels, an integer in ``[0, 255]`` or ``(B, G, R)``.
            Default 0.
        min_box_size: Boxes whose width or height is below this many pixels are ignored
            (boxes of zero width or height always are). Default 0.
        stride: A tube ends at every ``stride``-th frame from frame ``length - 1`` on.
            Default 1.
        max_members: Columns of ``members``. Default 8.
    """

    def __init__(self, length: int = 5, enlarge: float = 0.25, min_overlap: float = 0.0,
                 crop_size: Optional[int] = 64, boundary: str = 'pad', pad_value: PadValue = 0,
                 min_box_size: float = 0.0, stride: int = 1, max_members: int = 8) -> None:
        if int(length) < 1:
            raise ValueError(f'length must be at least 1 frame, got {length}')
        if not np.isfinite(float(enlarge)) or float(enlarge) < 0:
            raise ValueError(f'enlarge must be a finite number >= 0, got {enlarge}')
        if not 0.0 <= float(min_overlap) <= 1.0:
            raise ValueError(f'min_overlap must be in [0, 1], got {min_overlap}')
        if crop_size is not None and int(crop_size) < 1:
            raise ValueError(f'crop_size must be a positive number of pixels or None, '
                             f'got {crop_size}')
        if boundary not in BOUNDARY_MODES:
            raise ValueError(f'boundary must be one of {BOUNDARY_MODES}, got {boundary!r}')
        if not np.isfinite(float(min_box_size)) or float(min_box_size) < 0:
            raise ValueError(f'min_box_size must be a number of pixels >= 0, got {min_box_size}')
        if int(stride) < 1:
            raise ValueError(f'stride must be at least 1 frame, got {stride}')
        if int(max_members) < 1:
            raise ValueError(f'max_members must be at least 1, got {max_members}')
        self.length = int(length)
        self.enlarge = float(enlarge)
        self.min_overlap = float(min_overlap)
        self.crop_size = None if crop_size is None else int(crop_size)
        self.boundary = boundary
        self._pad_colour = _pad_colour(pad_value)
        self.pad_value = list(self._pad_colour) if np.size(pad_value) == 3 else int(
            self._pad_colour[0])
        self.min_box_size = float(min_box_size)
        self.stride = int(stride)
        self.max_members = int(max_members)
        self._video_id = '?'
        self._image_size: Optional[Tuple[int, int]] = None

    def reset(self, info: VideoInfo) -> None:
        """Start a video: its name (for messages) and frame size (for boxes-only tubes)."""
        self._video_id = str(info.video_id)
        self._image_size = (int(info.width), int(info.height)) if \
            info.width and info.height else None

    def ends_tube(self, frame_index: int) -> bool:
        """Whether a tube ends at ``frame_index``."""
        offset = int(frame_index) - (self.length - 1)
        return offset >= 0 and offset % self.stride == 0

    def empty(self) -> Dict[str, np.ndarray]:
        """The zero-tube result, with the shapes and dtypes of :meth:`build`."""
        result = dict(tubes=np.zeros((0, len(TUBE_FIELDS)), np.float32),
                      members=np.zeros((0, self.max_members), np.int64),
                      truncated=np.zeros(0, bool))
        if self.crop_size is not None:
            s = self.crop_size
            result['crops'] = np.zeros((0, self.length, s, s, 3), np.uint8)
        return result

    def build(self, frame_index: int, window: Sequence[np.ndarray], boxes: np.ndarray,
              track_ids: np.ndarray) -> Dict[str, np.ndarray]:
        """The tubes ending at ``frame_index``.

        Args:
            frame_index: The current frame ``t``.
            window: The frames ending at ``t`` (``window[-1]`` is frame ``t``), BGR or
                grey; the last ``length`` are used. Fewer than ``length`` frames happen only
                at the start of a video, where no tube ends.
            boxes: ``float[N, 4]`` boxes of frame ``t``.
            track_ids: ``int[N]`` non-negative track ids of the boxes.

        Returns:
            ``tubes`` ``float32[M, 6]`` rows ``(end_frame, x1, y1, x2, y2, num_members)``
            (the square region), ``members`` ``int64[M, max_members]`` the member track
            ids, ascending, padded with -1, ``truncated`` ``bool[M]`` (more members than
            ``max_members``) and, when ``crop_size`` is set, ``crops``
            ``uint8[M, length, crop_size, crop_size, 3]`` (``crops[m, i]`` from frame
            ``t - length + 1 + i``).

        Raises:
            DataError: When boxes and track ids disagree, an id is negative, or a tube
                ends at ``t`` but ``window`` holds fewer than ``length`` frames.
        """
        where = f'{type(self).__name__}: video {self._video_id}, frame {frame_index}'
        try:
            boxes = _as_boxes(boxes)
        except DataError as exc:
            raise DataError(f'{where}: {exc}') from None
        ids = np.asarray(track_ids).reshape(-1)
        if len(ids) != len(boxes):
            raise DataError(f'{where}: {len(boxes)} boxes but {len(ids)} track ids')
        if ids.size and (not np.all(ids == np.round(ids)) or ids.min() < 0):
            raise DataError(f'{where}: track ids must be non-negative integers, got '
                            f'{ids.tolist()}')
        ids = ids.astype(np.int64)
        if not self.ends_tube(frame_index):
            return self.empty()
        frames = list(window)[-self.length:]
        if self.crop_size is not None and len(frames) < self.length:
            raise DataError(f'{where}: a tube ends here but the window holds {len(frames)} '
                            f'frames, {self.length} needed')
        images = [as_uint8_frame(f, where, 'bgr') for f in frames] if self.crop_size is not None else []
        image_size = (images[-1].shape[1], images[-1].shape[0]) if images else \
            self._image_size
        if image_size is None and self.boundary != 'pad':
            raise DataError(f"{where}: boundary '{self.boundary}' needs the frame size: pass "
                            'the frames or call reset(info) first')
        widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        keep = np.flatnonzero((widths > 0) & (heights > 0) & (widths >= self.min_box_size)
                              & (heights >= self.min_box_size))
        if keep.size == 0:
            return self.empty()
        boxes, ids = boxes[keep], ids[keep]
        groups = [g[np.argsort(ids[g], kind='stable')]
                  for g in merge_overlapping(boxes, self.min_overlap)]
        groups.sort(key=lambda g: int(ids[g[0]]))
        count = len(groups)
        tubes = np.zeros((count, len(TUBE_FIELDS)), np.float32)
        members = np.full((count, self.max_members), -1, np.int64)
        truncated = np.zeros(count, bool)
        squares = []
        for m, group in enumerate(groups):
            square = square_box(boxes[group], self.enlarge, image_size, self.boundary)
            squares.append(square)
            tubes[m] = (frame_index, *square, len(group))
            kept = ids[group][:self.max_members]
            members[m, :len(kept)] = kept
            truncated[m] = len(group) > self.max_members
        result = dict(tubes=tubes, members=members, truncated=truncated)
        if self.crop_size is not None:
            s = self.crop_size
            crops = np.empty((count, self.length, s, s, 3), np.uint8)
            for m, square in enumerate(squares):
                for i, image in enumerate(images):
                    crops[m, i] = crop_square(image, square, s, self._pad_colour)
            result['crops'] = crops
        return result
