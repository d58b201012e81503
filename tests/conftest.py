"""Shared fixtures: paths, tool runner, the real-data gate."""
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = os.environ.get('VADKIT_SHARED_DATA', osp.join(REPO_ROOT, '..', 'shared', 'data'))
TOY_CONFIG = osp.join(REPO_ROOT, 'configs', 'toy', 'toy_autoencoder_segments.py')


def require_shared_data(*parts: str) -> str:
    """Path under ``../shared/data``: skip when absent, but fail when ``CI=true``, so
    that a test needing real data can never pass vacuously in CI."""
    path = osp.join(SHARED_DATA, *parts)
    if not osp.exists(path):
        message = f'real data not found: {path}'
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(message + ' (CI=true: real-data tests must run in CI)')
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data():
    return require_shared_data


class ToolResult:

    def __init__(self, proc: subprocess.CompletedProcess):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def __repr__(self):
        return (f'exit {self.returncode}\n--- stdout (tail)\n{self.stdout[-3000:]}\n'
                f'--- stderr (tail)\n{self.stderr[-3000:]}')


def run_tool(args: List[str], env: Optional[Dict[str, str]] = None,
             timeout: float = 120, cwd: str = REPO_ROOT) -> ToolResult:
    """Run ``python <args>`` from the repository root like a user would: no PYTHONPATH
    unless ``env`` sets one, one thread per process so that results are repeatable."""
    full_env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    full_env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONHASHSEED='0')
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, text=True,
                          capture_output=True, timeout=timeout)
    return ToolResult(proc)


@pytest.fixture
def tool():
    return run_tool


@pytest.fixture(scope='session')
def toy_run(tmp_path_factory):
    """The toy config trained once (20 epochs) for the tests that need a checkpoint."""
    work_dir = str(tmp_path_factory.mktemp('toy_run'))
    result = run_tool(['tools/train.py', TOY_CONFIG, '--work-dir', work_dir])
    assert result.returncode == 0, result
    assert osp.isfile(osp.join(work_dir, 'epoch_20.pth')), os.listdir(work_dir)
    return work_dir
