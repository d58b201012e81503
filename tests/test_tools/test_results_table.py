"""tools/analysis/results_table.py without training: the aggregation and the markdown on
hand-made metrics, the dry run's commands, and resuming from an existing out dir."""
import importlib.util
import json
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis', 'results_table.py')


@pytest.fixture(scope='module')
def rt():
    spec = importlib.util.spec_from_file_location('results_table', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def metrics(micro, macro, ap):
    return dict(micro_auc=micro, macro_auc=macro, ap=ap, eer=0.3)


def test_aggregate_gives_the_mean_and_the_sample_std(rt):
    per_seed = {0: metrics(0.9, 0.8, 0.5), 1: metrics(0.8, 0.8, 0.6), 2: metrics(0.7, 0.8, 0.7)}
    out = rt.aggregate(per_seed)
    assert set(out) == {'micro_auc', 'macro_auc', 'ap'}
    assert out['micro_auc']['mean'] == pytest.approx(0.8)
    assert out['micro_auc']['std'] == pytest.approx(0.1)  # sample std (ddof 1)
    assert out['micro_auc']['values'] == [0.9, 0.8, 0.7] and out['micro_auc']['n'] == 3
    assert rt.format_mean_std(out['micro_auc']) == '0.800 ± 0.100'
    assert rt.format_mean_std(out['macro_auc']) == '0.800 ± 0.000'
    assert rt.format_mean_std(out['ap']) == '0.600 ± 0.100'
    # a prefixed metric (GCL's generator scores) and a single seed
    one = rt.aggregate({1: {'generator/micro_auc': 0.6634, 'micro_auc': 0.5}},
                       prefix='generator/')
    assert rt.format_mean_std(one['micro_auc']) == '0.663'
    assert rt.format_mean_std(one['ap']) == '–'


def record(rt, run, seed, values, wall=60.0, built=False):
    return dict(status='ok', run=run, seed=seed, config=rt.RUNS[run]['config'],
                metrics=values, wall_s=wall, built_world=built)


def test_markdown_table_groups_rows_by_world_and_marks_missing_ones(rt):
    results = dict(threads=1, seeds=[0, 1, 2], cpus=2, runs={
        'hsc_seed0': record(rt, 'hsc', 0, metrics(0.911, 0.85, 0.61), wall=600, built=True),
        'hsc_seed1': record(rt, 'hsc', 1, metrics(0.918, 0.86, 0.62), wall=120),
        'hsc_seed2': record(rt, 'hsc', 2, metrics(0.917, 0.87, 0.66), wall=180),
        'gcl_seed0': record(rt, 'gcl', 0, dict(metrics(0.6, 0.7, 0.3),
                                               **{'generator/micro_auc': 0.66})),
        'gcl_seed1': dict(status='failed', run='gcl', seed=1, error='train exited with 1'),
    }, references={'scene_dependent': dict(status='ok', wall_s=30, metrics={
        p: metrics(0.5, 0.7, 0.19) for p in rt.REFERENCE_PROBES})})
    rows = rt.table_rows(results)
    by_key = {r['key']: r for r in rows}
    assert [r['group'] for r in rows] == sorted(
        (r['group'] for r in rows), key=list(rt.GROUPS).index)  # grouped, in world order
    assert by_key['hsc']['state'] == 'ok' and by_key['hsc']['minutes'] == pytest.approx(2.5)
    assert by_key['gcl']['state'] == 'partial' and by_key['gcl']['failed'] == [1]
    assert by_key['local_patterns']['state'] == 'not run'
    table = rt.render_table(rows)
    lines = {line.split(' | ')[0]: line for line in table.splitlines()}
    assert lines['| **HSC**'] == ('| **HSC** | scene-dependent world (one-class) | '
                                  '0.915 ± 0.004 | 0.860 ± 0.010 | 0.630 ± 0.026 | 3 | 2.5 |')
    assert '| 0.600 | 0.700 | 0.300 | 1 (1 failed) | 1.0 |' in lines['| **GCL_PT, scored by D**']
    assert '| 0.660 | – | – | 1 (1 failed) |' in lines['| **GCL_PT, scored by G (same runs)**']
    assert lines['| **ITAM + SMM**'].count('**not run**') == 3
    assert ('| constant score (reference) | scene-dependent world (one-class) | 0.500 | 0.700 '
            '| 0.190 | deterministic | 0.5 |') in table
    # the walkways world was never built: its references are 'not run' too
    assert '| actor oracle (reference) | walkways world (one-class) | **not run**' in table
    page = rt.render_page(results, rows, 'python tools/analysis/results_table.py --out-dir X',
                          '2026-01-02', 'images/results_synthetic.png')
    assert 'Generated on 2026-01-02' in page and 'generated worlds' in page
    assert 'python tools/analysis/results_table.py --out-dir X' in page
    assert '`MKL_NUM_THREADS` = 1' in page and 'not comparable' in page
    assert '![' in page and table in page


def test_figure_is_written(rt, tmp_path):
    results = dict(runs={f'hsc_seed{s}': record(rt, 'hsc', s, metrics(0.9 + s / 100, 0.8, 0.6))
                         for s in range(3)})
    out = rt.plot_results(rt.table_rows(results), str(tmp_path / 'fig.png'))
    assert osp.getsize(out) > 1000


def test_dry_run_lists_a_train_and_a_test_command_per_config_and_seed(rt, tmp_path, capsys):
    def runner(*args):
        raise AssertionError('a dry run runs nothing')

    assert rt.main(['--out-dir', str(tmp_path / 'out'), '--dry-run', '--seeds', '0', '1',
                    '--only', 'hsc', 'sacrf', 'mil_ranking'], runner=runner) == 0
    lines = capsys.readouterr().out.splitlines()
    for config in ('configs/hsc/hsc_synthetic.py', 'configs/sacrf/sacrf_synthetic.py',
                   'vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_synthetic.py'):
        for seed in (0, 1):
            for tool in ('tools/train.py', 'tools/test.py'):
                hits = [line for line in lines if f' {tool} {config} ' in line and
                        f'randomness.seed={seed}' in line]
                assert len(hits) == 1, (config, seed, tool, lines)
    assert sum(' tools/train.py ' in line for line in lines) == 6
    sacrf = next(line for line in lines if 'tools/train.py configs/sacrf/sacrf_synth' in line)
    mil = next(line for line in lines if 'tools/train.py vadkit_plugins' in line)
    root = str(tmp_path / 'out' / 'worlds' / 'medium')
    assert f'data_root={root}/world feature_root={root}/features' in sacrf and root in mil
    assert not osp.exists(tmp_path / 'out')


def test_the_hsc_ablation_passes_its_option(rt, tmp_path):
    train, test = rt.run_commands(str(tmp_path), 'hsc_no_sae', 2)
    assert train[-1] == test[-1] == 'model.stream_defaults.scene_aware=False'
    assert 'randomness.seed=2' in train and train[1:3] == ['tools/train.py',
                                                         'configs/hsc/hsc_synthetic.py']


def test_a_finished_run_is_collected_without_running(rt, tmp_path, capsys):
    out = tmp_path / 'out'
    done = out / 'runs' / 'feature_ae_seed0'
    done.mkdir(parents=True)
    (done / 'metrics.json').write_text(json.dumps(metrics(0.84, 0.9, 0.7)))
    (done / 'timing.json').write_text(json.dumps(dict(wall_s=90.0, built_world=False)))
    world = out / 'worlds' / 'scene_dependent' / 'world'
    world.mkdir(parents=True)
    (world / 'world.json').write_text(json.dumps(dict(complete=True)))
    calls = []

    def runner(cmd, log, env, timeout):
        calls.append(cmd)
        assert env['OMP_NUM_THREADS'] == env['MKL_NUM_THREADS'] == '1'
        work = cmd[cmd.index('--work-dir') + 1]
        if cmd[1] == 'tools/test.py':
            with open(osp.join(work, 'metrics.json'), 'w') as f:
                json.dump(metrics(0.8, 0.85, 0.6), f)
        return 0

    argv = ['--out-dir', str(out), '--seeds', '0', '1', '--only', 'feature_ae',
            '--docs', str(tmp_path / 'results.md'), '--figure', str(tmp_path / 'fig.png')]
    assert rt.main(argv, runner=runner) == 0
    assert [c[1] for c in calls] == ['tools/train.py', 'tools/test.py']  # seed 1 only
    assert all('feature_ae_seed1' in c[c.index('--work-dir') + 1] for c in calls)
    results = json.loads((out / 'results.json').read_text())
    assert results['runs']['feature_ae_seed0']['metrics']['micro_auc'] == 0.84
    assert results['runs']['feature_ae_seed1']['metrics']['micro_auc'] == 0.8
    assert 'metrics.json exists, collected' in capsys.readouterr().out
    page = (tmp_path / 'results.md').read_text()
    assert '| **feature autoencoder (baseline)** | scene-dependent world (one-class) | ' \
           '0.820 ± 0.028 |' in page
    # rendering again from results.json alone runs nothing
    calls.clear()
    assert rt.main(argv + ['--render-only'], runner=runner) == 0 and not calls


def test_a_failed_run_names_its_config_seed_and_log_and_the_others_go_on(rt, tmp_path, capsys):
    out = tmp_path / 'out'

    def runner(cmd, log, env, timeout):
        work = cmd[cmd.index('--work-dir') + 1]
        if 'ae_alldata' in cmd[2]:
            return 1
        if cmd[1] == 'tools/test.py':
            with open(osp.join(work, 'metrics.json'), 'w') as f:
                json.dump(metrics(0.6, 0.7, 0.3), f)
        return 0

    argv = ['--out-dir', str(out), '--seeds', '0', '--only', 'ae_alldata', 'gcl',
            '--docs', str(tmp_path / 'results.md'), '--figure', str(tmp_path / 'fig.png')]
    assert rt.main(argv, runner=runner) == 1
    captured = capsys.readouterr()
    assert 'FAILED: train of configs/gcl/ae_alldata_synthetic.py (seed 0) exited with 1; ' \
           f'see {out}/runs/ae_alldata_seed0/train.out.log' in captured.err
    page = (tmp_path / 'results.md').read_text()
    assert '| **AE_AllData (baseline)** | \'medium\' world (unsupervised) | **failed** |' in page
    assert '| **GCL_PT, scored by D** | \'medium\' world (unsupervised) | 0.600 |' in page


def test_unknown_only_key_is_refused(rt, tmp_path):
    with pytest.raises(SystemExit, match='unknown --only'):
        rt.main(['--out-dir', str(tmp_path), '--dry-run', '--only', 'nope'])
