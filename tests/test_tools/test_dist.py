"""tools/dist_train.sh and dist_test.sh: two processes with torchrun and gloo on the CPU."""
import json
import socket
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO_ROOT, TOY_CONFIG, ToolResult
from vadkit.utils import safe_torch_load


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _bash(script, *args, env=None):
    full_env = {'PATH': '/usr/bin:/bin', 'HOME': '/tmp', 'OMP_NUM_THREADS': '1',
                'PYTHON': sys.executable, 'PORT': str(_free_port()), **(env or {})}
    proc = subprocess.run(['bash', script, *args], cwd=REPO_ROOT, env=full_env, text=True,
                          capture_output=True, timeout=180)
    return ToolResult(proc)


def test_two_ranks_end_with_same_weights(tmp_path):
    config = tmp_path / 'toy_dist.py'
    config.write_text(
        f'_base_ = [{TOY_CONFIG!r}]\n'
        "custom_imports = dict(imports=['tests.helpers.hooks'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='SaveRankWeightsHook')]\n"
        'train_cfg = dict(max_epochs=3)\n')
    result = _bash('tools/dist_train.sh', str(config), '2', '--work-dir', str(tmp_path),
                   env={'PYTHONPATH': REPO_ROOT})
    assert result.returncode == 0, result
    log = result.stdout + result.stderr
    assert 'Distributed launcher: pytorch' in log and 'Distributed training: True' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    assert "model_wrapper_cfg = dict(device_ids=None, type='MMDistributedDataParallel')" in log
    rank0 = torch.load(tmp_path / 'rank0_weights.pth')
    rank1 = torch.load(tmp_path / 'rank1_weights.pth')
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key
    # the ranks trained: weights moved since the checkpoint of epoch 1
    epoch1 = safe_torch_load(str(tmp_path / 'epoch_1.pth'))['state_dict']
    assert any(not torch.equal(epoch1[k], rank0[k]) for k in rank0)
    # each rank saw half of the ~100 training segments an epoch: 4 batches of 16, not 7
    assert 'Epoch(train) [3][4/4]' in log


def test_two_rank_test_equals_one_rank(toy_run, tool, tmp_path):
    single = tool(['tools/test.py', TOY_CONFIG, toy_run, '--work-dir', str(tmp_path / 'one')])
    assert single.returncode == 0, single
    result = _bash('tools/dist_test.sh', TOY_CONFIG, toy_run, '2',
                   '--work-dir', str(tmp_path / 'two'))
    assert result.returncode == 0, result
    one = json.loads((tmp_path / 'one' / 'metrics.json').read_text())
    two = json.loads((tmp_path / 'two' / 'metrics.json').read_text())
    assert one.keys() == two.keys() == {'micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'eer'}
    for key in one:
        assert two[key] == pytest.approx(one[key], abs=1e-6), key
