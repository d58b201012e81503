"""Ground-truth captions of the generated world (:mod:`vadkit.datasets.synthetic`).

The world's annotation tells, for every actor at every frame, its category, behaviour,
colours and the kind of scene, so the captions of a tube can be written from it rather
than guessed from pixels: the tube is matched to the actors on screen at its end frame, the
largest matched actor is its subject, and each kind of sentence names one fact of it.
"""
import colorsys
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from vadkit.registry import CAPTIONERS
from vadkit.structures.boxes import box_area, box_iou
from vadkit.utils.errors import ConfigError, DataError

from .base import CAPTION_KINDS, BaseCaptioner, check_tubes, fill, load_caption_words

#: Behaviour -> action phrase (an entry of the ``actions`` word list).
ACTION_WORDS = dict(walk='walking', run='running', jump='jumping', fall='falling',
                    throw='throwing something', loiter='loitering', ride='riding a bicycle',
                    push='pushing a cart', drive='driving')
#: Behaviours of people who walk, then act (jump, fall, throw): at their frames that are
#: not anomalous they are walking.
SWITCHING_BEHAVIOURS = ('jump', 'fall', 'throw')
#: Box category -> subject.
SUBJECT_WORDS = dict(person='person', cyclist='person', cart='person', car='car')
#: Box category -> the part whose colour the ``clothes`` sentence names.
COLOUR_PARTS = dict(person='shirt', cyclist='shirt', cart='shirt', car='body')
#: Scene kind -> place phrase.
PLACE_WORDS = dict(walkway='a walkway', plaza='a square', road='a road', lawn='a lawn')
#: Box category -> the thing another member of the tube brings (people bring nothing).
OBJECT_WORDS = dict(cyclist='a bicycle', cart='a cart', car='a car')
#: Scene kind -> a prop the scene's background always shows (``scenes.py``: lamp posts
#: along walkways and roads, benches beside the plaza's fountain, the lawn's grass).
PROP_WORDS = dict(walkway='a lamp post', plaza='a bench', road='a lamp post', lawn='grass')

#: Reference colours ``(name, (hue in degrees, saturation, value))`` of
#: :func:`colour_name` (a name may have several: dark magenta is purple, light magenta
#: pink); greys (black, white, grey) are decided by saturation and value.
COLOUR_NAMES: Tuple[Tuple[str, Tuple[float, float, float]], ...] = (
    ('red', (0.0, 0.85, 0.75)), ('orange', (30.0, 0.85, 0.9)), ('yellow', (55.0, 0.8, 0.9)),
    ('green', (120.0, 0.7, 0.6)), ('blue', (220.0, 0.7, 0.7)), ('purple', (280.0, 0.6, 0.55)),
    ('purple', (320.0, 0.5, 0.4)), ('pink', (330.0, 0.4, 0.9)), ('brown', (25.0, 0.65, 0.4)))
#: Every name :func:`colour_name` returns.
COLOURS = ('black', 'white', 'grey', 'red', 'orange', 'yellow', 'green', 'blue', 'purple',
           'pink', 'brown')
#: Colour name -> phrase of a person's shirt.
SHIRT_WORDS = {c: f'{"an" if c == "orange" else "a"} {c} shirt' for c in COLOURS}
#: Colour name -> phrase of a vehicle's paint (``'a car in red'``).
PAINT_WORDS = {c: c for c in COLOURS}
#: The words of a tube that matches no actor (the place and the prop still come from the
#: scene).
UNMATCHED_WORDS = dict(subject='object', actions='standing', clothes='dark clothes')

# weights of the hue (fraction of a half turn), saturation and value differences
_HUE_WEIGHT, _SAT_WEIGHT, _VAL_WEIGHT = 1.0, 0.25, 0.5


