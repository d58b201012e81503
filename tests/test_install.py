"""The README's commands and the install script, as documented."""
import json
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT

IN_REPO_VENV = osp.realpath(sys.prefix) == osp.realpath(osp.join(REPO_ROOT, '.venv'))


def _bash(*args, timeout=120):
    return subprocess.run(['bash', *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_ci_runs_the_readme_test_command():
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        readme = f.read()
    commands = re.findall(r'^(make \w+)\s+#', readme, flags=re.M)
    assert commands == ['make demo', 'make test']
    with open(osp.join(REPO_ROOT, '.ci', 'run')) as f:
        ci = [line for line in f.read().splitlines() if line and not line.startswith('#')]
    assert ci[-1] == 'make test'


def test_install_script_arguments():
    assert 'Create the virtualenv .venv/' in _bash('tools/misc/install.sh', '--help').stdout
    bad = _bash('tools/misc/install.sh', '--fast')
    assert bad.returncode == 2 and "unknown argument '--fast'" in bad.stderr


@pytest.mark.skipif(not IN_REPO_VENV, reason='runs only inside the repository .venv')
def test_install_is_idempotent():
    result = _bash('tools/misc/install.sh')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith('up to date (' + osp.join(REPO_ROOT, '.venv') + ')')


@pytest.mark.skipif(not IN_REPO_VENV, reason='runs only inside the repository .venv')
@pytest.mark.timeout(700)
def test_make_demo(tmp_path):
    """The README's first command: the synthetic world (tiny here), its reference scores,
    its parsing into a feature store, and HSC trained and tested on its own world (built
    by its config; tiny and 5 epochs here)."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    world = tmp_path / 'world'
    tiny = ' '.join(f'{split}_dataloader.dataset.videos.generate.preset=tiny'
                    for split in ('train', 'test'))
    proc = subprocess.run(['make', 'demo', f'DEMO_DIR={tmp_path}', f'DEMO_WORLD={world}',
                           'DEMO_PRESET=tiny', f'DEMO_HSC_DATA={tmp_path}/hsc_world',
                           f'DEMO_HSC_FEATURES={tmp_path}/hsc_features',
                           f'DEMO_HSC_OPTIONS={tiny} train_cfg.max_epochs=5'],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (world / 'contact_sheet.png').is_file()
    baselines = json.loads((tmp_path / 'baselines' / 'baselines.json').read_text())['metrics']
    assert baselines['constant']['micro_auc'] == 0.5
    assert baselines['actor_oracle']['micro_auc'] > 0.8
    assert sorted(p.name for p in (tmp_path / 'baselines' / 'plots').iterdir()) == \
        ['actor_oracle', 'frame_difference']
    index = json.loads((tmp_path / 'features' / 'index.json').read_text())
    assert len(index['videos']) == 12  # the tiny world, parsed by the built-in backends
    assert (tmp_path / 'parsing.png').is_file()
    hsc_world = json.loads((tmp_path / 'hsc_world' / 'world.json').read_text())
    assert hsc_world['config']['scene_kinds'] == ['walkway', 'road', 'lawn']
    metrics = json.loads((tmp_path / 'hsc' / 'metrics.json').read_text())
    assert 0.0 <= metrics['micro_auc'] <= 1.0 and 'macro_auc' in metrics
    scores = np.load(tmp_path / 'hsc' / 'scores.npz')
    assert sorted(scores.files) == sorted(v for v, info in hsc_world['videos'].items()
                                          if info['folder'] == 'testing')
    curves = sorted(p.stem for p in (tmp_path / 'hsc' / 'score_curves').glob('*.png'))
    assert curves == sorted(scores.files)
    # one test video scored as a raw video: annotated video, curve, alarms JSON
    scored = tmp_path / 'score_video'
    saved = json.loads((scored / '01_0003_scores.json').read_text())
    mask = np.load(tmp_path / 'hsc_world' / 'testing' / 'test_frame_mask' / '01_0003.npy')
    assert len(saved['frame_scores']) == len(mask) and 'alarms' in saved
    assert (scored / '01_0003_scores.png').is_file()
    assert (scored / '01_0003_annotated.mp4').stat().st_size > 10000


@pytest.mark.slow
def test_core_install_from_nothing(tmp_path):
    """A new virtualenv from nothing with the core install, then the toy job in it
    (about 3 minutes: torch comes from the local wheel, the rest from the registry)."""
    venv = tmp_path / 'venv'
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(VADKIT_VENV=str(venv), PYTHON=sys._base_executable)
    proc = subprocess.run(['bash', 'tools/misc/install.sh', '--core'], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f'done: {venv}' in proc.stdout
    python = str(venv / 'bin' / 'python')
    versions = subprocess.run(
        [python, '-c', 'import torch, numpy, cv2, mmengine, vadkit_plugin_example;'
         'print(torch.__version__, numpy.__version__, cv2.__version__, mmengine.__version__)'],
        capture_output=True, text=True, env=env)
    assert versions.stdout.split() == ['2.13.0+cpu', '1.26.4', '4.10.0', '0.10.7'], versions
    again = subprocess.run(['bash', 'tools/misc/install.sh', '--core'], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert 'up to date' in again.stdout
    work_dir = tmp_path / 'work'
    for args in (['tools/train.py', 'configs/toy/toy_autoencoder_segments.py',
                  '--work-dir', str(work_dir)],
                 ['tools/test.py', 'configs/toy/toy_autoencoder_segments.py', str(work_dir),
                  '--work-dir', str(work_dir)]):
        run = subprocess.run([python, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads((work_dir / 'metrics.json').read_text())['micro_auc'] > 0.85
