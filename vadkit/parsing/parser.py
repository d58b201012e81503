"""One video in, every feature the methods read out: the parser.

Two passes over the frames. The first detects and tracks; the second estimates the poses
of the tracked people large enough (on the final tracklets, so every tracked frame gets
one), cuts the video into clips (16 frames, non-overlapping by default) and runs the scene
and clip extractors on each clip and the object extractors on each tracklet seen in it,
and (optionally) builds object tubes at every frame. Without a detector and tracker only
the clip (segment) features are computed. The
``long_track_only`` extractors (motion, by default) only run on tracklets with more than
``min_track_length`` tracked frames (the HSC supplement: more than 10); shorter ones are
kept with their appearance, and their motion rows are zero with ``motion_valid`` 0 in
``objects_index``.
"""
import os.path as osp
from collections import deque
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from vadkit.registry import DETECTORS, EXTRACTORS, PARSERS, TRACKERS
from vadkit.utils.errors import ConfigError, DataError

from .base import ObjectClip, Tracklet, VideoInfo, clip_spans


def _build(registry, cfg):
    if cfg is None or not isinstance(cfg, dict):
        return cfg
    return registry.build(cfg)


@PARSERS.register_module()
class VideoParser:
    """Detector -> tracker -> pose -> per-clip object, scene and clip features, and tubes.

    Args:
        detector: DETECTORS config; None (with ``tracker`` None) parses no objects, for
            segment features alone (the first pass then only counts the frames).
        tracker: TRACKERS config, or None with ``detector``.
        pose: EXTRACTORS config of a pose estimator, or None.
        object_extractors: ``{name: EXTRACTORS config}`` run on every object clip
            (``appearance``, ``motion`` ...); stored as ``objects_<name>``.
        long_track_only: Names of ``object_extractors`` that only run on tracklets with
            more than ``min_track_length`` tracked frames (their other rows are zeros);
            None: ``('motion',)`` when there is a ``motion`` extractor.
        scene_extractor: EXTRACTORS config run on every clip, or None.
        clip_extractor: EXTRACTORS config run on every clip (segment), or None.
        tube_builder: EXTRACTORS config of an
            :class:`~vadkit.parsing.tubes.ObjectTubeBuilder` (merged, squared object
            tubes of L frames for the local-pattern method), or None.
        clip_len: Frames per clip.
        stride: Frames between clip starts (``clip_len``: non-overlapping).
        min_track_length: Tracklets need more tracked frames than this for the
            ``long_track_only`` extractors (the HSC supplement: more than 10).
        min_pose_height: People smaller than this (pixels) get no pose (zeros).
        pose_labels: Class names of the tracklets the pose estimator runs on (the others
            get zero keypoints); None: every tracklet.
    """

    def __init__(self, detector: Optional[dict] = None, tracker: Optional[dict] = None,
                 pose: Optional[dict] = None,
                 object_extractors: Optional[Dict[str, dict]] = None,
                 long_track_only: Optional[Sequence[str]] = None,
                 scene_extractor: Optional[dict] = None, clip_extractor: Optional[dict] = None,
                 tube_builder: Optional[dict] = None, clip_len: int = 16, stride: int = 16,
                 min_track_length: int = 10, min_pose_height: float = 0.0,
                 pose_labels: Optional[Sequence[str]] = None) -> None:
        if (detector is None) != (tracker is None):
            raise ConfigError('VideoParser: give both a detector and a tracker, or neither '
                              '(segment features only)')
        self.detector = _build(DETECTORS, detector)
        self.tracker = _build(TRACKERS, tracker)
        self.pose = _build(EXTRACTORS, pose)
        self.object_extractors = {k: _build(EXTRACTORS, v)
                                  for k, v in (object_extractors or {}).items()}
        if long_track_only is None:
            long_track_only = [n for n in ('motion', ) if n in self.object_extractors]
        unknown = sorted(set(long_track_only) - set(self.object_extractors))
        if unknown:
            raise ConfigError(f'VideoParser: long_track_only names {unknown}, which are not '
                              f'object_extractors ({sorted(self.object_extractors)})')
        self.long_track_only = tuple(long_track_only)
        self.scene_extractor = _build(EXTRACTORS, scene_extractor)
        self.clip_extractor = _build(EXTRACTORS, clip_extractor)
        self.tube_builder = _build(EXTRACTORS, tube_builder)
        if clip_len < 1 or stride < 1:
            raise ValueError(f'clip_len and stride must be positive, got {clip_len}, {stride}')
        self.clip_len = clip_len
        self.stride = stride
        self.min_track_length = min_track_length
        self.min_pose_height = min_pose_height
        self.pose_labels = None if pose_labels is None else tuple(pose_labels)

    def _components(self):
        return [c for c in (self.detector, self.tracker, self.pose, self.scene_extractor,
                            self.clip_extractor, self.tube_builder,
                            *self.object_extractors.values())
                if c is not None]

    def named_components(self) -> List[Tuple[str, object]]:
        """``(config key, component)`` of every component, sub-components included
        (``scene_extractor.segmenter``)."""
        named = [('detector', self.detector), ('tracker', self.tracker), ('pose', self.pose),
                 *[(f'object_extractors.{k}', v) for k, v in self.object_extractors.items()],
                 ('scene_extractor', self.scene_extractor),
                 ('clip_extractor', self.clip_extractor), ('tube_builder', self.tube_builder)]
        out = []
        for key, component in named:
            if component is None:
                continue
            out.append((key, component))
            inner = getattr(component, 'segmenter', None)
            if inner is not None and not isinstance(inner, dict):
                out.append((f'{key}.segmenter', inner))
        return out

    def missing_checkpoints(self) -> List[Tuple[str, str]]:
        """``(config key, path)`` of the local weight files named by the components'
        ``checkpoint`` that do not exist (URLs are not checked), so that a run can refuse
        to start with one message listing them all instead of failing on the first."""
        missing = []
        for key, component in self.named_components():
            path = getattr(component, 'checkpoint', None)
            if isinstance(path, str) and '://' not in path and \
                    not osp.isfile(osp.expanduser(path)):
                missing.append((key, path))
        return missing

    def labels(self, tracklets: Sequence[Tracklet]) -> List[str]:
        """Class names of a video: the detector's classes in their order, then any other
        label a tracker gave, sorted (so that the detector's classes keep one index in
        every video)."""
        known = list(self.detector.classes) if self.detector is not None else []
        return known + sorted({t.label for t in tracklets} - set(known))

    # ------------------------------------------------------------------ pass 1
    def track(self, source, info: VideoInfo) -> Tuple[List[Tracklet], int]:
        """Detect and track; returns the tracklets and the number of frames read.

        Every component is reset for the video first; components with a ``prepare``
        method (a background model that wants frames of the whole video) then get the
        re-iterable ``source``.
        """
        for component in self._components():
            component.reset(info)
        for component in self._components():
            if callable(getattr(component, 'prepare', None)):
                component.prepare(source)
        count = 0
        if self.detector is None:  # segment features only: just count the frames
            for _ in source:
                count += 1
            return [], count
        for index, frame in enumerate(source):
            self.tracker.update(index, self.detector(frame, index), frame)
            count += 1
        return self.tracker.finish(self.detector.classes), count

    def _pose_frame(self, frame: np.ndarray, index: int, posed: list) -> None:
        """Estimate the poses of the tracked people of one frame into their tracklets'
        ``keypoints`` (``posed``: ``(tracklet, row)`` pairs at that frame)."""
        if not posed:
            return
        boxes = np.stack([t.boxes[row] for t, row in posed]).astype(np.float64)
        tall = np.flatnonzero((boxes[:, 3] - boxes[:, 1]) >= self.min_pose_height)
        if not tall.size:
            return
        ids = np.asarray([posed[i][0].track_id for i in tall], np.int64)
        keypoints = np.asarray(self.pose(frame, index, boxes[tall], ids), np.float32)
        for i, kp in zip(tall, keypoints.reshape(len(tall), 17, 3)):
            t, row = posed[i]
            t.keypoints[row] = kp

    def _object_fields(self) -> Dict[str, int]:
        """``{field: width}`` of the per-object arrays: each extractor's vectors, then its
        extra outputs as ``<extractor>_<output>``."""
        fields = {}
        for name, extractor in self.object_extractors.items():
            fields[name] = extractor.dim
            for key, width in (getattr(extractor, 'extra_dims', None) or {}).items():
                fields[f'{name}_{key}'] = int(width)
        return fields

    # ------------------------------------------------------------------ pass 2
    @staticmethod
    def object_clips(tracklets: Sequence[Tracklet], start: int, end: int,
                     clip_index: int) -> List[ObjectClip]:
        """The tracklets seen in the clip ``[start, end)``, cut to it."""
        clips = []
        for t in tracklets:
            inside = t.span(start, end)
            if inside.size == 0:
                continue
            clips.append(ObjectClip(
                clip_index=clip_index, start=start, end=end, track_id=t.track_id,
                label=t.label, frames=t.frames[inside], boxes=t.boxes[inside],
                keypoints=None if t.keypoints is None else t.keypoints[inside],
                track_length=len(t)))
        return clips

    def _object_features(self, buffer: List[np.ndarray],
                         objects: List[ObjectClip]) -> Dict[str, np.ndarray]:
        out = {}
        for name, extractor in self.object_extractors.items():
            values = np.zeros((len(objects), extractor.dim), np.float32)
            extra_dims = dict(getattr(extractor, 'extra_dims', None) or {})
            extras = {k: np.zeros((len(objects), w), np.float32) for k, w in extra_dims.items()}
            picked = np.flatnonzero([name not in self.long_track_only
                                     or o.track_length > self.min_track_length
                                     for o in objects]) if objects else np.zeros(0, int)
            if picked.size:
                chosen = [objects[i] for i in picked]
                if extra_dims:
                    vectors, more = extractor.extract(buffer, chosen)
                    missing = sorted(set(extra_dims) - set(more))
                    if missing:
                        raise DataError(f'object extractor {name!r} '
                                        f'({type(extractor).__name__}) gave no {missing}')
                    for key, width in extra_dims.items():
                        extras[key][picked] = np.asarray(more[key], np.float32).reshape(
                            picked.size, width)
                else:
                    vectors = extractor(buffer, chosen)
                values[picked] = np.asarray(vectors, np.float32).reshape(picked.size,
                                                                         extractor.dim)
            out[name] = values
            for key, value in extras.items():
                out[f'{name}_{key}'] = value
        return out

    def parse(self, source, info: VideoInfo) -> Tuple[Dict[str, np.ndarray], dict]:
        """Every array of one video, and its meta (counts, class names).

        ``source`` is iterated twice (tracking, then features): a
        :class:`~vadkit.parsing.video_io.VideoSource` re-reads the file.
        """
        tracklets, num_frames = self.track(source, info)
        to_pose: Dict[int, list] = {}
        if self.pose is not None:  # poses of the final tracklets, in the second pass
            for t in tracklets:
                if t.keypoints is None:
                    t.keypoints = np.zeros((len(t), 17, 3), np.float32)
                    if self.pose_labels is not None and t.label not in self.pose_labels:
                        continue
                    for row, frame_index in enumerate(t.frames):
                        to_pose.setdefault(int(frame_index), []).append((t, row))
        action_of = _ground_truth_actions(info)
        spans = clip_spans(num_frames, self.clip_len, self.stride)
        labels = self.labels(tracklets)
        label_index = {name: i for i, name in enumerate(labels)}
        with_keypoints = self.pose is not None or any(t.keypoints is not None
                                                      for t in tracklets)
        rows: Dict[str, list] = {k: [] for k in self._object_fields()}
        index, boxes, mask, keypoints, actions, scene, clip = [], [], [], [], [], [], []
        tubes: List[Dict[str, np.ndarray]] = []
        tube_len = self.tube_builder.length if self.tube_builder is not None else 0
        at_frame = _boxes_at_frames(tracklets) if self.tube_builder is not None else {}
        window: deque = deque(maxlen=max(self.clip_len, tube_len))
        next_clip = 0
        for position, frame in enumerate(source):
            if position >= num_frames:
                break
            window.append(frame)
            self._pose_frame(frame, position, to_pose.get(position, []))
            if self.tube_builder is not None:
                track_ids, track_boxes = at_frame.get(position, _NO_BOXES)
                tubes.append(self.tube_builder.build(position, list(window)[-tube_len:],
                                                     track_boxes, track_ids))
            while next_clip < len(spans) and spans[next_clip, 1] == position + 1:
                c, (start, end) = next_clip, (int(v) for v in spans[next_clip])
                next_clip += 1
                buffer = list(window)[-(end - start):]
                if self.scene_extractor is not None:
                    scene.append(self.scene_extractor(buffer, start))
                if self.clip_extractor is not None:
                    clip.append(self.clip_extractor(buffer))
                objects = self.object_clips(tracklets, start, end, c)
                for name, values in self._object_features(buffer, objects).items():
                    rows[name].append(values)
                for o in objects:
                    actions.append(action_of(o))
                    index.append([c, start, end, o.track_id, label_index[o.label],
                                  int(o.track_length > self.min_track_length)])
                    offset = (o.frames - start).astype(np.int64)
                    b = np.zeros((self.clip_len, 4), np.float32)
                    m = np.zeros(self.clip_len, bool)
                    b[offset], m[offset] = o.boxes, True
                    boxes.append(b)
                    mask.append(m)
                    if with_keypoints:
                        k = np.zeros((self.clip_len, 17, 3), np.float32)
                        if o.keypoints is not None:
                            k[offset] = o.keypoints
                        keypoints.append(k)
        if next_clip < len(spans):
            raise DataError(f'video {info.video_id}: the second reading gave fewer frames '
                            f'than the first ({num_frames})')
        arrays = dict(clip_spans=spans.astype(np.int64),
                      objects_index=np.asarray(index, np.int64).reshape(-1, 6),
                      objects_boxes=np.asarray(boxes, np.float32).reshape(-1, self.clip_len, 4),
                      objects_mask=np.asarray(mask, bool).reshape(-1, self.clip_len),
                      objects_action=np.asarray(actions, np.int64),
                      tracks=_track_rows(tracklets, label_index))
        if with_keypoints:
            arrays['objects_keypoints'] = np.asarray(keypoints, np.float32).reshape(
                -1, self.clip_len, 17, 3)
        for name, width in self._object_fields().items():
            arrays[f'objects_{name}'] = np.concatenate(rows[name]) if rows[name] else \
                np.zeros((0, width), np.float32)
        if self.scene_extractor is not None:
            arrays['scene'] = np.asarray(scene, np.float32).reshape(
                len(spans), self.scene_extractor.dim)
        if self.clip_extractor is not None:
            arrays['clips'] = np.asarray(clip, np.float32).reshape(
                len(spans), self.clip_extractor.num_patches, self.clip_extractor.dim)
        counts = dict(clips=int(len(spans)), objects=int(len(index)),
                      tracks=int(len(tracklets)))
        if self.tube_builder is not None:
            parts = tubes or [self.tube_builder.empty()]
            for key in parts[0]:
                arrays[f'tube_{key}' if key != 'tubes' else 'tubes'] = np.concatenate(
                    [p[key] for p in parts])
            counts['tubes'] = int(len(arrays['tubes']))
        meta = dict(num_frames=int(num_frames), width=info.width, height=info.height,
                    fps=info.fps, labels=labels, actions=list(ACTIONS),
                    clip_len=self.clip_len, stride=self.stride,
                    objects_index_fields=list(OBJECT_INDEX_FIELDS),
                    tracks_fields=list(TRACK_FIELDS), counts=counts)
        return arrays, meta

    def describe(self) -> dict:
        return dict(type=type(self).__name__, clip_len=self.clip_len, stride=self.stride,
                    min_track_length=self.min_track_length,
                    components=[c.describe() for c in self._components()])


