"""How well each stream's scene classifier recovers the scene pseudo-labels (HSC Fig. 6)."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from vadkit.registry import METRICS
from vadkit.utils.errors import ConfigError, DataError
from vadkit.utils.io import dump_json

CONFUSION_JSON = 'scene_confusion.json'


def scene_confusion(labels, predicted, num_classes: Optional[int] = None) -> np.ndarray:
    """Confusion matrix ``int64[K, K]``: entry ``(i, j)`` counts the samples of
    pseudo-label ``i`` predicted as scene ``j``.

    Args:
        labels: ``int[N]`` scene pseudo-labels, in ``[0, K)``.
        predicted: ``int[N]`` predicted scenes, in ``[0, K)``.
        num_classes: ``K``; None: one more than the largest label or prediction.
    """
    y = np.asarray(labels, np.int64).reshape(-1)
    p = np.asarray(predicted, np.int64).reshape(-1)
    if len(y) != len(p):
        raise ValueError(f'{len(y)} labels but {len(p)} predictions')
    if len(y) and min(y.min(), p.min()) < 0:
        raise ValueError('scene labels and predictions must be >= 0')
    k = int(max(y.max(initial=-1), p.max(initial=-1)) + 1) if num_classes is None \
        else int(num_classes)
    if len(y) and max(y.max(), p.max()) >= k:
        raise ValueError(f'a scene label or prediction >= num_classes={k}')
    return np.bincount(y * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def _value(x) -> int:
    return int(x.item() if hasattr(x, 'item') else x)


@METRICS.register_module()
class SceneConfusionMetric(BaseMetric):
    """Scene-classification accuracy and confusion matrix of each HSC stream.

    ``process`` keeps, per sample, its scene pseudo-label (``scene_label``: the
    clusterer's label of the object's clip) and each stream's linear scene classifier's
    arg-max (``pred_scene[stream]``, Eq. 4), both from the sample's metainfo. Samples
    without ``scene_label`` are skipped. ``compute_metrics`` returns ``<stream>_acc``
    (the fraction of samples whose prediction is their pseudo-label) and keeps
    ``self.confusion[stream]`` (``int64[K, K]``, rows the pseudo-label, columns the
    prediction, ``K`` one more than the largest label or prediction seen). With
    ``out_dir`` it writes ``confusion_<stream>.png`` (row-normalised, as Fig. 6) and
    ``scene_confusion.json`` there. It runs next to :class:`VADMetric` in a list
    ``test_evaluator``.

    Args:
        streams: The streams to evaluate; None (default): every stream the first
            labelled sample predicts for.
        out_dir: Folder of the plots and the JSON (created); None: write nothing.
        prefix: Prefix of the metric names in logs. Default ``'scene'``
            (``scene/appearance_acc``).
        collect_device: Where results are gathered across ranks.
    """

    default_prefix: Optional[str] = 'scene'

    def __init__(self, streams: Optional[Sequence[str]] = None, out_dir: Optional[str] = None,
                 prefix: Optional[str] = 'scene', collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(streams, str):
            streams = [streams]
        if streams is not None and not streams:
            raise ValueError('streams must be None or name at least one stream')
        self.streams = None if streams is None else [str(s) for s in streams]
        self.out_dir = out_dir
        self.confusion: Dict[str, np.ndarray] = {}
        self.files: Dict[str, str] = {}

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            get = sample.get if isinstance(sample, dict) else sample.metainfo.get
            label = get('scene_label', None)
            if label is None:
                self.results.append(dict(label=None, pred={}))
                continue
            predicted = get('pred_scene', None) or {}
            streams = self.streams if self.streams is not None else sorted(predicted)
            lacking = [s for s in streams if s not in predicted]
            if lacking or not streams:
                raise ConfigError(
                    f'SceneConfusionMetric: the prediction of video {get("video_id", "?")} '
                    f'has no pred_scene for {lacking or "any stream"} (it has '
                    f'{sorted(predicted)}); set the metric\'s streams to those')
            self.results.append(dict(label=_value(label),
                                     pred={s: _value(predicted[s]) for s in streams}))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        name = (self.dataset_meta or {}).get('name', 'the test set')
        kept = [r for r in results if r['label'] is not None]
        self.confusion, self.files = {}, {}
        if not kept:
            logger.warning(f'SceneConfusionMetric: none of the {len(results)} predictions on '
                           f'{name} carries a scene_label (a model without scene '
                           'pseudo-labels?): no scene metrics')
            return {}
        streams = self.streams if self.streams is not None else list(kept[0]['pred'])
        if any(set(r['pred']) != set(streams) for r in kept):
            raise DataError(f'SceneConfusionMetric on {name}: the predictions do not all '
                            f'carry pred_scene for {streams}; set the metric\'s streams')
        labels = np.array([r['label'] for r in kept], np.int64)
        predicted = {s: np.array([r['pred'][s] for r in kept], np.int64) for s in streams}
        k = int(max([labels.max()] + [p.max() for p in predicted.values()]) + 1)
        out, report = {}, {}
        for stream in streams:
            matrix = scene_confusion(labels, predicted[stream], k)
            self.confusion[stream] = matrix
            accuracy = float(np.trace(matrix) / matrix.sum())
            out[f'{stream}_acc'] = accuracy
            support = matrix.sum(axis=1)
            recall = np.divide(np.diag(matrix), support, out=np.full(k, np.nan),
                               where=support > 0)
            report[stream] = dict(accuracy=accuracy, matrix=matrix.tolist(),
                                  per_scene_recall=recall.tolist())
        skipped = len(results) - len(kept)
        if skipped:
            logger.warning(f'SceneConfusionMetric: {skipped} of {len(results)} predictions '
                           'carry no scene_label and are left out')
        if self.out_dir:
            self._write(report, k, len(kept), skipped)
        return out

    def _write(self, report: dict, k: int, num_samples: int, skipped: int) -> None:
        from vadkit.visualization.scenes import plot_confusion_matrix
        os.makedirs(self.out_dir, exist_ok=True)
        names = [str(i) for i in range(k)]
        for stream, entry in report.items():
            path = osp.join(self.out_dir, f'confusion_{stream}.png')
            plot_confusion_matrix(
                self.confusion[stream], names, path, normalize='row',
                title=f'{stream}: scene classification, accuracy {entry["accuracy"]:.3f} '
                      f'({num_samples} samples)')
            self.files[stream] = path
        path = osp.join(self.out_dir, CONFUSION_JSON)
        dump_json(dict(num_scenes=k, num_samples=num_samples, skipped=skipped,
                       rows='scene pseudo-label', cols='predicted scene', streams=report),
                  path)
        self.files['json'] = path
