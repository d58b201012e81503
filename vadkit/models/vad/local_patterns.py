"""The local-patterns method (ITAM + SMM): image-text aligned local patterns of object
tubes and a Legendre state machine that predicts their next values; the prediction error
is the anomaly score (the paper: ``../shared/papers/local_patterns_itam_smm.md``; the card
``docs/methods/local_patterns.md`` maps every symbol to a config key).

Two stages, one model (``stage``):

- ``'spatial'`` (Sec. 3.2): each branch (actions; appearances) is a backbone and an ITAM
  (:class:`~vadkit.models.components.itam.ITAMBackbone`,
  :class:`~vadkit.models.components.itam.ImageAttentionModule`,
  :class:`~vadkit.models.components.itam.TextAttentionModule`), trained alone from
  scratch by the image-text contrastive loss (Eq. 1) on object crops and their captions
  (one sentence per caption kind the branch names);
- ``'temporal'`` (Sec. 3.3): the branches frozen, their query features ``F^I_{i,b}(t)``
  combined by a cross-attention layer into ``v_i(t)``, and SMM
  (:class:`~vadkit.models.components.smm.StateMachineModule`) trained with the fusion to
  predict ``v_i(t + dt)`` from ``v_i(t - L + 1) .. v_i(t)``; at test the mean squared
  prediction error of a tube is its score.

``tools/train.py`` runs both from one config: its ``stages`` list holds the spatial stage
(:mod:`vadkit.engine.stages`), whose last checkpoint the temporal stage starts from.
"""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModel
from torch import nn

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample
from vadkit.utils.errors import ConfigError, DataError

STAGES = ('spatial', 'temporal')
PIXEL_NORMS = ('dataset', 'crop')