def colour_name(bgr: Sequence[float], grey_saturation: float = 0.15,
                black_value: float = 0.25, white_value: float = 0.8) -> str:
    """The name of a colour, one of :data:`COLOURS`.

    The colour is converted to HSV. A colour darker than ``black_value`` is black; one
    less saturated than ``grey_saturation`` is white, grey or black by its value; the
    others get the nearest reference of :data:`COLOUR_NAMES` by hue (around the circle),
    saturation and value, so that a dark orange is brown and a pale red is pink.

    Args:
        bgr: ``(b, g, r)`` in ``[0, 255]``.
        grey_saturation: Saturation below which a colour is a grey. Default 0.15.
        black_value: Value below which a colour is black. Default 0.25.
        white_value: Value above which a grey is white. Default 0.8.

    Returns:
        The colour's name.

    >>> colour_name((0, 0, 255)), colour_name((203, 192, 255)), colour_name((19, 69, 139))
    ('red', 'pink', 'brown')
    >>> colour_name((128, 128, 128)), colour_name((240, 240, 240)), colour_name((30, 0, 40))
    ('grey', 'white', 'black')
    """
    values = np.asarray(bgr, np.float64).reshape(-1)
    if values.size != 3 or not np.all(np.isfinite(values)):
        raise ValueError(f'a colour is (b, g, r), got {bgr}')
    b, g, r = np.clip(values, 0, 255) / 255.0
    hue, saturation, value = colorsys.rgb_to_hsv(r, g, b)
    if value < black_value:
        return 'black'
    if saturation < grey_saturation:
        return 'white' if value > white_value else 'grey'
    best, best_distance = 'grey', np.inf
    for name, (ref_hue, ref_sat, ref_val) in COLOUR_NAMES:
        turn = abs(hue * 360.0 - ref_hue) % 360.0
        distance = (_HUE_WEIGHT * min(turn, 360.0 - turn) / 180.0
                    + _SAT_WEIGHT * abs(saturation - ref_sat)
                    + _VAL_WEIGHT * abs(value - ref_val))
        if distance < best_distance:
            best, best_distance = name, distance
    return best


class _Actor:
    """One annotated track, as arrays."""

    def __init__(self, entry: dict, where: str) -> None:
        try:
            self.track_id = int(entry['track_id'])
            self.category = str(entry['category'])
            self.behaviour = str(entry['behaviour'])
            self.first = int(entry['first_frame'])
            count = int(entry['num_frames'])
            self.boxes = np.asarray(entry['boxes'], np.float64).reshape(count, 4)
            self.anomalous = np.asarray(entry['anomalous'], bool).reshape(count)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f'{where}: track {entry.get("track_id", "?")}: a field is missing '
                            f'or malformed ({type(exc).__name__}: {exc})') from None
        self.colors = entry.get('colors')

    def box_at(self, frame: int) -> Optional[np.ndarray]:
        row = frame - self.first
        if 0 <= row < len(self.boxes):
            box = self.boxes[row]
            if box[2] > box[0] and box[3] > box[1]:
                return box
        return None


