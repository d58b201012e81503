"""Frame-level VAD metrics for the mmengine Runner."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from vadkit.registry import METRICS
from vadkit.scoring import build_scorer_pipeline
from vadkit.utils.errors import DataError

from ..functional import (ALL_METRICS, METRIC_DEFINITIONS, SINGLE_CLASS_RULES, align_lengths,
                          check_metric_names, evaluate_frames, metrics_by_group)


@METRICS.register_module()
class VADMetric(BaseMetric):
    """Per-video frame scores from item predictions, then frame-level metrics.

    ``process`` keeps one small CPU record per dataset item (video, span, track, scores);
    ``compute_metrics`` groups them by video, runs the scorer pipeline and compares the
    frame scores with the dataset's ground truth, read from ``dataset_meta``:
    ``video_gt`` (``{video_id: 0/1 array}``), ``num_frames`` (``{video_id: int}``, the
    frames to score) and optionally ``video_groups``
    (``{'category': {video_id: name}, ...}``).

    Args:
        scorers: SCORERS configs, an expander first.
        metric: Which of ``micro_auc, macro_auc, ap, ap_trapz, far, eer`` to compute
            (named ``metric`` as in mmdet: a ``metrics`` key would make the Runner read
            the config as an Evaluator's).
        far_threshold: Score threshold of the false alarm rate.
        single_class: Macro AUC rule for single-class videos: ``'pad'`` or ``'skip'``.
        length_tolerance: Largest accepted difference between a video's number of scored
            frames and of ground-truth frames; both are cut to the shorter and the cut is
            reported. 0 (the default) refuses any difference.
        group_by: Keys of ``dataset_meta['video_groups']`` to break the metrics down by
            (``'category'`` for UCF-Crime and XD-Violence, ``'scene'``).
        group_metrics: Metrics of each group.
        with_normal_videos: Add all normal videos to every group with anomalies.
        collect_device: Where results are gathered across ranks.
        prefix: Prefix of the metric names in logs (``vad/micro_auc``); the files that
            tools/test.py writes use the bare names.

    After ``evaluate`` the rank-0 instance keeps ``frame_scores``, ``raw_scores``,
    ``evaluated`` (frames the metrics used), ``per_video``, ``per_group`` and ``record``
    (how every number was computed) for the tools to save.
    """

    default_prefix: Optional[str] = 'vad'

    def __init__(self,
                 scorers: Sequence[dict] = (dict(type='ExpandToFrames'), ),
                 metric: Union[str, Sequence[str]] = ALL_METRICS,
                 far_threshold: float = 0.5,
                 single_class: str = 'pad',
                 length_tolerance: int = 0,
                 group_by: Union[str, Sequence[str]] = (),
                 group_metrics: Sequence[str] = ('micro_auc', 'macro_auc', 'ap'),
                 with_normal_videos: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if single_class not in SINGLE_CLASS_RULES:
            raise ValueError(f'single_class must be one of {list(SINGLE_CLASS_RULES)}, '
                             f'got {single_class!r}')
        if length_tolerance < 0:
            raise ValueError(f'length_tolerance must be >= 0, got {length_tolerance}')
        self.pipeline = build_scorer_pipeline(list(scorers))
        self.metric_names = check_metric_names(metric)
        self.group_metrics = check_metric_names(group_metrics)
        self.far_threshold = far_threshold
        self.single_class = single_class
        self.length_tolerance = length_tolerance
        self.group_by = [group_by] if isinstance(group_by, str) else list(group_by)
        self.with_normal_videos = with_normal_videos
        self.frame_scores: Dict[str, np.ndarray] = {}
        self.raw_scores: Dict[str, np.ndarray] = {}
        self.evaluated: Dict[str, np.ndarray] = {}
        self.per_video: Dict[str, dict] = {}
        self.per_group: Dict[str, dict] = {}
        self.record: dict = {}

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            get = sample.get if isinstance(sample, dict) else sample.metainfo.get
            scores = sample['pred_scores'] if isinstance(sample, dict) else sample.pred_scores
            scores = scores if isinstance(scores, dict) else scores.to_dict()
            self.results.append(dict(
                video_id=get('video_id'), start=int(get('start')), end=int(get('end')),
                track_id=get('track_id', None),
                scores={k: np.asarray(v.detach().cpu() if hasattr(v, 'detach') else v,
                                      dtype=np.float32) for k, v in scores.items()}))

    def describe(self) -> dict:
        """How the numbers are computed: scorer steps, metric definitions, options."""
        definitions = {k: METRIC_DEFINITIONS[k] for k in self.metric_names}
        if 'macro_auc' in definitions:
            definitions['macro_auc'] += ('; single-class videos '
                                         + SINGLE_CLASS_RULES[self.single_class])
        if 'far' in definitions:
            definitions['far'] += f'; threshold {self.far_threshold}'
        return dict(scorers=self.pipeline.describe(), metrics=definitions,
                    length_tolerance=self.length_tolerance)

    def score_frames(self, results: List[dict]) -> Dict[str, list]:
        """Group the item records by video and run the scorer pipeline: sets
        ``frame_scores``, ``raw_scores``, ``evaluated`` and ``record``; returns the
        records by video."""
        meta = self.dataset_meta or {}
        records = defaultdict(list)
        for record in results:
            records[record['video_id']].append(record)
        num_frames = dict(meta.get('num_frames', {}))
        for video_id, items in records.items():  # without a known length: up to the last item
            num_frames.setdefault(video_id, max(item['end'] for item in items))
        scoring = self.pipeline(records, num_frames)
        self.frame_scores = scoring.frame_scores()
        self.raw_scores = scoring.raw_scores()
        self.evaluated = scoring.evaluated()
        self.record = self.describe()
        return records

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        meta = self.dataset_meta or {}
        name = meta.get('name', 'the test set')
        self.score_frames(results)
        video_gt = meta.get('video_gt')
        if not video_gt:
            logger.warning(f'{name} has no frame labels: no metrics computed')
            self.per_video, self.per_group = {}, {}
            return {}
        try:
            scores, labels, cut = align_lengths(self.frame_scores,
                                                {k: np.asarray(v) for k, v in video_gt.items()},
                                                self.length_tolerance)
            for video_id, keep in self.evaluated.items():
                if video_id in labels and not keep.all():
                    keep = keep[:len(scores[video_id])]
                    scores[video_id] = scores[video_id][keep]
                    labels[video_id] = labels[video_id][keep]
            names = self.metric_names
            if 'far' in names and all(np.any(y) for y in labels.values()):
                names = tuple(n for n in names if n != 'far')
                self.record['not_computed'] = dict(far='no normal test video')
                logger.warning(f'{name}: every test video has anomalous frames; no false '
                               'alarm rate')
            out, self.per_video = evaluate_frames(scores, labels, names, self.far_threshold,
                                                  self.single_class)
            self.per_group = {
                key: metrics_by_group(scores, labels, self._groups(meta, key),
                                      self.group_metrics, self.far_threshold,
                                      self.single_class, self.with_normal_videos)
                for key in self.group_by}
        except DataError as exc:
            raise DataError(f'evaluation of {name}: {exc}') from None
        if cut:
            logger.warning(f'{len(cut)} video(s) cut to the shorter of scores and ground '
                           f'truth (length_tolerance={self.length_tolerance}): '
                           + ', '.join(f'{k} {a}/{b}' for k, (a, b) in list(cut.items())[:5]))
        self.record.update(
            length_cuts=cut,
            evaluated_frames=int(sum(len(y) for y in labels.values())),
            ground_truth_frames=int(sum(np.size(y) for y in video_gt.values())),
            num_videos=len(labels))
        return out

    def _groups(self, meta: dict, key: str) -> Dict[str, str]:
        groups = (meta.get('video_groups') or {}).get(key)
        if groups is None:
            raise DataError(f"group_by '{key}': the dataset gives no such video grouping "
                            f"(it has {sorted(meta.get('video_groups') or {})})")
        return dict(groups)
