"""A toy dataset of segment features, generated in memory.

It exists so that the README's demo and the foundation's tests can train and test a model
end to end before real features exist. It is not a benchmark: anomalies are segments
pushed off a low-dimensional normal subspace, which any reconstruction model detects.
"""
from typing import List, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from vadkit.registry import DATASETS


@DATASETS.register_module()
class ToySegmentDataset(BaseDataset):
    """Toy segment features of generated videos with exact frame labels.

    Normal segment features lie near a random ``latent_dim``-dimensional subspace of
    ``R^feat_dim``; anomalous ones are pushed ``anomaly_strength`` away from it. The
    subspace depends only on ``seed``, so the train and test splits share it. Training
    videos are normal (one-class); in the test split a fraction ``anomaly_rate`` of the
    videos holds one anomalous interval, and a segment is anomalous when most of its frames
    are.

    Args:
        split: ``'train'`` or ``'test'``.
        num_videos: Videos in the split.
        num_frames: Frames per video, a number or an inclusive ``(low, high)`` range.
        segment_len: Frames per segment (the last segment of a video may be shorter).
        feat_dim: Feature dimension.
        latent_dim: Dimension of the normal subspace.
        anomaly_rate: Fraction of test videos with an anomaly.
        anomaly_strength: Distance of anomalous features from the normal subspace.
        noise: Standard deviation of isotropic feature noise.
        seed: Seed of the world (subspace) and of the videos.
        labelled: Expose the frame labels to the evaluator; False makes a blind test set
            (like UCSD Ped2 here), on which no metric can be computed.
        pipeline: Transforms, typically ``[dict(type='PackVADInputs')]``.
    """

    METAINFO = dict(name='toy_segments')

    def __init__(self,
                 split: str = 'train',
                 num_videos: int = 8,
                 num_frames: Union[int, Tuple[int, int]] = (96, 160),
                 segment_len: int = 16,
                 feat_dim: int = 32,
                 latent_dim: int = 4,
                 anomaly_rate: float = 0.5,
                 anomaly_strength: float = 3.0,
                 noise: float = 0.1,
                 seed: int = 0,
                 labelled: bool = True,
                 pipeline: list = (),
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if not 0 < latent_dim < feat_dim:
            raise ValueError(f'need 0 < latent_dim < feat_dim, got {latent_dim}, {feat_dim}')
        self.split = split
        self.num_videos = num_videos
        self.num_frames_range = (num_frames, num_frames) if isinstance(num_frames, int) \
            else tuple(num_frames)
        self.segment_len = segment_len
        self.feat_dim = feat_dim
        self.latent_dim = latent_dim
        self.anomaly_rate = anomaly_rate if split == 'test' else 0.0
        self.anomaly_strength = anomaly_strength
        self.noise = noise
        self.seed = seed
        self._video_gt = {}
        super().__init__(ann_file='', pipeline=list(pipeline), serialize_data=False, **kwargs)
        self._metainfo.update(
            video_gt=self._video_gt if labelled else {},
            num_frames={k: len(v) for k, v in self._video_gt.items()})

    def load_data_list(self) -> List[dict]:
        world = np.random.default_rng(self.seed)
        basis, _ = np.linalg.qr(world.normal(size=(self.feat_dim, self.feat_dim)))
        normal_basis = basis[:, :self.latent_dim]
        off_basis = basis[:, self.latent_dim:]
        rng = np.random.default_rng([self.seed, 0 if self.split == 'train' else 1])
        num_anomalous = int(round(self.num_videos * self.anomaly_rate))
        items = []
        for v in range(self.num_videos):
            video_id = f'{self.split}_{v:03d}'
            n = int(rng.integers(self.num_frames_range[0], self.num_frames_range[1] + 1))
            labels = np.zeros(n, dtype=np.uint8)
            if v < num_anomalous:
                start = int(rng.integers(n // 4, n // 2))
                length = int(rng.integers(max(n // 6, 1), max(n // 3, 2)))
                labels[start:start + length] = 1
            self._video_gt[video_id] = labels
            for start in range(0, n, self.segment_len):
                end = min(start + self.segment_len, n)
                anomalous = labels[start:end].mean() > 0.5
                feature = normal_basis @ rng.normal(size=self.latent_dim)
                feature += self.noise * rng.normal(size=self.feat_dim)
                if anomalous:
                    direction = off_basis @ rng.normal(size=off_basis.shape[1])
                    feature += self.anomaly_strength * direction / np.linalg.norm(direction)
                items.append(dict(video_id=video_id, start=start, end=end, num_frames=n,
                                  feature=feature.astype(np.float32),
                                  gt_label=int(anomalous)))
        return items
