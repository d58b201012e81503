"""SORT-style tracking: a constant-velocity Kalman filter per track and Hungarian matching
on IoU (Bewley et al., "Simple Online and Realtime Tracking", ICIP 2016), with an optional
second round for low-score detections (Zhang et al., "ByteTrack", ECCV 2022)."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from vadkit.registry import TRACKERS
from vadkit.structures.boxes import box_iou
from vadkit.utils.errors import DataError

from ..base import BaseTracker, Tracklet, VideoInfo, check_detections

#: Values of ``output_box``.
OUTPUT_BOXES = ('detection', 'filtered')

# Smallest box side (pixels) the filter keeps and scales its noise with.
_MIN_SIDE = 1.0
# State ``(cx, cy, w, h, vcx, vcy, vw, vh)``; the measurement is its first four entries.
_DIM = 8
_TRANSITION = np.eye(_DIM) + np.eye(_DIM, k=4)
_OBSERVATION = np.eye(4, _DIM)


def _box_to_measurement(box: np.ndarray) -> np.ndarray:
    """``(x1, y1, x2, y2)`` -> ``(cx, cy, w, h)``."""
    return np.array([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0,
                     box[2] - box[0], box[3] - box[1]])


class _KalmanBoxFilter:
    """Constant-velocity Kalman filter of a box: state ``(cx, cy, w, h)`` and their
    per-frame velocities. Noise standard deviations are fractions of the box's current
    width (x, w) or height (y, h), so that a far, small object and a near, large one are
    filtered alike."""

    def __init__(self, box: np.ndarray, position_noise: float, velocity_noise: float,
                 measurement_noise: float) -> None:
        self.position_noise = position_noise
        self.velocity_noise = velocity_noise
        self.measurement_noise = measurement_noise
        z = _box_to_measurement(box)
        self.mean = np.concatenate([z, np.zeros(4)])
        size = self._size()
        std = np.concatenate([2.0 * position_noise * size, 10.0 * velocity_noise * size])
        self.cov = np.diag(std ** 2)

    def _size(self) -> np.ndarray:
        w = max(float(self.mean[2]), _MIN_SIDE)
        h = max(float(self.mean[3]), _MIN_SIDE)
        return np.array([w, h, w, h])

    def predict(self) -> None:
        """Advance the state by one frame."""
        size = self._size()
        q = np.concatenate([self.position_noise * size, self.velocity_noise * size]) ** 2
        self.mean = _TRANSITION @ self.mean
        self.cov = _TRANSITION @ self.cov @ _TRANSITION.T + np.diag(q)
        for side in (2, 3):  # a shrinking box stops shrinking at the minimum side
            if self.mean[side] < _MIN_SIDE:
                self.mean[side] = _MIN_SIDE
                self.mean[side + 4] = 0.0

    def update(self, box: np.ndarray) -> None:
        """Correct the state with a measured box."""
        r = np.diag((self.measurement_noise * self._size()) ** 2)
        innovation = _box_to_measurement(box) - self.mean[:4]
        ph = self.cov[:, :4]  # cov @ H.T
        s = self.cov[:4, :4] + r  # H @ cov @ H.T + R
        gain = np.linalg.solve(s, ph.T).T  # s is symmetric
        self.mean = self.mean + gain @ innovation
        self.cov = self.cov - gain @ ph.T
        self.cov = (self.cov + self.cov.T) / 2.0

    def box(self) -> np.ndarray:
        """The state as ``(x1, y1, x2, y2)``."""
        cx, cy, w, h = self.mean[:4]
        w, h = max(w, 0.0), max(h, 0.0)
        return np.array([cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0])


class _Track:
    """One track: its filter and what it recorded at each matched frame."""

    def __init__(self, uid: int, class_index: int, kalman: _KalmanBoxFilter) -> None:
        self.uid = uid
        self.track_id = 0  # assigned when confirmed
        self.kalman = kalman
        self.class_index = class_index  # the class it matches with class_aware
        self.hits = 0
        self.last_frame = -1  # last matched frame
        self.was_matched = True  # matched at the previous update
        self.frames: List[int] = []
        self.boxes: List[np.ndarray] = []
        self.scores: List[float] = []
        self.classes: List[int] = []

    @property
    def confirmed(self) -> bool:
        return self.track_id > 0

    def order_key(self) -> Tuple[int, float, float, int]:
        """First frame, then first box's x1 and y1, then creation order."""
        return (self.frames[0], float(self.boxes[0][0]), float(self.boxes[0][1]), self.uid)


