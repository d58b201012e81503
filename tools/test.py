"""Test (score and evaluate) a trained vadkit model.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out-scores FILE.npz]
                         [--out-raw-scores FILE.npz] [--plot-dir DIR]
                         [--cfg-options k=v ...]
                         [--launcher none|pytorch|slurm|mpi]

CHECKPOINT is a checkpoint file or a work dir: its ``last_checkpoint``, or its
``best_checkpoint`` when the config chooses by a validation metric (``model_selection``). The
final metrics are printed and written to ``<work_dir>/metrics.json`` (a flat object of
floats, fractions not percentages), per-video values to ``metrics_per_video.json``,
per-group values (``group_by``) to ``metrics_per_group.json`` and how every number was
computed (scorer steps, metric definitions, length cuts) to ``evaluation.json``. A
``SceneConfusionMetric`` (HSC) writes ``confusion_<stream>.png`` and ``scene_confusion.json``
there too.

``--out-scores`` saves the frame scores after the scorer pipeline: one array per test
video, keyed by its ground-truth name, one finite score per frame (higher is more
anomalous), the file ``tools/analysis/eval_scores.py`` reads. ``--out-raw-scores`` saves
them before post-processing (right after the expander; keys ``<stream>/<video>`` when
several streams are scored). ``--plot-dir`` writes one score curve per test video
(``<video>.png``: the frame scores, the ground-truth anomalies shaded, the video's AUC), for
any method and dataset the config tests.
"""
import argparse
import os.path as osp

from mmengine.dist import is_main_process

from vadkit.engine.model_selection import prepare_model_selection
from vadkit.evaluation import VADMetric
from vadkit.evaluation.report import flat_floats, format_groups, format_metrics, write_results
from vadkit.utils import ConfigError
from vadkit.utils.cli import (add_runner_args, build_runner, load_config, parse_runner_args,
                              prepare_runner_cfg, resolve_checkpoint, run_tool)
from vadkit.utils.io import dump_json, save_npz


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (score and evaluate) a vadkit model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir to take its latest')
    parser.add_argument('--work-dir', help='where metrics.json and the logs are written')
    parser.add_argument('--out-scores', help='save per-video frame scores to this .npz file')
    parser.add_argument('--out-raw-scores',
                        help='save per-video frame scores before post-processing (.npz)')
    parser.add_argument('--plot-dir', help='write a score curve per test video (PNG) here')
    add_runner_args(parser)
    return parse_runner_args(parser, argv)


def _plots_to_work_dir(cfg) -> None:
    """Metrics that draw (``SceneConfusionMetric``: ``confusion_<stream>.png``, HSC's
    Fig. 6) write into the work dir unless their config names another folder."""
    evaluators = cfg.get('test_evaluator')
    for item in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if isinstance(item, dict) and item.get('type') == 'SceneConfusionMetric' \
                and not item.get('out_dir'):
            item['out_dir'] = cfg.work_dir


@run_tool
def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    cfg = prepare_model_selection(prepare_runner_cfg(cfg, args, strict_checkpoint=True))
    cfg.load_from = resolve_checkpoint(args.checkpoint, cfg)
    if osp.isdir(args.checkpoint):
        print(f'testing {cfg.load_from}')
    cfg.resume = False
    _plots_to_work_dir(cfg)
    runner = build_runner(cfg)
    metrics = runner.test()
    if not is_main_process():
        return

    work_dir = cfg.work_dir
    vad_metrics = [m for m in runner.test_evaluator.metrics if isinstance(m, VADMetric)]
    if (args.out_scores or args.out_raw_scores or args.plot_dir) and not vad_metrics:
        raise ConfigError('--out-scores / --out-raw-scores / --plot-dir need a VADMetric in '
                          'test_evaluator')
    values = flat_floats(metrics)
    if vad_metrics:
        metric = vad_metrics[0]
        write_results(metric, values, work_dir)
        for path, scores, what in ((args.out_scores, metric.frame_scores, 'frame scores'),
                                   (args.out_raw_scores, metric.raw_scores, 'raw scores')):
            if path:
                save_npz(scores, path)
                print(f'{what} of {len(scores)} videos written to {path}')
        if args.plot_dir:
            from vadkit.visualization import plot_score_curves
            gt = (metric.dataset_meta or {}).get('video_gt') or {}
            written = plot_score_curves(metric.frame_scores, args.plot_dir, labels=gt,
                                        evaluated=metric.evaluated,
                                        per_video=metric.per_video)
            print(f'{len(written)} score curves written to {args.plot_dir}')
    else:
        dump_json(values, osp.join(work_dir, 'metrics.json'))
    if not values:
        print('the test set has no labels: no metrics; metrics.json is {}')
    else:
        print(format_metrics(values))
        if vad_metrics and vad_metrics[0].per_group:
            print(format_groups(vad_metrics[0].per_group))
    print(f'metrics written to {osp.join(work_dir, "metrics.json")}')


if __name__ == '__main__':
    main()
