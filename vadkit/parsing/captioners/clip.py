"""The local-patterns method's captions: templates filled with the words CLIP scores best.

For a tube's last crop, the subject is the one whose sentence ``'a photo of a {subject}'``
is closest (cosine similarity) to the crop's CLIP image embedding; then, for each kind of
sentence, the word whose filled template (``'a man is walking'``, ``'a man in a red
shirt'``...) is closest. The image and text embeddings come from an *encoder*: an object
with ``encode_images(list of RGB uint8 H x W x 3) -> float[n, d]`` and
``encode_texts(list of str) -> float[n, d]``; vadkit ships two that load CLIP from local
weights on first use (:class:`TransformersCLIPEncoder`, :class:`OpenCLIPEncoder`) and never
download them.
"""
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from vadkit.registry import CAPTIONERS
from vadkit.utils.errors import ConfigError, DataError

from .base import CAPTION_KINDS, BaseCaptioner, check_tubes, fill, load_caption_words

#: Backends of :class:`CLIPTemplateCaptioner` and the package each needs.
BACKENDS = dict(transformers='transformers', open_clip='open_clip_torch')


def _missing_package(who: str, backend: str, exc: ImportError) -> ConfigError:
    return ConfigError(f"{who}: backend '{backend}' needs the {BACKENDS[backend]} package "
                       f'({exc}); pip install {BACKENDS[backend]}. The CLIP weights must be '
                       'on this machine (model_path): they are never downloaded')


def _normalise(embeddings, who: str, count: int) -> np.ndarray:
    array = np.asarray(embeddings, np.float64)
    if array.ndim != 2 or len(array) != count:
        raise DataError(f'{who}: the encoder gave an array of shape {array.shape} for {count} '
                        'inputs, float[n, d] expected')
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


class _LocalCLIPEncoder:
    """What the two CLIP encoders share: lazy loading, batching, the device."""

    backend = ''

    def __init__(self, model_path: str, device: str = 'cpu', batch_size: int = 64) -> None:
        if int(batch_size) < 1:
            raise ConfigError(f'{type(self).__name__}: batch_size must be >= 1, got '
                              f'{batch_size}')
        self.model_path = model_path
        self.device = str(device)
        self.batch_size = int(batch_size)
        self._model = None

    def _check_path(self, folder: bool) -> None:
        who = type(self).__name__
        exists = osp.isdir if folder else osp.isfile
        if not self.model_path or not exists(str(self.model_path)):
            what = 'folder' if folder else 'checkpoint file'
            raise ConfigError(f'{who}: model_path must be a local {what} of CLIP weights '
                              f'(they are never downloaded), got {self.model_path!r}')

    def _batches(self, items: Sequence) -> List[Sequence]:
        return [items[i:i + self.batch_size] for i in range(0, len(items), self.batch_size)]

    def _run(self, items: Sequence, encode) -> np.ndarray:
        import torch
        self._load()
        outputs = []
        with torch.no_grad():
            for batch in self._batches(list(items)):
                outputs.append(encode(batch).float().cpu().numpy())
        return np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)

    def _load(self) -> None:
        raise NotImplementedError


@CAPTIONERS.register_module()
class TransformersCLIPEncoder(_LocalCLIPEncoder):
    """CLIP of the ``transformers`` package (``CLIPModel`` + ``CLIPProcessor``), loaded on
    first use from a local folder (``save_pretrained`` layout).

    Args:
        model_path: The folder of the weights.
        device: Torch device. Default 'cpu'.
        batch_size: Images or sentences per forward pass. Default 64.
    """

    backend = 'transformers'

    def _load(self) -> None:
        if self._model is not None:
            return
        try:
            from transformers import CLIPModel, CLIPProcessor
        except ImportError as exc:
            raise _missing_package(type(self).__name__, self.backend, exc) from None
        self._check_path(folder=True)
        self._model = CLIPModel.from_pretrained(self.model_path, local_files_only=True)
        self._model = self._model.to(self.device).eval()
        self._processor = CLIPProcessor.from_pretrained(self.model_path, local_files_only=True)

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``float[n, d]`` embeddings of RGB ``uint8[H, W, 3]`` images."""
        def encode(batch):
            inputs = self._processor(images=list(batch), return_tensors='pt')
            pooled = self._model.vision_model(
                pixel_values=inputs['pixel_values'].to(self.device)).pooler_output
            return self._model.visual_projection(pooled)
        return self._run(images, encode)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``float[n, d]`` embeddings of sentences."""
        def encode(batch):
            inputs = self._processor(text=list(batch), return_tensors='pt', padding=True)
            pooled = self._model.text_model(
                input_ids=inputs['input_ids'].to(self.device),
                attention_mask=inputs['attention_mask'].to(self.device)).pooler_output
            return self._model.text_projection(pooled)
        return self._run(texts, encode)