class ITAMBranch(nn.Module):
    """One branch of the spatial part: backbone, image-attention and text-attention
    modules (the text side is used in training only)."""

    def __init__(self, kinds: Sequence[str], backbone: dict, image: dict, text: dict,
                 vocab_size: int) -> None:
        super().__init__()
        if not kinds:
            raise ConfigError('a branch needs at least one caption kind (kinds=...)')
        self.kinds = tuple(kinds)
        self.backbone = MODELS.build(dict(backbone, type=backbone.get('type', 'ITAMBackbone')))
        image = dict(image, type=image.get('type', 'ImageAttentionModule'))
        project = getattr(self.backbone, 'project', None)
        if isinstance(project, nn.Conv2d):  # V_d of the visual tokens
            image.setdefault('visual_channels', project.out_channels)
        self.image = MODELS.build(image)
        self.text = MODELS.build(dict(text, type=text.get('type', 'TextAttentionModule'),
                                      vocab_size=vocab_size))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, 3, h, w]`` -> ``F^I [B, N_q, E_d]``."""
        return self.image(self.backbone(images))


class BranchFusion(nn.Module):
    """The cross-attention layer that combines the branch outputs into ``v_i(t)``: the
    first branch's queries attend to the other branches' queries, with a residual, and
    the result is flattened to ``N_q E_d`` (a single branch is only flattened).

    The residual keeps the first branch's patterns in ``v``; there is no norm with a
    learnable gain after it, which the prediction loss could shrink to zero (a constant
    ``v`` is predicted without error)."""

    def __init__(self, channels: int, num_branches: int, num_heads: int = 4,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.attention = (nn.MultiheadAttention(channels, num_heads, dropout=dropout,
                                                batch_first=True)
                          if num_branches > 1 else None)

    def forward(self, features: List[torch.Tensor]) -> torch.Tensor:
        first = features[0]
        if self.attention is not None:
            others = torch.cat(features[1:], dim=1)
            attended, _ = self.attention(first, others, others, need_weights=False)
            first = first + attended
        return first.flatten(1)


@MODELS.register_module()
class LocalPatterns(BaseModel):
    """ITAM + SMM.

    Args:
        branches: ``{name: dict(kinds=[caption kinds], backbone=..., image=..., text=...)}``
            in order (the first is the actions branch, the queries of the fusion); each
            entry is merged over ``branch_defaults``.
        vocabulary: A :class:`~vadkit.models.components.text_vocab.WordVocabulary`
            config (the caption word lists).
        smm: A :class:`~vadkit.models.components.smm.StateMachineModule` config
            (``in_channels`` is filled in: ``N_q E_d``).
        branch_defaults: Keys shared by every branch.
        fusion: :class:`BranchFusion` arguments (``num_heads``, ``dropout``).
        loss_itc: The image-text contrastive loss (Eq. 1) config.
        stage: ``'spatial'`` or ``'temporal'``.
        mean, std: Pixel normalisation (RGB, 0-255). Default ImageNet's.
        bgr_to_rgb: The crops are BGR (the feature store's); flip them.
        pixel_norm: ``'dataset'`` (``mean`` / ``std``, the paper's backbones) or
            ``'crop'`` (each crop's channels standardised by their own mean and spread:
            a global light change, a passing cloud, leaves the crop unchanged).
        shared_positives: Sentences repeated in a batch (two people "in a road") are all
            positives of their images in Eq. 1 (``text_ids``); False: only the own one.
            With equal features for equal sentences both give the same loss; they differ
            where text dropout makes the copies' features differ.
        cache_spatial: In the temporal stage, keep each training tube's branch features
            (keyed by ``video_id`` and ``tube_index``) after its first pass: the frozen
            branches then run once per tube instead of once per epoch. Memory: ``6 x
            branches x N_q x E_d`` floats per tube (400 KB at the paper's sizes, 12 KB in
            the CPU config).
        data_preprocessor: mmengine's data preprocessor config.
        init_cfg: Weight initialisation (``dict(type='Pretrained', checkpoint=...)``).
    """

    def __init__(self,
                 branches: Dict[str, dict],
                 vocabulary: dict,
                 smm: dict,
                 branch_defaults: Optional[dict] = None,
                 fusion: Optional[dict] = None,
                 loss_itc: Optional[dict] = None,
                 stage: str = 'temporal',
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 bgr_to_rgb: bool = True,
                 pixel_norm: str = 'dataset',
                 shared_positives: bool = True,
                 cache_spatial: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if stage not in STAGES:
            raise ConfigError(f'stage must be one of {STAGES}, got {stage!r}')
        if not branches:
            raise ConfigError('LocalPatterns needs at least one branch')
        self.stage = stage
        self.vocabulary = MODELS.build(dict(vocabulary, type=vocabulary.get(
            'type', 'WordVocabulary')))
        defaults = dict(branch_defaults or {})
        self.branches = nn.ModuleDict()
        for name, cfg in branches.items():
            merged = {k: dict(v) if isinstance(v, dict) else v for k, v in defaults.items()}
            for key, value in dict(cfg).items():
                merged[key] = ({**merged[key], **value} if isinstance(value, dict) and
                               isinstance(merged.get(key), dict) else value)
            self.branches[name] = ITAMBranch(vocab_size=len(self.vocabulary), **merged)
        first = next(iter(self.branches.values()))
        queries, channels = first.image.queries.shape[0], first.image.project[-1].out_features
        for name, branch in self.branches.items():
            shape = (branch.image.queries.shape[0], branch.image.project[-1].out_features)
            if shape != (queries, channels):
                raise ConfigError(f'branch {name!r} gives {shape[0]} x {shape[1]} query '
                                  f'features, the first branch {queries} x {channels}: the '
                                  'fusion needs the same N_q and E_d in every branch')
        self.num_queries, self.embed_channels = int(queries), int(channels)
        self.fusion = BranchFusion(channels, len(self.branches), **dict(fusion or {}))
        self.smm = MODELS.build(dict(smm, type=smm.get('type', 'StateMachineModule'),
                                     in_channels=queries * channels))
        self.loss_itc = MODELS.build(dict(loss_itc or dict(type='ImageTextContrastiveLoss')))
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))
        self.bgr_to_rgb = bool(bgr_to_rgb)
        if pixel_norm not in PIXEL_NORMS:
            raise ConfigError(f'pixel_norm must be one of {PIXEL_NORMS}, got {pixel_norm!r}')
        self.pixel_norm = pixel_norm
        self.shared_positives = bool(shared_positives)
        self.cache_spatial = bool(cache_spatial)
        self._cache: Dict[tuple, torch.Tensor] = {}
        if stage == 'temporal':
            self.freeze_spatial()

    # -- stages --------------------------------------------------------------------------
    def freeze_spatial(self) -> None:
        """The temporal stage: the branches keep their weights (and BatchNorm statistics)."""
        for p in self.branches.parameters():
            p.requires_grad_(False)
        self.branches.eval()

    def train(self, mode: bool = True) -> 'LocalPatterns':
        super().train(mode)
        if self.stage == 'temporal':
            self.branches.eval()
        return self

    # -- features ------------------------------------------------------------------------
    def images(self, crops: torch.Tensor) -> torch.Tensor:
        """``uint8 [..., s, s, 3]`` crops -> normalised ``float [n, 3, s, s]``."""
        x = crops.reshape(-1, *crops.shape[-3:]).permute(0, 3, 1, 2).float()
        if self.bgr_to_rgb:
            x = x.flip(1)
        if self.pixel_norm == 'crop':
            mean = x.mean(dim=(2, 3), keepdim=True)
            return (x - mean) / x.std(dim=(2, 3), keepdim=True).clamp(min=1.0)
        return (x - self.mean) / self.std

    def spatial_features(self, crops: torch.Tensor) -> List[torch.Tensor]:
        """Per branch ``F^I [n, N_q, E_d]`` of crops ``[..., s, s, 3]``."""
        x = self.images(crops)
        return [branch(x) for branch in self.branches.values()]

    def local_patterns(self, tubes: torch.Tensor, keys: Optional[Sequence[tuple]] = None
                       ) -> torch.Tensor:
        """``v_i(t)`` ``[B, T, N_q E_d]`` of tubes ``uint8 [B, T, s, s, 3]`` (``keys``:
        one per tube, for ``cache_spatial``)."""
        b, t = tubes.shape[:2]
        if self.stage != 'temporal':
            features = self.spatial_features(tubes)
        elif keys is None or not self.cache_spatial:
            with torch.no_grad():
                features = self.spatial_features(tubes)
        else:
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
            if missing:
                with torch.no_grad():
                    fresh = torch.stack(self.spatial_features(tubes[missing]), dim=1)
                for j, i in enumerate(missing):  # [T, branches, N_q, E_d] per tube
                    self._cache[keys[i]] = fresh[j * t:(j + 1) * t].clone()
            stacked = torch.stack([self._cache[k] for k in keys]).to(tubes.device)
            stacked = stacked.flatten(0, 1)                      # [B * T, branches, ...]
            features = list(stacked.unbind(1))
        return self.fusion(features).reshape(b, t, -1)

    # -- losses --------------------------------------------------------------------------
    def _captions(self, data_samples: Sequence[VADDataSample], kinds: Sequence[str]
                  ) -> List[str]:
        out = []
        for sample in data_samples:
            captions = sample.metainfo.get('captions')
            where = (f"video {sample.metainfo.get('video_id', '?')}, tube ending at frame "
                     f"{sample.metainfo.get('end_frame', '?')}")
            if not captions:
                raise DataError(f'{where}: no captions; the spatial stage needs a dataset '
                                "with a captioner and 'captions' in the pipeline's meta_keys")
            missing = [k for k in kinds if k not in captions]
            if missing:
                raise DataError(f'{where}: no {missing} caption(s) (it has '
                                f'{sorted(captions)})')
            out += [str(captions[k]) for k in kinds]
        return out

    def spatial_loss(self, crops: torch.Tensor, data_samples: Sequence[VADDataSample]
                     ) -> Dict[str, torch.Tensor]:
        """Eq. 1 per branch, on crops ``[B, s, s, 3]`` and their captions."""
        if crops.dim() == 5:  # whole tubes: their last crop
            crops = crops[:, -1]
        x = self.images(crops)
        b = len(x)
        losses = {}
        for name, branch in self.branches.items():
            sentences = self._captions(data_samples, branch.kinds)
            ids, mask = self.vocabulary.encode(sentences)
            n_s = len(branch.kinds)
            ids, mask = ids.to(x.device).view(b, n_s, -1), mask.to(x.device).view(b, n_s, -1)
            text = branch.text(ids, mask)
            text_ids = None
            if self.shared_positives:
                index: Dict[str, int] = {}
                text_ids = torch.tensor([index.setdefault(s, len(index)) for s in sentences],
                                        device=x.device).view(b, n_s)
            losses[f'loss_itc_{name}'] = self.loss_itc(branch(x), text, text_ids)
        return losses

    def prediction(self, tubes: torch.Tensor, keys: Optional[Sequence[tuple]] = None
                   ) -> Dict[str, torch.Tensor]:
        """``v`` of the tubes, SMM's prediction of the last step and the error ``[B]``."""
        window, shift = self.smm.window, self.smm.shift
        if tubes.dim() != 5 or tubes.shape[1] != window + shift:
            raise DataError(f'SMM predicts step {window + shift} from the first {window}: '
                            f'tubes of {window + shift} crops needed, got shape '
                            f'{tuple(tubes.shape)} (set the parsing tube_builder length)')
        v = self.local_patterns(tubes, keys)
        predicted = self.smm(v[:, :window])
        target = v[:, -1]
        return dict(v=v, predicted=predicted, error=(predicted - target).pow(2).mean(-1))

    def loss(self, inputs: torch.Tensor, data_samples: Sequence[VADDataSample]
             ) -> Dict[str, torch.Tensor]:
        if self.stage == 'spatial':
            return self.spatial_loss(inputs, data_samples)
        keys = [(s.metainfo.get('video_id'), s.metainfo.get('tube_index'))
                for s in data_samples]
        if len(keys) != len(inputs) or any(k[1] is None for k in keys):
            keys = None
        return dict(loss_prediction=self.prediction(inputs, keys)['error'].mean())

    # -- mmengine ------------------------------------------------------------------------
    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples or [])
        if mode == 'predict':
            return self.predict(inputs, data_samples or [])
        if mode == 'tensor':
            return self.local_patterns(inputs) if inputs.dim() == 5 else \
                self.fusion(self.spatial_features(inputs))
        raise ValueError(f'unknown mode {mode!r}')

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: Sequence[VADDataSample]
                ) -> List[VADDataSample]:
        error = self.prediction(inputs)['error']
        for i, sample in enumerate(data_samples):
            sample.set_pred_score('final', error[i])
        return list(data_samples)
