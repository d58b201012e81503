"""One results table for every method and baseline on the generated worlds, over seeds.

    python tools/analysis/results_table.py --out-dir work_dirs/results [--seeds 0 1 2]
        [--only hsc gcl ...] [--dry-run] [--render-only] [--docs docs/results.md]
        [--figure docs/images/results_synthetic.png] [--threads 1] [--timeout 3600]

Every row's config is trained and tested through ``tools/train.py`` and ``tools/test.py``
as a user runs them, once per seed, with
``--cfg-options data_root=OUT/worlds/W/world feature_root=OUT/worlds/W/features
randomness.seed=S``: the configs of one world share its folders, so its first run
generates the world and its features and the others reuse them. The reference scores of
``tools/analysis/synthetic_baselines.py`` (actor oracle, frame difference, pixel statistics,
constant) are computed once per world, after its first run built it.

Resumable: a run whose ``metrics.json`` exists in its work dir (``OUT/runs/<run>_seed<S>``)
is collected without running again, and ``OUT/results.json`` is rewritten as each run
finishes. Each command's stdout and stderr go to ``train.out.log`` / ``test.out.log`` in
its work dir; a failed run is reported with its log and the others go on. At the end (or
with ``--render-only``, from ``OUT/results.json`` alone) the markdown page and the figure
are written: mean +- sample standard deviation over the seeds, rows grouped by world.
``--only`` takes row keys (``--list`` shows them), world keys, or ``references``.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import textwrap
import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = ('micro_auc', 'macro_auc', 'ap')
METRIC_LABELS = dict(micro_auc='micro AUC', macro_auc='macro AUC', ap='AP')
DEFAULT_SEEDS = (0, 1, 2)
REFERENCE_PROBES = ('actor_oracle', 'frame_difference', 'pixel_statistics', 'constant')
REFERENCE_LABELS = dict(actor_oracle='actor oracle', frame_difference='frame difference',
                        pixel_statistics='pixel statistics', constant='constant score')

# the generated worlds: one folder each (world + features), shared by its configs
WORLDS = {
    'scene_dependent': dict(
        name='scene-dependent world', regime='one_class',
        about='`small` preset, scenes walkway / road / lawn, only anomalies that are normal '
        'in another scene (run, ride, drive); 45 videos; built by `hsc_synthetic.py`'),
    'medium': dict(
        name="'medium' world", regime='weak',
        about='`medium` preset, 4 scenes, 112 videos: 80 training videos (20 with '
        'anomalies), 32 test videos; built by `gcl_synthetic.py` or `sacrf_synthetic.py` '
        '(the same world and segment features, two supervision regimes)'),
    'walkways': dict(
        name='walkways world', regime='one_class',
        about='`small` preset, two walkway scenes, only walking normal, novel behaviours as '
        'anomalies; 30 videos, object tubes; built by `local_patterns_synthetic.py`'),
}

# the table's groups: numbers are comparable inside a group only
GROUPS = {
    'scene_dependent': dict(world='scene_dependent', regime='one-class',
                            title='scene-dependent world, one-class'),
    'medium_unsupervised': dict(world='medium', regime='unsupervised',
                                title="'medium' world, unsupervised"),
    'medium_weak': dict(world='medium', regime='weakly supervised',
                        title="'medium' world, weakly supervised"),
    'walkways': dict(world='walkways', regime='one-class', title='walkways world, one-class'),
}

# a run: one config (and options) on one world, trained and tested once per seed
RUNS = {
    'hsc': dict(config='configs/hsc/hsc_synthetic.py', world='scene_dependent'),
    'hsc_no_sae': dict(config='configs/hsc/hsc_synthetic.py', world='scene_dependent',
                       options=('model.stream_defaults.scene_aware=False', )),
    'feature_ae': dict(config='configs/baselines/feature_ae_synthetic.py',
                       world='scene_dependent'),
    'gcl': dict(config='configs/gcl/gcl_synthetic.py', world='medium'),
    'ae_alldata': dict(config='configs/gcl/ae_alldata_synthetic.py', world='medium'),
    'sacrf': dict(config='configs/sacrf/sacrf_synthetic.py', world='medium'),
    'sacrf_no_crf': dict(config='configs/sacrf/sacrf_no_crf_synthetic.py', world='medium'),
    'sacrf_no_contrast': dict(config='configs/sacrf/sacrf_no_contrast_synthetic.py',
                              world='medium'),
    'mil_ranking': dict(
        config='vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_synthetic.py',
        world='medium'),
    'local_patterns': dict(config='configs/local_patterns/local_patterns_synthetic.py',
                           world='walkways'),
}

# a row of the table: a run's metrics (under ``prefix``), in table order
ROWS = [
    dict(key='hsc', label='HSC', run='hsc', group='scene_dependent'),
    dict(key='hsc_no_sae', label='HSC, scene-aware encoder off (`scene_aware=False`)',
         run='hsc_no_sae', group='scene_dependent'),
    dict(key='feature_ae', label='feature autoencoder (baseline)', run='feature_ae',
         group='scene_dependent'),
    dict(key='gcl', label='GCL_PT, scored by D', run='gcl', group='medium_unsupervised'),
    dict(key='gcl_g', label='GCL_PT, scored by G (same runs)', run='gcl',
         prefix='generator/', group='medium_unsupervised'),
    dict(key='ae_alldata', label='AE_AllData (baseline)', run='ae_alldata',
         group='medium_unsupervised'),
    dict(key='sacrf', label='SA-CRF', run='sacrf', group='medium_weak'),
    dict(key='sacrf_no_crf', label='SA-CRF without the CRF', run='sacrf_no_crf',
         group='medium_weak'),
    dict(key='sacrf_no_contrast', label='SA-CRF without the contrastive term',
         run='sacrf_no_contrast', group='medium_weak'),
    dict(key='mil_ranking', label='MIL ranking plugin (baseline)', run='mil_ranking',
         group='medium_weak'),
    dict(key='local_patterns', label='ITAM + SMM', run='local_patterns', group='walkways'),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train and test every method and baseline on the generated worlds over '
        'seeds, and write one results table (markdown) and a figure')
    parser.add_argument('--out-dir', required=True,
                        help='work dirs, worlds, logs and results.json go here')
    parser.add_argument('--seeds', type=int, nargs='+', default=list(DEFAULT_SEEDS))
    parser.add_argument('--only', nargs='+', metavar='KEY',
                        help='row keys (see --list), world keys, or "references"')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands that would run, run nothing')
    parser.add_argument('--render-only', action='store_true',
                        help='write the page and figure from OUT_DIR/results.json, run nothing')
    parser.add_argument('--list', action='store_true', help='print the row keys and exit')
    parser.add_argument('--docs', default='docs/results.md', help='the markdown page')
    parser.add_argument('--figure', default='docs/images/results_synthetic.png',
                        help='the PNG figure')
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP_NUM_THREADS / MKL_NUM_THREADS of every run')
    parser.add_argument('--timeout', type=float, default=3600,
                        help='seconds one train or test command may take')
    return parser.parse_args(argv)


# ---------------------------------------------------------------- what to run

def select(only: Optional[Sequence[str]]) -> Tuple[List[dict], List[str]]:
    """The rows and the worlds whose references are wanted, for ``--only`` keys (None: all).
    A key names a row, a run, a world or ``references`` (the references of the worlds of
    the selected rows, or of all worlds when only ``references`` is given)."""
    if not only:
        return list(ROWS), list(WORLDS)
    known = {r['key'] for r in ROWS} | set(RUNS) | set(WORLDS) | {'references'}
    unknown = [k for k in only if k not in known]
    if unknown:
        raise SystemExit(f'unknown --only key(s) {unknown}; known: {sorted(known)}')
    rows = [r for r in ROWS if r['key'] in only or r['run'] in only or
            GROUPS[r['group']]['world'] in only]
    worlds = [w for w in WORLDS if w in only]
    if 'references' in only:
        worlds += [w for w in WORLDS if w not in worlds and
                   (not rows or any(GROUPS[r['group']]['world'] == w for r in rows))]
    return rows, worlds


def world_root(out_dir: str, world: str) -> str:
    return osp.join(out_dir, 'worlds', world)


def run_id(run: str, seed: int) -> str:
    return f'{run}_seed{seed}'


def work_dir(out_dir: str, run: str, seed: int) -> str:
    return osp.join(out_dir, 'runs', run_id(run, seed))


def run_commands(out_dir: str, run: str, seed: int) -> List[List[str]]:
    """``tools/train.py`` and ``tools/test.py`` of one run and seed, as argument lists."""
    spec = RUNS[run]
    root, work = world_root(out_dir, spec['world']), work_dir(out_dir, run, seed)
    options = ['--cfg-options', f'data_root={root}/world', f'feature_root={root}/features',
               f'randomness.seed={seed}', *spec.get('options', ())]
    return [[sys.executable, 'tools/train.py', spec['config'], '--work-dir', work, *options],
            [sys.executable, 'tools/test.py', spec['config'], work, '--work-dir', work,
             *options]]


def reference_dir(out_dir: str, world: str) -> str:
    return osp.join(out_dir, 'references', world)


def reference_command(out_dir: str, world: str) -> List[str]:
    return [sys.executable, 'tools/analysis/synthetic_baselines.py',
            osp.join(world_root(out_dir, world), 'world'), '--work-dir',
            reference_dir(out_dir, world), '--regime', WORLDS[world]['regime'],
            '--plot-videos', '0']


def plan(rows: Sequence[dict], worlds: Sequence[str], seeds: Sequence[int]) -> List[tuple]:
    """The jobs in order: seed by seed (so that every row has a first seed early), the
    runs of one world together, each world's references right after its first run (or
    first, when none of its runs is selected)."""
    runs = []
    for row in rows:
        if row['run'] not in runs:
            runs.append(row['run'])
    jobs, referenced = [], set()
    for world in worlds:
        if not any(RUNS[r]['world'] == world for r in runs):
            jobs.append(('references', world))
            referenced.add(world)
    for seed in seeds:
        for world in WORLDS:
            for run in runs:
                if RUNS[run]['world'] != world:
                    continue
                jobs.append(('run', run, seed))
                if world in worlds and world not in referenced:
                    jobs.append(('references', world))
                    referenced.add(world)
    return jobs


# ---------------------------------------------------------------- running

def thread_env(threads: int) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONHASHSEED='0')
    return env


def run_command(cmd: Sequence[str], log_path: str, env: Mapping[str, str],
                timeout: float) -> int:
    """Run one tool from the repository root, stdout and stderr into ``log_path``; the
    exit status (124 on a timeout)."""
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'w', encoding='utf-8') as log:
        log.write('$ ' + shlex.join(cmd) + '\n')
        log.flush()
        try:
            return subprocess.run(list(cmd), cwd=REPO_ROOT, env=dict(env), stdout=log,
                                  stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            log.write(f'\n[results_table] timed out after {timeout:.0f} s\n')
            return 124


def read_json(path: str):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def write_json(data, path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def world_built(out_dir: str, world: str) -> bool:
    path = osp.join(world_root(out_dir, world), 'world', 'world.json')
    try:
        return bool(read_json(path).get('complete'))
    except (OSError, ValueError):
        return False


def finished_run(out_dir: str, run: str, seed: int) -> Optional[dict]:
    """The record of a run whose ``metrics.json`` exists, else None."""
    work = work_dir(out_dir, run, seed)
    metrics_path = osp.join(work, 'metrics.json')
    if not osp.isfile(metrics_path):
        return None
    timing_path = osp.join(work, 'timing.json')
    timing = read_json(timing_path) if osp.isfile(timing_path) else {}
    return dict(timing, status='ok', run=run, seed=seed, config=RUNS[run]['config'],
                work_dir=work, metrics=read_json(metrics_path))


def execute_run(out_dir: str, run: str, seed: int, env: Mapping[str, str], timeout: float,
                runner: Callable = run_command) -> dict:
    """Train and test one run; its record (``status`` 'ok' or 'failed', with ``error``)."""
    work = work_dir(out_dir, run, seed)
    built = not world_built(out_dir, RUNS[run]['world'])
    os.makedirs(work, exist_ok=True)
    times = {}
    for step, cmd in zip(('train', 'test'), run_commands(out_dir, run, seed)):
        log = osp.join(work, f'{step}.out.log')
        start = time.time()
        code = runner(cmd, log, env, timeout)
        times[f'{step}_s'] = time.time() - start
        if code != 0:
            return dict(status='failed', run=run, seed=seed, config=RUNS[run]['config'],
                        work_dir=work, log=log, **times,
                        error=f'{step} of {RUNS[run]["config"]} (seed {seed}) exited with '
                        f'{code}; see {log}')
    timing = dict(times, wall_s=sum(times.values()), built_world=built,
                  threads=env.get('OMP_NUM_THREADS'),
                  finished=datetime.datetime.now().isoformat(timespec='seconds'))
    write_json(timing, osp.join(work, 'timing.json'))
    record = finished_run(out_dir, run, seed)
    if record is None:
        return dict(status='failed', run=run, seed=seed, config=RUNS[run]['config'],
                    work_dir=work, log=log, error=f'test of {RUNS[run]["config"]} (seed '
                    f'{seed}) wrote no metrics.json; see {log}')
    return record


def finished_references(out_dir: str, world: str) -> Optional[dict]:
    path = osp.join(reference_dir(out_dir, world), 'baselines.json')
    if not osp.isfile(path):
        return None
    data = read_json(path)
    timing_path = osp.join(reference_dir(out_dir, world), 'timing.json')
    timing = read_json(timing_path) if osp.isfile(timing_path) else {}
    return dict(timing, status='ok', world=world, regime=data.get('regime'),
                metrics=data['metrics'])


def execute_references(out_dir: str, world: str, env: Mapping[str, str], timeout: float,
                       runner: Callable = run_command) -> dict:
    folder = reference_dir(out_dir, world)
    log = osp.join(folder, 'baselines.out.log')
    if not world_built(out_dir, world):
        return dict(status='failed', world=world, error=f'the {world} world is not built '
                    f'under {world_root(out_dir, world)}: run one of its rows first')
    start = time.time()
    code = runner(reference_command(out_dir, world), log, env, timeout)
    wall = time.time() - start
    if code != 0:
        return dict(status='failed', world=world, log=log, wall_s=wall,
                    error=f'synthetic_baselines.py on the {world} world exited with {code}; '
                    f'see {log}')
    write_json(dict(wall_s=wall), osp.join(folder, 'timing.json'))
    return finished_references(out_dir, world) or dict(
        status='failed', world=world, log=log, error=f'no baselines.json; see {log}')


def load_results(out_dir: str) -> dict:
    path = osp.join(out_dir, 'results.json')
    if osp.isfile(path):
        results = read_json(path)
    else:
        results = {}
    results.setdefault('runs', {})
    results.setdefault('references', {})
    return results


def execute(jobs: Sequence[tuple], out_dir: str, threads: int, timeout: float,
            runner: Callable = run_command, echo: Callable = print) -> dict:
    """Run (or collect) every job, rewriting ``OUT/results.json`` after each; the results."""
    results = load_results(out_dir)
    results['threads'] = threads
    path = osp.join(out_dir, 'results.json')
    env = thread_env(threads)
    start = time.time()

    def clock():
        return f'{(time.time() - start) / 60:.1f} min elapsed'

    for k, job in enumerate(jobs, 1):
        head = f'[{k}/{len(jobs)}]'
        if job[0] == 'run':
            _, run, seed = job
            key = run_id(run, seed)
            record = finished_run(out_dir, run, seed)
            if record is not None:
                echo(f'{head} {key}: metrics.json exists, collected ({clock()})')
            else:
                echo(f'{head} {key}: {RUNS[run]["config"]} seed {seed} started ({clock()})')
                record = execute_run(out_dir, run, seed, env, timeout, runner)
                if record['status'] == 'ok':
                    echo(f'{head} {key}: done in {record["wall_s"] / 60:.1f} min, micro AUC '
                         f'{record["metrics"].get("micro_auc", float("nan")):.4f} '
                         f'({clock()})')
                else:
                    echo(f'{head} {key}: FAILED: {record["error"]} ({clock()})')
            results['runs'][key] = record
        else:
            world = job[1]
            record = finished_references(out_dir, world)
            if record is not None:
                echo(f'{head} references of the {world} world: collected ({clock()})')
            else:
                echo(f'{head} references of the {world} world started ({clock()})')
                record = execute_references(out_dir, world, env, timeout, runner)
                state = 'done' if record['status'] == 'ok' else f'FAILED: {record["error"]}'
                echo(f'{head} references of the {world} world: {state} ({clock()})')
            results['references'][world] = record
        write_json(results, path)
    return results


def print_plan(jobs: Sequence[tuple], out_dir: str, echo: Callable = print) -> None:
    for job in jobs:
        if job[0] == 'run':
            _, run, seed = job
            done = finished_run(out_dir, run, seed) is not None
            echo(f'# {run_id(run, seed)}: {RUNS[run]["config"]} seed {seed}'
                 + (' (metrics.json exists: would be collected)' if done else ''))
            for cmd in run_commands(out_dir, run, seed):
                echo(shlex.join(cmd))
        else:
            echo(f'# references of the {job[1]} world')
            echo(shlex.join(reference_command(out_dir, job[1])))


# ---------------------------------------------------------------- aggregation, rendering

def aggregate(per_seed: Mapping[int, Mapping[str, float]],
              metrics: Sequence[str] = METRICS, prefix: str = '') -> Dict[str, dict]:
    """``{metric: dict(mean, std, n, values, ...)}`` over the seeds' metric dicts: the mean
    and the sample standard deviation (0 for one seed); a seed without the metric is left
    out."""
    from vadkit.visualization.runs import summarize_runs
    values = {m: [per_seed[s].get(prefix + m) for s in sorted(per_seed)] for m in metrics}
    return summarize_runs({'row': values}, ddof=1)['row']


def format_mean_std(entry: Mapping, digits: int = 3) -> str:
    """``'0.915 ± 0.004'``; one value alone; ``'–'`` for none."""
    if not entry or not entry.get('n'):
        return '–'
    if entry['n'] == 1:
        return f'{entry["mean"]:.{digits}f}'
    return f'{entry["mean"]:.{digits}f} ± {entry["std"]:.{digits}f}'


def table_rows(results: Mapping, rows: Sequence[dict] = ROWS,
               seeds: Sequence[int] = DEFAULT_SEEDS) -> List[dict]:
    """The table's rows from a ``results.json`` object, grouped by world: per row its
    label, group, aggregated metrics, seeds and minutes per run, and a ``state`` ('ok',
    'partial', 'failed', 'not run'); each group ends with the world's reference scores."""
    out = []
    for group in GROUPS:
        for row in [r for r in rows if r['group'] == group]:
            records = [results.get('runs', {}).get(run_id(row['run'], s)) for s in seeds]
            ok = {s: r['metrics'] for s, r in zip(seeds, records)
                  if r and r.get('status') == 'ok'}
            failed = [s for s, r in zip(seeds, records) if r and r.get('status') != 'ok']
            done = [r for r in records if r and r.get('status') == 'ok']
            warm = [r for r in done if not r.get('built_world') and r.get('wall_s')]
            timed = warm or [r for r in done if r.get('wall_s')]
            aggregated = aggregate(ok, prefix=row.get('prefix', '')) if ok else {}
            state = ('ok' if len(ok) == len(seeds) else 'partial' if ok else
                     'failed' if failed else 'not run')
            out.append(dict(
                label=row['label'], group=group, key=row['key'], metrics=aggregated,
                seeds=sorted(ok), failed=failed, state=state, reference=False,
                minutes=(sum(r['wall_s'] for r in timed) / len(timed) / 60 if timed
                         else None),
                minutes_include_world=bool(timed) and not warm))
        world = GROUPS[group]['world']
        ref = results.get('references', {}).get(world)
        if ref is None and not any(r['group'] == group for r in rows):
            continue
        for probe in REFERENCE_PROBES:
            values = (ref or {}).get('metrics', {}).get(probe) if ref else None
            ok = ref is not None and ref.get('status') == 'ok' and values is not None
            out.append(dict(
                label=f'{REFERENCE_LABELS[probe]} (reference)', group=group,
                key=f'{world}/{probe}', reference=True, seeds=[],
                metrics=aggregate({0: values}) if ok else {}, failed=[],
                state='ok' if ok else 'failed' if ref else 'not run',
                minutes=ref.get('wall_s') / 60 if ok and ref.get('wall_s') else None,
                minutes_include_world=False))
    return out


