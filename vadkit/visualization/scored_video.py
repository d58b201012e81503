"""A scored video drawn: every tracked object's box, id and anomaly colour, the frame
score curve running along the bottom, and the alarms."""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from vadkit.utils.errors import DataError

#: BGR of objects that are not scored (seen outside every scored clip).
UNSCORED = (160, 160, 160)


def anomaly_colour(score: float, normal: float, threshold: float) -> Tuple[int, int, int]:
    """BGR from green (at or below the typical normal score ``normal``) through yellow to
    red (at the alarm ``threshold`` and above); grey for a NaN score."""
    if not np.isfinite(score):
        return UNSCORED
    span = threshold - normal
    r = 1.0 if span <= 0 else float(np.clip((score - normal) / span, 0.0, 1.0))
    # green (0, 200, 0) -> yellow (0, 220, 255) -> red (0, 0, 255)
    if r < 0.5:
        t = r / 0.5
        return 0, int(200 + 20 * t), int(255 * t)
    t = (r - 0.5) / 0.5
    return 0, int(220 * (1 - t)), 255


def _object_lookup(objects: Sequence[dict]) -> Dict[int, List[tuple]]:
    """``{track_id: [(start, end, score), ...]}`` of the scored object clips."""
    out: Dict[int, List[tuple]] = {}
    for o in objects:
        if o.get('track_id') is not None:
            out.setdefault(int(o['track_id']), []).append((o['start'], o['end'], o['score']))
    return out


def _score_at(lookup: Dict[int, List[tuple]], track_id: int, frame: int) -> float:
    found = [s for a, b, s in lookup.get(int(track_id), ()) if a <= frame < b
             and np.isfinite(s)]
    return max(found) if found else float('nan')


def _strip(scores: np.ndarray, width: int, height: int, threshold: float,
           alarms: Sequence[dict]) -> Tuple[np.ndarray, np.ndarray]:
    """The static score strip (BGR) and the y pixel of each frame's score."""
    n = len(scores)
    strip = np.full((height, width, 3), 30, np.uint8)
    finite = scores[np.isfinite(scores)]
    low = min(float(finite.min()) if finite.size else 0.0, threshold)
    high = max(float(finite.max()) if finite.size else 1.0, threshold)
    span = (high - low) or 1.0
    x = np.round(np.arange(n) * (width - 1) / max(n - 1, 1)).astype(int)
    y = (height - 4 - np.round((np.nan_to_num(scores, nan=low) - low) / span
                               * (height - 8))).astype(int)
    for event in alarms:
        x0, x1 = x[int(event['start'])], x[min(int(event['end']), n) - 1]
        strip[:, x0:x1 + 1] = (0, 60, 140)
    ty = int(height - 4 - round((threshold - low) / span * (height - 8)))
    for x0 in range(0, width, 8):
        cv2.line(strip, (x0, ty), (min(x0 + 4, width - 1), ty), (200, 200, 200), 1)
    points = np.stack([x, y], 1).reshape(-1, 1, 2).astype(np.int32)
    cv2.polylines(strip, [points], False, (255, 200, 80), 1, cv2.LINE_AA)
    return strip, y


def write_annotated_video(video: str, out_path: str, tracks: np.ndarray,
                          labels: Sequence[str], objects: Sequence[dict],
                          frame_scores: np.ndarray, threshold: float,
                          alarms: Sequence[dict], normal: float, fps: float = 25.0,
                          progress: bool = True) -> str:
    """Write ``out_path`` (MP4): the frames of ``video`` with each tracked object's box
    and ``#id score``, coloured by :func:`anomaly_colour`, the frame score curve in a strip
    below with a cursor, and ``ALARM`` while an alarm event lasts.

    Args:
        video: The video file or frame folder that was scored.
        out_path: The ``.mp4`` to write.
        tracks: The store's ``tracks`` rows ``(frame, track_id, label_index, x1, y1, x2,
            y2, score)``.
        labels: Class names of ``label_index``.
        objects: ``score_video``'s per object clip records (track id, span, score).
        frame_scores: One score per frame.
        threshold: The alarm threshold.
        alarms: The alarm events.
        normal: The typical normal frame score (green).
        fps: Frame rate of the output.
        progress: A progress bar.
    """
    from vadkit.parsing.video_io import VideoSource
    source = VideoSource(video)
    scores = np.asarray(frame_scores, np.float64)
    scale = 2.0 if source.width < 480 else 1.0  # small frames: legible labels
    width, height = int(round(source.width * scale)), int(round(source.height * scale))
    width, height = width + width % 2, height + height % 2  # codecs want even sizes
    strip_h = max(40, height // 5)
    strip, ys = _strip(scores, width, strip_h, threshold, alarms)
    writer = cv2.VideoWriter(out_path, cv2.VideoWriter_fourcc(*'mp4v'), float(fps or 25.0),
                             (width, height + strip_h))
    if not writer.isOpened():
        raise DataError(f'cannot write {out_path}: no MP4 encoder in this OpenCV build')
    lookup = _object_lookup(objects)
    rows_at: Dict[int, np.ndarray] = {}
    tracks = np.asarray(tracks).reshape(-1, 8)
    for frame in np.unique(tracks[:, 0]).astype(int):
        rows_at[int(frame)] = tracks[tracks[:, 0] == frame]
    in_alarm = np.zeros(len(scores), bool)
    for event in alarms:
        in_alarm[int(event['start']):int(event['end'])] = True
    frames = enumerate(source)
    if progress:
        from tqdm import tqdm
        frames = tqdm(frames, total=source.num_frames, desc='annotated video', unit='frame',
                      leave=False)
    font = 0.4 * max(0.75, min(width, height) / 480.0)
    written = 0
    for index, frame in frames:
        image = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
        for row in rows_at.get(index, ()):
            track_id = int(row[1])
            score = _score_at(lookup, track_id, index)
            colour = anomaly_colour(score, normal, threshold)
            x1, y1, x2, y2 = (int(round(v * scale)) for v in row[3:7])
            alarmed = np.isfinite(score) and score > threshold
            cv2.rectangle(image, (x1, y1), (x2, y2), colour, 2 if alarmed else 1)
            label = labels[int(row[2])] if 0 <= int(row[2]) < len(labels) else ''
            text = f'{label}#{track_id}' + (f' {score:.2f}' if np.isfinite(score) else '')
            cv2.putText(image, text, (x1, max(y1 - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, font,
                        colour, 1, cv2.LINE_AA)
        if index < len(scores) and in_alarm[index]:
            cv2.rectangle(image, (0, 0), (width - 1, height - 1), (0, 0, 255), 3)
            cv2.putText(image, 'ALARM', (8, int(24 * font / 0.4)), cv2.FONT_HERSHEY_SIMPLEX,
                        font * 2, (0, 0, 255), 2, cv2.LINE_AA)
        bottom = strip.copy()
        if index < len(scores):
            x = int(round(index * (width - 1) / max(len(scores) - 1, 1)))
            cv2.line(bottom, (x, 0), (x, strip_h - 1), (255, 255, 255), 1)
            cv2.circle(bottom, (x, int(ys[index])), 3, (255, 255, 255), -1)
            cv2.putText(bottom, f'frame {index}  score {scores[index]:.2f}  threshold '
                        f'{threshold:.2f}', (4, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38,
                        (230, 230, 230), 1, cv2.LINE_AA)
        writer.write(np.ascontiguousarray(np.vstack([image, bottom])))
        written += 1
    writer.release()
    if written == 0 or not osp.isfile(out_path):
        raise DataError(f'{video}: no frame written to {out_path}')
    return out_path
