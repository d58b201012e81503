"""A toy one-class model for smoke tests and the README demo, not a method of the field."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from vadkit.registry import MODELS
from vadkit.structures import VADDataSample


def _mlp(channels: Sequence[int], last_activation: bool) -> nn.Sequential:
    layers = []
    for i, (c_in, c_out) in enumerate(zip(channels[:-1], channels[1:])):
        layers.append(nn.Linear(c_in, c_out))
        if i < len(channels) - 2 or last_activation:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


@MODELS.register_module()
class ToyAutoEncoder(BaseModel):
    """An MLP autoencoder over item features; the reconstruction error is the score.

    Trained on normal items only, it scores an item by the mean squared error of its
    reconstruction (stream ``'final'``).

    Args:
        in_channels: Feature dimension.
        hidden_channels: Widths of the encoder's hidden layers (mirrored by the decoder).
        latent_channels: Width of the bottleneck.
        data_preprocessor: mmengine data preprocessor config.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int = 32,
                 hidden_channels: Sequence[int] = (16, ),
                 latent_channels: int = 4,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        widths = [in_channels, *hidden_channels, latent_channels]
        self.encoder = _mlp(widths, last_activation=False)
        self.decoder = _mlp(widths[::-1], last_activation=False)

    def reconstruction_error(self, inputs: torch.Tensor) -> torch.Tensor:
        """Mean squared reconstruction error per item, shape ``(N,)``."""
        recon = self.decoder(self.encoder(inputs))
        return (recon - inputs).pow(2).mean(dim=1)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[VADDataSample]] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, Dict[str, torch.Tensor],
                                               List[VADDataSample]]:
        if mode == 'tensor':
            return self.decoder(self.encoder(inputs))
        errors = self.reconstruction_error(inputs)
        if mode == 'loss':
            return dict(loss_recon=errors.mean())
        if mode == 'predict':
            for sample, error in zip(data_samples, errors):
                sample.set_pred_score('final', error)
            return data_samples
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got {mode!r}")
