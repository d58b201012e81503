"""Evaluate saved per-video frame scores against a dataset's ground truth.

    python tools/analysis/eval_scores.py SCORES.npz --gt GT_DIR [--smooth SIGMA]
        [--scorers CONFIG] [--metric micro_auc macro_auc ...] [--subset]
        [--length-tolerance N] [--json OUT] [--details OUT] [--plot-dir DIR]

SCORES.npz holds one per-frame array per video, keyed by the ground truth's names (what
``tools/test.py --out-scores`` writes); GT_DIR is a ``test_frame_mask`` folder of
``<video>.npy`` 0/1 arrays. By default the scores are evaluated as they are; ``--smooth``
adds a per-video Gaussian filter and ``--scorers`` the per-frame steps of a config (its
``scorers`` list, or its ``test_evaluator``'s). A ground-truth video without scores, or
scores for an unknown video, is an error (``--subset`` evaluates only the videos of the
score file).
"""
import argparse
import os.path as osp
import zipfile

import numpy as np

from vadkit.datasets.annotations import load_frame_masks
from vadkit.evaluation import ALL_METRICS, VADMetric
from vadkit.evaluation.report import format_metrics
from vadkit.utils import ConfigError, DataError
from vadkit.utils.cli import load_config, run_tool
from vadkit.utils.setup_env import register_all_modules
from vadkit.utils.io import dump_json


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Evaluate saved frame scores')
    parser.add_argument('scores', help='.npz of per-video frame scores')
    parser.add_argument('--gt', required=True, help='test_frame_mask folder of <video>.npy')
    parser.add_argument('--smooth', type=float, default=0.0,
                        help='sigma of a per-video Gaussian filter (frames); 0 = none')
    parser.add_argument('--scorers', help='config whose scorer steps run on the scores')
    parser.add_argument('--metric', nargs='+', default=list(ALL_METRICS),
                        choices=list(ALL_METRICS), help='metrics to compute')
    parser.add_argument('--far-threshold', type=float, default=0.5)
    parser.add_argument('--subset', action='store_true',
                        help='evaluate only the ground-truth videos present in SCORES')
    parser.add_argument('--length-tolerance', type=int, default=0,
                        help='accept this many frames of difference per video (then cut)')
    parser.add_argument('--json', help='write the metrics (metrics.json schema) here')
    parser.add_argument('--details', help='write per-video values and how they were '
                        'computed (scorer steps, metric definitions) here')
    parser.add_argument('--plot-dir', help='write a score curve per video (PNG) here')
    return parser.parse_args(argv)


def load_scores(path: str) -> dict:
    """``{video: float64[n]}`` from an .npz, refusing what would evaluate wrongly."""
    if not osp.isfile(path):
        raise DataError(f'score file {path} does not exist')
    try:
        with np.load(path, allow_pickle=False) as data:
            scores = {k: np.asarray(data[k]) for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f'cannot read score file {path}: {exc}') from None
    if not scores:
        raise DataError(f'score file {path} holds no videos')
    for video, s in scores.items():
        if s.ndim != 1 or not np.issubdtype(s.dtype, np.number):
            raise DataError(f'{path}: video {video}: expected a 1-D array of numbers, got '
                            f'{s.dtype} {s.shape}')
        bad = np.flatnonzero(~np.isfinite(s))
        if bad.size:
            raise DataError(f'{path}: video {video}: score of frame {bad[0]} is {s[bad[0]]} '
                            f'({bad.size} frame(s) not finite)')
        scores[video] = s.astype(np.float64)
    return scores


def config_steps(path: str) -> list:
    """The per-frame scorer steps of a config: ``scorers`` or the test evaluator's."""
    cfg = load_config(path)
    steps = cfg.get('scorers')
    if steps is None:
        evaluator = cfg.get('test_evaluator')
        evaluators = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
        steps = next((e.get('scorers') for e in evaluators
                      if isinstance(e, dict) and 'scorers' in e), None)
    if steps is None:
        raise ConfigError(f'{path} has no `scorers` list and no test_evaluator with scorers')
    steps = [dict(s) for s in steps]
    if steps and steps[0].get('type') in ('ExpandToFrames', 'ExpandSegments'):
        print(f'{path}: skipping its expander {steps[0]["type"]}: the scores are per frame')
        steps = steps[1:]
    return steps


@run_tool
def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    scores = load_scores(args.scores)
    gt = load_frame_masks(args.gt)
    unknown = [v for v in scores if v not in gt]
    if unknown:
        raise DataError(f'{args.scores}: scores for video(s) not in {args.gt}: '
                        f'{", ".join(unknown[:5])}')
    missing = [v for v in gt if v not in scores]
    if missing and not args.subset:
        raise DataError(f'{args.scores}: no scores for ground-truth video(s) '
                        f'{", ".join(missing[:5])}' + (f' and {len(missing) - 5} more'
                                                       if len(missing) > 5 else '')
                        + ' (--subset evaluates only the videos of the score file)')
    gt = {v: y for v, y in gt.items() if v in scores}

    steps = [dict(type='ExpandToFrames')]
    if args.smooth > 0:
        steps.append(dict(type='GaussianSmooth', sigma=args.smooth))
    if args.scorers:
        steps += config_steps(args.scorers)
    metric = VADMetric(scorers=steps, metric=args.metric, far_threshold=args.far_threshold,
                       length_tolerance=args.length_tolerance)
    metric.dataset_meta = dict(name=args.gt, video_gt=gt,
                               num_frames={v: len(s) for v, s in scores.items()})
    records = [dict(video_id=v, start=0, end=len(s), track_id=None, scores=dict(final=s))
               for v, s in scores.items()]
    values = metric.compute_metrics(records)

    print(f'{len(gt)} videos, {metric.record["evaluated_frames"]} frames evaluated'
          + (f' ({len(missing)} ground-truth videos without scores left out)'
             if missing else ''))
    print(format_metrics(values))
    if args.json:
        dump_json(values, args.json)
        print(f'metrics written to {args.json}')
    if args.details:
        dump_json(dict(per_video=metric.per_video, evaluation=metric.record,
                       scores=osp.abspath(args.scores), ground_truth=osp.abspath(args.gt)),
                  args.details)
        print(f'details written to {args.details}')
    if args.plot_dir:
        from vadkit.visualization import plot_score_curves
        written = plot_score_curves(metric.frame_scores, args.plot_dir, labels=gt,
                                    evaluated=metric.evaluated, per_video=metric.per_video)
        print(f'{len(written)} score curves written to {args.plot_dir}')


if __name__ == '__main__':
    main()
