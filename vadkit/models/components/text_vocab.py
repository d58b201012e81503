"""ITAM's text side needs no downloaded tokenizer: a word-level vocabulary built from the
caption word lists and templates (``configs/_base_/captions/words_en.py``).

Sentences are lower-cased and split into words (letters and apostrophes); every word of
the lists and templates has an id, and the rest map to ``[UNK]``. Ids 0, 1 and 2 are
``[PAD]``, ``[CLS]`` (prepended, the position the text module pools) and ``[UNK]``.
"""
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from vadkit.registry import MODELS

SPECIALS = ('[PAD]', '[CLS]', '[UNK]')
_WORD = re.compile(r"[a-z']+")


def split_words(text: str) -> List[str]:
    """The words of ``text``, lower-cased."""
    return _WORD.findall(text.lower())


@MODELS.register_module()
class WordVocabulary:
    """A word-level tokenizer over a closed vocabulary.

    Args:
        words: ``{list name: [entries]}`` (entries may be several words).
        templates: ``{list name: 'a {subject} is {word}'}``; their words join the
            vocabulary.
        subjects: Words for ``{subject}``.
        max_length: ``S_t``: sentences are cut (after ``[CLS]``) or padded to it.
    """

    def __init__(self, words: Mapping[str, Sequence[str]],
                 templates: Optional[Mapping[str, str]] = None,
                 subjects: Sequence[str] = ('person', ), max_length: int = 16) -> None:
        if max_length < 2:
            raise ValueError(f'max_length must be >= 2, got {max_length}')
        self.words = {k: list(v) for k, v in words.items()}
        self.templates = dict(templates or {})
        unknown = sorted(set(self.templates) - set(self.words))
        if unknown:
            raise ValueError(f'templates name word lists that do not exist: {unknown}')
        self.subjects, self.max_length = list(subjects), int(max_length)
        vocab: Dict[str, int] = {s: i for i, s in enumerate(SPECIALS)}
        texts = [e for entries in self.words.values() for e in entries]
        texts += [t.replace('{subject}', ' ').replace('{word}', ' ')
                  for t in self.templates.values()] + self.subjects
        for text in texts:
            for word in split_words(text):
                vocab.setdefault(word, len(vocab))
        self.vocab = vocab
        self.inverse = {i: w for w, i in vocab.items()}

    def __len__(self) -> int:
        return len(self.vocab)

    def fill(self, kind: str, word: str, subject: str = 'person') -> str:
        """The sentence of template ``kind`` with ``word`` (and ``subject``)."""
        if kind not in self.templates:
            raise KeyError(f'no template {kind!r} (templates: {sorted(self.templates)})')
        return self.templates[kind].format(subject=subject, word=word)

    def encode(self, sentences: Sequence[str]) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(ids [n, max_length] int64, mask [n, max_length] bool)``, ``[CLS]`` first."""
        ids = torch.zeros(len(sentences), self.max_length, dtype=torch.long)
        mask = torch.zeros(len(sentences), self.max_length, dtype=torch.bool)
        unk = self.vocab['[UNK]']
        for row, sentence in enumerate(sentences):
            tokens = [self.vocab['[CLS]']] + [self.vocab.get(w, unk)
                                              for w in split_words(sentence)]
            tokens = tokens[:self.max_length]
            ids[row, :len(tokens)] = torch.tensor(tokens)
            mask[row, :len(tokens)] = True
        return ids, mask

    def decode(self, ids: Sequence[int]) -> str:
        """The words of ``ids`` (specials left out)."""
        return ' '.join(self.inverse[int(i)] for i in ids if int(i) >= len(SPECIALS))
