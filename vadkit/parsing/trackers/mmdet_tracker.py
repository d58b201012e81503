"""mmdet 3.x motion trackers (ByteTrack, OC-SORT) as a vadkit tracker.

HSC (supplement Sec. 3.1) links its YOLOv3 detections with FairMOT and a "threshold of
tracking" of 0.7, 0.5 and 0.3 for ShanghaiTech, Avenue and UCSD Ped2. FairMOT is not in
mmdet 3.x; :class:`MMDetTracker` runs one of mmdet's trackers that need boxes alone,
fed each frame's detections as a ``DetDataSample``.

The threshold of tracking is FairMOT's ``conf_thres``. FairMOT's tracker
(``JDETracker.update``) first drops every detection scoring at or below it
(``dets[:, 4] > conf_thres`` is kept), then matches all the remaining ones to the tracks
(appearance then IoU, with no separate low-score round) and starts a track from any one
left unmatched (its new-track threshold ``det_thresh`` is ``conf_thres`` too).
``score_thr`` gives it that meaning here: detections scoring ``<= score_thr`` never reach
the tracker, and the tracker's first-round and new-track thresholds are set to
``score_thr`` (ByteTrack's ``obj_score_thrs.high`` and ``init_track_thr``, OC-SORT's
``obj_score_thr`` and ``init_track_thr``), so every detection fed can extend or start a
track (ByteTrack's low-score round then gets none). Appearance matching, FairMOT's first
round, has no counterpart: the supported trackers match on boxes only.
"""
import contextlib
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from vadkit.registry import TRACKERS
from vadkit.utils.errors import ConfigError, DataError

from ..base import BaseTracker, Tracklet, VideoInfo, check_detections
from ..openmmlab import BackendUnavailableError, default_scope, import_backend

#: mmdet trackers that need boxes alone.
SUPPORTED_TRACKERS = ('ByteTracker', 'OCSORTTracker')

#: mmdet trackers that need more than boxes, and what.
REFUSED_TRACKERS = {
    'SORTTracker': 'a re-id model and the image (DeepSORT)',
    'StrongSORTTracker': 'a re-id model and the image',
    'QuasiDenseTracker': 'the embeddings of a QDTrack model',
    'MaskTrackRCNNTracker': 'the embeddings of a MaskTrack R-CNN model',
}

#: ByteTrack as mmdet's ByteTrack configs set it up (``configs/bytetrack``): a Kalman
#: filter, first round on scores > 0.6, second round on scores > 0.1, new tracks from
#: scores > 0.7, IoU weighted by score, IoU thresholds 0.1 / 0.5 / 0.3 (first round,
#: second round, tentative tracks), tracks kept 30 frames after their last match.
DEFAULT_TRACKER = dict(
    type='ByteTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thrs=dict(high=0.6, low=0.1),
    init_track_thr=0.7,
    weight_iou_with_det_scores=True,
    match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
    num_frames_retain=30)

#: The keys ``score_thr`` sets, per tracker type: ``(first-round key, new-track key)``.
_SCORE_KEYS = {'ByteTracker': ('obj_score_thrs.high', 'init_track_thr'),
               'OCSORTTracker': ('obj_score_thr', 'init_track_thr')}