@CAPTIONERS.register_module()
class OpenCLIPEncoder(_LocalCLIPEncoder):
    """CLIP of the ``open_clip`` package, loaded on first use from a local checkpoint file.

    Args:
        model_path: The checkpoint file (``open_clip.create_model_and_transforms(
            model_name, pretrained=model_path)``).
        model_name: The architecture, e.g. ``'ViT-B-32'``.
        device: Torch device. Default 'cpu'.
        batch_size: Images or sentences per forward pass. Default 64.
    """

    backend = 'open_clip'

    def __init__(self, model_path: str, model_name: str = 'ViT-B-32', device: str = 'cpu',
                 batch_size: int = 64) -> None:
        super().__init__(model_path, device, batch_size)
        self.model_name = str(model_name)

    def _load(self) -> None:
        if self._model is not None:
            return
        try:
            import open_clip
        except ImportError as exc:
            raise _missing_package(type(self).__name__, self.backend, exc) from None
        self._check_path(folder=False)
        model, _, preprocess = open_clip.create_model_and_transforms(
            self.model_name, pretrained=self.model_path, device=self.device)
        self._model, self._preprocess = model.eval(), preprocess
        self._tokenizer = open_clip.get_tokenizer(self.model_name)

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``float[n, d]`` embeddings of RGB ``uint8[H, W, 3]`` images."""
        import torch
        from PIL import Image

        def encode(batch):
            pixels = torch.stack([self._preprocess(Image.fromarray(np.asarray(im, np.uint8)))
                                  for im in batch]).to(self.device)
            return self._model.encode_image(pixels)
        return self._run(images, encode)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``float[n, d]`` embeddings of sentences."""
        def encode(batch):
            return self._model.encode_text(self._tokenizer(list(batch)).to(self.device))
        return self._run(texts, encode)


_ENCODERS = dict(transformers=TransformersCLIPEncoder, open_clip=OpenCLIPEncoder)


