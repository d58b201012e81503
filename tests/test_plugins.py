import json
import os.path as osp
import sys
import uuid

import numpy as np
import pytest
from scipy.ndimage import median_filter

from tests.conftest import TOY_CONFIG
from vadkit import plugins
from vadkit.registry import SCORERS


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def make_fake_dist(root, dist: str, version: str, entries: dict, modules: dict) -> str:
    """A dist-info folder declaring ``entries`` plus the modules they name."""
    info = root / f'{dist}-{version}.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(f'Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n')
    lines = ''.join(f'{name} = {target}\n' for name, target in entries.items())
    (info / 'entry_points.txt').write_text(f'[vadkit.plugins]\n{lines}')
    for module, source in modules.items():
        (root / f'{module}.py').write_text(source)
    return str(root)


SCORER_SOURCE = '''
from vadkit.registry import SCORERS
from vadkit.scoring import BaseScorer

@SCORERS.register_module(name='{name}')
class Scorer(BaseScorer):
    pass
'''


@pytest.fixture
def fake_site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(plugins.DISABLE_ENV, raising=False)
    return tmp_path


def test_discovery_lists_without_importing(fake_site):
    uid = _uid()
    make_fake_dist(fake_site, 'fake_dist', '1.2.3', {'one': f'mod_{uid}'},
                   {f'mod_{uid}': 'raise RuntimeError("imported too early")'})
    found = plugins.discover(path=[str(fake_site)])
    assert [(ep.name, ep.module_name) for ep in found] == [('one', f'mod_{uid}')]
    assert f'mod_{uid}' not in sys.modules


def test_broken_plugin_never_hides_the_others(fake_site):
    uid = _uid()
    make_fake_dist(
        fake_site, 'fake_dist', '2.0.1',
        {'a_good': f'good_{uid}', 'b_broken': f'broken_{uid}', 'c_func': f'func_{uid}:register'},
        {f'good_{uid}': SCORER_SOURCE.format(name=f'Good{uid}'),
         f'broken_{uid}': 'raise RuntimeError("boom at import")',
         f'func_{uid}': ('def register():\n'
                         + '\n'.join('    ' + line for line in
                                     SCORER_SOURCE.format(name=f'Func{uid}').splitlines()))})
    infos = {info.name: info for info in plugins.load_plugins(path=[str(fake_site)])}
    assert set(infos) == {'a_good', 'b_broken', 'c_func'}
    assert infos['a_good'].error is None
    assert infos['a_good'].registered == [f'SCORERS:Good{uid}']
    assert infos['b_broken'].registered == []
    assert infos['b_broken'].error == 'RuntimeError: boom at import'
    assert (infos['b_broken'].distribution, infos['b_broken'].version) == ('fake-dist', '2.0.1')
    # the function entry point was called after its module was imported
    assert infos['c_func'].error is None
    assert infos['c_func'].registered == [f'SCORERS:Func{uid}']
    assert SCORERS.get(f'Func{uid}') is not None
    assert infos['a_good'].to_dict() == dict(
        name='a_good', distribution='fake-dist', version='2.0.1',
        registered=[f'SCORERS:Good{uid}'], error=None)


def test_duplicate_registration_is_an_error_of_that_plugin(fake_site):
    uid = _uid()
    make_fake_dist(fake_site, 'dup_dist', '0.1', {'dup': f'dup_{uid}'},
                   {f'dup_{uid}': SCORER_SOURCE.format(name='ExpandToFrames')})
    (info, ) = plugins.load_plugins(path=[str(fake_site)])
    assert info.error.startswith('KeyError')
    assert 'ExpandToFrames is already registered' in info.error


def test_disable_env(fake_site, monkeypatch):
    uid = _uid()
    make_fake_dist(fake_site, 'fake_dist', '1.0', {'x': f'x_{uid}', 'y': f'y_{uid}'},
                   {f'x_{uid}': '', f'y_{uid}': ''})
    monkeypatch.setenv(plugins.DISABLE_ENV, '1')
    assert plugins.discover(path=[str(fake_site)]) == []
    assert plugins.load_plugins(path=[str(fake_site)]) == []
    monkeypatch.setenv(plugins.DISABLE_ENV, 'x')
    assert [ep.name for ep in plugins.discover(path=[str(fake_site)])] == ['y']


def test_installed_example_plugin_is_listed(tool):
    result = tool(['tools/misc/list_plugins.py', '--json'])
    assert result.returncode == 0, result
    listed = {p['name']: p for p in json.loads(result.stdout)}
    assert listed['example'] == dict(
        name='example', distribution='vadkit-plugin-example', version='0.1.0',
        registered=['SCORERS:MedianSmooth'], error=None)
    human = tool(['tools/misc/list_plugins.py'])
    assert 'example  [ok]  vadkit-plugin-example 0.1.0' in human.stdout
    assert 'registered SCORERS:MedianSmooth' in human.stdout
    disabled = tool(['tools/misc/list_plugins.py', '--json'], env={plugins.DISABLE_ENV: '1'})
    assert json.loads(disabled.stdout) == []


def test_list_plugins_reports_failures(tool, tmp_path):
    uid = _uid()
    make_fake_dist(tmp_path, 'shaky_plugin', '3.1', {'shaky': f'shaky_{uid}'},
                   {f'shaky_{uid}': 'import module_that_is_not_there'})
    result = tool(['tools/misc/list_plugins.py', '--json', '--path', str(tmp_path)],
                  env={'PYTHONPATH': str(tmp_path)})
    assert result.returncode == 1
    (info, ) = json.loads(result.stdout)
    assert info['distribution'] == 'shaky-plugin' and info['version'] == '3.1'
    assert info['error'] == "ModuleNotFoundError: No module named 'module_that_is_not_there'"


def test_example_plugin_works_from_a_config(tool, toy_run, tmp_path):
    """The installed plugin's scorer is used by name, with no custom_imports or PYTHONPATH,
    and does what it says: a per-video median filter of the expanded scores (41 frames, so
    that it spans three 16-frame segments and changes their piecewise-constant scores)."""
    plain_dir, median_dir = tmp_path / 'plain', tmp_path / 'median'
    config = tmp_path / 'toy_median.py'
    config.write_text(
        f'_base_ = [{TOY_CONFIG!r}]\n'
        'test_evaluator = dict(scorers=[dict(type="ExpandToFrames"), '
        'dict(type="MedianSmooth", kernel_size=41)])\n')
    plain = tool(['tools/test.py', TOY_CONFIG, toy_run, '--work-dir', str(plain_dir),
                  '--out-scores', str(plain_dir / 'scores.npz')])
    assert plain.returncode == 0, plain
    median = tool(['tools/test.py', str(config), toy_run, '--work-dir', str(median_dir),
                   '--out-scores', str(median_dir / 'scores.npz')])
    assert median.returncode == 0, median
    steps = json.loads((median_dir / 'evaluation.json').read_text())['scorers']
    assert [s['type'] for s in steps] == ['ExpandToFrames', 'MedianSmooth']
    assert steps[1]["kernel_size"] == 41
    raw, smoothed = np.load(plain_dir / 'scores.npz'), np.load(median_dir / 'scores.npz')
    assert sorted(raw.files) == sorted(smoothed.files) and len(raw.files) == 8
    changed = 0
    for video in raw.files:
        expected = median_filter(raw[video], size=41, mode="nearest")
        np.testing.assert_allclose(smoothed[video], expected, rtol=1e-6)
        changed += not np.allclose(raw[video], expected)
    assert changed > 0
    assert osp.isfile(median_dir / 'metrics.json')
