"""The word-level vocabulary of ITAM's text module, from the shipped caption word lists."""
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from vadkit.models.components.text_vocab import SPECIALS, WordVocabulary, split_words


def _vocab(max_length=12):
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/_base_/captions/words_en.py')
    return cfg, WordVocabulary(cfg.caption_words, cfg.caption_templates, cfg.caption_subjects,
                               max_length)


def test_every_word_of_the_lists_and_templates_has_an_id():
    cfg, vocab = _vocab()
    assert sorted(cfg.caption_words) == ['actions', 'clothes', 'objects', 'places']
    assert all(len(v) >= 20 for v in cfg.caption_words.values())
    words = {w for entries in cfg.caption_words.values() for e in entries for w in split_words(e)}
    words |= {'a', 'is', 'in', 'there'} | set(cfg.caption_subjects)
    assert words <= set(vocab.vocab) and len(vocab) == len(words) + len(SPECIALS)
    assert [vocab.vocab[s] for s in SPECIALS] == [0, 1, 2]


def test_encode_fill_and_decode():
    _, vocab = _vocab(max_length=6)
    sentence = vocab.fill('clothes', 'a red jacket', subject='woman')
    assert sentence == 'a woman in a red jacket'
    ids, mask = vocab.encode([sentence, 'A zebra is flying!', ''])
    assert ids.shape == mask.shape == (3, 6)
    assert ids[0, 0] == 1 and vocab.decode(ids[0]) == 'a woman in a red'  # cut at 6
    assert ids[1].tolist() == [1, vocab.vocab['a'], 2, vocab.vocab['is'], 2, 0]
    assert mask.sum(1).tolist() == [6, 5, 1] and torch.all(ids[2, 1:] == 0)
