"""All frame metrics at once, and their breakdown by group of videos."""
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

from vadkit.utils.errors import DataError

from .frame_metrics import (Arrays, average_precision, check_frame_scores, equal_error_rate,
                            false_alarm_rate, macro_auc, micro_auc, pr_auc_trapz)

ALL_METRICS = ('micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'far', 'eer')


def check_metric_names(metrics: Sequence[str]) -> Tuple[str, ...]:
    metrics = (metrics, ) if isinstance(metrics, str) else tuple(metrics)
    unknown = sorted(set(metrics) - set(ALL_METRICS))
    if unknown:
        raise ValueError(f'unknown metrics {unknown}; choose from {list(ALL_METRICS)}')
    return metrics


def evaluate_frames(scores: Arrays, labels: Arrays, metrics: Sequence[str] = ALL_METRICS,
                    far_threshold: float = 0.5, single_class: str = 'pad'
                    ) -> Tuple[Dict[str, float], Dict[str, dict]]:
    """Compute ``metrics`` over frame scores.

    Args:
        scores: ``{video_id: float[n]}``.
        labels: ``{video_id: 0/1[n]}``, the same videos.
        metrics: Names from :data:`ALL_METRICS`.
        far_threshold: Score threshold of ``far``.
        single_class: Rule of :func:`macro_auc` for single-class videos.

    Returns:
        ``{metric: value}`` and ``{video_id: {num_frames, anomalous_frames}}``, with
        ``auc`` and ``single_class`` added when ``macro_auc`` is computed.
    """
    metrics = check_metric_names(metrics)
    out = {}
    per_video = {k: dict(num_frames=int(np.size(y)), anomalous_frames=int(np.sum(y)))
                 for k, y in labels.items()}
    if 'micro_auc' in metrics:
        out['micro_auc'] = micro_auc(scores, labels)
    if 'macro_auc' in metrics:
        result = macro_auc(scores, labels, single_class)
        out['macro_auc'] = result.mean
        for video_id, value in result.per_video.items():
            per_video[video_id]['auc'] = value
            per_video[video_id]['single_class'] = video_id in result.single_class
    if 'ap' in metrics:
        out['ap'] = average_precision(scores, labels)
    if 'ap_trapz' in metrics:
        out['ap_trapz'] = pr_auc_trapz(scores, labels)
    if 'far' in metrics:
        out['far'] = false_alarm_rate(scores, labels, far_threshold)
    if 'eer' in metrics:
        out['eer'] = equal_error_rate(scores, labels)
    return out, per_video


def metrics_by_group(scores: Arrays, labels: Arrays, groups: Mapping[str, str],
                     metrics: Sequence[str] = ('micro_auc', 'macro_auc', 'ap'),
                     far_threshold: float = 0.5, single_class: str = 'pad',
                     with_normal_videos: bool = False) -> Dict[str, dict]:
    """The metrics of each group of videos (UCF-Crime class, scene, scene cluster).

    Args:
        scores: ``{video_id: float[n]}``.
        labels: ``{video_id: 0/1[n]}``.
        groups: ``{video_id: group name}``; videos not in it are left out.
        metrics: Names from :data:`ALL_METRICS`. A metric a group cannot have (an AUC or AP
            of a group without both normal and anomalous frames, a false alarm rate without
            normal videos) is left out of that group's entry.
        far_threshold: Score threshold of ``far``.
        single_class: Rule of :func:`macro_auc` for single-class videos.
        with_normal_videos: Add every video without anomalous frames (of any group) to each
            group that has anomalous frames, as the per-class UCF-Crime AUCs that compare a
            class with all normal test videos do.

    Returns:
        ``{group: {metric: value, 'num_videos': int, 'num_frames': int}}``.
    """
    metrics = check_metric_names(metrics)
    unknown = sorted(set(groups) - set(labels))
    if unknown:
        raise DataError(f'group given for video(s) without ground truth: {unknown[:5]}')
    check_frame_scores({k: scores[k] for k in groups if k in scores},
                       {k: labels[k] for k in groups})
    members: Dict[str, list] = {}
    for video_id, group in groups.items():
        members.setdefault(str(group), []).append(video_id)
    normal = [k for k, y in labels.items() if not np.any(y)]
    out = {}
    for group, videos in sorted(members.items()):
        if with_normal_videos and any(np.any(labels[k]) for k in videos):
            videos = videos + [k for k in normal if k not in videos]
        sub_scores = {k: scores[k] for k in videos}
        sub_labels = {k: labels[k] for k in videos}
        num_frames = int(sum(np.size(labels[k]) for k in videos))
        num_anomalous = int(sum(np.sum(labels[k]) for k in videos))
        has_normal_video = any(np.size(labels[k]) and not np.any(labels[k]) for k in videos)
        defined = [name for name in metrics
                   if (name == 'far' and has_normal_video)
                   or (name != 'far' and 0 < num_anomalous < num_frames)]
        entry = dict(num_videos=len(videos), num_frames=num_frames)
        if defined:
            entry.update(evaluate_frames(sub_scores, sub_labels, defined, far_threshold,
                                         single_class)[0])
        out[group] = entry
    return out
