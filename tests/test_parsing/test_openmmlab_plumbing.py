"""vadkit.parsing.openmmlab: model configs, weights and seeds shared by the backends."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from vadkit.parsing import openmmlab
from vadkit.parsing.openmmlab import (BackendUnavailableError, build_model, check_device,
                                      load_model_config, load_weights, packaged_config_path,
                                      pipeline_step, random_init_seed, save_weights)
from vadkit.utils.errors import CheckpointError, CheckpointMismatchError, ConfigError

pytestmark = pytest.mark.openmmlab
MODELS = osp.join(REPO_ROOT, 'configs', 'parsing', 'models')
YOLO = 'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py'


def test_every_form_of_model_config():
    pytest.importorskip('mmdet')
    path = packaged_config_path(YOLO)
    assert path.endswith(osp.join('mmdet', '.mim', 'configs', 'yolo',
                                  'yolov3_d53_8xb8-ms-608-273e_coco.py'))
    packaged = load_model_config(YOLO)
    assert packaged.model.type == 'YOLOV3' and packaged.model.bbox_head.num_classes == 80
    assert load_model_config(path).model == packaged.model
    tiny = load_model_config(osp.join(MODELS, 'yolov3_tiny.py'),
                             cfg_options={'model.bbox_head.num_classes': 3})
    assert tiny.model.bbox_head.num_classes == 3
    bare = load_model_config(dict(type='YOLOV3', backbone=dict(type='Darknet')))
    assert bare.model.backbone.type == 'Darknet' and 'test_pipeline' not in bare
    assert load_model_config(dict(model=dict(type='X'), test_pipeline=[])).test_pipeline == []
    assert load_model_config(Config(dict(model=dict(type='X')))).model.type == 'X'


@pytest.mark.parametrize('config, message', [
    ('/nowhere/model.py', 'model config /nowhere/model.py does not exist'),
    ('mmfoo::a.py', "unknown package 'mmfoo'"),
    ('mmdet::yolo/no_such_config.py', 'ships no config yolo/no_such_config.py'),
    (dict(model=dict(depth=3)), 'no `model` dict with a `type`'),
    (3, 'must be a path, a dict or a Config'),
])
def test_bad_model_configs_say_what_is_wrong(config, message):
    pytest.importorskip('mmdet')
    with pytest.raises(ConfigError, match=message.replace('(', r'\(').replace(')', r'\)')):
        load_model_config(config, 'Tester')


def test_pipeline_step_looks_at_the_test_pipelines_in_order():
    cfg = Config(dict(
        model=dict(type='M'),
        test_pipeline=[dict(type='Load'), dict(type='Resize', scale=None)],
        test_dataloader=dict(dataset=dict(type='Repeat', dataset=dict(
            pipeline=[dict(type='Resize', scale=(3, 2)), dict(type='Pack')]))),
        val_pipeline=[dict(type='Flip')]))
    assert pipeline_step(cfg, 'Resize') == dict(type='Resize', scale=None)  # test_pipeline
    # the predicate skips it; the wrapped test dataloader's comes next
    assert pipeline_step(cfg, ('Resize', 'mmdet.Resize'),
                         lambda s: s['scale'] is not None)['scale'] == (3, 2)
    assert pipeline_step(cfg, 'Flip') == dict(type='Flip')
    assert pipeline_step(cfg, 'Crop') is None


def test_random_weights_are_seeded_and_weights_round_trip(tmp_path):
    pytest.importorskip('mmdet')
    config = osp.join(MODELS, 'yolov3_tiny.py')
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first, _, _ = build_model(config, 'mmdet')
    assert torch.equal(torch.rand(1), before)  # the caller's random stream is untouched
    again, _, _ = build_model(config, 'mmdet')
    with random_init_seed(7):
        other, _, _ = build_model(config, 'mmdet')
    assert openmmlab.INIT_SEED == 0
    weights = [dict(m.named_parameters())['backbone.conv1.conv.weight']
               for m in (first, again, other)]
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])
    path = save_weights(other, str(tmp_path / 'sub' / 'w.pth'), meta=dict(note='x'))
    assert load_weights(first, path) == dict(note='x')
    assert torch.equal(dict(first.named_parameters())['backbone.conv1.conv.weight'],
                       weights[2])
    loaded, _, meta = build_model(config, 'mmdet', checkpoint=path)
    assert meta == dict(note='x') and not loaded.training


def test_weights_that_do_not_fit(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    half = torch.nn.Sequential(torch.nn.Linear(3, 2))
    path = save_weights(half, str(tmp_path / 'half.pth'))
    with pytest.raises(CheckpointMismatchError, match=r'Tester: .*missing.*strict=False'):
        load_weights(model, path, 'Tester')
    with pytest.warns(UserWarning, match='Tester: checkpoint .* loaded partly'):
        load_weights(model, path, 'Tester', strict=False)
    assert torch.equal(model[0].weight, half[0].weight)
    with pytest.raises(CheckpointError, match='does not exist'):
        load_weights(model, str(tmp_path / 'none.pth'), 'Tester')


def test_devices():
    assert check_device('cpu') == 'cpu'
    with pytest.raises(ConfigError, match='bad device'):
        check_device('gpu:x', 'Tester')
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match='no CUDA device'):
            check_device('cuda', 'Tester')


def test_a_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmseg.models', None)  # `import mmseg.models` fails
    with pytest.raises(BackendUnavailableError, match=r'Tester needs mmsegmentation'):
        openmmlab.import_backend('mmseg', 'Tester')


def test_parsers_of_the_paper_configs_import_no_openmmlab_package():
    """Building and describing a parser (what a store's manifest needs) imports nothing
    heavy: the packages load with the first frame."""
    code = ('import sys; from mmengine.config import Config; '
            'from vadkit.registry import PARSERS; '
            'from vadkit.utils import register_all_modules; register_all_modules(); '
            "p = PARSERS.build(Config.fromfile('configs/parsing/hsc_shanghaitech.py')"
            '.parser.to_dict()); p.describe(); '
            "print(sorted(m for m in ('mmdet', 'mmpose', 'mmaction', 'mmseg') "
            'if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == '[]'
