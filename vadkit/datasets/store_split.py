"""The videos of one split of a feature store: which they are, their frame labels and
groups, and the store itself (built on demand). Shared by the feature-store datasets."""
import fnmatch
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from vadkit.registry import DATASETS
from vadkit.utils.errors import ConfigError, DataError

from .model_selection import (build_pseudo_anomalies, check_holdout, holdout_videos,
                              normal_videos)


def resolve_path(path: str) -> str:
    """A config path as given, or relative to the repository (for the shipped configs)."""
    if osp.exists(path) or osp.isabs(path):
        return path
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    candidate = osp.join(repo, path)
    return candidate if osp.exists(candidate) else path


def require_arrays(feature_root: str, video_id: str, meta: dict, names: Sequence[str],
                   hint: str = 'the parsing config lacks the extractor, or the dataset config '
                               'names another') -> None:
    """Refuse a stored video without every array of ``names``, naming the store, the
    video, what is missing and what it has."""
    have = meta['arrays']
    lacking = [n for n in names if n not in have]
    if lacking:
        raise DataError(f'feature store {feature_root}: video {video_id} has no '
                        f'{lacking} (it has {sorted(have)}); {hint}')


def check_crops(crops, split: str):
    """A dataset's ``crops`` option: None (the ``clips`` array: one feature per segment,
    e.g. the crop mean an importer wrote), ``'random'`` (training only: one crop of the
    ``crops`` array drawn at every read, crop-as-augmentation) or a crop index."""
    if crops is None or crops == 'random' and split != 'test':
        return crops
    if isinstance(crops, int) and not isinstance(crops, bool) and crops >= 0:
        return crops
    raise ConfigError(f"crops must be None, 'random' (not on the test split) or a crop index, "
                      f'got {crops!r} ({split} split)')


def pick_crops(x: np.ndarray, crops, where: str, per_row: bool = True) -> np.ndarray:
    """``float[n, D]`` (or ``[n, P, D]``): one crop of each row of ``x [n, C, ...]``:
    crop ``crops``, or a random one (``per_row``: a draw per row, else one for all)."""
    x = np.asarray(x)
    if x.ndim < 3:
        raise DataError(f'{where}: a crops array is [T, crops, D], got shape {x.shape}')
    count = x.shape[1]
    if crops == 'random':
        k = np.random.randint(count, size=len(x) if per_row else 1)
        k = k if per_row else np.repeat(k, len(x))
        return x[np.arange(len(x)), k]
    if crops >= count:
        raise DataError(f'{where}: crop {crops} asked for, the array has {count} crops')
    return x[:, crops]