@CAPTIONERS.register_module()
class SyntheticCaptioner(BaseCaptioner):
    """Captions of the generated world's tubes from its ground truth.

    For a tube ending at frame ``t``, the actors on screen at ``t`` are matched to it:
    with the store's ``tracks`` (see :meth:`caption_video`), an actor matches when its box
    has an IoU of at least ``min_iou`` with a member's box at ``t``, or its centre lies in
    one; without them, when its centre lies in the tube's square. The largest matched box
    is the subject, and

    - ``actions``: its behaviour (:data:`ACTION_WORDS`); a person who walks and then jumps,
      falls or throws (:data:`SWITCHING_BEHAVIOURS`) is ``'walking'`` at frames that are
      not anomalous;
    - ``clothes``: the colour (:func:`colour_name`) of its shirt (people, also on a bicycle
      or behind a cart: ``'a red shirt'``) or its body (cars: ``'red'``, "a car in red");
    - ``places``: the scene kind (:data:`PLACE_WORDS`);
    - ``objects``: the thing of the largest other matched actor that brings one
      (:data:`OBJECT_WORDS`: a bicycle, a cart, a car), else a prop every scene of the
      kind shows (:data:`PROP_WORDS`).

    A tube that matches no actor (a false detection) is ``'an object'`` (subject
    ``'object'``) ``'standing'`` in ``'dark clothes'`` (:data:`UNMATCHED_WORDS`), with the
    scene's place and prop. Every phrase must be an entry of its word list (checked when
    built), so the captions hold no word outside the vocabulary.

    Args:
        data_root: The generated world's folder.
        annotations: Path of a video's annotation under ``data_root``, ``{video}``
            replaced. Default ``'annotations/{video}.json'``.
        templates: ``{kind: template}``; None: ``caption_templates`` of
            ``configs/_base_/captions/words_en.py``.
        subjects: Subject list; None: ``caption_subjects``.
        words: ``{kind: [entries]}``; None: ``caption_words``.
        action_words: Replaces entries of :data:`ACTION_WORDS` (behaviour -> phrase).
        place_words: Replaces entries of :data:`PLACE_WORDS` (scene kind -> phrase).
        object_words: Replaces entries of :data:`OBJECT_WORDS` (category -> phrase).
        prop_words: Replaces entries of :data:`PROP_WORDS` (scene kind -> phrase).
        subject_words: Replaces entries of :data:`SUBJECT_WORDS` (category -> subject).
        shirt_words: Replaces entries of :data:`SHIRT_WORDS` (colour name -> phrase).
        paint_words: Replaces entries of :data:`PAINT_WORDS` (colour name -> phrase).
        switching: Behaviours that are walking at their frames that are not anomalous.
        unmatched: Replaces entries of :data:`UNMATCHED_WORDS` (``subject``, ``actions``,
            ``clothes``).
        min_iou: IoU of an actor's box with a member's box for a match. Default 0.3.
    """

    def __init__(self, data_root: str, annotations: str = 'annotations/{video}.json',
                 templates: Optional[Mapping[str, str]] = None,
                 subjects: Optional[Sequence[str]] = None,
                 words: Optional[Mapping[str, Sequence[str]]] = None,
                 action_words: Optional[Mapping[str, str]] = None,
                 place_words: Optional[Mapping[str, str]] = None,
                 object_words: Optional[Mapping[str, str]] = None,
                 prop_words: Optional[Mapping[str, str]] = None,
                 subject_words: Optional[Mapping[str, str]] = None,
                 shirt_words: Optional[Mapping[str, str]] = None,
                 paint_words: Optional[Mapping[str, str]] = None,
                 switching: Sequence[str] = SWITCHING_BEHAVIOURS,
                 unmatched: Optional[Mapping[str, str]] = None,
                 min_iou: float = 0.3) -> None:
        if '{video}' not in annotations:
            raise ConfigError(f"SyntheticCaptioner: annotations must contain '{{video}}', got "
                              f'{annotations!r}')
        if not 0.0 < float(min_iou) <= 1.0:
            raise ConfigError(f'SyntheticCaptioner: min_iou must be in (0, 1], got {min_iou}')
        self.data_root = str(data_root)
        self.annotations = str(annotations)
        self.templates, self.subjects, self.words = load_caption_words(templates, subjects,
                                                                       words)
        lacking = [k for k in CAPTION_KINDS if k not in self.templates]
        if lacking:
            raise ConfigError(f'SyntheticCaptioner writes {list(CAPTION_KINDS)} but the '
                              f'templates lack {lacking}')
        self.kinds = CAPTION_KINDS
        self.action_words = {**ACTION_WORDS, **dict(action_words or {})}
        self.place_words = {**PLACE_WORDS, **dict(place_words or {})}
        self.object_words = {**OBJECT_WORDS, **dict(object_words or {})}
        self.prop_words = {**PROP_WORDS, **dict(prop_words or {})}
        self.subject_words = {**SUBJECT_WORDS, **dict(subject_words or {})}
        self.shirt_words = {**SHIRT_WORDS, **dict(shirt_words or {})}
        self.paint_words = {**PAINT_WORDS, **dict(paint_words or {})}
        self.unmatched = {**UNMATCHED_WORDS, **dict(unmatched or {})}
        self.switching = tuple(switching)
        self.min_iou = float(min_iou)
        self._check_words()
        self._video: Optional[str] = None
        self._path = ''
        self._kind = ''
        self._actors: List[_Actor] = []

    def _check_words(self) -> None:
        checks = [('action_words', self.action_words, 'actions'),
                  ('place_words', self.place_words, 'places'),
                  ('object_words', self.object_words, 'objects'),
                  ('prop_words', self.prop_words, 'objects'),
                  ('shirt_words', self.shirt_words, 'clothes'),
                  ('paint_words', self.paint_words, 'clothes'),
                  ('unmatched', {k: v for k, v in self.unmatched.items() if k != 'subject'},
                   None)]
        for name, mapping, kind in checks:
            for key, phrase in mapping.items():
                target = kind or key
                if target not in self.words or phrase not in self.words[target]:
                    raise ConfigError(
                        f'SyntheticCaptioner: {name}[{key!r}] = {phrase!r} is not an entry of '
                        f'the {target!r} word list; add it to the list or choose one of it')
        for key, subject in [*self.subject_words.items(),
                             ('unmatched', self.unmatched.get('subject'))]:
            if subject not in self.subjects:
                raise ConfigError(f'SyntheticCaptioner: subject {subject!r} (for {key!r}) is '
                                  f'not in the subject list {self.subjects}')

    def reset(self) -> None:
        self._video, self._actors = None, []

    def describe(self) -> dict:
        return dict(super().describe(), data_root=self.data_root,
                    annotations=self.annotations)

    # ------------------------------------------------------------------ annotation

    def _load(self, video_id: str) -> None:
        if self._video == video_id:
            return
        from vadkit.datasets.synthetic.annotation import read_annotation
        path = osp.join(self.data_root, self.annotations.format(video=video_id))
        if not osp.isfile(path):
            raise DataError(f'SyntheticCaptioner: video {video_id}: no annotation {path} '
                            '(is data_root the generated world the store was parsed from?)')
        try:
            ann = read_annotation(path)
        except DataError as exc:
            raise DataError(f'SyntheticCaptioner: video {video_id}: {exc}') from None
        where = f'annotation {path} (video {video_id})'
        kind = ann.get('scene_kind')
        if kind not in self.place_words or kind not in self.prop_words:
            raise DataError(f'{where}: scene_kind {kind!r} has no place / prop phrase '
                            f'(known: {sorted(self.place_words)}); pass place_words and '
                            'prop_words')
        actors = [_Actor(entry, where) for entry in ann['tracks']]
        for actor in actors:
            if actor.category not in self.subject_words:
                raise DataError(f'{where}: track {actor.track_id}: category '
                                f'{actor.category!r} has no subject (known: '
                                f'{sorted(self.subject_words)}); pass subject_words')
            if actor.behaviour not in self.action_words:
                raise DataError(f'{where}: track {actor.track_id}: behaviour '
                                f'{actor.behaviour!r} has no action phrase (known: '
                                f'{sorted(self.action_words)}); pass action_words')
        self._video, self._path, self._kind, self._actors = video_id, path, kind, actors

    # ------------------------------------------------------------------ matching

    def match(self, frame: int, region: np.ndarray,
              member_boxes: Optional[np.ndarray] = None) -> List[int]:
        """Indices (into the loaded video's actors) of the actors matched to a tube,
        largest box first.

        Args:
            frame: The tube's end frame.
            region: Its square ``(x1, y1, x2, y2)``.
            member_boxes: ``float[n, 4]`` boxes of its members at ``frame``, or None
                (then the square is used).
        """
        present = [(k, a.box_at(frame)) for k, a in enumerate(self._actors)]
        present = [(k, box) for k, box in present if box is not None]
        if not present:
            return []
        index = np.array([k for k, _ in present])
        boxes = np.stack([box for _, box in present])
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2.0
        if member_boxes is not None and len(member_boxes):
            member_boxes = np.asarray(member_boxes, np.float64).reshape(-1, 4)
            close = box_iou(member_boxes, boxes).max(0) >= self.min_iou
            inside = _inside(centres, member_boxes).any(0)
            hit = close | inside
        else:
            hit = _inside(centres, np.asarray(region, np.float64).reshape(1, 4))[0]
        areas = box_area(boxes)
        order = np.flatnonzero(hit)
        order = order[np.argsort(-areas[order], kind='stable')]
        return [int(index[i]) for i in order]

    # ------------------------------------------------------------------ words

    def _action(self, actor: _Actor, frame: int) -> str:
        if actor.behaviour in self.switching and not actor.anomalous[frame - actor.first]:
            return self.action_words['walk']
        return self.action_words[actor.behaviour]

    def _clothes(self, actor: _Actor) -> str:
        part = COLOUR_PARTS.get(actor.category, 'shirt')
        colors = actor.colors
        if not isinstance(colors, dict) or part not in colors:
            raise DataError(f'annotation {self._path} (video {self._video}): track '
                            f'{actor.track_id} has no colors.{part}; the world was written '
                            'before annotations held colours: generate it again into an '
                            'empty folder')
        name = colour_name(colors[part])
        words = self.paint_words if part == 'body' else self.shirt_words
        if name not in words:
            raise ConfigError(f'SyntheticCaptioner: no phrase for the colour {name!r} '
                              f"({'paint_words' if part == 'body' else 'shirt_words'})")
        return words[name]

    def words_of(self, frame: int, matched: Sequence[int]) -> Tuple[str, Dict[str, str]]:
        """``(subject, {kind: word})`` of a tube ending at ``frame`` matched to the
        actors ``matched`` (largest first) of the loaded video."""
        place, prop = self.place_words[self._kind], self.prop_words[self._kind]
        if not matched:
            return self.unmatched['subject'], dict(actions=self.unmatched['actions'],
                                                   clothes=self.unmatched['clothes'],
                                                   places=place, objects=prop)
        subject = self._actors[matched[0]]
        things = [self.object_words[self._actors[k].category] for k in matched[1:]
                  if self._actors[k].category in self.object_words]
        return self.subject_words[subject.category], dict(
            actions=self._action(subject, frame), clothes=self._clothes(subject),
            places=place, objects=things[0] if things else prop)

    def caption_video(self, video_id: str, tubes: np.ndarray, members: np.ndarray,
                      crops: Optional[np.ndarray] = None,
                      tracks: Optional[np.ndarray] = None) -> List[Dict[str, str]]:
        """The ground-truth sentences of every tube of one video.

        Args:
            video_id: The video's name; its annotation is
                ``data_root/annotations.format(video=video_id)``.
            tubes: ``float[M, 6]`` rows ``(end_frame, x1, y1, x2, y2, num_members)``.
            members: ``int[M, K]`` member track ids (the tracker's), padded with -1.
            crops: Not used.
            tracks: The store's ``tracks`` rows ``(frame, track_id, label_index, x1, y1,
                x2, y2, score)``: the members' boxes at the end frame are matched to the
                actors'; None: the tube's square is.

        Returns:
            One ``{kind: sentence}`` per tube.

        Raises:
            DataError: When the annotation is missing or malformed, or lacks colours.
        """
        tubes, members = check_tubes(video_id, tubes, members, type(self).__name__)
        self._load(video_id)
        by_frame = _track_boxes(tracks, video_id) if tracks is not None else None
        out = []
        for tube, ids in zip(tubes, members):
            frame = int(round(tube[0]))
            member_boxes = None
            if by_frame is not None and frame in by_frame:
                frame_ids, frame_boxes = by_frame[frame]
                member_boxes = frame_boxes[np.isin(frame_ids, ids[ids >= 0])]
            subject, words = self.words_of(frame, self.match(frame, tube[1:5], member_boxes))
            out.append({kind: fill(self.templates[kind], subject, words[kind])
                        for kind in self.kinds})
        return out


