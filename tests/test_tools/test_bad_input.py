"""User mistakes end with one clear line (exit 2), and nothing in the work dir is lost."""
import json
import os
import uuid
from collections import OrderedDict

import torch

from tests.conftest import TOY_CONFIG
from tests.test_plugins import make_fake_dist
from tests.test_utils.test_checkpoint import RunsCommand


def _one_line_error(result, *needles):
    assert result.returncode == 2, result
    assert 'Traceback' not in result.stderr, result
    lines = [line for line in result.stderr.splitlines() if ': error: ' in line]
    assert len(lines) == 1, result
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_missing_config(tool, tmp_path):
    missing = str(tmp_path / 'nope.py')
    for script in ('tools/train.py', 'tools/test.py'):
        args = [script, missing] + (['x.pth'] if script.endswith('test.py') else [])
        line = _one_line_error(tool(args), f'config file {missing} does not exist')
        assert line.startswith(os.path.basename(script))


def test_config_with_syntax_error(tool, tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text('model = dict(type=\n')
    _one_line_error(tool(['tools/train.py', str(bad)]), f'cannot read config {bad}')


def test_unknown_type(tool, tmp_path):
    result = tool(['tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path),
                   '--cfg-options', 'model.type=ToyAutoEncodr'])
    _one_line_error(result, "unknown type 'ToyAutoEncodr'", 'vadkit::model',
                    'Close matches: ToyAutoEncoder')


def test_unknown_nested_type_in_dataset(tool, tmp_path):
    result = tool(['tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path),
                   '--cfg-options', 'train_dataloader.dataset.type=ToySegmentDatset'])
    _one_line_error(result, "unknown type 'ToySegmentDatset'", 'Close matches: ToySegmentDataset')


def test_broken_plugin(tool, tmp_path):
    """A plugin that raises on import is reported and skipped; a config that needs what it
    would have registered fails naming it."""
    uid = uuid.uuid4().hex[:8]
    site = tmp_path / 'site'
    site.mkdir()
    make_fake_dist(site, 'vadkit_broken', '0.9', {'broken': f'broken_{uid}'},
                   {f'broken_{uid}': 'raise ImportError("needs torchvision")'})
    env = {'PYTHONPATH': str(site)}
    ok = tool(['tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path / 'ok'),
               '--cfg-options', 'train_cfg.max_epochs=1'], env=env)
    assert ok.returncode == 0, ok
    assert ('vadkit plugin broken (vadkit-broken 0.9) failed to load and is skipped: '
            'ImportError: needs torchvision') in ok.stdout + ok.stderr
    fails = tool(['tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path / 'fail'),
                  '--cfg-options', 'model.type=BrokenPluginModel'], env=env)
    _one_line_error(fails, "unknown type 'BrokenPluginModel'",
                    'broken (vadkit-broken 0.9): ImportError: needs torchvision')


def test_checkpoint_of_another_model_keeps_work_dir(tool, toy_run, tmp_path):
    previous = {'micro_auc': 0.75}
    (tmp_path / 'metrics.json').write_text(json.dumps(previous))
    other = tmp_path / 'other_model.pth'
    torch.save({'state_dict': OrderedDict(
        {'backbone.conv.weight': torch.zeros(8, 3, 3, 3)}), 'meta': {}}, other)
    result = tool(['tools/test.py', TOY_CONFIG, str(other), '--work-dir', str(tmp_path)])
    _one_line_error(result, f'checkpoint {other} does not fit model ToyAutoEncoder',
                    '8 model weights missing')
    assert json.loads((tmp_path / 'metrics.json').read_text()) == previous

    wider = tmp_path / 'wider.pth'
    result = tool(['tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path / 'wide'),
                   '--cfg-options', 'model.latent_channels=6', 'train_cfg.max_epochs=1'])
    assert result.returncode == 0, result
    os.replace(tmp_path / 'wide' / 'epoch_1.pth', wider)
    result = tool(['tools/test.py', TOY_CONFIG, str(wider), '--work-dir', str(tmp_path)])
    _one_line_error(result, 'shape mismatches', 'encoder.2.weight (6, 16) vs (4, 16)')
    assert json.loads((tmp_path / 'metrics.json').read_text()) == previous


def test_missing_checkpoint(tool, tmp_path):
    missing = str(tmp_path / 'absent.pth')
    _one_line_error(tool(['tools/test.py', TOY_CONFIG, missing]),
                    f'checkpoint {missing} does not exist')


def test_hostile_checkpoint_is_refused(tool, tmp_path):
    marker = tmp_path / 'code_ran'
    hostile = tmp_path / 'hostile.pth'
    torch.save({'state_dict': OrderedDict(), 'meta': RunsCommand(str(marker))}, hostile)
    result = tool(['tools/test.py', TOY_CONFIG, str(hostile), '--work-dir', str(tmp_path)])
    _one_line_error(result, f'refused to load checkpoint {hostile}', 'system')
    assert not marker.exists()
    assert not (tmp_path / 'metrics.json').exists()
