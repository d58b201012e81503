"""Scene pseudo-labels for HSC: DBSCAN over (projected) scene features, with a predict.

HSC (Sun & Gong, CVPR 2023, Sec. 3.1) clusters the training clips' scene features with
DBSCAN to get scene classes; the authors' code projects them to 2-D with t-SNE (PCA
initialisation) first and uses ``eps = 4.63``, ``min_samples = 5`` on ShanghaiTech (23
clusters there, 2 on Avenue, 1 on Ped2). t-SNE and DBSCAN have no out-of-sample map, so a
clip outside the training set gets the label of the nearest **core sample** in the
scene-feature space (not the projected one).
"""
import warnings
from typing import Optional

import numpy as np
import torch
from torch import nn

from vadkit.registry import MODELS

PROJECTIONS = (None, 'pca', 'tsne')
NOISE_POLICIES = ('nearest', 'separate')


@MODELS.register_module()
class SceneClusterer(nn.Module):
    """DBSCAN scene classes of training clips, and the class of any clip.

    ``fit`` projects the features (``projection``), runs DBSCAN and keeps the core samples
    (their scene features and labels) as the fitted state: buffers saved in and restored
    from checkpoints, of whatever size the fit gave. Samples DBSCAN calls noise take the
    label of the nearest core sample (``noise='nearest'``) or form one more class
    (``'separate'``). With no cluster at all (every sample noise, e.g. too few clips) all
    samples are one scene.

    Args:
        projection: None, ``'pca'`` or ``'tsne'`` (default, the authors' code).
        n_components: Dimensions of the projection. Default 2.
        eps: DBSCAN neighbourhood radius, in projected units. Default 4.63 (the authors'
            ShanghaiTech value).
        min_samples: DBSCAN core-sample neighbourhood size. Default 5.
        perplexity: t-SNE perplexity (lowered to ``(n - 1) / 3`` for small sets).
            Default 30.
        noise: ``'nearest'`` (default) or ``'separate'``.
        seed: Random state of the projection. Default 0.

    After ``fit`` two plain attributes (not state: a loaded clusterer has neither) describe
    that fit for plots and reports: ``embedding``, the projected training features
    ``float64[N, n_components]`` DBSCAN ran on (None without a projection), and
    ``dbscan_labels``, DBSCAN's own labels ``int64[N]`` with ``-1`` for noise, before the
    noise policy.
    """

    RESIZABLE_STATE = ('core_features', 'core_labels')

    def __init__(self, projection: Optional[str] = 'tsne', n_components: int = 2,
                 eps: float = 4.63, min_samples: int = 5, perplexity: float = 30.0,
                 noise: str = 'nearest', seed: int = 0) -> None:
        super().__init__()
        if projection not in PROJECTIONS:
            raise ValueError(f'projection must be one of {PROJECTIONS}, got {projection!r}')
        if noise not in NOISE_POLICIES:
            raise ValueError(f'noise must be one of {NOISE_POLICIES}, got {noise!r}')
        if not eps > 0 or int(min_samples) < 1 or int(n_components) < 1 or not perplexity > 0:
            raise ValueError('eps, min_samples, n_components and perplexity must be positive, '
                             f'got {eps}, {min_samples}, {n_components}, {perplexity}')
        self.projection = projection
        self.n_components = int(n_components)
        self.eps = float(eps)
        self.min_samples = int(min_samples)
        self.perplexity = float(perplexity)
        self.noise = noise
        self.seed = int(seed)
        self.register_buffer('core_features', torch.zeros(0, 0))
        self.register_buffer('core_labels', torch.zeros(0, dtype=torch.long))
        self.register_buffer('num_scenes', torch.zeros((), dtype=torch.long))
        self.embedding: Optional[np.ndarray] = None
        self.dbscan_labels: Optional[np.ndarray] = None

    @property
    def fitted(self) -> bool:
        return int(self.num_scenes) > 0

    def project(self, features: np.ndarray) -> np.ndarray:
        """The features in the space DBSCAN runs in."""
        if self.projection is None:
            return features
        k = min(self.n_components, features.shape[1], len(features))
        if self.projection == 'pca':
            from sklearn.decomposition import PCA
            return PCA(n_components=k, random_state=self.seed).fit_transform(features)
        from sklearn.manifold import TSNE
        perplexity = min(self.perplexity, max((len(features) - 1) / 3.0, 1.0))
        return TSNE(n_components=k, perplexity=perplexity, init='pca',
                    random_state=self.seed).fit_transform(features)

    def fit(self, features) -> np.ndarray:
        """Cluster training scene features ``float[N, D]``; returns their labels
        ``int64[N]`` in ``[0, num_scenes)``."""
        from sklearn.cluster import DBSCAN
        x = np.asarray(features, np.float64)
        if x.ndim != 2 or len(x) == 0:
            raise ValueError(f'SceneClusterer.fit: features must be [N, D] with N > 0, got '
                             f'{x.shape}')
        projected = self.project(x)
        found = DBSCAN(eps=self.eps, min_samples=self.min_samples).fit(projected)
        labels = found.labels_.astype(np.int64)
        self.embedding = None if self.projection is None else np.asarray(projected)
        self.dbscan_labels = labels.copy()
        core = np.zeros(len(x), bool)
        core[found.core_sample_indices_] = True
        if not (labels >= 0).any():
            warnings.warn(f'SceneClusterer: DBSCAN (eps={self.eps}, min_samples='
                          f'{self.min_samples}) found no cluster in {len(x)} clips: they '
                          'are one scene')
            labels[:] = 0
            core[:] = True
        elif (labels < 0).any():
            noise = labels < 0
            if self.noise == 'separate':
                labels[noise] = labels.max() + 1
                core |= noise  # noise clips stand for their own class at predict time
            else:
                labels[noise] = labels[core][self._nearest(x[noise], x[core])]
        self.core_features = torch.as_tensor(x[core], dtype=torch.float32)
        self.core_labels = torch.as_tensor(labels[core])
        self.num_scenes = torch.tensor(int(labels.max()) + 1)
        return labels

    @staticmethod
    def _nearest(queries: np.ndarray, references: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """Index of each query's nearest reference (squared Euclidean), in chunks."""
        out = np.empty(len(queries), np.int64)
        ref_sq = (references ** 2).sum(1)
        for start in range(0, len(queries), chunk):
            q = queries[start:start + chunk]
            distance = (q ** 2).sum(1)[:, None] - 2 * q @ references.T + ref_sq[None]
            out[start:start + chunk] = distance.argmin(1)
        return out

    def predict(self, features) -> np.ndarray:
        """Scene labels ``int64[M]`` of any clips: the nearest core sample's."""
        if not self.fitted:
            raise RuntimeError('SceneClusterer.predict before fit (or before loading a '
                               'fitted state)')
        x = np.asarray(features, np.float64)
        core = self.core_features.double().cpu().numpy()
        if x.ndim != 2 or x.shape[1] != core.shape[1]:
            raise ValueError(f'SceneClusterer.predict: features must be [M, {core.shape[1]}], '
                             f'got {x.shape}')
        return self.core_labels.cpu().numpy()[self._nearest(x, core)]

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the fitted state has the size of the fit: take the checkpoint's shapes
        for name in ('core_features', 'core_labels'):
            key = prefix + name
            if key in state_dict:
                setattr(self, name, torch.empty_like(state_dict[key]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (f'projection={self.projection!r}, eps={self.eps}, min_samples='
                f'{self.min_samples}, num_scenes={int(self.num_scenes)}')
