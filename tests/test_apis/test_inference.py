"""vadkit.apis.init_model: a trained model from its config and checkpoint or work dir."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT, TOY_CONFIG
from vadkit.apis import init_model
from vadkit.utils import ConfigError
from vadkit.utils.checkpoint import extract_state_dict, safe_torch_load
from vadkit.utils.errors import CheckpointError


def test_init_model_loads_the_last_checkpoint_of_a_work_dir(toy_run):
    model = init_model(TOY_CONFIG, toy_run)
    assert not model.training and model.cfg.filename == TOY_CONFIG
    saved = extract_state_dict(safe_torch_load(osp.join(toy_run, 'epoch_20.pth')))
    own = model.state_dict()
    assert own.keys() == saved.keys()
    for key in own:
        assert torch.equal(own[key], saved[key]), key
    # the weights are the trained ones, not the initial ones of the config's model
    fresh = init_model(TOY_CONFIG)
    assert any(not torch.equal(fresh.state_dict()[k], own[k]) for k in own)


def test_init_model_takes_a_config_object_and_overrides(toy_run):
    cfg = Config.fromfile(TOY_CONFIG)
    model = init_model(cfg, osp.join(toy_run, 'epoch_20.pth'))
    assert model.cfg is not cfg
    with pytest.raises(CheckpointError, match='does not fit'):
        init_model(cfg, toy_run, cfg_options={'model.latent_channels': 3})
    # a top-level path variable is rebound where the config copied it, as for a file
    hsc = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'hsc', 'hsc_synthetic.py'))
    text = init_model(hsc, cfg_options={'data_root': '/elsewhere/world'}).cfg.pretty_text
    assert 'scene_dependent' not in text.replace('synthetic_scene_dependent', '')
    uses = hsc.pretty_text.count("'data/synthetic/scene_dependent'")
    assert uses >= 3 and text.count("'/elsewhere/world'") == uses
    assert hsc.data_root == 'data/synthetic/scene_dependent'


def test_init_model_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match='nope.py does not exist'):
        init_model(str(tmp_path / 'nope.py'))
    with pytest.raises(CheckpointError, match='missing.pth does not exist'):
        init_model(TOY_CONFIG, str(tmp_path / 'missing.pth'))
    (tmp_path / 'empty.py').write_text('x = 1\n')
    with pytest.raises(ConfigError, match='empty.py has no `model`'):
        init_model(str(tmp_path / 'empty.py'))
