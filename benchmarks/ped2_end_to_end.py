"""UCSD Ped2 end to end with what installs here: parse, train, score, on 2 CPU cores.

    python benchmarks/ped2_end_to_end.py OUT_DIR [--data-root ../shared/data/ped2]
        [--epochs N] [--threads 2] [--only extract hsc hsc_kinematics feature_ae pixels]
        [--force]

(``bash benchmarks/ped2_end_to_end.sh OUT_DIR [DATA_ROOT]`` installs ``.venv`` first when
it is missing, then runs this.) Every stage is a tool run as a user runs it, in its own
process, its output in ``OUT_DIR/logs/<stage>.log``:

1. ``extract``: ``tools/extract_features.py configs/parsing/builtin_ped2.py`` into
   ``OUT_DIR/features`` (background subtraction + SORT, ColorHOG appearance, box
   kinematics, the background scene descriptor);
2. ``train_hsc`` / ``test_hsc``: ``configs/hsc/hsc_builtin_ped2.py`` (the appearance
   stream, as the HSC paper runs Ped2) on the 16 training videos, then the blind test
   scores ``OUT_DIR/ped2_scores.npz`` and one curve per test video in ``OUT_DIR/curves/hsc``;
3. ``train_hsc_kinematics`` / ``test_hsc_kinematics``:
   ``configs/hsc/hsc_builtin_ped2_kinematics.py`` (a second HSC stream on the box
   kinematics) into ``OUT_DIR/ped2_scores_hsc_kinematics.npz``;
4. ``train_feature_ae`` / ``test_feature_ae``: ``configs/baselines/feature_ae_builtin_ped2.py``
   (a plain autoencoder on appearance and box kinematics) into
   ``OUT_DIR/ped2_scores_feature_ae.npz``;
5. ``pixels``: ``tools/analysis/pixel_scores.py``: ``ped2_scores_frame_difference.npz``
   (the floor to beat) and ``ped2_scores_pixel_statistics.npz``.

A stage whose outputs exist is skipped (``--force`` runs it again), so an interrupted run
resumes. ``OUT_DIR/costs.json`` and ``costs.md`` get each stage's wall time and peak
memory (the process's maximum resident set), and ``OUT_DIR/ped2_score_curves.png`` every
method's scores on every test video. No stage reads a test label: there are none here.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
HSC = 'configs/hsc/hsc_builtin_ped2.py'
HSC_KINEMATICS = 'configs/hsc/hsc_builtin_ped2_kinematics.py'
AE = 'configs/baselines/feature_ae_builtin_ped2.py'
PARSING = 'configs/parsing/builtin_ped2.py'
METHODS = dict(hsc=('HSC (appearance)', 'ped2_scores.npz', HSC),
               hsc_kinematics=('HSC (appearance + box kinematics)',
                               'ped2_scores_hsc_kinematics.npz', HSC_KINEMATICS),
               feature_ae=('feature autoencoder', 'ped2_scores_feature_ae.npz', AE))
PIXELS = dict(frame_difference='frame difference', pixel_statistics='pixel statistics')
GROUPS = ('extract', 'hsc', 'hsc_kinematics', 'feature_ae', 'pixels')


def stages(out: str, data_root: str, epochs: int = 0) -> List[dict]:
    """``[{name, group, argv, outputs}]`` in order."""
    features = osp.join(out, 'features')
    runs = [dict(name='extract', group='extract', outputs=[osp.join(features, 'index.json')],
                 argv=['tools/extract_features.py', PARSING, '--data-root', data_root,
                       '--out', features])]
    for key, (_, scores, config) in METHODS.items():
        work = osp.join(out, 'work_dirs', key)
        options = ['--cfg-options', f'feature_root={features}', f'data_root={data_root}']
        if epochs:
            options.append(f'train_cfg.max_epochs={epochs}')
        runs.append(dict(name=f'train_{key}', group=key, outputs=[osp.join(work,
                                                                          'last_checkpoint')],
                         argv=['tools/train.py', config, '--work-dir', work, *options]))
        runs.append(dict(name=f'test_{key}', group=key, outputs=[osp.join(out, scores)],
                         argv=['tools/test.py', config, work, '--work-dir', work,
                               '--out-scores', osp.join(out, scores), '--plot-dir',
                               osp.join(out, 'curves', key), *options]))
    runs.append(dict(name='pixels', group='pixels',
                     outputs=[osp.join(out, f'ped2_scores_{p}.npz') for p in PIXELS],
                     argv=['tools/analysis/pixel_scores.py', data_root, '--out-dir', out,
                           '--prefix', 'ped2_scores']))
    return runs


def run_stage(stage: dict, log_path: str, env: Dict[str, str]) -> dict:
    """Run one stage in its own process: wall time, peak RSS (MiB), exit status."""
    start = time.time()
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.Popen([sys.executable, *stage['argv']], cwd=REPO, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux
    return dict(wall_s=round(time.time() - start, 1),
                peak_rss_mib=round(usage.ru_maxrss / 1024, 1), returncode=proc.returncode)


def costs_markdown(costs: Dict[str, dict]) -> str:
    lines = ['| stage | wall time | peak memory |', '|---|---|---|']
    total = 0.0
    for name, c in costs.items():
        if c.get('skipped'):
            continue
        total += c['wall_s']
        lines.append(f'| {name} | {c["wall_s"] / 60:.1f} min | {c["peak_rss_mib"]:.0f} MiB |')
    peak = max([c['peak_rss_mib'] for c in costs.values() if not c.get('skipped')] or [0])
    lines.append(f'| **all** | **{total / 60:.1f} min** | **{peak:.0f} MiB** |')
    return '\n'.join(lines) + '\n'


def plot_all(out: str, path: str) -> str:
    """Every method's scores on every test video, each min-max scaled per video."""
    import numpy as np

    from vadkit.visualization.score_curves import plot_score_grid
    methods = {}
    for key, (label, scores, _) in METHODS.items():
        if osp.isfile(osp.join(out, scores)):
            methods[label] = dict(np.load(osp.join(out, scores)))
    for probe, label in PIXELS.items():
        file = osp.join(out, f'ped2_scores_{probe}.npz')
        if osp.isfile(file):
            methods[label] = dict(np.load(file))
    return plot_score_grid(methods, path, title='UCSD Ped2 test videos (blind: no labels '
                           'here); each curve min-max scaled per video')