def render_table(rows: Sequence[dict]) -> str:
    """The markdown table of :func:`table_rows`."""
    lines = ['| method | world (regime) | micro AUC | macro AUC | AP | seeds | min / run |',
             '|---|---|---|---|---|---|---|']
    for row in rows:
        group = GROUPS[row['group']]
        world = f'{WORLDS[group["world"]]["name"]} ({group["regime"]})'
        if row['state'] in ('failed', 'not run') and not row['metrics']:
            cells = [f'**{row["state"]}**'] * 3
        else:
            cells = [format_mean_std(row['metrics'].get(m, {})) for m in METRICS]
        if row['reference']:
            seeds = 'deterministic' if row['state'] == 'ok' else '–'
        else:
            seeds = str(len(row['seeds']))
            if row['failed']:
                seeds += f' ({len(row["failed"])} failed)'
        if row['minutes'] is None:
            minutes = '–'
        else:
            minutes = f'{row["minutes"]:.1f}' + (' *' if row['minutes_include_world'] else '')
        label = row['label'] if row['reference'] else f'**{row["label"]}**'
        lines.append(f'| {label} | {world} | ' + ' | '.join(cells) + f' | {seeds} | {minutes} |')
    return '\n'.join(lines)


def render_page(results: Mapping, rows: Sequence[dict], command: str, date: str,
                figure: Optional[str] = None) -> str:
    """The whole markdown page: how it was made, the table, the worlds."""
    threads = results.get('threads', 1)
    seeds = results.get('seeds', list(DEFAULT_SEEDS))
    configs = []
    for row in ROWS:
        config = RUNS[row['run']]['config']
        options = ' '.join(RUNS[row['run']].get('options', ()))
        item = f'- {row["label"]}: `{config}`' + (f' with `{options}`' if options else '')
        if row.get('prefix'):
            item += f' (its `{row["prefix"]}*` metrics)'
        configs.append(item)
    worlds = [f'- **{WORLDS[w]["name"]}**: {WORLDS[w]["about"]}.' for w in WORLDS]
    records = list(results.get('runs', {}).values())
    finished = [r for r in records if r.get('status') == 'ok']
    wall = sum(r.get('wall_s') or 0 for r in finished) + sum(
        r.get('wall_s') or 0 for r in results.get('references', {}).values()
        if r.get('status') == 'ok')
    failed = len(records) - len(finished)
    text = [
        '# Results on the generated worlds',
        '',
        'Every method and baseline of vadkit on its generated-world config, trained and '
        'tested through `tools/train.py` and `tools/test.py` as a user runs them, seeds '
        f'{", ".join(map(str, seeds))}. **All numbers are on generated worlds** '
        '([synthetic.md](synthetic.md)): no public data is involved, and they say nothing '
        'about a method\'s standing on a public benchmark ([benchmarks.md](benchmarks.md)).',
        '',
        f'Generated on {date} by',
        '',
        '```bash',
        command,
        '```',
        '',
        f'with `OMP_NUM_THREADS` = `MKL_NUM_THREADS` = {threads} per process (the '
        'conditions of the proof tests in `tests/test_tools/`), on '
        f'{results.get("cpus", "?")} CPU cores. The command is resumable: a run whose '
        '`metrics.json` exists is not run again; `--render-only` rewrites this page and '
        'the figure from `OUT_DIR/results.json`. '
        f'{len(finished)} runs finished' + (f' ({failed} failed)' if failed else '')
        + f', {wall / 60:.0f} min of train + test wall time in all (the references '
        'included).',
        '',
        '**Numbers on different worlds (and regimes) are not comparable**: the rows are '
        'grouped by world, and each group ends with the reference scores of '
        '`tools/analysis/synthetic_baselines.py` on its test videos. Metrics are frame '
        'level, over all test frames of the world (micro AUC), averaged over the test '
        'videos (macro AUC), and the average precision (AP). A cell is the mean ± the '
        'sample standard deviation over the seeds (the method cards in '
        '[methods/](methods/) give the population standard deviation: for 3 seeds '
        '0.82 times the sample one). '
        'The reference scores are deterministic: one value, no seed; the four of a world '
        'come from one run of the tool, whose wall time each shows. Minutes per run are '
        'train + test wall time, the mean over the seeds whose run found its world built '
        '(* : only runs that also generated the world and its features). A **failed** '
        'or **not run** row has no finished seed.',
        '',
        render_table(rows),
        '',
    ]
    if figure:
        text += [f'![every seed, and the mean ± one sample standard deviation]({figure})', '']
    by_key = {r['key']: r for r in rows}
    if all(by_key.get(k, {}).get('metrics') for k in ('sacrf', 'sacrf_no_contrast')) and \
            by_key['sacrf']['metrics'] == by_key['sacrf_no_contrast']['metrics']:
        text += ['SA-CRF without the contrastive term equals SA-CRF to the last digit: the '
                 'contrastive hinge is 0 from the first batch in the shipped config '
                 '([methods/sacrf.md](methods/sacrf.md)).', '']
    text += ['## Worlds', '', *worlds, '',
             'The reference scores: the actor oracle sees the annotated actors (per scene '
             'and category, z-scores of their motion fitted on the training videos; on the '
             "'medium' world these include the 20 training videos with anomalies), frame "
             'difference and pixel statistics are uninformed pixel scores, the constant '
             'score is the floor (micro AUC 0.5; its macro AUC is the padding rule of '
             'normal-only videos, [evaluation.md](evaluation.md)).',
             '', '## Configs', '', *configs, '']
    return '\n'.join(wrap_markdown(part) if part != command else part for part in text)


