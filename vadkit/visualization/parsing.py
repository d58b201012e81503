"""Pictures of parsing output: boxes, track ids and skeletons drawn on frames."""
from typing import Dict, Optional, Sequence

import cv2
import numpy as np

from vadkit.datasets.synthetic.types import COCO_SKELETON
from vadkit.utils.errors import DataError

def track_colour(track_id: int) -> tuple:
    """A BGR colour of a track id: the same id always gets the same, bright colour."""
    hue = int((int(track_id) * 47) % 180)
    hsv = np.uint8([[[hue, 200, 255]]])
    return tuple(int(v) for v in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def draw_tracks(frame: np.ndarray, boxes: np.ndarray, track_ids: Sequence[int],
                labels: Optional[Sequence[str]] = None,
                keypoints: Optional[Dict[int, np.ndarray]] = None,
                min_keypoint_score: float = 0.1, thickness: int = 1,
                scale: float = 1.0) -> np.ndarray:
    """Draw tracked objects on a copy of a frame.

    Args:
        frame: ``uint8[H, W, 3]`` BGR (or ``[H, W]`` grey) frame; not modified.
        boxes: ``float[N, 4]`` ``(x1, y1, x2, y2)``.
        track_ids: ``N`` track ids (one colour per id, written above the box).
        labels: ``N`` class names written before the id, or None.
        keypoints: ``{track_id: float[17, 3]}`` COCO keypoints ``(x, y, score)`` to draw
            as skeletons, or None.
        min_keypoint_score: Keypoints with a lower score are not drawn.
        thickness: Line width in pixels.
        scale: The frame is drawn ``scale`` times larger (small frames stay legible).

    Returns:
        The annotated ``uint8[scale H, scale W, 3]`` copy.
    """
    image = np.asarray(frame)
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    if scale != 1.0:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4) * scale
    if len(track_ids) != len(boxes):
        raise ValueError(f'{len(boxes)} boxes but {len(track_ids)} track ids')
    font_scale = 0.4 * max(0.3, min(out.shape[:2]) / 600.0)
    for k, (box, track_id) in enumerate(zip(boxes, track_ids)):
        colour = track_colour(int(track_id))
        kp = None if keypoints is None else keypoints.get(int(track_id))
        if kp is not None:
            kp = np.asarray(kp, np.float64).reshape(17, 3) * [scale, scale, 1.0]
            shown = kp[:, 2] >= min_keypoint_score
            points = np.round(kp[:, :2]).astype(int)
            for a, b in COCO_SKELETON:
                if shown[a] and shown[b]:
                    cv2.line(out, tuple(points[a]), tuple(points[b]), colour, thickness,
                             cv2.LINE_AA)
            for j in np.flatnonzero(shown):
                cv2.circle(out, tuple(points[j]), thickness + 1, (0, 255, 255), -1)
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, thickness)
        text = f'{labels[k]}#{track_id}' if labels is not None else f'#{track_id}'
        cv2.putText(out, text, (x1, max(y1 - 3, 8)), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    colour, 1, cv2.LINE_AA)
    return out


def store_overlay(store, video_id: str, frame_index: int, frame: np.ndarray,
                  **kwargs) -> np.ndarray:
    """Draw what a feature store holds for one frame of a video: the tracks' boxes, ids
    and class names, and the skeletons of the object clips that contain the frame.

    Args:
        store: A :class:`~vadkit.parsing.store.FeatureStore`.
        video_id: The video.
        frame_index: The frame.
        frame: The video's frame ``frame_index``.
        **kwargs: Passed to :func:`draw_tracks`.

    Returns:
        The annotated frame.
    """
    meta = store.meta(video_id)
    if not 0 <= frame_index < meta['num_frames']:
        raise DataError(f'video {video_id}: frame {frame_index} is outside its '
                        f'{meta["num_frames"]} frames')
    arrays = store.read(video_id)
    tracks = np.asarray(arrays['tracks'])
    rows = tracks[tracks[:, 0] == frame_index]
    keypoints = {}
    if 'objects_keypoints' in arrays:
        index = np.asarray(arrays['objects_index'])
        inside = np.flatnonzero((index[:, 1] <= frame_index) & (index[:, 2] > frame_index))
        for i in inside:
            offset = frame_index - int(index[i, 1])
            if arrays['objects_mask'][i, offset]:
                keypoints[int(index[i, 3])] = np.asarray(arrays['objects_keypoints'][i, offset])
    labels = [meta['labels'][int(v)] for v in rows[:, 2]]
    return draw_tracks(frame, rows[:, 3:7], rows[:, 1].astype(int), labels,
                       keypoints or None, **kwargs)


def store_sheet(store, video_id: str, source, frames: Sequence[int], out_path: str,
                columns: int = 2, title: str = '') -> str:
    """Write a PNG of several frames of a video with :func:`store_overlay` drawn on them.

    Args:
        store: The feature store.
        video_id: The video.
        source: Its frames (a :class:`~vadkit.parsing.video_io.VideoSource`).
        frames: Frame indices to show.
        out_path: The PNG to write.
        columns: Cells per row.
        title: Caption prefix.

    Returns:
        ``out_path``.
    """
    from vadkit.datasets.synthetic.render import contact_sheet
    wanted = sorted(set(int(f) for f in frames))
    if not wanted:
        raise ValueError('store_sheet needs at least one frame index')
    images, captions = [], []
    for index, frame in enumerate(source):
        if index in wanted:
            scale = 2.0 if frame.shape[1] < 480 else 1.0  # small frames: legible labels
            images.append(store_overlay(store, video_id, index, frame, scale=scale))
            count = int((np.asarray(store.read(video_id, ['tracks'])['tracks'])[:, 0]
                         == index).sum())
            captions.append(f'{title}{video_id} frame {index}: {count} tracked')
        if index >= wanted[-1]:
            break
    if len(images) != len(wanted):
        raise DataError(f'video {video_id}: frames {wanted} asked, {len(images)} read')
    cv2.imwrite(out_path, contact_sheet(images, captions, columns=columns))
    return out_path