def tracker_config(tracker: Optional[dict], score_thr: Optional[float] = None) -> dict:
    """The mmdet tracker config :class:`MMDetTracker` builds.

    Args:
        tracker: ``dict(type='ByteTracker' | 'OCSORTTracker', ...)`` (an ``'mmdet.'``
            prefix is allowed); None: :data:`DEFAULT_TRACKER`. Without ``motion`` a
            ``KalmanFilter`` is added (the trackers need one).
        score_thr: See the module docstring; None keeps the tracker's thresholds.
            ByteTrack's ``obj_score_thrs.low`` is lowered to ``score_thr`` when above it.

    Raises:
        ConfigError: Not a dict with a supported ``type``; the message lists the supported
            trackers.
    """
    cfg = copy.deepcopy(DEFAULT_TRACKER if tracker is None else dict(tracker))
    kind = cfg.get('type')
    name = kind.split('.', 1)[1] if isinstance(kind, str) and kind.startswith('mmdet.') \
        else kind
    if name not in SUPPORTED_TRACKERS:
        why = f'it needs {REFUSED_TRACKERS[name]}, which vadkit does not feed it' \
            if name in REFUSED_TRACKERS else 'it is not an mmdet motion tracker vadkit knows'
        raise ConfigError(f'MMDetTracker: tracker type {kind!r} is not supported ({why}); '
                          f'supported: {SUPPORTED_TRACKERS}')
    cfg['type'] = name
    if cfg.get('motion') is None:
        cfg['motion'] = dict(type='KalmanFilter')
    if score_thr is not None:
        first, new = _SCORE_KEYS[name]
        if '.' in first:
            outer, inner = first.split('.')
            thresholds = dict(cfg.get(outer) or DEFAULT_TRACKER[outer])
            thresholds[inner] = float(score_thr)
            thresholds['low'] = min(float(thresholds.get('low', 0.1)), float(score_thr))
            cfg[outer] = thresholds
        else:
            cfg[first] = float(score_thr)
        cfg[new] = float(score_thr)
    return cfg


@contextlib.contextmanager
def _motmetrics_check_skipped(kind: str):
    """Build an ``OCSORTTracker`` without the ``motmetrics`` package.

    mmdet 3.3's ``OCSORTTracker`` inherits ``SORTTracker.__init__``, which refuses to run
    without ``motmetrics``; only SORT / DeepSORT's re-id matching uses it (OC-SORT matches
    with ``lap``). For OC-SORT the check is skipped while the tracker is built; any other
    use keeps it.
    """
    module = None
    if kind == 'OCSORTTracker':
        from mmdet.models.trackers import sort_tracker as module
    if module is None or module.motmetrics is not None:
        yield
        return
    module.motmetrics = _NOT_NEEDED
    try:
        yield
    finally:
        module.motmetrics = None


#: Stands in for ``motmetrics`` while an OC-SORT tracker is built.
_NOT_NEEDED = object()


class _Record:
    """What one mmdet track id was matched to, frame by frame."""

    def __init__(self, raw_id: int) -> None:
        self.raw_id = raw_id
        self.confirmed = False
        self.public_id = 0  # given when first confirmed
        self.frames: List[int] = []
        self.boxes: List[np.ndarray] = []
        self.scores: List[float] = []
        self.classes: List[int] = []

    def order_key(self) -> Tuple[int, float, float, int]:
        """First frame, first box's x1 then y1, then mmdet's id."""
        return (self.frames[0], float(self.boxes[0][0]), float(self.boxes[0][1]), self.raw_id)


