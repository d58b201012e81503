"""A plain autoencoder per object-feature stream: the baseline of the object-centric
methods (HSC without scene input, memory and contrasts)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample

from ..components.feature_norm import (FeatureStandardizer, fit_standardizers,
                                       standardizer_options)
from ..components.hsc_stream import mlp


@MODELS.register_module()
class FeatureAutoEncoder(BaseModel):
    """One MLP autoencoder per stream on object features; the squared reconstruction
    error is the stream's score (``pred_scores[name]``), so the same scorers as HSC's
    apply. Trained on normal objects only.

    Args:
        streams: ``{name: dict(feature_dim=D, hidden_sizes=(...), latent_dim=L)}``.
        with_scene: Feed ``[f_B, f_i]`` to the encoder (and reconstruct ``f_i``).
        scene_dim: ``D_B`` when ``with_scene``.
        motion_stream: The stream trained and scored only on motion-valid objects.
        input_norm: ``'zscore'``: standardise features (and the scene) with training
            statistics, fitted by :meth:`prepare` (``PrepareModelHook``); None: raw.
        data_preprocessor: mmengine data preprocessor config.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 streams: Dict[str, dict],
                 with_scene: bool = False,
                 scene_dim: int = 0,
                 motion_stream: str = 'motion',
                 input_norm: Union[None, str, dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not streams:
            raise ValueError('FeatureAutoEncoder needs at least one stream')
        self.with_scene, self.scene_dim = bool(with_scene), int(scene_dim)
        self.motion_stream = motion_stream if motion_stream in streams else None
        norm_options = standardizer_options(input_norm)
        self.input_norm = input_norm
        self.norms = torch.nn.ModuleDict()
        self.encoders = torch.nn.ModuleDict()
        self.decoders = torch.nn.ModuleDict()
        for name, cfg in streams.items():
            cfg = dict(cfg)
            dim = int(cfg.pop('feature_dim'))
            hidden: Sequence[int] = tuple(cfg.pop('hidden_sizes', (256, )))
            latent = int(cfg.pop('latent_dim', 64))
            if cfg:
                raise ValueError(f'streams.{name}: unknown keys {sorted(cfg)}')
            in_dim = dim + (self.scene_dim if self.with_scene else 0)
            self.encoders[name] = mlp(in_dim, [*hidden, latent])
            self.decoders[name] = mlp(latent, [*hidden[::-1], dim])
            if input_norm is not None:
                self.norms[name] = FeatureStandardizer(dim, **norm_options)
        if input_norm is not None and self.with_scene:
            self.norms['scene'] = FeatureStandardizer(self.scene_dim, **norm_options)

    def prepare(self, dataset) -> None:
        """Fit the input standardisation on the training set (a no-op without one)."""
        fit_standardizers(self.norms, dataset, self.motion_stream)

    def _input(self, name: str, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        x = inputs[name].float()
        return self.norms[name](x) if name in self.norms else x

    def errors(self, name: str, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Squared reconstruction error per object of stream ``name``."""
        feature = self._input(name, inputs)
        x = torch.cat([self._input('scene', inputs), feature], 1) if self.with_scene else feature
        rebuilt = self.decoders[name](self.encoders[name](x))
        return ((rebuilt - feature) ** 2).sum(dim=1)

    def _valid(self, name: str, inputs: Dict[str, torch.Tensor]) -> Optional[torch.Tensor]:
        if name == self.motion_stream and 'motion_valid' in inputs:
            return inputs['motion_valid'].bool()
        return None

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List[VADDataSample]]:
        if mode == 'tensor':
            return {name: self.errors(name, inputs) for name in self.encoders}
        if mode == 'loss':
            losses = {}
            for name in self.encoders:
                error, keep = self.errors(name, inputs), self._valid(name, inputs)
                if keep is not None:
                    if int(keep.sum()) < 2:  # BatchNorm needs two samples
                        continue
                    error = error[keep]
                losses[f'loss_{name}_reconstruction'] = error.mean()
            return losses
        if mode == 'predict':
            with torch.no_grad():
                for name in self.encoders:
                    error, keep = self.errors(name, inputs), self._valid(name, inputs)
                    if keep is not None:
                        error = torch.where(keep, error, torch.zeros_like(error))
                    for sample, value in zip(data_samples, error):
                        sample.set_pred_score(name, value)
            return data_samples
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")