@CAPTIONERS.register_module()
class CLIPTemplateCaptioner(BaseCaptioner):
    """The paper's captions: each template filled with the word CLIP finds closest to the
    tube's last crop.

    For tube ``m``, the image is ``crops[m, -1]`` (the region at the end frame) made RGB.
    The subject is the entry of ``subjects`` whose sentence ``subject_template`` has the
    highest cosine similarity with the image embedding; then, for each kind, the sentence
    ``templates[kind]`` filled with that subject and each entry of ``words[kind]`` that has
    the highest cosine similarity is the caption. The embeddings of all candidate sentences
    are computed once per subject and kept.

    Args:
        model_path: Local CLIP weights: a ``save_pretrained`` folder (``backend``
            'transformers') or a checkpoint file ('open_clip'). Loaded on first use; never
            downloaded. Not needed with ``encoder``.
        backend: 'transformers' (:class:`TransformersCLIPEncoder`) or 'open_clip'
            (:class:`OpenCLIPEncoder`).
        device: Torch device of the model. Default 'cpu'.
        batch_size: Crops or sentences per forward pass. Default 64.
        templates: ``{kind: template}``; None: ``caption_templates`` of
            ``configs/_base_/captions/words_en.py``.
        subjects: Subject list; None: ``caption_subjects``.
        words: ``{kind: [entries]}``; None: ``caption_words``.
        encoder: Instead of ``model_path``: an object with ``encode_images`` and
            ``encode_texts``, or a CAPTIONERS config of one.
        model_name: The open_clip architecture. Default 'ViT-B-32'.
        subject_template: The sentence a subject is scored by. Default
            ``'a photo of a {subject}'``.
    """

    needs_crops = True

    def __init__(self, model_path: Optional[str] = None, backend: str = 'transformers',
                 device: str = 'cpu', batch_size: int = 64,
                 templates: Optional[Mapping[str, str]] = None,
                 subjects: Optional[Sequence[str]] = None,
                 words: Optional[Mapping[str, Sequence[str]]] = None,
                 encoder: Union[None, dict, object] = None, model_name: str = 'ViT-B-32',
                 subject_template: str = 'a photo of a {subject}') -> None:
        who = type(self).__name__
        if backend not in _ENCODERS:
            raise ConfigError(f'{who}: backend must be one of {sorted(_ENCODERS)}, got '
                              f'{backend!r}')
        if int(batch_size) < 1:
            raise ConfigError(f'{who}: batch_size must be >= 1, got {batch_size}')
        if '{subject}' not in subject_template:
            raise ConfigError(f"{who}: subject_template lacks '{{subject}}': "
                              f'{subject_template!r}')
        self.templates, self.subjects, self.words = load_caption_words(templates, subjects,
                                                                       words)
        self.kinds = tuple([k for k in CAPTION_KINDS if k in self.templates]
                           + [k for k in self.templates if k not in CAPTION_KINDS])
        empty = [k for k in self.kinds if not self.words[k]]
        if empty:
            raise ConfigError(f'{who}: the word lists {empty} are empty')
        self.backend, self.model_path, self.device = backend, model_path, str(device)
        self.batch_size = int(batch_size)
        self.subject_template = subject_template
        if isinstance(encoder, dict):
            encoder = CAPTIONERS.build(encoder)
        if encoder is None:
            if not model_path:
                raise ConfigError(f'{who}: give model_path (local CLIP weights; they are '
                                  'never downloaded) or an encoder')
            encoder = (OpenCLIPEncoder(model_path, model_name, device, batch_size)
                       if backend == 'open_clip' else
                       TransformersCLIPEncoder(model_path, device, batch_size))
        for method in ('encode_images', 'encode_texts'):
            if not callable(getattr(encoder, method, None)):
                raise ConfigError(f'{who}: the encoder {type(encoder).__name__} has no '
                                  f'{method}()')
        self.encoder = encoder
        self._subject_embeddings: Optional[np.ndarray] = None
        self._sentences: Dict[str, Dict[str, List[str]]] = {}
        self._sentence_embeddings: Dict[str, Dict[str, np.ndarray]] = {}

    def describe(self) -> dict:
        return dict(super().describe(), backend=self.backend, model_path=self.model_path,
                    encoder=type(self.encoder).__name__)

    # ------------------------------------------------------------------ embeddings

    def _texts(self, texts: List[str]) -> np.ndarray:
        return _normalise(self.encoder.encode_texts(texts), type(self).__name__, len(texts))

    def _images(self, images: List[np.ndarray]) -> np.ndarray:
        out = [_normalise(self.encoder.encode_images(images[i:i + self.batch_size]),
                          type(self).__name__, len(images[i:i + self.batch_size]))
               for i in range(0, len(images), self.batch_size)]
        return np.concatenate(out)

    def subject_embeddings(self) -> np.ndarray:
        """``float[S, d]`` unit embeddings of the subject sentences (computed once)."""
        if self._subject_embeddings is None:
            self._subject_embeddings = self._texts(
                [self.subject_template.format(subject=s).lower() for s in self.subjects])
        return self._subject_embeddings

    def candidates(self, subject: str) -> Dict[str, List[str]]:
        """``{kind: [sentences]}``: every filled template of a subject."""
        if subject not in self._sentences:
            self._sentences[subject] = {
                kind: [fill(self.templates[kind], subject, word) for word in self.words[kind]]
                for kind in self.kinds}
        return self._sentences[subject]

    def sentence_embeddings(self, subject: str) -> Dict[str, np.ndarray]:
        """``{kind: float[W, d]}`` unit embeddings of :meth:`candidates` (computed once per
        subject, all kinds in one call of the encoder)."""
        if subject not in self._sentence_embeddings:
            candidates = self.candidates(subject)
            flat = [s for kind in self.kinds for s in candidates[kind]]
            embeddings = self._texts(flat)
            out, start = {}, 0
            for kind in self.kinds:
                count = len(candidates[kind])
                out[kind] = embeddings[start:start + count]
                start += count
            self._sentence_embeddings[subject] = out
        return self._sentence_embeddings[subject]

    # ------------------------------------------------------------------ captions

    def caption_images(self, images: List[np.ndarray]) -> List[Dict[str, str]]:
        """The sentences of RGB ``uint8[H, W, 3]`` images, one ``{kind: sentence}`` each."""
        if not images:
            return []
        image_embeddings = self._images(images)
        subjects = np.argmax(image_embeddings @ self.subject_embeddings().T, axis=1)
        out = []
        for embedding, s in zip(image_embeddings, subjects):
            subject = self.subjects[int(s)]
            candidates, embedded = self.candidates(subject), self.sentence_embeddings(subject)
            out.append({kind: candidates[kind][int(np.argmax(embedded[kind] @ embedding))]
                        for kind in self.kinds})
        return out

    def caption_video(self, video_id: str, tubes: np.ndarray, members: np.ndarray,
                      crops: Optional[np.ndarray] = None,
                      tracks: Optional[np.ndarray] = None) -> List[Dict[str, str]]:
        """The CLIP-chosen sentences of every tube of one video, from ``crops[:, -1]``
        (``members`` and ``tracks`` are not used).

        Raises:
            DataError: When the store has no crops, or they do not fit the tubes.
        """
        who = type(self).__name__
        tubes, _ = check_tubes(video_id, tubes, members, who)
        if len(tubes) == 0:
            return []
        if crops is None:
            raise DataError(f'{who}: video {video_id}: the feature store has no `tube_crops`; '
                            'parse the videos with tube_builder=dict(type='
                            "'ObjectTubeBuilder', crop_size=...)")
        crops = np.asarray(crops)
        if crops.ndim != 5 or len(crops) != len(tubes) or crops.shape[-1] != 3 or \
                crops.dtype != np.uint8:
            raise DataError(f'{who}: video {video_id}: tube_crops must be uint8[M, L, s, s, 3] '
                            f'with M = {len(tubes)} tubes, got {crops.dtype}{list(crops.shape)}')
        images = [np.ascontiguousarray(crops[m, -1, :, :, ::-1]) for m in range(len(tubes))]
        return self.caption_images(images)