class StoreSplit:
    """One split of a feature store.

    Args:
        feature_root: The store folder.
        split: ``'train'`` or ``'test'`` (messages, ground truth).
        videos: A list of video ids or glob patterns of stored ids, a split file (one video
            per line), a DATASETS config of a video dataset (its items name the videos, its
            ``metainfo`` gives ``num_frames``, ``video_gt``, ``video_groups``; a
            ``frame_masks(num_frames)`` method, where it has one, gives the test split's
            ground truth from the stored frame counts), or None (every stored video).
        extract: ``dict(config=PARSING_CONFIG, data_root=DIR)`` to parse the videos the
            store lacks; None to require them.
        ground_truth: Folder of ``<video>.npy`` frame masks (test split).
        video_scenes: ``'shanghaitech'``: ``video_groups['scene']`` from the names.
        holdout: ``dict(part='train' | 'val', fraction=0.2, seed=0)``: keep one part of a
            hold-out of the training videos (:func:`~vadkit.datasets.model_selection.
            holdout_videos`; stratified by video label), for validation without the
            test split. Only with ``split='train'``.
        pseudo_anomalies: :class:`~vadkit.datasets.model_selection.PseudoAnomalies`
            arguments (built as :attr:`pseudo`, injected by the dataset, which knows its
            arrays): the videos labelled anomalous leave the split, their anomalous frames
            being unknown. Not with ``split='test'``.
    """

    def __init__(self, feature_root: str, split: str = 'train',
                 videos: Union[None, str, Sequence[str], dict] = None,
                 extract: Optional[dict] = None, ground_truth: Optional[str] = None,
                 video_scenes: Optional[str] = None, holdout: Optional[dict] = None,
                 pseudo_anomalies: Optional[dict] = None) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if video_scenes not in (None, 'shanghaitech'):
            raise ValueError(f"video_scenes must be None or 'shanghaitech', got "
                             f'{video_scenes!r}')
        self.feature_root, self.split = feature_root, split
        self.videos_cfg, self.extract = videos, extract
        self.ground_truth, self.video_scenes = ground_truth, video_scenes
        self.holdout = check_holdout(holdout, split)
        self.pseudo = build_pseudo_anomalies(pseudo_anomalies, split)
        #: ``num_frames`` / ``video_gt`` / ``video_groups`` a video dataset gave
        self.meta: Dict[str, object] = {}
        #: ``{video: 0 / 1}`` video-level labels a video dataset's items gave
        self.video_labels: Dict[str, int] = {}
        self._source = None

    def store_exists(self) -> bool:
        return osp.isfile(osp.join(self.feature_root, 'manifest.json'))

    def video_list(self) -> List[str]:
        """The split's videos (building the store first when ``extract`` allows)."""
        if not self.store_exists() and self.extract is None:
            raise DataError(f'{self.feature_root} holds no feature store; run '
                            'tools/extract_features.py with the parsing config of this '
                            'dataset first, or tools/import_features.py for features '
                            'extracted elsewhere (the config says which)')
        if self.extract is not None and not isinstance(self.videos_cfg, dict) and \
                self._has_patterns():
            self._extract(None)  # patterns name stored videos: parse the missing ones first
        videos = self._list()
        if not videos:
            raise DataError(f'{self.split} split of {self.feature_root}: no videos')
        if self.holdout is not None:
            videos = holdout_videos(videos, self.video_labels, self.holdout['fraction'],
                                    self.holdout['seed'], self.holdout['part'])
        if self.pseudo is not None:
            videos = normal_videos(videos, self.video_labels)
        self.ensure(videos)
        return videos

    def _list(self) -> List[str]:
        cfg = self.videos_cfg
        if isinstance(cfg, str):
            from .annotations import load_video_list
            return load_video_list(resolve_path(cfg))
        if isinstance(cfg, dict):
            source = self._source = DATASETS.build(dict(cfg))
            for key in ('num_frames', 'video_gt', 'video_groups'):
                if source.metainfo.get(key):
                    self.meta[key] = source.metainfo[key]
            items = [source.get_data_info(i) for i in range(len(source))]
            self.video_labels = {i['video_id']: int(i['label']) for i in items if 'label' in i}
            return [i['video_id'] for i in items]
        from vadkit.parsing import FeatureStore
        stored = FeatureStore(self.feature_root).videos() if self.store_exists() else []
        if cfg is None:
            return stored
        out: List[str] = []
        for entry in cfg:
            if any(c in str(entry) for c in '*?['):
                out += [v for v in stored if fnmatch.fnmatchcase(v, entry) and v not in out]
            elif entry not in out:
                out.append(str(entry))
        return out

    def ensure(self, videos: List[str]) -> None:
        """Parse the videos the store lacks, or refuse naming them."""
        from vadkit.parsing import FeatureStore
        have = set(FeatureStore(self.feature_root).videos()) if self.store_exists() else set()
        missing = [v for v in videos if v not in have]
        if not missing:
            return
        if self.extract is None:
            where = (f'{self.feature_root} holds no feature store' if not have else
                     f'feature store {self.feature_root} lacks {len(missing)} video(s) of the '
                     f'{self.split} split: {missing[:5]}')
            raise DataError(f'{where}; run tools/extract_features.py with the parsing '
                            'config of this dataset first (tools/import_features.py for '
                            'features extracted elsewhere)')
        self._extract(missing)

    def _has_patterns(self) -> bool:
        cfg = self.videos_cfg
        return cfg is None or not isinstance(cfg, str) and \
            any(any(c in str(entry) for c in '*?[') for entry in cfg)

    def _extract(self, videos: Optional[List[str]]) -> None:
        """Parse ``videos`` (None: every video the parsing config finds) into the store."""
        from mmengine.config import Config

        from vadkit.parsing.extract import extract_features
        options = dict(self.extract)
        config = options.pop('config', None)
        data_root = options.pop('data_root', None)
        if config is None or data_root is None:
            raise ConfigError("extract needs 'config' (a parsing config) and 'data_root'")
        if options:
            raise ConfigError(f'extract: unknown keys {sorted(options)}')
        cfg = Config.fromfile(resolve_path(config))
        if videos is None:
            from vadkit.parsing import FeatureStore
            from vadkit.parsing.video_io import find_videos
            have = set(FeatureStore(self.feature_root).videos()) if self.store_exists() \
                else set()
            found = find_videos(data_root, list(dict(cfg.videos).get('patterns', ['*'])))
            videos = [v for v, _ in found if v not in have]
            if not videos:
                return
        parser_cfg = cfg.parser.to_dict() if hasattr(cfg.parser, 'to_dict') else dict(cfg.parser)
        _, failed = extract_features(parser_cfg, dict(cfg.videos), data_root,
                                     self.feature_root, videos=videos, source=config)
        if failed:
            raise DataError(f'feature extraction into {self.feature_root} failed for '
                            + '; '.join(f'{v}: {m}' for v, m in failed))

    def metainfo(self, videos: List[str], num_frames: Dict[str, int]) -> Dict[str, object]:
        """``num_frames``, ``video_gt`` (test split with labels) and ``video_groups`` of
        the split, as :class:`~vadkit.evaluation.VADMetric` reads them."""
        keep = set(videos)
        meta = {key: _restrict(value, keep) for key, value in self.meta.items()}
        meta.setdefault('num_frames', {v: num_frames[v] for v in videos})
        if self.split == 'test' and 'video_gt' not in meta and \
                hasattr(self._source, 'frame_masks'):
            masks = self._source.frame_masks(meta['num_frames'])
            if masks:
                meta['video_gt'] = {v: np.asarray(masks[v]) for v in videos if v in masks}
        if self.split == 'test' and self.ground_truth and 'video_gt' not in meta:
            from .annotations import load_frame_masks
            masks = load_frame_masks(resolve_path(self.ground_truth), videos)
            meta['video_gt'] = {k: np.asarray(v) for k, v in masks.items()}
        if self.video_scenes == 'shanghaitech' and 'video_groups' not in meta:
            from .annotations import shanghaitech_scenes
            meta['video_groups'] = dict(scene=shanghaitech_scenes(videos))
        return meta


def _restrict(value, videos: set):
    """A per-video metainfo entry (``{video: x}``, or ``{group key: {video: x}}``) cut
    to ``videos``."""
    if not isinstance(value, dict):
        return value
    if value and all(isinstance(v, dict) for v in value.values()) and \
            not set(value) & videos:
        return {k: {v: x for v, x in inner.items() if v in videos}
                for k, inner in value.items()}
    return {v: x for v, x in value.items() if v in videos}
