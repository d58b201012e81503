"""Video-level AUC / AP of a model's frame scores: the validation metric of weakly
supervised methods on held-out training videos."""
from typing import Dict, List, Optional, Sequence

from mmengine.logging import MMLogger

from vadkit.registry import METRICS
from vadkit.utils.errors import DataError

from ..functional.video_metrics import VIDEO_REDUCTIONS, video_level_metrics, video_scores
from .vad_metric import VADMetric


@METRICS.register_module()
class VideoLevelMetric(VADMetric):
    """One score per video (from the frame scores of the scorer pipeline) against the
    video labels of ``dataset_meta['video_labels']``.

    Args:
        scorers: SCORERS configs, an expander first (as :class:`VADMetric`).
        reduce: ``'max'`` (default), ``'mean'`` or ``'topk_mean'`` of a video's frame
            scores.
        topk: Share of the frames ``'topk_mean'`` averages.
        collect_device: Where results are gathered across ranks.
        prefix: Prefix of the metric names (``video/video_auc``).

    Gives ``video_auc`` and ``video_ap`` (step-wise average precision).
    """

    default_prefix: Optional[str] = 'video'

    def __init__(self, scorers: Sequence[dict] = (dict(type='ExpandToFrames'), ),
                 reduce: str = 'max', topk: float = 0.1, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(scorers=scorers, metric=('micro_auc', ), collect_device=collect_device,
                         prefix=prefix)
        if reduce not in VIDEO_REDUCTIONS:
            raise ValueError(f'reduce must be one of {VIDEO_REDUCTIONS}, got {reduce!r}')
        if not 0.0 < float(topk) <= 1.0:
            raise ValueError(f'topk must be in (0, 1], got {topk}')
        self.reduce, self.topk = reduce, float(topk)

    def describe(self) -> dict:
        return dict(scorers=self.pipeline.describe(),
                    metrics=dict(video_auc=f'ROC AUC of per-video scores ({self.reduce} of '
                                 'the frame scores) against video labels',
                                 video_ap='step-wise average precision of the same'))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        meta = self.dataset_meta or {}
        name = meta.get('name', 'the validation set')
        records = self.score_frames(results)
        labels = meta.get('video_labels') or {}
        if not labels:
            MMLogger.get_current_instance().warning(
                f'{name} has no video labels: no video-level metrics computed')
            return {}
        scores = video_scores({v: s for v, s in self.frame_scores.items() if v in records},
                              self.reduce, self.topk)
        try:
            return video_level_metrics(scores, labels)
        except DataError as exc:
            raise DataError(f'evaluation of {name}: {exc}') from None
