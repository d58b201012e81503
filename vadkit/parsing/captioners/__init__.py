"""Captioners (registry CAPTIONERS): sentences describing each object tube, for the
image-text alignment module of the local-patterns method.

- :class:`SyntheticCaptioner` -- the generated world's ground truth;
- :class:`FileCaptioner` -- captions of a JSON file (``tools/caption_tubes.py`` writes it);
- :class:`CLIPTemplateCaptioner` -- the paper's templates filled with the words a CLIP
  model scores best (local weights: :class:`TransformersCLIPEncoder`,
  :class:`OpenCLIPEncoder`).
"""
from .base import CAPTION_KINDS, BaseCaptioner, load_caption_words, words_config_path
from .clip import CLIPTemplateCaptioner, OpenCLIPEncoder, TransformersCLIPEncoder
from .file import FileCaptioner
from .synthetic import COLOURS, SyntheticCaptioner, colour_name

__all__ = [
    'BaseCaptioner', 'CAPTION_KINDS', 'CLIPTemplateCaptioner', 'COLOURS', 'FileCaptioner',
    'OpenCLIPEncoder', 'SyntheticCaptioner', 'TransformersCLIPEncoder', 'colour_name',
    'load_caption_words', 'words_config_path'
]
