"""HSC's normal / abnormal classifier of motion features (Sun & Gong, CVPR 2023, Sec. 3.5;
supplement Sec. 1.3).

Trained with cross-entropy on augmented motion samples that the trained motion stream
called normal (label 0) or abnormal (label 1); at test its abnormal probability replaces
the motion stream's reconstruction error (MA+). :mod:`vadkit.apis.motion_augmentation`
makes the samples and trains it.
"""
from typing import Union

import numpy as np
import torch
from torch import nn

from vadkit.registry import MODELS


@MODELS.register_module()
class MotionAugClassifier(nn.Module):
    """``Linear(D, 32) - ReLU - Dropout(0.6) - Linear(32, 2)`` on a motion feature.

    The supplement calls it a three-layer MLP of 512, 32 and 2 units (512 being the
    PoseConv3D feature it reads), ReLU in the first layer, dropout 0.6 "between each
    layer" and a softmax after the last. Here the dropout sits between the two Linear
    layers (an input dropout of 0.6 would erase most of each feature) and :meth:`forward`
    returns logits: the softmax is part of the cross-entropy in training and of
    :meth:`anomaly_probability` at test, never applied twice.

    Args:
        in_channels: ``D``, the width of the motion feature. Default 512 (PoseConv3D;
            ``SkeletonKinematics`` gives 176).
        hidden_channels: Hidden units. Default 32.
        num_classes: Outputs; class 1 is "abnormal". Default 2.
        dropout: Dropout probability after the ReLU, in ``[0, 1)``. Default 0.6.
    """

    def __init__(self, in_channels: int = 512, hidden_channels: int = 32,
                 num_classes: int = 2, dropout: float = 0.6) -> None:
        super().__init__()
        if int(in_channels) < 1:
            raise ValueError(f'in_channels must be positive, got {in_channels}')
        if int(hidden_channels) < 1:
            raise ValueError(f'hidden_channels must be positive, got {hidden_channels}')
        if int(num_classes) < 2:
            raise ValueError(f'num_classes must be at least 2 (class 1 is abnormal), got '
                             f'{num_classes}')
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f'dropout must be in [0, 1), got {dropout}')
        self.in_channels = int(in_channels)
        self.hidden_channels = int(hidden_channels)
        self.num_classes = int(num_classes)
        self.fc1 = nn.Linear(self.in_channels, self.hidden_channels)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(float(dropout))
        self.fc2 = nn.Linear(self.hidden_channels, self.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, num_classes]`` of motion features ``x`` ``[B, in_channels]``."""
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'MotionAugClassifier expects [B, {self.in_channels}] features, '
                             f'got {tuple(x.shape)}')
        return self.fc2(self.dropout(self.relu(self.fc1(x))))

    def anomaly_probability(self, x: Union[torch.Tensor, np.ndarray]) -> torch.Tensor:
        """Softmax probability of class 1 (abnormal), ``float[B]``, in eval mode (no
        dropout) and without gradients; the module's train / eval mode is restored.

        Args:
            x: Motion features ``[B, in_channels]`` (a tensor or an array).
        """
        weight = self.fc1.weight
        x = torch.as_tensor(x, dtype=weight.dtype, device=weight.device)
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                return torch.softmax(self(x), dim=1)[:, 1]
        finally:
            self.train(was_training)
