"""tools/misc/augment_motion.py end to end: a parsed generated world, a briefly trained HSC,
the augmented set, its split, the classifier and the MA+ checkpoint."""
import importlib.util
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT
from tests.helpers.world import write_tiny_world

TOOL = osp.join(REPO_ROOT, 'tools', 'misc', 'augment_motion.py')
HSC_SYNTHETIC = osp.join(REPO_ROOT, 'configs', 'hsc', 'hsc_synthetic.py')
BUILTIN = osp.join(REPO_ROOT, 'configs', 'parsing', 'builtin_synthetic.py')
COPIES = 8


def _parse(world: str, out: str) -> None:
    """The world's videos parsed with the built-in backends into a store (tubes and clip
    features left out)."""
    from mmengine.config import Config

    from vadkit.parsing.extract import extract_features
    cfg = Config.fromfile(BUILTIN)
    parser_cfg = cfg.parser.to_dict()
    parser_cfg.update(tube_builder=None, clip_extractor=None)
    extract_features(parser_cfg, dict(cfg.videos), world, out, progress=False)


def _config(path: str, store: str) -> str:
    """HSC on the generated world's features, every stored video a training video, one
    scene (too few clips for the t-SNE clusterer)."""
    with open(path, 'w') as f:
        f.write(f'_base_ = [{HSC_SYNTHETIC!r}]\n'
                'model = dict(clusterer=None, max_scenes=2)\n'
                f'train_dataloader = dict(dataset=dict(feature_root={store!r}, videos=None, '
                'extract=None))\n'
                f'test_dataloader = dict(dataset=dict(feature_root={store!r}, videos=None, '
                'extract=None))\n')
    return path