#: Columns of ``objects_index``.
OBJECT_INDEX_FIELDS = ('clip_index', 'start', 'end', 'track_id', 'label_index',
                       'motion_valid')
#: Columns of ``tracks``.
TRACK_FIELDS = ('frame', 'track_id', 'label_index', 'x1', 'y1', 'x2', 'y2', 'score')
_NO_BOXES = (np.zeros(0, np.int64), np.zeros((0, 4), np.float64))


def _boxes_at_frames(tracklets: Sequence[Tracklet]) -> Dict[int, Tuple[np.ndarray, np.ndarray]]:
    """``{frame: (track_ids int[n], boxes float[n, 4])}`` of the tracked objects."""
    out: Dict[int, Tuple[list, list]] = {}
    for t in tracklets:
        for frame, box in zip(t.frames, t.boxes):
            ids, boxes = out.setdefault(int(frame), ([], []))
            ids.append(t.track_id)
            boxes.append(box)
    return {f: (np.asarray(i, np.int64), np.asarray(b, np.float64).reshape(-1, 4))
            for f, (i, b) in out.items()}


#: Action labels of object clips: the synthetic world's behaviours (index -1: unknown).
ACTIONS = ('walk', 'run', 'jump', 'fall', 'throw', 'loiter', 'ride', 'push', 'drive')