def wrap_markdown(part: str, width: int = 90) -> str:
    """A paragraph or a list item wrapped at ``width``; tables, headings, code fences and
    images as they are."""
    if not part or part.startswith(('|', '#', '```', '![')):
        return part
    indent = '  ' if part.startswith('- ') else ''
    return textwrap.fill(part, width, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


def plot_results(rows: Sequence[dict], out_path: str, dpi: int = 110) -> str:
    """One panel per metric, one line per row (grouped by world, top to bottom): every seed
    as a dot, the mean as a bar with ± one sample standard deviation."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    shown = [r for r in rows if r['metrics']]
    fig, axes = plt.subplots(1, len(METRICS), sharey=True, layout='constrained',
                             figsize=(4.0 * len(METRICS) + 3.2, 0.3 * len(shown) + 1.8))
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    group_colour = {g: colours[k % len(colours)] for k, g in enumerate(GROUPS)}
    ys = {id(r): len(shown) - 1 - k for k, r in enumerate(shown)}
    for ax, metric in zip(axes, METRICS):
        for row in shown:
            entry = row['metrics'].get(metric)
            if not entry or not entry['n']:
                continue
            y, colour = ys[id(row)], group_colour[row['group']]
            ax.barh(y, entry['mean'], height=0.7, color=colour,
                    alpha=0.15 if row['reference'] else 0.4, xerr=entry['std'] or None,
                    error_kw=dict(ecolor='black', capsize=2, linewidth=0.8))
            ax.plot(entry['values'], [y] * entry['n'], 'o', color=colour, markersize=3.5,
                    markeredgecolor='black', markeredgewidth=0.4)
        if metric != 'ap':
            ax.axvline(0.5, color='grey', linestyle='--', linewidth=0.8)
        for k in range(1, len(shown)):
            if shown[k]['group'] != shown[k - 1]['group']:
                ax.axhline(len(shown) - k - 0.5, color='black', linewidth=0.6)
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel(METRIC_LABELS[metric])
        ax.grid(axis='x', linewidth=0.3)
    axes[0].set_yticks([ys[id(r)] for r in shown])
    axes[0].set_yticklabels([r['label'].replace('`', '') for r in shown], fontsize=7)
    axes[0].set_ylim(-0.6, len(shown) - 0.4)
    handles = [Patch(color=group_colour[g], alpha=0.5,
                                        label=GROUPS[g]['title'])
               for g in GROUPS if any(r['group'] == g for r in shown)]
    fig.legend(handles=handles, loc='outside lower center', ncol=len(handles), fontsize=8,
               frameon=False)
    fig.suptitle('generated worlds: every seed (dots), mean ± sample std (bars); '
                 'compare within a colour only', fontsize=9)
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    fig.savefig(out_path, dpi=dpi)
    plt.close(fig)
    return out_path


def regenerate_command(args) -> str:
    """The command that remakes the page (the out dir as given)."""
    parts = ['python', 'tools/analysis/results_table.py', '--out-dir', args.out_dir,
             '--seeds', *map(str, args.seeds)]
    if args.only:
        parts += ['--only', *args.only]
    if args.threads != 1:
        parts += ['--threads', str(args.threads)]
    return shlex.join(parts)


def render(results: dict, args, rows: Sequence[dict]) -> None:
    table = table_rows(results, rows, args.seeds)
    docs = args.docs if osp.isabs(args.docs) else osp.join(REPO_ROOT, args.docs)
    figure = args.figure if osp.isabs(args.figure) else osp.join(REPO_ROOT, args.figure)
    if args.figure:
        plot_results(table, figure)
    link = osp.relpath(figure, osp.dirname(osp.abspath(docs))) if args.figure else None
    page = render_page(results, table, regenerate_command(args),
                       datetime.date.today().isoformat(), link)
    os.makedirs(osp.dirname(osp.abspath(docs)), exist_ok=True)
    with open(docs, 'w', encoding='utf-8') as f:
        f.write(page)
    print(render_table(table))
    print(f'page written to {docs}' + (f', figure to {figure}' if args.figure else ''))


def main(argv=None, runner: Callable = run_command) -> int:
    args = parse_args(argv)
    if args.list:
        for row in ROWS:
            print(f'{row["key"]:<18} {GROUPS[row["group"]]["title"]:<36} {row["label"]}')
        print(f'worlds: {", ".join(WORLDS)}; references: every selected world\'s')
        return 0
    out_dir = osp.abspath(args.out_dir)
    rows, worlds = select(args.only)
    jobs = plan(rows, worlds, args.seeds)
    if args.dry_run:
        print_plan(jobs, out_dir)
        return 0
    if args.render_only:
        path = osp.join(out_dir, 'results.json')
        if not osp.isfile(path):
            raise SystemExit(f'{path} not found: run without --render-only first')
        results = read_json(path)
        args.threads = results.get('threads', args.threads)
        args.seeds = results.get('seeds', args.seeds)
        render(results, args, rows)
        return 0
    print(f'{len(jobs)} jobs, {args.threads} thread(s) per process, results in '
          f'{osp.join(out_dir, "results.json")}', flush=True)
    os.makedirs(out_dir, exist_ok=True)
    start = time.time()
    results = execute(jobs, out_dir, args.threads, args.timeout, runner,
                      echo=lambda line: print(line, flush=True))
    results.update(seeds=list(args.seeds), cpus=os.cpu_count(),
                   total_s=results.get('total_s', 0) + time.time() - start)
    write_json(results, osp.join(out_dir, 'results.json'))
    render(results, args, rows)
    failed = [r for r in list(results['runs'].values()) + list(results['references'].values())
              if r.get('status') != 'ok']
    for record in failed:
        print(f'FAILED: {record["error"]}', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
