import os
import os.path as osp
import pickle
from collections import OrderedDict

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from torch import nn

from vadkit.utils import (CheckpointError, CheckpointMismatchError, UnsafeCheckpointError,
                          check_state_dict_fits, install_safe_checkpoint_loader,
                          register_checkpoint_globals, safe_torch_load)
from vadkit.utils.checkpoint import load_from_local_weights_only


class RunsCommand:
    """Pickles as a call of os.system: what a hostile checkpoint would carry."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class WalksToGlobals:
    """Pickles as getattr(HistoryBuffer, '__init__'): the first step from an allowed class
    towards ``__globals__`` and ``eval``."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


class Point:

    def __init__(self, x=0):
        self.x = x


def test_loads_real_mmengine_checkpoint(toy_run):
    path = osp.join(toy_run, 'epoch_20.pth')
    with pytest.raises(pickle.UnpicklingError):  # what mmengine meets on torch >= 2.6
        torch.load(path)
    checkpoint = safe_torch_load(path)
    assert checkpoint['meta']['epoch'] == 20
    scalars = checkpoint['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], HistoryBuffer)
    assert scalars['train/loss'].statistics('mean') > 0
    assert set(checkpoint['state_dict']) == {'encoder.0.weight', 'encoder.0.bias',
                                             'encoder.2.weight', 'encoder.2.bias',
                                             'decoder.0.weight', 'decoder.0.bias',
                                             'decoder.2.weight', 'decoder.2.bias'}
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ


def test_refuses_pickled_callable(tmp_path):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'hostile.pth'
    torch.save({'state_dict': OrderedDict(), 'meta': RunsCommand(str(marker))}, path)
    with pytest.raises(UnsafeCheckpointError, match=r'refers to `(posix|os)\.system`'):
        safe_torch_load(str(path))
    install_safe_checkpoint_loader()
    with pytest.raises(UnsafeCheckpointError, match=str(path)):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_getattr_is_restricted(tmp_path):
    path = tmp_path / 'walk.pth'
    torch.save({'meta': WalksToGlobals()}, path)
    with pytest.raises(UnsafeCheckpointError, match=r"getattr\(HistoryBuffer, '__init__'\)"):
        safe_torch_load(str(path))


def test_register_checkpoint_globals(tmp_path):
    path = tmp_path / 'point.pth'
    torch.save({'p': Point(3)}, path)
    with pytest.raises(UnsafeCheckpointError, match='Point'):
        safe_torch_load(str(path))
    register_checkpoint_globals([Point])
    assert safe_torch_load(str(path))['p'].x == 3


def test_unreadable_and_missing(tmp_path):
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='cannot read checkpoint'):
        safe_torch_load(str(broken))
    with pytest.raises(CheckpointError, match='does not exist'):
        load_from_local_weights_only(str(tmp_path / 'absent.pth'))


def test_install_is_idempotent():
    install_safe_checkpoint_loader()
    install_safe_checkpoint_loader()
    schemes = CheckpointLoader._schemes
    assert schemes[''] is load_from_local_weights_only
    for prefix, loader in schemes.items():
        assert getattr(loader, '_vadkit_safe', False), prefix
        inner = getattr(loader, '__wrapped__', None)
        assert inner is None or not getattr(inner, '_vadkit_safe', False), prefix


def test_state_dict_fit():
    model = nn.Sequential(nn.Linear(4, 2), nn.ReLU(), nn.Linear(2, 1))
    good = model.state_dict()
    assert check_state_dict_fits(model, good, strict=True) == []

    wrong_shape = dict(good, **{'0.weight': torch.zeros(3, 4)})
    with pytest.raises(CheckpointMismatchError,
                       match=r'1 shape mismatches \(checkpoint vs model: 0.weight \(3, 4\) vs '
                       r'\(2, 4\)\)'):
        check_state_dict_fits(model, wrong_shape, source='a.pth', strict=False)

    partial = {k: v for k, v in good.items() if k.startswith('0.')}
    partial['head.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError, match='2 model weights missing'):
        check_state_dict_fits(model, partial, strict=True)
    warnings = check_state_dict_fits(model, partial, strict=False)
    assert warnings == ['2 model weights missing from it (e.g. 2.weight, 2.bias)',
                        '1 weights the model does not have (e.g. head.weight)']

    other_model = {'backbone.conv.weight': torch.zeros(3)}
    with pytest.raises(CheckpointMismatchError, match='does not fit model Sequential'):
        check_state_dict_fits(model, other_model, source='other.pth', strict=False)