def _ground_truth_actions(info: VideoInfo):
    """A function giving an object clip its annotated action: the behaviour of the
    annotated track its box overlaps most (IoU >= 0.5) at its middle tracked frame; -1
    without an annotation or a match."""
    if info.annotation is None:
        return lambda clip: -1
    from .oracle_utils import boxes_by_frame
    from vadkit.structures.boxes import box_iou
    by_frame = boxes_by_frame(info.annotation)
    behaviour = {int(t['track_id']): t['behaviour'] for t in info.annotation['tracks']}

    def action_of(clip: ObjectClip) -> int:
        middle = len(clip.frames) // 2
        truth = by_frame.get(int(clip.frames[middle]), [])
        if not truth:
            return -1
        iou = box_iou(clip.boxes[middle:middle + 1], np.stack([e[2] for e in truth]))[0]
        best = int(iou.argmax())
        name = behaviour[truth[best][0]]
        return ACTIONS.index(name) if iou[best] >= 0.5 and name in ACTIONS else -1

    return action_of


def _track_rows(tracklets: Sequence[Tracklet], label_index: Dict[str, int]) -> np.ndarray:
    """``float32[R, 8]`` rows ``(frame, track_id, label_index, x1, y1, x2, y2, score)``."""
    rows = [np.column_stack([t.frames, np.full(len(t), t.track_id),
                             np.full(len(t), label_index[t.label]), t.boxes, t.scores])
            for t in tracklets if len(t)]
    return np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, 8), np.float32)
