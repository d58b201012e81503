"""Staged training (vadkit.engine.stages, tools/train.py): stage configs, their hashes,
and a two-stage run of the toy config through the tool (skipped when finished, resumed
when interrupted, retrained when changed)."""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT, run_tool
from vadkit.engine.stages import carried_checkpoint, config_hash, split_stages
from vadkit.utils.errors import ConfigError

TOY = osp.join(REPO_ROOT, 'configs', 'toy', 'toy_autoencoder_segments.py')


def test_split_stages_merges_each_entry_over_the_config():
    cfg = Config(dict(model=dict(type='M', stage='b', size=4), train_cfg=dict(max_epochs=9),
                      first=dict(name='a', model=dict(stage='a'), hash_ignore=['model.size']),
                      stages=['first', dict(name='c', train_cfg=dict(max_epochs=1))]))
    main, stages = split_stages(cfg)
    assert 'stages' not in main and main.model.stage == 'b'
    assert [n for n, _ in stages] == ['a', 'c']
    a, c = stages[0][1], stages[1][1]
    assert a.model.to_dict() == dict(type='M', stage='a', size=4)
    assert a.train_cfg.max_epochs == 9 and c.train_cfg.max_epochs == 1
    # hash_ignore: the size does not matter to stage a, its stage does
    other = Config(dict(cfg.to_dict(), model=dict(type='M', stage='b', size=8)))
    assert config_hash(split_stages(other)[1][0][1]) == config_hash(a)
    assert config_hash(split_stages(other)[1][1][1]) != config_hash(c)
    for bad, message in ((['missing'], 'names .missing., which is not a dict'),
                         ([dict(train_cfg={})], 'needs a unique name'),
                         ([dict(name='x'), dict(name='x')], 'needs a unique name'),
                         ([dict(name='x', hash_ignore='model')], 'hash_ignore must be'),
                         ([dict(name='x', carry='branches.')], 'carry must be a list')):
        with pytest.raises(ConfigError, match=message):
            split_stages(Config(dict(model={}, stages=bad)))


def test_a_stage_hands_on_only_the_weights_it_carries(tmp_path):
    cfg = Config(dict(model={}, s=dict(name='s', carry=['branches.']), stages=['s']))
    stage = split_stages(cfg)[1][0][1]
    path = str(tmp_path / 'iter_9.pth')
    torch.save(dict(state_dict={'branches.a.w': torch.ones(2), 'smm.C': torch.ones(3, 3)},
                    meta=dict(iter=9)), path)
    carried = carried_checkpoint(stage, path)
    assert carried == str(tmp_path / 'carry.pth')
    state = torch.load(carried, weights_only=False)
    assert list(state['state_dict']) == ['branches.a.w']
    assert state['meta']['carried_from'] == path
    whole = split_stages(Config(dict(model={}, stages=[dict(name='s')])))[1][0][1]
    assert carried_checkpoint(whole, path) == path
    stage.stage_carry = ['nothing.']
    with pytest.raises(ConfigError, match='no weights start with'):
        carried_checkpoint(stage, path)


def _weights(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


def test_two_stage_training_through_the_tool(tmp_path):
    config = tmp_path / 'staged.py'
    config.write_text(
        f'_base_ = [{TOY!r}]\n'
        'train_cfg = dict(max_epochs=2)\n'
        'default_hooks = dict(checkpoint=dict(interval=1))\n'
        "warm = dict(name='warm', train_cfg=dict(max_epochs=3),\n"
        "            optim_wrapper=dict(optimizer=dict(lr=1e-3)))\n"
        "stages = ['warm']\n")
    work = tmp_path / 'work'
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(work)], timeout=300)
    assert result.returncode == 0, result
    stage_dir = work / 'warm'
    marker = json.loads((stage_dir / 'stage.json').read_text())
    assert marker['stage'] == 'warm' and marker['checkpoint'].endswith('epoch_3.pth')
    # the main training started from the stage's weights: its log says so
    logs = ''.join(p.read_text() for p in work.rglob('*.log') if 'warm' not in str(p))
    assert f'Load checkpoint from {stage_dir}/epoch_3.pth' in logs
    assert osp.isfile(work / 'epoch_2.pth') and not osp.isfile(work / 'epoch_3.pth')
    stage_weights = _weights(stage_dir / 'epoch_3.pth')
    assert any(not torch.equal(v, _weights(work / 'epoch_2.pth')[k])
               for k, v in stage_weights.items())
    stamp = os.path.getmtime(stage_dir / 'epoch_3.pth')

    # the same config again: the finished stage is not trained again
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(work)], timeout=300)
    assert result.returncode == 0, result
    assert 'stage warm: finished before' in result.stdout
    assert os.path.getmtime(stage_dir / 'epoch_3.pth') == stamp

    # an interrupted stage (no marker) resumes from its own last checkpoint with --resume
    os.remove(stage_dir / 'stage.json')
    os.remove(stage_dir / 'epoch_3.pth')
    (stage_dir / 'last_checkpoint').write_text(str(stage_dir / 'epoch_2.pth'))
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(work), '--resume'],
                      timeout=300)
    assert result.returncode == 0, result
    logs = (result.stdout + result.stderr)
    assert f'Auto resumed from the latest checkpoint {stage_dir}/epoch_2.pth' in logs or \
        f'resumed from {stage_dir}/epoch_2.pth' in logs.lower() or \
        'resumed epoch: 2' in logs, logs[-3000:]
    assert osp.isfile(stage_dir / 'epoch_3.pth') and osp.isfile(stage_dir / 'stage.json')

    # a changed stage trains again
    config.write_text(config.read_text().replace('lr=1e-3', 'lr=2e-3'))
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(work)], timeout=300)
    assert result.returncode == 0, result
    assert 'finished before' not in result.stdout
    assert os.path.getmtime(stage_dir / 'epoch_3.pth') > stamp