@TRACKERS.register_module()
class MMDetTracker(BaseTracker):
    """Links detections with an mmdet 3.x motion tracker (ByteTrack or OC-SORT).

    Each frame's detections go to the tracker as a ``DetDataSample`` whose
    ``pred_instances`` hold the boxes, scores and labels (float64, so that the boxes come
    back exactly as fed) and whose ``metainfo`` holds ``frame_id`` and ``img_shape``. The
    tracker's output at each frame (the detections it assigned to a track id) is collected
    per id. A track is kept once the tracker confirmed it (mmdet's trackers start tracks
    tentative, except at frame 0, and confirm them after ``num_tentatives`` frames in a
    row); its tentative frames then belong to it, and the ids that never got confirmed
    are dropped.

    Args:
        tracker: mmdet tracker config, ``dict(type='ByteTracker', ...)`` or
            ``dict(type='OCSORTTracker', ...)``; None (default): ByteTrack with mmdet's
            settings (:data:`DEFAULT_TRACKER`). Trackers that need a re-id model or image
            embeddings are refused.
        score_thr: The HSC supplement's "threshold of tracking" (0.7 ShanghaiTech, 0.5
            Avenue, 0.3 UCSD Ped2), in ``[0, 1)``, with the meaning of FairMOT's
            ``conf_thres``: detections scoring ``<= score_thr`` are dropped and the
            tracker's first-round and new-track thresholds become ``score_thr`` (module
            docstring). None (default) feeds every detection and keeps the tracker's own
            thresholds.
        min_length: :meth:`finish` drops tracklets of fewer tracked frames, at least 1.
            Default 1.
    """

    def __init__(self, tracker: Optional[dict] = None, score_thr: Optional[float] = None,
                 min_length: int = 1) -> None:
        if tracker is not None and not isinstance(tracker, dict):
            raise ConfigError(f'MMDetTracker: tracker must be None or a config dict, got '
                              f'{type(tracker).__name__}')
        if score_thr is not None and not (
                isinstance(score_thr, (int, float, np.integer, np.floating))
                and not isinstance(score_thr, (bool, np.bool_))
                and 0.0 <= float(score_thr) < 1.0):
            raise ValueError(f'score_thr must be None or a number in [0, 1), got '
                             f'{score_thr!r}')
        if not isinstance(min_length, (int, np.integer)) or isinstance(min_length, bool) \
                or min_length < 1:
            raise ValueError(f'min_length must be an integer >= 1, got {min_length!r}')
        self.score_thr = None if score_thr is None else float(score_thr)
        self.tracker = tracker_config(tracker, self.score_thr)
        self.min_length = int(min_length)
        self._tracker = None
        self.reset(None)

    # ------------------------------------------------------------------ state
    def _build_tracker(self):
        """A fresh mmdet tracker (mmdet imported on first use)."""
        try:
            import lap  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailableError(
                f'MMDetTracker: mmdet\'s {self.tracker["type"]} needs the lap package, which '
                f'does not import here ({exc}); pip install lap') from exc
        registry = import_backend('mmdet', 'MMDetTracker')
        with default_scope('mmdet'), _motmetrics_check_skipped(self.tracker['type']):
            try:
                return registry.MODELS.build(copy.deepcopy(self.tracker))
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f'MMDetTracker: cannot build the mmdet tracker '
                                  f'{self.tracker}: {exc}') from exc

    def reset(self, info: Optional[VideoInfo]) -> None:
        """Start a new video: a fresh mmdet tracker, no tracks, ids from 1 again."""
        self._video = info.video_id if info is not None else '<no video>'
        self._shape = None if info is None else (int(info.height), int(info.width))
        self._records: Dict[int, _Record] = {}
        self._last_frame: Optional[int] = None
        self._next_id = 1
        self._id_map: Dict[int, int] = {}
        if info is not None or self._tracker is not None:
            self._tracker = self._build_tracker()

    @property
    def id_map(self) -> Dict[int, int]:
        """``{id given by update: id of the tracklet}`` of the last :meth:`finish` (the
        tracklets it dropped are absent)."""
        return dict(self._id_map)

    def _check(self, frame_index: int, detections: np.ndarray) -> Tuple[int, np.ndarray]:
        return check_detections('MMDetTracker', self._video, frame_index, self._last_frame,
                                detections)

    def _sample(self, frame_index: int, dets: np.ndarray, frame: Optional[np.ndarray]):
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        shape = self._shape
        if frame is not None:
            shape = tuple(int(v) for v in np.shape(frame)[:2])
        sample = DetDataSample(metainfo=dict(frame_id=frame_index,
                                             img_shape=shape if shape else (0, 0)))
        instances = InstanceData()
        instances.bboxes = torch.from_numpy(np.ascontiguousarray(dets[:, :4]))
        instances.scores = torch.from_numpy(np.ascontiguousarray(dets[:, 4]))
        instances.labels = torch.from_numpy(dets[:, 5].astype(np.int64))
        sample.pred_instances = instances
        return sample

    # ------------------------------------------------------------------ per frame
    def update(self, frame_index: int, detections: np.ndarray,
               frame: Optional[np.ndarray] = None) -> np.ndarray:
        """Feed one frame's detections.

        Args:
            frame_index: Index of the frame in the video, increasing (the trackers take a
                gap as frames without a match).
            detections: ``float[N, 6]`` ``(x1, y1, x2, y2, score, class_index)``.
            frame: The frame; only its shape is passed on (``img_shape``).

        Returns:
            ``float64[M, 7]`` ``(x1, y1, x2, y2, score, class_index, track_id)`` of the
            confirmed tracks matched at this frame, by increasing track id (ids numbered
            1, 2, ... in the order tracks get confirmed; :attr:`id_map` maps them to the
            ids of :meth:`finish`).
        """
        frame_index, dets = self._check(frame_index, detections)
        self._last_frame = frame_index
        if self.score_thr is not None:
            dets = dets[dets[:, 4] > self.score_thr]
        if self._tracker is None:
            self._tracker = self._build_tracker()
        with torch.inference_mode(), default_scope('mmdet'):
            result = self._tracker.track(self._sample(frame_index, dets, frame))
        boxes = result.bboxes.detach().cpu().double().numpy().reshape(-1, 4)
        scores = result.scores.detach().cpu().double().numpy().reshape(-1)
        labels = result.labels.detach().cpu().numpy().astype(np.int64).reshape(-1)
        raw_ids = result.instances_id.detach().cpu().numpy().astype(np.int64).reshape(-1)
        fresh: List[_Record] = []
        matched: List[_Record] = []
        for box, score, label, raw in zip(boxes, scores, labels, raw_ids):
            record = self._records.get(int(raw))
            if record is None:
                record = self._records[int(raw)] = _Record(int(raw))
            record.frames.append(frame_index)
            record.boxes.append(np.array(box, np.float64))
            record.scores.append(float(score))
            record.classes.append(int(label))
            track = self._tracker.tracks.get(int(raw))
            if not record.confirmed and track is not None \
                    and not bool(track.get('tentative', False)):
                record.confirmed = True
                fresh.append(record)
            matched.append(record)
        for record in sorted(fresh, key=_Record.order_key):
            record.public_id = self._next_id
            self._next_id += 1
        rows = [[*r.boxes[-1], r.scores[-1], r.classes[-1], r.public_id]
                for r in matched if r.confirmed]
        rows.sort(key=lambda row: row[6])
        return np.asarray(rows, np.float64).reshape(-1, 7)

    # ------------------------------------------------------------------ video end
    def finish(self, classes: Sequence[str]) -> List[Tracklet]:
        """The confirmed tracks of the video as tracklets.

        Args:
            classes: Class names, indexed by the detections' ``class_index``.

        Returns:
            Tracklets of at least ``min_length`` frames, with ids 1, 2, ... by first frame
            (then first box's x1, then y1); the label is the track's most frequent class
            (ties: the lowest class index); boxes and scores are the detections' as fed.
        """
        records = sorted((r for r in self._records.values() if r.confirmed),
                         key=_Record.order_key)
        out: List[Tracklet] = []
        self._id_map = {}
        for record in records:
            if len(record.frames) < self.min_length:
                continue
            label_index = int(np.bincount(record.classes).argmax())
            if label_index >= len(classes):
                raise DataError(f'MMDetTracker: video {self._video}: class_index '
                                f'{label_index} has no name among {len(classes)} classes '
                                f'{tuple(classes)}')
            self._id_map[record.public_id] = len(out) + 1
            out.append(Tracklet(len(out) + 1, str(classes[label_index]),
                                np.asarray(record.frames, np.int64),
                                np.asarray(record.boxes, np.float64).reshape(-1, 4),
                                np.asarray(record.scores, np.float64)))
        return out


__all__ = ['DEFAULT_TRACKER', 'MMDetTracker', 'REFUSED_TRACKERS', 'SUPPORTED_TRACKERS',
           'tracker_config']