def _build(config: str, **model):
    from mmengine.config import Config

    from vadkit.registry import DATASETS, MODELS
    from vadkit.utils.setup_env import register_all_modules
    register_all_modules()
    importlib.import_module('vadkit.models.components.motion_classifier')
    cfg = Config.fromfile(config)
    cfg.model.update(model)
    return DATASETS.build(cfg.train_dataloader.dataset), MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """A store, an HSC trained for 30 full-batch steps, and one run of the tool."""
    from mmengine.dataset import default_collate
    from mmengine.optim import OptimWrapper
    root = tmp_path_factory.mktemp('augment_motion')
    world = write_tiny_world(str(root / 'world'), test_videos=1)
    store = str(root / 'store')
    _parse(world, store)
    config = _config(str(root / 'hsc_tiny.py'), store)
    dataset, model = _build(config)
    model.prepare(dataset)
    batch = default_collate([dataset[i] for i in range(len(dataset))])
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    model.train()
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: two threads on shared cores crawl
    try:
        for step in range(30):
            model.set_epoch(step)
            model.train_step(batch, wrapper)
    finally:
        torch.set_num_threads(threads)
    checkpoint = str(root / 'hsc.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {'note': 'kept'}}, checkpoint)
    from tests.conftest import run_tool
    out = str(root / 'ma')
    # T_abn 0.5 on the ranks: the top half of so small a set is abnormal
    result = run_tool([TOOL, config, checkpoint, '--out', out, '--copies', str(COPIES),
                       '--seed', '3', '--t-abn', '0.5', '--epochs', '200', '--lr', '1e-2',
                       '--no-progress'], timeout=300)
    return dict(root=str(root), store=store, config=config, checkpoint=checkpoint, out=out,
                result=result)


@pytest.fixture(scope='module')
def main():
    spec = importlib.util.spec_from_file_location('augment_motion_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_the_outputs_are_the_pipeline_of_the_api(run):
    from vadkit.apis.motion_augmentation import (augment_store_video, label_counts,
                                                 score_motion, split_by_error)
    from vadkit.parsing import FeatureStore
    from vadkit.registry import EXTRACTORS
    from vadkit.utils import safe_torch_load
    assert run['result'].returncode == 0, run['result']
    out = run['out']
    for name in ('augmented.npz', 'summary.json', 'errors.png', 'hsc_ma.pth', 'config_ma.py'):
        assert osp.isfile(osp.join(out, name)), name
    with np.load(osp.join(out, 'augmented.npz')) as data:
        assert sorted(data.files) == ['error', 'label', 'motion', 'source']
        motion, source, error, label = (data[k] for k in ('motion', 'source', 'error', 'label'))
    assert motion.dtype == np.float32 and source.dtype == np.int64
    assert error.dtype == np.float32 and label.dtype == np.int8
    m = len(motion)
    assert motion.shape == (m, 176) and source.shape == error.shape == label.shape == (m, )

    dataset, model = _build(run['config'])
    model.load_state_dict(safe_torch_load(run['checkpoint'])['state_dict'])
    model.eval()
    valid = np.flatnonzero(dataset.rows['motion_valid'])
    summary = json.loads(open(osp.join(out, 'summary.json')).read())
    assert summary['objects'] == len(valid) >= 10
    assert summary['samples'] == m and summary['unencoded'] + m == len(valid) * COPIES
    assert set(source) <= set(valid) and (np.diff(source) >= 0).all()

    # the same samples from the API: augment (seed 3), re-encode, drop the undescribed
    store = FeatureStore(run['store'])
    extractor = EXTRACTORS.build(store.manifest['config']['object_extractors']['motion'])
    expected, expected_source = [], []
    rows = dataset.rows
    for video in dict.fromkeys(rows['video_id'][valid]):
        picked = valid[rows['video_id'][valid] == video]
        feats, src = augment_store_video(store, str(video), rows['row'][picked], picked,
                                         summary['augmenter'], extractor, COPIES, 3)
        keep = np.abs(feats).sum(axis=1) > 0
        expected.append(feats[keep])
        expected_source.append(src[keep])
    np.testing.assert_array_equal(motion, np.concatenate(expected))
    np.testing.assert_array_equal(source, np.concatenate(expected_source))
    assert (motion[:, -1] == 1).all()  # every kept sample is described ('valid')
    # scored by the motion stream with its object's clip scene, then split
    scene = dataset.scenes[rows['scene_row'][source]]
    np.testing.assert_allclose(error, score_motion(model, scene, motion), rtol=1e-5)
    # the tool's default scale: ranks in the set
    np.testing.assert_array_equal(label, split_by_error(error, 0.2, 0.5, 'quantile'))
    assert summary['counts'] == label_counts(label)
    assert summary['counts']['normal'] >= 10 and summary['counts']['abnormal'] >= 5
    assert summary['error_quantiles']['0'] == pytest.approx(float(error.min()))
    assert summary['error_quantiles']['1'] == pytest.approx(float(error.max()))
    assert summary['thresholds'] == dict(t_norm=0.2, t_abn=0.5, normalise='quantile')
    assert summary['reencode_check']['max_abs_diff'] == 0.0
    assert summary['checkpoint'] == run['checkpoint']
    assert 'python tools/test.py' in run['result'].stdout
    assert f'train_dataloader.dataset.augmented={osp.join(out, "augmented.npz")}' in \
        run['result'].stdout


def test_the_ma_checkpoint_holds_the_trained_classifier(run):
    from vadkit.utils import safe_torch_load
    assert run['result'].returncode == 0, run['result']
    out = run['out']
    source = safe_torch_load(run['checkpoint'])
    saved = safe_torch_load(osp.join(out, 'hsc_ma.pth'))
    added = sorted(set(saved['state_dict']) - set(source['state_dict']))
    assert added == ['motion_classifier.fc1.bias', 'motion_classifier.fc1.weight',
                     'motion_classifier.fc2.bias', 'motion_classifier.fc2.weight']
    for key, value in source['state_dict'].items():
        torch.testing.assert_close(saved['state_dict'][key], value)
    summary = json.loads(open(osp.join(out, 'summary.json')).read())
    assert saved['meta']['note'] == 'kept'
    assert saved['meta']['motion_augmentation']['counts'] == summary['counts']

    # config_ma.py builds the MA+ model and the checkpoint fits it exactly
    _, model = _build(osp.join(out, 'config_ma.py'))
    assert model.motion_score == 'classifier'
    model.load_state_dict(saved['state_dict'], strict=True)
    with np.load(osp.join(out, 'augmented.npz')) as data:
        motion, label = data['motion'], data['label']
    prob = model.motion_classifier.anomaly_probability(motion).numpy()
    kept = label >= 0
    accuracy = ((prob[kept] > 0.5) == label[kept]).mean()
    assert accuracy == pytest.approx(summary['classifier']['train_accuracy'])
    # it ranks the abnormal samples above the normal ones (measured on 15 normal and 36
    # abnormal samples, 21 dropped)
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(label[kept], prob[kept]) > 0.9
    assert summary['classifier']['last_loss'] < summary['classifier']['first_loss']


def _copy_store(run, name: str) -> str:
    copy = osp.join(run['root'], name)
    shutil.copytree(run['store'], copy)
    return copy


def _fails(main, capsys, run, *extra) -> str:
    with pytest.raises(SystemExit) as exc:
        main([run['config'], run['checkpoint'], '--out', osp.join(run['root'], 'x'),
              '--no-progress', *extra])
    assert exc.value.code == 2
    return ' '.join(capsys.readouterr().err.split())


def test_missing_checkpoint(main, capsys, run):
    with pytest.raises(SystemExit) as exc:
        main([run['config'], osp.join(run['root'], 'nope.pth'), '--out', run['root']])
    assert exc.value.code == 2
    assert f'checkpoint {osp.join(run["root"], "nope.pth")} does not exist' in \
        capsys.readouterr().err


def test_bad_thresholds(main, capsys, run):
    message = _fails(main, capsys, run, '--t-norm', '0.9', '--t-abn', '0.5')
    assert '0 <= --t-norm < --t-abn <= 1, got 0.9 and 0.5' in message


def test_a_store_without_poses(main, capsys, run):
    store = _copy_store(run, 'no_poses')
    for video in sorted(os.listdir(osp.join(store, 'videos'))):
        meta_path = osp.join(store, 'videos', video, 'meta.json')
        meta = json.loads(open(meta_path).read())
        meta['arrays'].pop('objects_keypoints')
        open(meta_path, 'w').write(json.dumps(meta))
    message = _fails(main, capsys, run, '--cfg-options',
                     f'train_dataloader.dataset.feature_root={store}')
    assert f'feature store {store}' in message
    assert 'has no objects_keypoints: its parsing config has no pose estimator' in message


def test_no_motion_valid_object(main, capsys, run):
    store = _copy_store(run, 'no_motion')
    for video in sorted(os.listdir(osp.join(store, 'videos'))):
        path = osp.join(store, 'videos', video, 'objects_index.npy')
        index = np.load(path)
        index[:, 5] = 0
        np.save(path, index)
    message = _fails(main, capsys, run, '--cfg-options',
                     f'train_dataloader.dataset.feature_root={store}')
    assert 'has no motion-valid object' in message and store in message


def test_a_frame_reading_motion_extractor(main, capsys, run):
    store = _copy_store(run, 'appearance_motion')
    manifest_path = osp.join(store, 'manifest.json')
    manifest = json.loads(open(manifest_path).read())
    manifest['config']['object_extractors']['motion'] = dict(type='ColorHOGAppearance')
    open(manifest_path, 'w').write(json.dumps(manifest))
    message = _fails(main, capsys, run, '--cfg-options',
                     f'train_dataloader.dataset.feature_root={store}')
    assert 'the motion extractor ColorHOGAppearance reads the clip frames' in message


def test_an_untrained_checkpoint_says_so(main, capsys, run):
    _, model = _build(run['config'])  # never prepared: empty memories
    path = osp.join(run['root'], 'untrained.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    with pytest.raises(SystemExit) as exc:
        main([run['config'], path, '--out', osp.join(run['root'], 'y'), '--no-progress'])
    assert exc.value.code == 2
    message = ' '.join(capsys.readouterr().err.split())
    assert f'checkpoint {path} cannot score motion' in message and 'memory is empty' in message