@TRACKERS.register_module()
class SortTracker(BaseTracker):
    """Online multi-object tracker: Kalman prediction, then Hungarian matching on IoU.

    At each frame every track's constant-velocity Kalman filter (state: box centre, width,
    height and their velocities, in pixels and pixels per frame) predicts its box. The
    detections scoring at least ``score_threshold`` are matched, one to one, to the
    predicted boxes of the confirmed tracks by ``scipy.optimize.linear_sum_assignment``
    maximising the total IoU, a pair being allowed only with IoU >= ``iou_threshold``
    (and the same class with ``class_aware``). Then, when ``low_score_threshold`` is set,
    the detections scoring in ``[low_score_threshold, score_threshold)`` are matched the
    same way to the confirmed tracks still unmatched that were matched at the previous
    frame (ByteTrack's second round; they extend tracks but never start one). Then the
    remaining detections are matched on IoU to the tentative tracks. Then, when
    ``center_distance`` is set, the tracks still unmatched may take a remaining detection
    whose centre is within ``center_distance`` times the predicted box's diagonal
    (Hungarian on that distance, same class when ``class_aware``): small fast objects,
    which move more than their size in a frame, overlap neither their last box nor a
    prediction made before their velocity is known. The detections left start tentative
    tracks.

    A tentative track becomes confirmed after ``min_hits`` matched frames in a row (its
    tentative frames then belong to it) and is dropped the first frame it is not matched:
    a tentative track never appears in the output. A confirmed track coasts on its
    prediction while unmatched and ends when it has gone more than ``max_age`` frames
    without a match (a gap of up to ``max_age`` frames is bridged).

    Ids are deterministic: tracks confirmed at one frame get the next ids in the order of
    their first frame, then their first box's x1 (then y1). :meth:`finish` numbers the
    tracklets it keeps 1, 2, ... in the same order, so the ids of :meth:`update` and of
    :meth:`finish` agree unless ``min_length > min_hits`` drops some tracklets
    (:attr:`id_map` maps the former to the latter after :meth:`finish`).

    Args:
        iou_threshold: Least IoU of a detection with a track's predicted box for them to
            be matched, in ``[0, 1]``. Default 0.3.
        min_hits: Matched frames in a row that confirm a track, at least 1 (1: every
            detection starts a confirmed track). Default 3.
        max_age: Frames a confirmed track may go unmatched and still be continued, at
            least 0. Default 15 (0.6 s at 25 fps).
        score_threshold: Detections scoring below it are ignored (or go to the low-score
            round). Default 0.5.
        low_score_threshold: Least score of a detection of the low-score round, below
            ``score_threshold``; None (default) skips the round.
        low_iou_threshold: ``iou_threshold`` of the low-score round, in ``[0, 1]``.
            Default 0.5.
        center_distance: Largest centre distance, in diagonals of the predicted box, of
            the fallback round; None (default) skips it (on crowds of people it costs
            more identity errors than it saves).
        class_aware: Match a detection only to a track of its class (a track's class is
            that of its first detection). Default True.
        output_box: ``'detection'`` (default): the matched detection's box;
            ``'filtered'``: the Kalman filter's box after the update. Used by
            :meth:`update` and recorded in the tracklets.
        min_length: :meth:`finish` drops tracklets of fewer frames, at least 1 (counted
            after ``fill_gaps``). Default 1.
        fill_gaps: False (default): a tracklet holds its matched frames only. True: the
            frames it coasted through between two matches are filled by linear
            interpolation of the boxes, with score 0.
        position_noise: Process noise of the centre and size, standard deviation per frame
            as a fraction of the box's width (x, w) or height (y, h). Default 1 / 20.
        velocity_noise: Process noise of the velocities, per frame, same unit. Default
            1 / 160.
        measurement_noise: Noise of a detected box, same unit. Default 0.1 (walking
            people's boxes change with their stride).
    """

    def __init__(self, iou_threshold: float = 0.3, min_hits: int = 3, max_age: int = 15,
                 score_threshold: float = 0.5, low_score_threshold: Optional[float] = None,
                 low_iou_threshold: float = 0.5, center_distance: Optional[float] = None,
                 class_aware: bool = True, output_box: str = 'detection',
                 min_length: int = 1, fill_gaps: bool = False,
                 position_noise: float = 1.0 / 20, velocity_noise: float = 1.0 / 160,
                 measurement_noise: float = 0.1) -> None:
        for name, value in (('iou_threshold', iou_threshold),
                            ('low_iou_threshold', low_iou_threshold)):
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        for name, value, least in (('min_hits', min_hits, 1), ('max_age', max_age, 0),
                                   ('min_length', min_length, 1)):
            if int(value) != value or int(value) < least:
                raise ValueError(f'{name} must be an integer >= {least}, got {value}')
        if not np.isfinite(float(score_threshold)):
            raise ValueError(f'score_threshold must be finite, got {score_threshold}')
        if low_score_threshold is not None and not (
                np.isfinite(float(low_score_threshold))
                and float(low_score_threshold) < float(score_threshold)):
            raise ValueError('low_score_threshold must be None or below score_threshold='
                             f'{score_threshold}, got {low_score_threshold}')
        if center_distance is not None and not float(center_distance) > 0.0:
            raise ValueError(f'center_distance must be None or positive, got '
                             f'{center_distance}')
        if output_box not in OUTPUT_BOXES:
            raise ValueError(f'output_box must be one of {OUTPUT_BOXES}, got {output_box!r}')
        for name, value in (('position_noise', position_noise),
                            ('velocity_noise', velocity_noise),
                            ('measurement_noise', measurement_noise)):
            if not float(value) > 0.0:
                raise ValueError(f'{name} must be positive, got {value}')
        self.iou_threshold = float(iou_threshold)
        self.min_hits = int(min_hits)
        self.max_age = int(max_age)
        self.score_threshold = float(score_threshold)
        self.low_score_threshold = None if low_score_threshold is None \
            else float(low_score_threshold)
        self.low_iou_threshold = float(low_iou_threshold)
        self.center_distance = None if center_distance is None else float(center_distance)
        self.class_aware = bool(class_aware)
        self.output_box = output_box
        self.min_length = int(min_length)
        self.fill_gaps = bool(fill_gaps)
        self.position_noise = float(position_noise)
        self.velocity_noise = float(velocity_noise)
        self.measurement_noise = float(measurement_noise)
        self.reset(None)

    # ------------------------------------------------------------------ state
    def reset(self, info: Optional[VideoInfo]) -> None:
        """Forget every track; ids start again at 1."""
        self._video = info.video_id if info is not None else '<no video>'
        self._active: List[_Track] = []
        self._ended: List[_Track] = []
        self._seen_frames: List[int] = []
        self._last_frame: Optional[int] = None
        self._next_uid = 0
        self._next_id = 1
        self._id_map: Dict[int, int] = {}

    @property
    def id_map(self) -> Dict[int, int]:
        """``{id given by update: id of the tracklet}`` of the last :meth:`finish` (the
        tracklets it dropped are absent)."""
        return dict(self._id_map)

    def _check(self, frame_index: int, detections: np.ndarray) -> Tuple[int, np.ndarray]:
        return check_detections(type(self).__name__, self._video, frame_index, self._last_frame,
                                detections)

    # ------------------------------------------------------------------ matching
    def _match_iou(self, tracks: List[_Track], dets: np.ndarray, candidates: np.ndarray,
                   threshold: float) -> List[Tuple[int, int]]:
        """``(track position, detection index)`` pairs of an IoU-gated Hungarian match
        of ``tracks`` with the detections ``candidates``."""
        if not tracks or candidates.size == 0:
            return []
        predicted = np.stack([t.kalman.box() for t in tracks])
        iou = box_iou(predicted, dets[candidates, :4])
        if self.class_aware:
            same = np.array([t.class_index for t in tracks])[:, None] == \
                dets[candidates, 5].astype(np.int64)[None, :]
            iou = np.where(same, iou, 0.0)
        allowed = iou >= threshold
        if threshold == 0.0:
            allowed &= iou > 0.0
        iou = np.where(allowed, iou, 0.0)
        rows, cols = linear_sum_assignment(iou, maximize=True)
        return [(int(r), int(candidates[c])) for r, c in zip(rows, cols) if allowed[r, c]]

    def _match_centres(self, tracks: List[_Track], dets: np.ndarray,
                       candidates: np.ndarray) -> List[Tuple[int, int]]:
        """Pairs of the centre-distance fallback (Hungarian on the normalised distance)."""
        if not tracks or candidates.size == 0:
            return []
        predicted = np.stack([t.kalman.box() for t in tracks])
        centre = (predicted[:, :2] + predicted[:, 2:]) / 2.0
        diagonal = np.maximum(np.hypot(predicted[:, 2] - predicted[:, 0],
                                       predicted[:, 3] - predicted[:, 1]), _MIN_SIDE)
        det_centre = (dets[candidates, :2] + dets[candidates, 2:4]) / 2.0
        distance = np.linalg.norm(centre[:, None] - det_centre[None], axis=2) / \
            diagonal[:, None]
        allowed = distance <= self.center_distance
        if self.class_aware:
            allowed &= np.array([t.class_index for t in tracks])[:, None] == \
                dets[candidates, 5].astype(np.int64)[None, :]
        cost = np.where(allowed, distance, self.center_distance + 1.0)
        rows, cols = linear_sum_assignment(cost)
        return [(int(r), int(candidates[c])) for r, c in zip(rows, cols) if allowed[r, c]]

    # ------------------------------------------------------------------ per frame
    def update(self, frame_index: int, detections: np.ndarray,
               frame: Optional[np.ndarray] = None) -> np.ndarray:
        """Feed one frame's detections.

        Args:
            frame_index: Index of the frame; increasing within a video (a jump of k
                frames predicts k steps, the k - 1 frames skipped counting as missed).
            detections: ``float[N, 6]`` ``(x1, y1, x2, y2, score, class_index)``.
            frame: Unused (the tracker sees boxes only).

        Returns:
            ``float[M, 7]`` ``(x1, y1, x2, y2, score, class_index, track_id)`` of the
            confirmed tracks matched at this frame, by increasing track id.
        """
        frame_index, dets = self._check(frame_index, detections)
        steps = 1 if self._last_frame is None else frame_index - self._last_frame
        self._last_frame = frame_index
        self._seen_frames.append(frame_index)
        # after a jump of frames, the confirmed tracks that missed more than max_age end
        expired = [t for t in self._active
                   if t.confirmed and frame_index - t.last_frame - 1 > self.max_age]
        self._ended.extend(expired)
        self._active = [t for t in self._active if t not in expired]
        for track in self._active:
            for _ in range(steps):
                track.kalman.predict()

        scores = dets[:, 4]
        high = np.flatnonzero(scores >= self.score_threshold)
        low = np.flatnonzero((scores < self.score_threshold) & (
            scores >= self.low_score_threshold)) if self.low_score_threshold is not None \
            else np.zeros(0, np.int64)
        confirmed = [t for t in self._active if t.confirmed]
        tentative = [t for t in self._active if not t.confirmed]
        matches: List[Tuple[_Track, int]] = []

        def take(tracks: List[_Track], pairs: List[Tuple[int, int]], pool: np.ndarray):
            matches.extend((tracks[r], d) for r, d in pairs)
            taken_tracks, taken_dets = {r for r, _ in pairs}, {d for _, d in pairs}
            left = [t for i, t in enumerate(tracks) if i not in taken_tracks]
            return left, np.array([d for d in pool if d not in taken_dets], np.int64)

        confirmed, high = take(confirmed, self._match_iou(
            confirmed, dets, high, self.iou_threshold), high)
        if low.size:
            recent = [t for t in confirmed if t.was_matched]
            recent_left, low = take(recent, self._match_iou(
                recent, dets, low, self.low_iou_threshold), low)
            confirmed = [t for t in confirmed if t not in recent or t in recent_left]
        tentative, high = take(tentative, self._match_iou(
            tentative, dets, high, self.iou_threshold), high)
        if self.center_distance is not None:
            unmatched = confirmed + tentative
            unmatched, high = take(unmatched, self._match_centres(unmatched, dets, high),
                                   high)
            confirmed = [t for t in unmatched if t.confirmed]
            tentative = [t for t in unmatched if not t.confirmed]

        newly_confirmed = []
        for track, d in matches:
            self._record(track, frame_index, dets[d])
            if not track.confirmed and track.hits >= self.min_hits:
                newly_confirmed.append(track)
        unmatched = {id(t) for t in confirmed} | {id(t) for t in tentative}
        survivors = []
        for track in self._active:
            if id(track) in unmatched:
                track.was_matched = False
                if not track.confirmed:
                    continue  # a tentative track dies at its first miss
                if frame_index - track.last_frame > self.max_age:
                    self._ended.append(track)
                    continue
            survivors.append(track)
        for d in high:  # detections left start tentative tracks
            track = _Track(self._next_uid, int(dets[d, 5]), _KalmanBoxFilter(
                dets[d, :4], self.position_noise, self.velocity_noise,
                self.measurement_noise))
            self._next_uid += 1
            self._record(track, frame_index, dets[d], fresh=True)
            survivors.append(track)
            if track.hits >= self.min_hits:
                newly_confirmed.append(track)
        for track in sorted(newly_confirmed, key=_Track.order_key):
            track.track_id = self._next_id
            self._next_id += 1
        self._active = survivors

        rows = [[*t.boxes[-1], t.scores[-1], t.classes[-1], t.track_id]
                for t in self._active if t.confirmed and t.last_frame == frame_index]
        rows.sort(key=lambda r: r[6])
        return np.asarray(rows, np.float64).reshape(-1, 7)

    def _record(self, track: _Track, frame_index: int, det: np.ndarray,
                fresh: bool = False) -> None:
        if not fresh:
            track.kalman.update(det[:4])
        box = det[:4] if self.output_box == 'detection' else track.kalman.box()
        track.frames.append(frame_index)
        track.boxes.append(np.array(box, np.float64))
        track.scores.append(float(det[4]))
        track.classes.append(int(det[5]))
        track.hits += 1
        track.last_frame = frame_index
        track.was_matched = True

    # ------------------------------------------------------------------ video end
    def finish(self, classes: Sequence[str]) -> List[Tracklet]:
        """The confirmed tracks of the video as tracklets.

        Args:
            classes: Class names, indexed by the detections' ``class_index``.

        Returns:
            Tracklets of at least ``min_length`` frames, with ids 1, 2, ... by first frame
            (then first box's x1); the label is the track's most frequent class (ties:
            the lowest class index).
        """
        tracks = sorted([t for t in self._ended + self._active if t.confirmed],
                        key=lambda t: (t.order_key()[:3], t.track_id))
        seen = np.asarray(self._seen_frames, np.int64)
        out: List[Tracklet] = []
        self._id_map = {}
        for track in tracks:
            counts = np.bincount(track.classes)
            label_index = int(counts.argmax())
            if label_index >= len(classes):
                raise DataError(f'{type(self).__name__}: video {self._video}, track '
                                f'{track.track_id}: class_index {label_index} has no name '
                                f'among {len(classes)} classes {tuple(classes)}')
            frames = np.asarray(track.frames, np.int64)
            boxes = np.asarray(track.boxes, np.float64).reshape(-1, 4)
            scores = np.asarray(track.scores, np.float64)
            if self.fill_gaps and len(frames) > 1:
                inside = seen[(seen >= frames[0]) & (seen <= frames[-1])]
                boxes = np.stack([np.interp(inside, frames, boxes[:, k]) for k in range(4)],
                                 axis=1)
                filled = np.zeros(len(inside))
                filled[np.searchsorted(inside, frames)] = scores
                frames, scores = inside, filled
            if len(frames) < self.min_length:
                continue
            self._id_map[track.track_id] = len(out) + 1
            out.append(Tracklet(len(out) + 1, str(classes[label_index]), frames, boxes,
                                scores))
        return out
