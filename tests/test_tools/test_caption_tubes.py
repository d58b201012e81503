"""tools/caption_tubes.py: captions of a store's tubes, the caption file format, resuming."""
import importlib.util
import json
import os.path as osp
import re

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, run_tool
from tests.test_parsing.test_captioners import parse_tube_store, write_caption_world
from vadkit.parsing import FeatureStore
from vadkit.parsing.captioners import FileCaptioner, SyntheticCaptioner

TOOL = osp.join(REPO_ROOT, 'tools', 'caption_tubes.py')
CONFIG = osp.join(REPO_ROOT, 'configs', 'captions', 'synthetic_ground_truth.py')


def _tool():
    spec = importlib.util.spec_from_file_location('caption_tubes_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = write_caption_world(str(tmp_path_factory.mktemp('caption_tool_world')))
    store = parse_tube_store(root, str(tmp_path_factory.mktemp('caption_tool_store')))
    return dict(root=root, store=store.root)


def _config(tmp_path, name, captioner):
    path = tmp_path / name
    path.write_text(f"default_scope = 'vadkit'\ncaptioner = {captioner!r}\n")
    return str(path)


def _expected(world):
    store, captioner = FeatureStore(world['store']), SyntheticCaptioner(world['root'])
    out = {}
    for video in store.videos():
        a = store.read(video)
        out[video] = (a['tubes'], captioner.caption_video(video, a['tubes'], a['tube_members'],
                                                           tracks=a['tracks']))
    return out


def test_captions_round_trip_through_the_file_captioner(world, tmp_path):
    out = str(tmp_path / 'captions.json')
    result = run_tool([TOOL, CONFIG, '--store', world['store'], '--out', out, '--data-root',
                       world['root'], '--no-progress'])
    assert result.returncode == 0, result
    expected = _expected(world)
    total = sum(len(t) for t, _ in expected.values())
    assert re.search(rf'captions\.json: 4 videos captioned \({total} tubes\), 0 already there '
                     r'\(skipped\); kinds actions/clothes/places/objects, SyntheticCaptioner',
                     result.stdout), result
    with open(out) as f:
        data = json.load(f)
    assert data['format_version'] == 1 and data['store'] == world['store']
    assert data['kinds'] == ['actions', 'clothes', 'places', 'objects']
    assert data['captioner'] == dict(type='SyntheticCaptioner', data_root=world['root'])
    first = data['videos']['02_0001'][0]
    assert sorted(first) == ['actions', 'box', 'clothes', 'end_frame', 'objects', 'places']
    tubes = expected['02_0001'][0]
    assert first['end_frame'] == int(tubes[0, 0])
    np.testing.assert_allclose(first['box'], tubes[0, 1:5], atol=0.005)
    # read back: the same sentences, tube by tube
    reader = FileCaptioner(out)
    assert reader.videos() == sorted(expected)
    for video, (tubes, sentences) in expected.items():
        assert reader.caption_video(video, tubes, np.zeros((len(tubes), 1))) == sentences
    # captioning the store with the file gives the same file's videos
    again = str(tmp_path / 'again.json')
    file_config = _config(tmp_path, 'file.py', dict(type='FileCaptioner', path=out))
    _tool().main([file_config, '--store', world['store'], '--out', again, '--no-progress'])
    with open(again) as f:
        assert json.load(f)['videos'] == data['videos']


def test_resume_patterns_and_refusals(world, tmp_path, capsys):
    tool = _tool()
    out = str(tmp_path / 'c.json')
    base = [CONFIG, '--store', world['store'], '--out', out, '--data-root', world['root'],
            '--no-progress']
    tool.main(base + ['--videos', '02_*'])
    assert '2 videos captioned' in capsys.readouterr().out
    with open(out) as f:
        assert sorted(json.load(f)['videos']) == ['02_0001', '02_001']
    tool.main(base)
    assert 'c.json: 2 videos captioned' in capsys.readouterr().out
    tool.main(base)
    assert '0 videos captioned (0 tubes), 4 already there (skipped)' in capsys.readouterr().out
    with open(out) as f:
        resumed = json.load(f)['videos']
    expected = _expected(world)
    assert sorted(resumed) == sorted(expected)
    kinds = ('actions', 'clothes', 'places', 'objects')
    for video, (_, sentences) in expected.items():
        assert [{k: e[k] for k in kinds} for e in resumed[video]] == sentences

    # another captioner config into the same file is refused, the file kept
    with pytest.raises(SystemExit) as info:
        tool.main([CONFIG, '--store', world['store'], '--out', out, '--no-progress'])
    assert info.value.code == 2
    assert 'holds captions of another captioner' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main(base + ['--videos', 'nothing_*'])
    assert "no video matches ['nothing_*']" in capsys.readouterr().err


def test_a_store_without_tubes_or_crops_is_explained(world, tmp_path, capsys):
    tool = _tool()
    bare = FeatureStore(str(tmp_path / 'bare'), dict(bare=True))
    bare.create()
    bare.write('v1', dict(clip_spans=np.zeros((1, 2), np.int64)), dict(num_frames=16))
    with pytest.raises(SystemExit):
        tool.main([CONFIG, '--store', bare.root, '--out', str(tmp_path / 'x.json'),
                   '--no-progress'])
    err = capsys.readouterr().err
    assert "video v1 has no ['tubes', 'tube_members']" in err and 'tube_builder' in err
    # a CLIP captioner on a store parsed without crops: nothing is downloaded, the store
    # is named
    store = parse_tube_store(world['root'], str(tmp_path / 'no_crops'), crop_size=None)
    clip = _config(tmp_path, 'clip.py', dict(type='CLIPTemplateCaptioner',
                                             model_path=str(tmp_path)))
    with pytest.raises(SystemExit):
        tool.main([clip, '--store', store.root, '--out', str(tmp_path / 'y.json'),
                   '--videos', '02_0001', '--no-progress'])
    err = capsys.readouterr().err
    assert 'video 02_0001: the feature store has no `tube_crops`' in err
