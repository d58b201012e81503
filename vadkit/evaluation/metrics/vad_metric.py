"""Frame-level VAD metrics for the mmengine Runner."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from vadkit.registry import METRICS
from vadkit.scoring import build_scorer_pipeline
from vadkit.utils.errors import DataError

from ..functional import (average_precision, equal_error_rate, false_alarm_rate, macro_auc,
                          micro_auc, pr_auc_trapz)

ALL_METRICS = ('micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'far', 'eer')


@METRICS.register_module()
class VADMetric(BaseMetric):
    """Per-video frame scores from item predictions, then frame-level metrics.

    ``process`` keeps one small CPU record per dataset item (video, span, track, scores);
    ``compute_metrics`` groups them by video, runs the scorer pipeline and compares the
    frame scores with the dataset's ground truth, read from ``dataset_meta['video_gt']``
    (``{video_id: 0/1 array}``) and ``dataset_meta['num_frames']``.

    Args:
        scorers: SCORERS configs, an expander first.
        metric: Which of ``micro_auc, macro_auc, ap, ap_trapz, far, eer`` to compute
            (named ``metric`` as in mmdet: a ``metrics`` key would make the Runner read
            the config as an Evaluator's).
        far_threshold: Score threshold of the false alarm rate.
        collect_device: Where results are gathered across ranks.
        prefix: Prefix of the metric names in logs (``vad/micro_auc``); the files that
            tools/test.py writes use the bare names.

    After ``evaluate`` the rank-0 instance keeps ``frame_scores``, ``per_video`` and
    ``scorer_steps`` for the tools to save.
    """

    default_prefix: Optional[str] = 'vad'

    def __init__(self,
                 scorers: Sequence[dict] = (dict(type='ExpandToFrames'), ),
                 metric: Sequence[str] = ALL_METRICS,
                 far_threshold: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metric = [metric] if isinstance(metric, str) else list(metric)
        unknown = sorted(set(metric) - set(ALL_METRICS))
        if unknown:
            raise ValueError(f'unknown metrics {unknown}; choose from {list(ALL_METRICS)}')
        self.pipeline = build_scorer_pipeline(list(scorers))
        self.metric_names = tuple(metric)
        self.far_threshold = far_threshold
        self.frame_scores: Dict[str, np.ndarray] = {}
        self.per_video: Dict[str, dict] = {}
        self.scorer_steps: List[dict] = self.pipeline.describe()

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

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        meta = self.dataset_meta or {}
        records = defaultdict(list)
        for record in results:
            records[record['video_id']].append(record)
        num_frames = dict(meta.get('num_frames', {}))
        for video_id, items in records.items():  # without a known length: up to the last item
            num_frames.setdefault(video_id, max(item['end'] for item in items))
        self.frame_scores = self.pipeline(records, num_frames)
        video_gt = meta.get('video_gt')
        if not video_gt:
            logger.warning('the test set has no frame labels: no metrics computed')
            self.per_video = {}
            return {}
        labels = {k: np.asarray(v) for k, v in video_gt.items()}
        out, per_video = {}, defaultdict(dict)
        try:
            if 'micro_auc' in self.metric_names:
                out['micro_auc'] = micro_auc(self.frame_scores, labels)
            if 'macro_auc' in self.metric_names:
                out['macro_auc'], aucs = macro_auc(self.frame_scores, labels)
                for video_id, value in aucs.items():
                    per_video[video_id]['auc'] = value
            if 'ap' in self.metric_names:
                out['ap'] = average_precision(self.frame_scores, labels)
            if 'ap_trapz' in self.metric_names:
                out['ap_trapz'] = pr_auc_trapz(self.frame_scores, labels)
            if 'far' in self.metric_names:
                out['far'] = false_alarm_rate(self.frame_scores, labels, self.far_threshold)
            if 'eer' in self.metric_names:
                out['eer'] = equal_error_rate(self.frame_scores, labels)
        except DataError as exc:
            raise DataError(f'evaluation of {meta.get("name", "the test set")}: {exc}') from None
        for video_id, label in labels.items():
            per_video[video_id].update(num_frames=int(len(label)),
                                       anomalous_frames=int(np.sum(label)))
        self.per_video = dict(per_video)
        return out
