"""Region- and track-based detection criteria (RBDC / TBDC) for the mmengine Runner."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from vadkit.registry import METRICS
from vadkit.utils.errors import DataError

from ..functional import region_track_detection


@METRICS.register_module()
class RegionMetric(BaseMetric):
    """RBDC and TBDC of methods that localise anomalies (Ramachandra & Jones, WACV 2020).

    ``process`` keeps, per dataset item, its video id and its predicted regions: the
    prediction's ``pred_regions`` (metainfo or field), an ``(N, 6)`` array of rows
    ``(frame_index, x1, y1, x2, y2, score)`` with frame indices of the whole video (an
    object-centric model gives one row per frame of its track, scored with the track's
    clip score). ``compute_metrics`` compares them with ``dataset_meta['region_gt']``
    (``{video_id: (M, 6)}`` rows ``(frame_index, track_id, x1, y1, x2, y2)``) over the
    frames of ``dataset_meta['num_frames']``.

    Args:
        alpha: Fraction of a track's regions that must be detected for the track to be.
        beta: IoU at which a predicted region detects a ground-truth region.
        max_fpr: False positives per frame up to which the curves are integrated.
        collect_device: Where results are gathered across ranks.
        prefix: Prefix of the metric names in logs.
    """

    default_prefix: Optional[str] = 'vad'

    def __init__(self, alpha: float = 0.1, beta: float = 0.1, max_fpr: float = 1.0,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.alpha = alpha
        self.beta = beta
        self.max_fpr = max_fpr
        self.curves: Dict[str, np.ndarray] = {}

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            get = sample.get if isinstance(sample, dict) else sample.metainfo.get
            regions = get('pred_regions', None)
            if regions is None and not isinstance(sample, dict):
                regions = sample.get('pred_regions', None)
            regions = np.zeros((0, 6)) if regions is None else np.asarray(
                regions.detach().cpu() if hasattr(regions, 'detach') else regions,
                dtype=np.float64).reshape(-1, 6)
            self.results.append(dict(video_id=get('video_id'), regions=regions))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        meta = self.dataset_meta or {}
        name = meta.get('name', 'the test set')
        if not meta.get('region_gt'):
            return {}
        if not meta.get('num_frames'):
            raise DataError(f'RBDC/TBDC of {name}: the dataset gives no num_frames')
        parts = defaultdict(list)
        for record in results:
            parts[record['video_id']].append(record['regions'])
        predictions = {k: np.concatenate(v) for k, v in parts.items()}
        try:
            result = region_track_detection(predictions, meta['region_gt'],
                                            meta['num_frames'], alpha=self.alpha,
                                            beta=self.beta, max_fpr=self.max_fpr)
        except DataError as exc:
            raise DataError(f'RBDC/TBDC of {name}: {exc}') from None
        self.curves = dict(thresholds=result.thresholds, fpr=result.fpr,
                           region_rate=result.region_rate, track_rate=result.track_rate)
        return dict(rbdc=result.rbdc, tbdc=result.tbdc)
