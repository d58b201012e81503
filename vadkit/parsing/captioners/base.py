"""The interface of captioners and what they share: the caption word lists and templates.

A captioner writes, for every object tube of a video (:class:`~vadkit.parsing.tubes.
ObjectTubeBuilder`), one short sentence per *kind* -- what the subject does (``actions``),
wears (``clothes``), where it is (``places``) and what is near it (``objects``) -- the
captions that the image-text alignment module of the local-patterns method learns from.
Sentences fill the templates of ``configs/_base_/captions/words_en.py``
(``'a {subject} is {word}'`` ...) with a subject of its subject list and an entry of its
word lists, so that the word-level vocabulary built from the same file
(:class:`~vadkit.models.components.text_vocab.WordVocabulary`) knows every word.
"""
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from vadkit.utils.errors import ConfigError, DataError

#: The shipped word lists and templates, relative to the repository.
WORDS_CONFIG = osp.join('configs', '_base_', 'captions', 'words_en.py')
#: The sentence kinds of the local-patterns method, in the order of the paper.
CAPTION_KINDS = ('actions', 'clothes', 'places', 'objects')

_REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def words_config_path() -> str:
    """The path of ``configs/_base_/captions/words_en.py`` of this checkout."""
    return osp.join(_REPO_ROOT, WORDS_CONFIG)


def load_caption_words(
        templates: Optional[Mapping[str, str]] = None, subjects: Optional[Sequence[str]] = None,
        words: Optional[Mapping[str, Sequence[str]]] = None
) -> Tuple[Dict[str, str], List[str], Dict[str, List[str]]]:
    """The templates, subjects and word lists of a captioner: those given, the rest read
    from ``configs/_base_/captions/words_en.py`` (``caption_templates``,
    ``caption_subjects``, ``caption_words``).

    Args:
        templates: ``{kind: 'a {subject} is {word}'}``, or None for the shipped ones.
        subjects: Words for ``{subject}``, or None.
        words: ``{kind: [entries]}``, or None.

    Returns:
        ``(templates, subjects, words)`` as plain dicts and lists.

    Raises:
        ConfigError: When the shipped file is needed but missing, when a template has no
            word list, or a template lacks ``{word}``.
    """
    if templates is None or subjects is None or words is None:
        path = words_config_path()
        if not osp.isfile(path):
            raise ConfigError(f'caption word lists {path} do not exist; pass templates, '
                              'subjects and words to the captioner')
        from mmengine.config import Config
        cfg = Config.fromfile(path)
        templates = cfg.caption_templates if templates is None else templates
        subjects = cfg.caption_subjects if subjects is None else subjects
        words = cfg.caption_words if words is None else words
    templates = {str(k): str(v) for k, v in dict(templates).items()}
    subjects = [str(s) for s in subjects]
    words = {str(k): [str(e) for e in v] for k, v in dict(words).items()}
    lacking = sorted(set(templates) - set(words))
    if lacking:
        raise ConfigError(f'caption templates {lacking} have no word list (lists: '
                          f'{sorted(words)})')
    for kind, template in templates.items():
        if '{word}' not in template:
            raise ConfigError(f"caption template {kind!r} ({template!r}) lacks '{{word}}'")
    if not subjects:
        raise ConfigError('the caption subject list is empty')
    return templates, subjects, words


def fill(template: str, subject: str, word: str) -> str:
    """``template`` with ``{subject}`` and ``{word}`` filled, lower-cased."""
    return template.format(subject=subject, word=word).lower()


class BaseCaptioner:
    """Writes one sentence per kind for each object tube of a video.

    Subclasses set :attr:`kinds` and implement :meth:`caption_video`; those that read the
    tubes' pixels set :attr:`needs_crops` (the tools then read ``tube_crops`` from the
    store).

    Attributes:
        kinds: The sentence kinds written, e.g. ``('actions', 'clothes', 'places',
            'objects')``.
        needs_crops: Whether :meth:`caption_video` needs ``crops``.
    """

    kinds: Tuple[str, ...] = CAPTION_KINDS
    needs_crops: bool = False

    def reset(self) -> None:
        """Forget what was cached for the previous video (nothing by default)."""

    def caption_video(self, video_id: str, tubes: np.ndarray, members: np.ndarray,
                      crops: Optional[np.ndarray] = None,
                      tracks: Optional[np.ndarray] = None) -> List[Dict[str, str]]:
        """The sentences of every tube of one video.

        Args:
            video_id: The video's name (in the store and in messages).
            tubes: ``float[M, 6]`` rows ``(end_frame, x1, y1, x2, y2, num_members)``.
            members: ``int[M, K]`` member track ids, padded with -1.
            crops: ``uint8[M, L, s, s, 3]`` BGR crops (``tube_crops``), or None.
            tracks: The store's ``tracks`` rows ``(frame, track_id, label_index, x1, y1,
                x2, y2, score)``, where the captioner may look up the members' boxes; or
                None.

        Returns:
            One ``{kind: sentence}`` per tube, in the order of ``tubes``.
        """
        raise NotImplementedError

    def describe(self) -> dict:
        """What the captioner is, for the headers of caption files."""
        return dict(type=type(self).__name__, kinds=list(self.kinds))


def check_tubes(video_id: str, tubes: np.ndarray, members: np.ndarray,
                who: str) -> Tuple[np.ndarray, np.ndarray]:
    """``tubes`` as ``float64[M, 6]`` and ``members`` as ``int64[M, K]``, or a DataError
    naming the video and the array."""
    tubes = np.asarray(tubes, np.float64)
    if tubes.size == 0:
        tubes = tubes.reshape(0, 6)
    if tubes.ndim != 2 or tubes.shape[1] != 6:
        raise DataError(f'{who}: video {video_id}: tubes must be float[M, 6] (end_frame, x1, '
                        f'y1, x2, y2, num_members), got shape {tubes.shape}')
    members = np.asarray(members)
    if members.size == 0 and len(tubes) == 0:
        members = np.zeros((0, max(1, members.shape[-1] if members.ndim == 2 else 1)))
    if members.ndim != 2 or len(members) != len(tubes):
        raise DataError(f'{who}: video {video_id}: tube_members must be int[M, K] with '
                        f'M = {len(tubes)} tubes, got shape {members.shape}')
    return tubes, members.astype(np.int64)


def tube_region(tube: np.ndarray) -> List[float]:
    """The square region ``[x1, y1, x2, y2]`` of a tube row, as plain floats."""
    return [float(v) for v in tube[1:5]]
