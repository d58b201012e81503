"""HSC through tools/train.py and tools/test.py on a hand-made store: the prepared state
(memories, scene clusters) lands in the checkpoint, a resumed run keeps it, and testing
writes per-scene numbers and the scene-classifier confusion."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT, TOY_CONFIG, run_tool
from tests.helpers.store import write_object_store

HSC = osp.join(REPO_ROOT, 'configs', 'hsc', 'hsc_synthetic.py')
VIDEOS = {f'train_{v}': (3, [(c, t, t % 2, 1) for c in range(3) for t in range(4)])
          for v in range(4)}
VIDEOS.update({f'test_{v}': (3, [(c, t, 0, 1) for c in range(3) for t in range(2)])
               for v in range(2)})


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('hsc_tools')
    store = str(root / 'store')
    write_object_store(store, VIDEOS, app_dim=884, mot_dim=176, scene_dim=64,
                       scene_of=lambda video, c: np.eye(64)[int(video[-1]) % 2] * 3)
    masks = root / 'masks'
    masks.mkdir()
    for v in range(2):
        np.save(masks / f'test_{v}.npy', (np.arange(53) >= 32).astype(np.uint8))
    config = root / 'hsc_tiny.py'
    config.write_text(
        f'_base_ = [{HSC!r}]\n'
        'model = dict(clusterer=dict(projection=None, eps=0.5, min_samples=2))\n'
        f'train_dataloader = dict(batch_size=16, dataset=dict(feature_root={store!r}, '
        "videos=['train_*'], extract=None, classes=dict(motion='label')))\n"
        f'test_dataloader = dict(dataset=dict(feature_root={store!r}, videos=["test_*"], '
        f"extract=None, ground_truth={str(masks)!r}, classes=dict(motion='label')))\n"
        "test_evaluator = [dict(type='VADMetric', metric=['micro_auc', 'macro_auc'], "
        "scorers=[dict(type='ExpandToFrames', stream=('appearance', 'motion')), "
        "dict(type='Fuse', weights=dict(appearance=0.5, motion=0.5))]), "
        "dict(type='SceneConfusionMetric')]\n"
        'train_cfg = dict(max_epochs=2)\n'
        'default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=5))\n')
    return root, str(config)


def test_train_resume_and_test(setup):
    root, config = setup
    work = str(root / 'work')
    result = run_tool(['tools/train.py', config, '--work-dir', work])
    assert result.returncode == 0, result
    assert 'HSC: 48 training objects, 12 clips in 2 scene cluster(s) of [6, 6] clips' \
        in result.stdout + result.stderr
    first = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    state = first['state_dict']
    assert state['streams.appearance.memory.slots'].shape == (48, 256)
    assert bool(state['streams.motion.memory.filled'].all())
    assert state['clusterer.core_labels'].tolist() == ([0] * 3 + [1] * 3) * 2  # clip order

    result = run_tool(['tools/train.py', config, '--work-dir', work, '--resume',
                       '--cfg-options', 'train_cfg.max_epochs=3'])
    assert result.returncode == 0, result
    assert 'scene clusters and memories come from the checkpoint' in result.stdout + result.stderr
    resumed = torch.load(osp.join(work, 'epoch_3.pth'), map_location='cpu', weights_only=False)
    assert torch.equal(resumed['state_dict']['clusterer.core_features'],
                       state['clusterer.core_features'])
    assert torch.equal(resumed['state_dict']['streams.appearance.slot_scene'],
                       state['streams.appearance.slot_scene'])

    result = run_tool(['tools/test.py', config, work, '--work-dir', work])
    assert result.returncode == 0, result
    with open(osp.join(work, 'metrics.json')) as f:
        metrics = json.load(f)
    assert 0.0 <= metrics['micro_auc'] <= 1.0
    assert 0.0 <= metrics['appearance_acc'] <= 1.0 and 'motion_acc' in metrics
    # the scene classifier's confusion (Fig. 6) lands in the work dir, rows summing to the
    # test clips' objects: 2 videos x 3 clips x 2 tracks
    with open(osp.join(work, 'scene_confusion.json')) as f:
        confusion = json.load(f)
    assert confusion['num_samples'] == 12
    for stream in ('appearance', 'motion'):
        matrix = np.array(confusion['streams'][stream]['matrix'])
        assert matrix.sum() == 12
        assert confusion['streams'][stream]['accuracy'] == pytest.approx(
            np.trace(matrix) / 12) == pytest.approx(metrics[f'{stream}_acc'])
        assert osp.getsize(osp.join(work, f'confusion_{stream}.png')) > 5000


def test_show_memory_draws_each_stream_by_scene(setup, toy_run):
    root, config = setup
    work = str(root / 'work_memory')
    result = run_tool(['tools/train.py', config, '--work-dir', work,
                       '--cfg-options', 'train_cfg.max_epochs=1'])
    assert result.returncode == 0, result
    result = run_tool(['tools/analysis/show_memory.py', config, work, '--out-dir',
                       str(root / 'memory'), '--perplexity', '5'])
    assert result.returncode == 0, result
    # every training object fills one slot; the slots carry the 2 scene clusters
    for stream in ('appearance', 'motion'):
        assert f'{stream}: 48 slots of 2 scenes' in result.stdout
        assert (root / 'memory' / f'memory_{stream}.png').stat().st_size > 5000
    from vadkit.apis import init_model
    from tools.analysis.show_memory import memory_patterns
    model = init_model(config, work)
    model.streams['motion'].memory.filled[:40] = False
    slots, scenes = memory_patterns(model)['motion']
    assert slots.shape == (8, 256)
    assert torch.equal(torch.from_numpy(slots), model.streams['motion'].memory.slots[40:])
    assert scenes.tolist() == model.streams['motion'].slot_scene[40:].tolist()
    # a model without a memory bank is a user error
    bad = run_tool(['tools/analysis/show_memory.py', TOY_CONFIG, toy_run])
    assert bad.returncode == 2 and 'has no HSC memory bank' in bad.stderr, bad