def main(argv=None):
    parser = argparse.ArgumentParser(description='UCSD Ped2 end to end')
    parser.add_argument('out_dir', help='where everything goes')
    parser.add_argument('--data-root', default=osp.join('..', 'shared', 'data', 'ped2'),
                        help='the Ped2 frames (training/frames, testing/frames)')
    parser.add_argument('--epochs', type=int, default=0,
                        help='training epochs instead of the configs\' (0: theirs)')
    parser.add_argument('--threads', type=int, default=2, help='threads per process')
    parser.add_argument('--only', nargs='+', choices=GROUPS, help='these stages only')
    parser.add_argument('--force', action='store_true', help='run stages that are done')
    args = parser.parse_args(argv)
    out = osp.abspath(args.out_dir)
    data_root = osp.abspath(args.data_root)
    if not osp.isdir(osp.join(data_root, 'training', 'frames')):
        sys.exit(f'{data_root} has no training/frames: not the Ped2 release layout')
    os.makedirs(osp.join(out, 'logs'), exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads),
               MPLBACKEND='Agg')
    costs_path = osp.join(out, 'costs.json')
    costs: Dict[str, dict] = {}
    if osp.isfile(costs_path):
        with open(costs_path, encoding='utf-8') as f:
            costs = json.load(f)
    begin = time.time()
    for stage in stages(out, data_root, args.epochs):
        if args.only and stage['group'] not in args.only:
            continue
        log = osp.join(out, 'logs', f'{stage["name"]}.log')
        if not args.force and all(osp.exists(p) for p in stage['outputs']):
            print(f'{stage["name"]}: done before, skipped')
            continue
        print(f'{stage["name"]}: running ({(time.time() - begin) / 60:.1f} min so far; '
              f'log {log})', flush=True)
        result = run_stage(stage, log, env)
        costs[stage['name']] = dict(result, argv=stage['argv'])
        with open(costs_path, 'w', encoding='utf-8') as f:
            json.dump(costs, f, indent=2)
        if result['returncode'] != 0:
            with open(log, encoding='utf-8', errors='replace') as f:
                tail = f.read()[-2000:]
            sys.exit(f'{stage["name"]} failed (exit {result["returncode"]}); {log}:\n{tail}')
        print(f'{stage["name"]}: {result["wall_s"] / 60:.1f} min, peak '
              f'{result["peak_rss_mib"]:.0f} MiB', flush=True)
    with open(osp.join(out, 'costs.md'), 'w', encoding='utf-8') as f:
        f.write(costs_markdown(costs))
    figure = plot_all(out, osp.join(out, 'ped2_score_curves.png'))
    print(costs_markdown(costs))
    print(f'score files in {out}; curves {figure}')


if __name__ == '__main__':
    main()
