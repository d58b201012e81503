import importlib

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope

from tests.conftest import REPO_ROOT
from vadkit import plugins
from vadkit.registry import (MODELS, SCORERS, UnknownTypeError, explain_unknown_type,
                             named_registries)

EXPECTED_ROOTLESS = {'DETECTORS', 'TRACKERS', 'EXTRACTORS', 'AUGMENTERS', 'SCORERS', 'PARSERS',
                     'CAPTIONERS', 'FEATURE_READERS'}


def test_every_location_imports():
    locations = {loc for reg in named_registries().values() for loc in reg._locations}
    assert 'vadkit.models' in locations and 'vadkit.scoring' in locations
    for location in sorted(locations):
        importlib.import_module(location)


def test_registries_are_children_of_mmengine_roots():
    registries = named_registries()
    assert EXPECTED_ROOTLESS <= set(registries)
    for name, reg in registries.items():
        assert reg.scope == 'vadkit', name
        assert reg._locations, f'{name} has no lazy import location'
        if name in EXPECTED_ROOTLESS:
            assert reg.parent is None, name
        else:
            assert reg.parent is not None and reg.parent.scope == 'mmengine', name
            assert reg.parent.name == reg.name, name
    assert registries['MODELS'].parent is MMENGINE_MODELS


def test_default_runtime_sets_scope():
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/_base_/default_runtime.py')
    assert cfg.default_scope == 'vadkit'


def test_unknown_type_names_close_matches():
    with pytest.raises(UnknownTypeError) as info:
        MODELS.build(dict(type='ToyAutoEncodr'))
    message = str(info.value)
    assert "unknown type 'ToyAutoEncodr' in the vadkit::model registry" in message
    assert 'Close matches: ToyAutoEncoder' in message


def test_unknown_type_points_to_other_registry():
    with pytest.raises(UnknownTypeError, match=r"'ExpandToFrames' is registered in "
                       r'vadkit::scorer'):
        MODELS.build(dict(type='ExpandToFrames'))


def test_root_registry_error_is_explained():
    """The Runner builds through mmengine's roots; their KeyError is explained too."""
    with DefaultScope.overwrite_default_scope('vadkit'):
        with pytest.raises(KeyError) as info:
            MMENGINE_MODELS.build(dict(type='toyautoencoder'))
    message = explain_unknown_type(info.value)
    assert message is not None
    assert 'vadkit::model' in message and 'ToyAutoEncoder' in message


def test_unrelated_key_error_is_not_explained():
    assert explain_unknown_type(KeyError('width')) is None


def test_failed_plugins_are_listed(monkeypatch):
    broken = plugins.PluginInfo('zoo', 'vadkit-zoo', '0.3', 'vadkit_zoo',
                                error='ImportError: no module named torchvision')
    monkeypatch.setattr(plugins, '_loaded', [broken])
    with pytest.raises(UnknownTypeError) as info:
        SCORERS.build(dict(type='ZooScorer'))
    assert 'zoo (vadkit-zoo 0.3): ImportError: no module named torchvision' in str(info.value)

