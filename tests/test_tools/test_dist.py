"""Two processes with torchrun and gloo on the CPU: both ranks end with the same weights."""
import socket

import torch

from tests.conftest import REPO_ROOT, TOY_CONFIG
from vadkit.utils import safe_torch_load


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_ranks_end_with_same_weights(tool, tmp_path):
    config = tmp_path / 'toy_dist.py'
    config.write_text(
        f'_base_ = [{TOY_CONFIG!r}]\n'
        "custom_imports = dict(imports=['tests.helpers.hooks'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='SaveRankWeightsHook')]\n"
        'train_cfg = dict(max_epochs=3)\n')
    result = tool(['-m', 'torch.distributed.run', '--nproc_per_node=2',
                   f'--master_port={_free_port()}', 'tools/train.py', str(config),
                   '--launcher', 'pytorch', '--work-dir', str(tmp_path)],
                  env={'PYTHONPATH': REPO_ROOT}, timeout=180)
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
    # the ranks trained (weights moved from the initial ones saved with epoch 1)
    epoch1 = safe_torch_load(str(tmp_path / 'epoch_1.pth'))['state_dict']
    assert any(not torch.equal(epoch1[k], rank0[k]) for k in rank0)
    # and each rank saw half of the 12 x ~8 training segments per epoch (4 iterations of 16)
    assert 'Epoch(train) [3][4/4]' in log
