"""Video-level metrics: one score per video against its video label (weakly-supervised
validation, where held-out training videos have labels but no frame annotations)."""
from typing import Dict, Mapping

import numpy as np

from vadkit.utils.errors import DataError

from .frame_metrics import average_precision, binary_auc

#: How a video's frame scores become one score.
VIDEO_REDUCTIONS = ('max', 'mean', 'topk_mean')


def video_scores(frame_scores: Mapping[str, np.ndarray], reduce: str = 'max',
                 topk: float = 0.1) -> Dict[str, float]:
    """``{video: score}``: the max, the mean, or the mean of the highest ``topk`` share
    (at least one frame) of each video's frame scores."""
    if reduce not in VIDEO_REDUCTIONS:
        raise ValueError(f'reduce must be one of {VIDEO_REDUCTIONS}, got {reduce!r}')
    out = {}
    for video, scores in frame_scores.items():
        s = np.asarray(scores, np.float64).reshape(-1)
        s = s[np.isfinite(s)]
        if s.size == 0:
            raise DataError(f'video {video}: no finite frame score')
        if reduce == 'max':
            out[video] = float(s.max())
        elif reduce == 'mean':
            out[video] = float(s.mean())
        else:
            k = max(1, int(np.ceil(topk * s.size)))
            out[video] = float(np.sort(s)[-k:].mean())
    return out


def video_level_metrics(scores: Mapping[str, float], labels: Mapping[str, int]
                        ) -> Dict[str, float]:
    """``video_auc`` and ``video_ap`` of per-video scores against 0/1 video labels;
    every scored video needs a label, and both classes must be present."""
    missing = [v for v in scores if v not in labels or int(labels[v]) not in (0, 1)]
    if missing:
        raise DataError(f'{len(missing)} scored video(s) without a 0/1 video label, e.g. '
                        f'{missing[:3]}')
    videos = sorted(scores)
    s = np.array([scores[v] for v in videos])
    y = np.array([int(labels[v]) for v in videos])
    if y.min() == y.max():
        raise DataError(f'video-level metrics need normal and anomalous videos; the '
                        f'{len(y)} scored videos are all {"anomalous" if y[0] else "normal"}')
    return dict(video_auc=binary_auc(s, y),
                video_ap=average_precision({'all': s}, {'all': y}))
