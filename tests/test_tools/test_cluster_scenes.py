"""tools/cluster_scenes.py on a parsed tiny generated world (2 scene kinds), and the scene
confusion metric next to VADMetric in tools/test.py."""
import contextlib
import importlib
import importlib.util
import io
import json
import os.path as osp

import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool
from tests.helpers.files import tree_digest
from tests.helpers.world import write_tiny_world

TOOL = osp.join(REPO_ROOT, 'tools', 'cluster_scenes.py')
TEST_TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')
HSC_SYNTHETIC = osp.join(REPO_ROOT, 'configs', 'hsc', 'hsc_synthetic.py')
# builtin_synthetic.py with detection and tracking from the ground truth: 2 s of parsing
# instead of 12; its scene features are those of builtin_synthetic.py to the bit (measured
# on this world), and the scene features are what the clusterer sees
ORACLE = osp.join(REPO_ROOT, 'configs', 'parsing', 'oracle_synthetic.py')
# one training video per scene kind of 144-160 frames: 9 clips of 16 frames each, enough
# for DBSCAN's min_samples=5
NUM_FRAMES = (144, 160)


def _module(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """One thread per library, as the tools get in tests (conftest.run_tool): t-SNE's
    OpenMP threads and torch's crawl when they share two busy cores."""
    from threadpoolctl import threadpool_limits
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    """The tiny world (1 training and 1 test video per scene kind), parsed with the
    built-in extractors (tubes and clip features left out)."""
    from mmengine.config import Config

    from vadkit.parsing.extract import extract_features
    from vadkit.utils.setup_env import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('cluster_scenes')
    data_root = write_tiny_world(str(root / 'world'), test_videos=1, num_frames=NUM_FRAMES)
    store = str(root / 'store')
    cfg = Config.fromfile(ORACLE)
    parser_cfg = cfg.parser.to_dict()
    parser_cfg.update(tube_builder=None, clip_extractor=None)
    with contextlib.redirect_stdout(io.StringIO()):
        _, failed = extract_features(parser_cfg, dict(cfg.videos), data_root, store,
                                     progress=False)
    assert not failed
    return dict(root=str(root), data_root=data_root, store=store,
                options=['--cfg-options', f'data_root={data_root}', f'feature_root={store}'])


@pytest.fixture(scope='module')
def tool_main():
    return _module(TOOL, 'cluster_scenes_tool').main


def _run(main, argv):
    """``main(argv)`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def _read(out_dir):
    with open(osp.join(out_dir, 'scene_labels.json')) as f:
        labels = json.load(f)
    with open(osp.join(out_dir, 'summary.json')) as f:
        summary = json.load(f)
    return labels, summary


def _config(world):
    from vadkit.utils.cli import load_config
    return load_config(HSC_SYNTHETIC, dict(data_root=world['data_root'],
                                           feature_root=world['store']))


def _datasets(world):
    from vadkit.registry import DATASETS
    cfg = _config(world)
    return cfg, {split: DATASETS.build(cfg[f'{split}_dataloader'].dataset)
                 for split in ('train', 'test')}


@pytest.fixture(scope='module')
def fitted(world, tool_main):
    out_dir = osp.join(world['root'], 'fit')
    before = tree_digest(world['store'])
    status, stdout, stderr = _run(tool_main, [HSC_SYNTHETIC, '--out', out_dir,
                                              *world['options']])
    assert status == 0, stderr
    assert tree_digest(world['store']) == before  # the store is only read
    return dict(out=out_dir, stdout=stdout)


def test_every_clip_is_labelled_and_the_scene_kinds_are_separated(world, fitted):
    from vadkit.parsing import FeatureStore
    labels, summary = _read(fitted['out'])
    k = summary['num_clusters']
    assert k == summary['num_scenes'] == labels['settings']['num_scenes'] == 2
    assert labels['settings']['source'] == 'fit' and labels['settings']['checkpoint'] is None
    store = FeatureStore(world['store'])
    with open(osp.join(world['data_root'], 'splits', 'one_class.json')) as f:
        split_videos = json.load(f)
    for split in ('train', 'test'):
        assert list(labels[split]) == split_videos[split]
        for video, clip_labels in labels[split].items():
            assert len(clip_labels) == len(store.read(video, ['scene'])['scene']) >= 9
            assert set(clip_labels) <= set(range(k))
            assert len(set(clip_labels)) == 1  # one camera, one scene
        # the two scene kinds (01_* walkway, 02_* road) get different labels
        first = {video[:2]: clips[0] for video, clips in labels[split].items()}
        assert first['01'] != first['02']
        counts = summary['splits'][split]['clips_per_cluster']
        assert sum(counts) == summary['splits'][split]['num_clips'] == \
            sum(len(c) for c in labels[split].values())
    fit = summary['fit']
    # measured: 9 + 9 training clips, no DBSCAN noise, every clip predicted as fitted
    assert fit['clips_per_cluster'] == summary['clips_per_cluster'] == [9, 9]
    assert fit['noise_clips'] == summary['noise_clips'] == 0
    assert fit['predict_agreement'] == 1.0
    table = fit['contingency']
    assert table['rows'] == ['s00_walkway', 's01_road']
    assert sorted(map(sorted, table['counts'])) == [[0, 9], [0, 9]]
    assert table['purity'] == table['inverse_purity'] == table['adjusted_rand'] == 1.0
    test = summary['splits']['test']['contingency']
    assert test['purity'] == test['adjusted_rand'] == 1.0 and test['num_clips'] >= 18
    for name in ('clusters.png', 'contingency.png'):
        assert osp.getsize(osp.join(fitted['out'], name)) > 5000
    assert 'purity 1.000' in fitted['stdout'] and 's01_road' in fitted['stdout']


def test_the_fit_is_the_one_hsc_prepare_makes(world, fitted):
    """HSC.prepare with the same config gives every training object its clip's label."""
    from vadkit.registry import MODELS
    labels, _ = _read(fitted['out'])
    cfg, datasets = _datasets(world)
    model = MODELS.build(cfg.model)
    model.prepare(datasets['train'])
    rows = datasets['train'].rows
    expected = [labels['train'][str(r['video_id'])][int(r['clip_index'])] for r in rows]
    for stream in model.streams.values():
        assert stream.slot_scene.tolist() == expected
    assert int(model.num_scenes) == 2
    # the clusterer keeps the fit's 2-D embedding and DBSCAN's own labels (not state)
    assert model.clusterer.embedding.shape == (18, 2)
    assert (model.clusterer.dbscan_labels >= 0).all()
    assert 'embedding' not in model.clusterer.state_dict()


def _save(model, path):
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


def test_a_checkpoint_s_clusterer_is_used_not_refitted(world, tool_main):
    from vadkit.registry import MODELS
    cfg, datasets = _datasets(world)
    # a clusterer fitted with a radius that merges the two kinds: one scene
    cfg.model.clusterer.eps = 1000.0
    model = MODELS.build(cfg.model)
    model.prepare(datasets['train'])
    checkpoint = _save(model, osp.join(world['root'], 'one_scene.pth'))
    out_dir = osp.join(world['root'], 'from_checkpoint')
    status, stdout, stderr = _run(tool_main, [HSC_SYNTHETIC, '--checkpoint', checkpoint,
                                              '--out', out_dir, '--split', 'test',
                                              *world['options']])
    assert status == 0, stderr
    labels, summary = _read(out_dir)
    assert sorted(k for k in labels if k != 'settings') == ['test']
    assert labels['settings']['source'] == 'checkpoint'
    assert labels['settings']['checkpoint'] == checkpoint
    assert summary['num_clusters'] == summary['model_num_scenes'] == 1
    assert summary['fit'] is None and summary['noise_clips'] is None
    assert all(set(clips) == {0} for clips in labels['test'].values())
    table = summary['splits']['test']['contingency']
    n = table['num_clips']
    biggest = max(row[0] for row in table['counts'])
    assert table['purity'] == pytest.approx(biggest / n) and table['purity'] < 0.6
    assert table['inverse_purity'] == 1.0 and table['adjusted_rand'] == 0.0
    assert osp.getsize(osp.join(out_dir, 'clusters.png')) > 5000
    assert 'projecting 18 training clips with t-SNE' in stdout

    # a checkpoint saved before the clusterer was fitted is refused
    untrained = _save(MODELS.build(_config(world).model), osp.join(world['root'], 'u.pth'))
    status, _, stderr = _run(tool_main, [HSC_SYNTHETIC, '--checkpoint', untrained,
                                         '--out', out_dir, *world['options']])
    assert status == 2 and 'holds no fitted scene clusterer' in stderr


def test_too_few_neighbours_is_one_scene(world, tool_main):
    """With min_samples above a scene's 9 clips DBSCAN finds no cluster: all 18 training
    clips are DBSCAN noise and one scene (reported before the noise policy)."""
    out_dir = osp.join(world['root'], 'no_cluster')
    with pytest.warns(UserWarning, match='found no cluster'):
        status, stdout, stderr = _run(tool_main, [HSC_SYNTHETIC, '--out', out_dir,
                                                  '--split', 'train', *world['options'],
                                                  'model.clusterer.min_samples=10'])
    assert status == 0, stderr
    labels, summary = _read(out_dir)
    assert summary['num_clusters'] == 1 and summary['clips_per_cluster'] == [18]
    assert summary['noise_clips'] == 18 and summary['fit']['dbscan_clusters'] == 0
    assert summary['fit']['contingency']['purity'] == 0.5
    assert all(set(clips) == {0} for clips in labels['train'].values())
    assert 'DBSCAN found no cluster: all clips are one scene' in stdout


def test_what_the_tool_refuses(world, tool_main):
    status, _, stderr = _run(tool_main, [HSC_SYNTHETIC, *world['options'],
                                         'model.clusterer=None'])
    assert status == 2 and 'model.clusterer is None' in stderr
    status, _, stderr = _run(tool_main, [HSC_SYNTHETIC, '--out',
                                         osp.join(world['store'], 'scenes'),
                                         *world['options']])
    assert status == 2 and 'inside the feature store' in stderr
    assert not osp.exists(osp.join(world['store'], 'scenes'))
    # the real command line: one line on stderr, status 2
    result = run_tool([TOOL, HSC_SYNTHETIC, '--checkpoint', osp.join(world['root'], 'no.pth'),
                       *world['options']])
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines() == [
        f'cluster_scenes.py: error: checkpoint {osp.join(world["root"], "no.pth")} does not '
        'exist']


def test_scene_confusion_metric_next_to_vad_metric_in_tools_test(world):
    """A briefly trained HSC tested with [VADMetric, SceneConfusionMetric]: tools/test.py
    still writes its files, and the scene metric its own."""
    from mmengine.dataset import default_collate
    from mmengine.optim import OptimWrapper

    from vadkit.registry import MODELS
    # registers the metric (until vadkit.evaluation.metrics exports it)
    importlib.import_module('vadkit.evaluation.metrics.scene_metric')
    cfg, datasets = _datasets(world)
    model = MODELS.build(cfg.model)
    model.prepare(datasets['train'])
    batch = default_collate([datasets['train'][i] for i in range(len(datasets['train']))])
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    model.train()
    torch.manual_seed(0)
    for step in range(10):
        model.set_epoch(step)
        model.train_step(batch, wrapper)
    checkpoint = _save(model, osp.join(world['root'], 'hsc.pth'))
    scenes_dir = osp.join(world['root'], 'test_scenes')
    config = osp.join(world['root'], 'hsc_scene_metric.py')
    with open(config, 'w') as f:
        f.write(f'_base_ = [{HSC_SYNTHETIC!r}]\n'
                'test_evaluator = [\n'
                "    dict(type='VADMetric', scorers=[dict(type='ExpandToFrames', "
                "stream=('appearance', 'motion'), reduce='max'), dict(type='Fuse', "
                "weights=dict(appearance=0.5, motion=0.5))], metric=['micro_auc']),\n"
                f"    dict(type='SceneConfusionMetric', out_dir={scenes_dir!r})]\n")
    work_dir = osp.join(world['root'], 'test_work')
    status, stdout, stderr = _run(_module(TEST_TOOL, 'test_tool').main,
                                  [config, checkpoint, '--work-dir', work_dir,
                                   *world['options']])
    assert status == 0, stderr
    with open(osp.join(work_dir, 'metrics.json')) as f:
        metrics = json.load(f)
    assert sorted(metrics) == ['appearance_acc', 'micro_auc', 'motion_acc']
    for name in ('metrics_per_video.json', 'evaluation.json'):
        assert osp.isfile(osp.join(work_dir, name)), name
    with open(osp.join(scenes_dir, 'scene_confusion.json')) as f:
        report = json.load(f)
    assert report['num_samples'] == len(datasets['test']) and report['skipped'] == 0
    for stream in ('appearance', 'motion'):
        matrix = np.array(report['streams'][stream]['matrix'])
        assert matrix.sum() == len(datasets['test'])
        assert metrics[f'{stream}_acc'] == pytest.approx(np.trace(matrix) / matrix.sum())
        assert osp.getsize(osp.join(scenes_dir, f'confusion_{stream}.png')) > 5000
    # the pseudo-labels are the clusterer's: each test object's clip label
    truth = model.clusterer.predict(datasets['test'].scenes)[datasets['test'].rows['scene_row']]
    assert np.array(report['streams']['appearance']['matrix']).sum(axis=1).tolist() == \
        np.bincount(truth, minlength=report['num_scenes']).tolist()