def _inside(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``bool[len(boxes), len(points)]``: point ``j`` lies in box ``i`` (edges included)."""
    x, y = points[None, :, 0], points[None, :, 1]
    return ((x >= boxes[:, None, 0]) & (x <= boxes[:, None, 2])
            & (y >= boxes[:, None, 1]) & (y <= boxes[:, None, 3]))


def _track_boxes(tracks: np.ndarray,
                 video_id: str) -> Dict[int, Tuple[np.ndarray, np.ndarray]]:
    """``{frame: (track_ids int[n], boxes float[n, 4])}`` of the store's ``tracks`` rows."""
    rows = np.asarray(tracks, np.float64)
    if rows.size == 0:
        return {}
    if rows.ndim != 2 or rows.shape[1] < 7:
        raise DataError(f'video {video_id}: tracks must be float[R, 8] (frame, track_id, '
                        f'label_index, x1, y1, x2, y2, score), got shape {rows.shape}')
    frames = np.round(rows[:, 0]).astype(np.int64)
    order = np.argsort(frames, kind='stable')
    rows, frames = rows[order], frames[order]
    starts = np.flatnonzero(np.r_[True, frames[1:] != frames[:-1]])
    ends = np.r_[starts[1:], len(frames)]
    return {int(frames[a]): (np.round(rows[a:b, 1]).astype(np.int64), rows[a:b, 3:7])
            for a, b in zip(starts, ends)}
