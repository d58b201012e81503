"""Runs over seeds: the summary numbers, the plot and tools/analysis/compare_runs.py."""
import json

import numpy as np
import pytest

from tests.conftest import run_tool
from vadkit.visualization import plot_run_spread, summarize_runs


def test_summary_numbers():
    summary = summarize_runs({'A': {'auc': [0.6, 0.7, 0.8], 'ap': [0.5, float('nan')]}})
    auc = summary['A']['auc']
    assert auc['mean'] == pytest.approx(0.7) and auc['n'] == 3
    assert auc['std'] == pytest.approx(np.std([0.6, 0.7, 0.8]))  # population std
    assert (auc['min'], auc['max']) == (0.6, 0.8)
    assert summary['A']['ap']['n'] == 1 and summary['A']['ap']['mean'] == 0.5


def test_plot_is_written(tmp_path):
    from PIL import Image
    out = plot_run_spread({'GCL_PT': {'D': [0.7, 0.72], 'G': [0.66, 0.7]},
                           'AE_AllData': {'G': [0.75, 0.76]}}, str(tmp_path / 'a' / 'p.png'),
                          title='seeds')
    image = np.asarray(Image.open(out).convert('L'))
    assert image.shape[0] > 100 and image.std() > 10  # drawn, not blank


def test_compare_runs_tool(tmp_path):
    for name, values in (('a0', 0.6), ('a1', 0.8), ('b0', 0.7)):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'metrics.json').write_text(
            json.dumps({'micro_auc': values, 'generator/micro_auc': values - 0.1}))
    result = run_tool(['tools/analysis/compare_runs.py', '--run', f'A={tmp_path}/a0',
                       f'A={tmp_path}/a1', '--run', f'B={tmp_path}/b*', '--metric', 'micro_auc',
                       'generator/micro_auc', '--plot', str(tmp_path / 'runs.png'), '--json',
                       str(tmp_path / 'summary.json')])
    assert result.returncode == 0, result
    assert 'A  micro_auc              0.7000 +- 0.1000  (min 0.6000, max 0.8000, 2 runs)' \
        in result.stdout
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert summary['B']['generator/micro_auc']['mean'] == pytest.approx(0.6)
    assert (tmp_path / 'runs.png').stat().st_size > 1000
    missing = run_tool(['tools/analysis/compare_runs.py', '--run', f'A={tmp_path}/a0',
                        '--metric', 'ap'])
    assert missing.returncode != 0 and "has no 'ap'" in missing.stderr
    nodir = run_tool(['tools/analysis/compare_runs.py', '--run', f'A={tmp_path}/zz'])
    assert nodir.returncode != 0 and 'zz/metrics.json not found' in nodir.stderr
    nomatch = run_tool(['tools/analysis/compare_runs.py', '--run', f'A={tmp_path}/q*'])
    assert nomatch.returncode != 0 and 'no work dir matches' in nomatch.stderr
