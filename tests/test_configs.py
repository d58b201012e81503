"""Every config in configs/ parses and builds its model and datasets (weights off)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from tests.conftest import REPO_ROOT
from vadkit.datasets.importers import check_import_options
from vadkit.engine.model_selection import prepare_model_selection
from vadkit.engine.stages import split_stages
from vadkit.registry import DATASETS, FEATURE_READERS, METRICS, MODELS, PARSERS
from vadkit.utils import register_all_modules
from vadkit.utils.errors import DataError

CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)


def test_there_are_configs():
    assert any(p.endswith('toy_autoencoder_segments.py') for p in CONFIGS)


#: OpenMMLab model configs the parsing backends are built from (their scope is their
#: package's, e.g. 'mmdet'), not vadkit configs.
MODEL_CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'parsing', 'models')


def _is_model_config(path: str) -> bool:
    return osp.dirname(path) == MODEL_CONFIG_DIR


@pytest.mark.parametrize('path', [p for p in CONFIGS if _is_model_config(p)],
                         ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_model_config_builds(path):
    """Each tiny OpenMMLab model config builds, with random weights, in its own scope."""
    from vadkit.parsing.openmmlab import BACKENDS, BackendUnavailableError, build_model
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') in BACKENDS, f'{path}: default_scope names its package'
    try:
        model, _, _ = build_model(path, cfg.default_scope)
    except BackendUnavailableError as exc:
        pytest.skip(str(exc))
    count = sum(p.numel() for p in model.parameters())
    assert 0 < count < 5_000_000, f'{path}: {count} parameters is not tiny'


@pytest.mark.parametrize('path', [p for p in CONFIGS if not _is_model_config(p)],
                         ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_config_builds(path):
    register_all_modules()
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'vadkit'
    name = osp.splitext(osp.basename(path))[0]
    assert name == name.lower() and '-' not in name
    with DefaultScope.overwrite_default_scope('vadkit'):
        if 'parser' in cfg:  # a parsing config (tools/extract_features.py)
            try:
                parser = PARSERS.build(cfg.parser.to_dict())
            except ImportError as exc:  # an optional backend (requirements/parsing.txt)
                pytest.skip(f'optional backend not installed: {exc}')
            assert parser.describe()['components'], path
            assert cfg.videos.patterns, path
            return
        if 'captioner' in cfg:  # a captioning config (tools/caption_tubes.py)
            from vadkit.registry import CAPTIONERS
            CAPTIONERS.build(cfg.captioner.to_dict())
            return
        if 'reader' in cfg:  # a feature-import config (tools/import_features.py)
            FEATURE_READERS.build(cfg.reader.to_dict())
            check_import_options(**cfg.importer)
            return
        model_cfg = cfg.model.copy()
        model_cfg.pop('init_cfg', None)
        model = MODELS.build(model_cfg)
        assert sum(p.numel() for p in model.parameters()) > 0
        for _, stage in split_stages(cfg)[1]:  # tools/train.py trains these first
            stage_model = stage.model.copy()
            stage_model.pop('init_cfg', None)
            MODELS.build(stage_model)
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if not cfg.get(key):
                continue
            dataset = cfg[key].dataset
            root = dataset.get('feature_root')
            if root and not osp.isdir(osp.join(REPO_ROOT, root)) and not osp.isdir(root):
                if dataset.get('extract'):  # builds its own (tests/test_tools/test_hsc_*)
                    continue
                with pytest.raises(DataError, match='tools/extract_features.py'):
                    DATASETS.build(dataset)
                continue
            assert len(DATASETS.build(dataset)) > 0, key
        for key in ('test_evaluator', 'val_evaluator'):
            evaluator = cfg.get(key)
            for metric in evaluator if isinstance(evaluator, list) else [evaluator] * bool(
                    evaluator):
                METRICS.build(metric)
        # the checkpoint choice is honest: never by a test-split score (raises otherwise)
        prepare_model_selection(cfg.copy())
