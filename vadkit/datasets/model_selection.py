"""Validation without the test set: held-out training videos and pseudo-anomalies.

A config chooses its checkpoint on videos the model never trained on and the test split
never gives:

- :func:`holdout_videos` splits the training videos into a ``'train'`` and a ``'val'``
  part, by seed, each class (where the split gives video labels) in the same proportion,
  so the same ``holdout`` dict in the training and the validation dataset gives two
  disjoint parts. A weakly-supervised validation set keeps its video labels (scored by
  :class:`~vadkit.evaluation.VideoLevelMetric`).
- :class:`PseudoAnomalies` gives one-class and unsupervised validation sets frame labels:
  it replaces a run of segments of some held-out videos (those the split calls normal,
  or all of them when it has no labels) by features that no normal segment has, and marks
  their frames anomalous. Which videos, where and what are drawn from a seed and
  written to the dataset's metainfo (``pseudo_anomalies``), so a validation score can be
  traced to what was injected.

These are proxies: a checkpoint that separates injected features well is not always the
one that separates real anomalies best. Their use is to choose without looking at the
test labels; docs/model_selection.md says what they measured on the generated world.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from vadkit.utils.errors import ConfigError, DataError

HOLDOUT_PARTS = ('train', 'val')
PSEUDO_KINDS = ('noise', 'shift', 'foreign')


def check_holdout(holdout: Optional[dict], split: str) -> Optional[dict]:
    """A complete ``holdout`` dict (``part``, ``fraction``, ``seed``), or None."""
    if holdout is None:
        return None
    options = dict(holdout)
    unknown = set(options) - {'part', 'fraction', 'seed'}
    if unknown:
        raise ConfigError(f'holdout: unknown keys {sorted(unknown)} (it takes part, '
                          'fraction, seed)')
    if split != 'train':
        raise ConfigError(f"holdout splits the training videos; this dataset's split is "
                          f"{split!r}: validate on held-out training videos, never on the "
                          'test split')
    part = options.get('part')
    if part not in HOLDOUT_PARTS:
        raise ConfigError(f"holdout.part must be 'train' or 'val', got {part!r}")
    fraction = float(options.get('fraction', 0.2))
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f'holdout.fraction must be in (0, 1), got {fraction}')
    return dict(part=part, fraction=fraction, seed=int(options.get('seed', 0)))


def holdout_videos(videos: Sequence[str], labels: Mapping[str, int], fraction: float,
                   seed: int = 0, part: str = 'val') -> List[str]:
    """The ``part`` (``'train'`` or ``'val'``) of ``videos`` that a hold-out keeps.

    Every class of ``labels`` (videos without a label form a class of their own) gives
    ``round(fraction * n)`` of its ``n`` videos to the validation part, at least one
    where the class has two or more and never all of it; the draw depends only on
    ``seed`` and the sorted video names, so training and validation datasets built with
    the same arguments are disjoint and together give every video. Order is kept.
    """
    if part not in HOLDOUT_PARTS:
        raise ValueError(f"part must be 'train' or 'val', got {part!r}")
    rng = np.random.default_rng(seed)
    held = set()
    classes: Dict[int, List[str]] = {}
    for video in sorted(videos):
        classes.setdefault(int(labels.get(video, -1)), []).append(video)
    for value in sorted(classes):
        names = classes[value]
        count = int(round(fraction * len(names)))
        count = min(max(count, 1 if len(names) > 1 else 0), len(names) - 1)
        held.update(names[i] for i in rng.permutation(len(names))[:count])
    if part == 'val' and not held:
        raise DataError(f'holdout of {len(videos)} video(s) with fraction {fraction}: no '
                        'video left for validation')
    return [v for v in videos if (v in held) == (part == 'val')]


class PseudoAnomalies:
    """Inject feature-level pseudo-anomalies into held-out normal videos.

    In ``fraction`` of the eligible videos, one run of consecutive segments (its length a
    share of the video's segments drawn from ``length``, at least one segment) is replaced
    by one of ``kinds``:

    - ``'noise'``: every segment plus i.i.d. Gaussian noise of ``strength`` standard
      deviations (per feature element, measured over the eligible videos' segments);
    - ``'shift'``: every segment moved by one random offset of the same size (a new,
      steady appearance or motion);
    - ``'foreign'``: the segments of another eligible video, in their order (a scene
      seen elsewhere; for scene-aware one-class models).

    The frames the run spans are the anomalous frames of that video's ground truth. Which
    videos, runs and kinds depend only on the seed and the videos' lengths, so several
    feature arrays of the same items (an object's appearance and motion) get the same runs.

    Args:
        fraction: Share of the eligible videos that get a run. Default 0.5 (the others
            stay normal, so every metric has both classes).
        length: ``(low, high)`` share of a video's segments the run covers.
        kinds: Which of :data:`PSEUDO_KINDS` to draw from (one per video).
        strength: Size of ``'noise'`` and ``'shift'``, in standard deviations.
        seed: Seed of every draw.
    """

    def __init__(self, fraction: float = 0.5, length: Tuple[float, float] = (0.1, 0.3),
                 kinds: Sequence[str] = ('noise', 'shift'), strength: float = 2.0,
                 seed: int = 0) -> None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        bad = [k for k in kinds if k not in PSEUDO_KINDS]
        if bad or not kinds:
            raise ConfigError(f'pseudo_anomalies.kinds must be a non-empty subset of '
                              f'{PSEUDO_KINDS}, got {kinds}')
        lo, hi = (float(v) for v in length)
        if not 0.0 < lo <= hi <= 1.0:
            raise ConfigError(f'pseudo_anomalies.length must be 0 < low <= high <= 1, got '
                              f'{tuple(length)}')
        if not 0.0 < float(fraction) <= 1.0:
            raise ConfigError(f'pseudo_anomalies.fraction must be in (0, 1], got {fraction}')
        if float(strength) <= 0:
            raise ConfigError(f'pseudo_anomalies.strength must be positive, got {strength}')
        self.fraction, self.length, self.kinds = float(fraction), (lo, hi), kinds
        self.strength, self.seed = float(strength), int(seed)

    def __call__(self, features: Dict[str, np.ndarray], spans: Dict[str, np.ndarray],
                 num_frames: Mapping[str, int], eligible: Sequence[str]
                 ) -> Tuple[Dict[str, np.ndarray], Dict[str, np.ndarray], List[dict]]:
        """Inject into ``eligible`` videos.

        Args:
            features: ``{video: float[T, ...]}`` segment features of the held-out videos.
            spans: ``{video: int[T, 2]}`` frame spans ``[start, end)`` of the segments.
            num_frames: Frames of each video.
            eligible: Videos that may receive a run (the normal ones).

        Returns:
            ``(features, masks, log)``: the changed videos' new features (copies), a
            ``uint8[num_frames]`` ground truth of every video of ``features`` and one
            record per run (video, kind, first and last segment, frames).
        """
        # where (and which kind) from one generator, the values from another: the same
        # runs for every feature array of the same videos, whatever their shapes
        rng = np.random.default_rng(self.seed)
        values = np.random.default_rng([self.seed, 1])
        eligible = sorted(v for v in eligible if v in features and len(features[v]))
        masks = {v: np.zeros(int(num_frames[v]), np.uint8) for v in features}
        if not eligible:
            raise DataError('pseudo_anomalies: no normal held-out video to inject into')
        stacked = np.concatenate([np.asarray(features[v], np.float64) for v in eligible])
        sigma = stacked.std(axis=0)
        sigma = np.where(sigma > 0, sigma, max(float(sigma.mean()), 1e-6))
        count = max(1, int(round(self.fraction * len(eligible))))
        chosen = [eligible[i] for i in sorted(rng.permutation(len(eligible))[:count])]
        out, log = {}, []
        for video in chosen:
            x = np.array(features[video], np.float32)
            t = len(x)
            share = rng.uniform(*self.length)
            n = int(min(t, max(1, round(share * t))))
            first = int(rng.integers(0, t - n + 1))
            kind = self.kinds[int(rng.integers(len(self.kinds)))]
            others = [v for v in eligible if v != video]
            if kind == 'foreign' and not others:
                kind = 'noise'
            if kind == 'noise':
                x[first:first + n] += (self.strength * sigma
                                       * values.standard_normal((n, ) + x.shape[1:]))
            elif kind == 'shift':
                x[first:first + n] += (self.strength * sigma
                                       * values.standard_normal(x.shape[1:]))
            else:
                donor = others[int(rng.integers(len(others)))]
                source = np.asarray(features[donor], np.float32)
                pick = np.arange(n) % len(source)
                x[first:first + n] = source[pick]
            out[video] = x
            span = np.asarray(spans[video])[first:first + n]
            start, end = int(span[:, 0].min()), int(span[:, 1].max())
            for a, b in span:
                masks[video][int(a):int(b)] = 1
            log.append(dict(video=video, kind=kind, first_segment=first,
                            last_segment=first + n - 1, frames=[start, end]))
        return out, masks, log


def build_pseudo_anomalies(cfg: Optional[dict], split: str) -> Optional[PseudoAnomalies]:
    """A dataset's ``pseudo_anomalies`` option built, or None."""
    if cfg is None:
        return None
    if split == 'test':
        raise ConfigError('pseudo_anomalies: the test split has real labels; inject into '
                          'held-out training videos (holdout=dict(part=\'val\', ...))')
    if isinstance(cfg, PseudoAnomalies):
        return cfg
    return PseudoAnomalies(**dict(cfg))


def normal_videos(videos: Sequence[str], labels: Mapping[str, int]) -> List[str]:
    """The videos a pseudo-anomaly validation set keeps: all but those labelled
    anomalous (their real anomalous frames are unknown)."""
    return [v for v in videos if int(labels.get(v, 0)) != 1]


def inject_pseudo_anomalies(pseudo: PseudoAnomalies, features: Dict[str, np.ndarray],
                            spans: Dict[str, np.ndarray], num_frames: Mapping[str, int]
                            ) -> Tuple[Dict[str, np.ndarray], dict]:
    """Run ``pseudo`` over a validation set; returns the changed features and the
    metainfo it adds (``video_gt`` and the ``pseudo_anomalies`` log)."""
    changed, masks, log = pseudo(features, spans, num_frames, list(features))
    return changed, dict(video_gt=masks, pseudo_anomalies=log)
