"""Choosing a checkpoint without the test split: config checks, the hook's record and
the tools' end-to-end behaviour (held-out videos with pseudo-anomalies, best.pth)."""
import json

import numpy as np
import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from vadkit.engine.model_selection import (prepare_model_selection, selected_checkpoint,
                                           selection_of, validation_problem)
from vadkit.parsing import FeatureStore
from vadkit.utils.errors import CheckpointError, ConfigError


def _cfg(**val_dataset):
    train = dict(type='SegmentDataset', feature_root='s', split='train',
                 holdout=dict(part='train', fraction=0.2, seed=0))
    test = dict(type='SegmentDataset', feature_root='s', split='test')
    val = dict(train, **dict(dict(holdout=dict(part='val', fraction=0.2, seed=0)),
                             **val_dataset))
    return Config(dict(train_dataloader=dict(dataset=train), test_dataloader=dict(dataset=test),
                       val_dataloader=dict(dataset=val), val_evaluator=dict(type='VADMetric'),
                       model_selection=dict(metric='vad/micro_auc')))


def test_a_held_out_validation_set_is_accepted_and_gets_the_hook():
    cfg = prepare_model_selection(_cfg())
    assert cfg.val_cfg == dict(type='ValLoop')
    assert cfg.custom_hooks == [dict(type='ModelSelectionHook', metric='vad/micro_auc',
                                     rule='greater')]
    assert selection_of(Config(dict(model_selection='last'))) is None
    assert selection_of(Config(dict())) is None


@pytest.mark.parametrize('change, reason', [
    (dict(split='test', holdout=None), "val_dataloader.dataset.split = 'test'"),
    (dict(videos=dict(type='UCFCrimeSplit', split='test')),
     "val_dataloader.dataset.videos.split = 'test'"),
])
def test_a_validation_set_on_the_test_split_is_refused(change, reason):
    cfg = _cfg(**change)
    assert validation_problem(cfg) == reason
    with pytest.raises(ConfigError, match='on the test split'):
        prepare_model_selection(cfg)


def test_the_test_set_itself_and_unheld_training_videos_are_refused():
    cfg = _cfg()
    cfg.val_dataloader.dataset = cfg.test_dataloader.dataset
    assert validation_problem(cfg) == 'val_dataloader.dataset is test_dataloader.dataset'
    cfg = _cfg()
    cfg.train_dataloader.dataset.pop('holdout')
    assert 'trains on them' in validation_problem(cfg)
    cfg = _cfg()
    cfg.train_dataloader.dataset.holdout.seed = 1
    assert 'trains on them' in validation_problem(cfg)
    cfg = _cfg()
    cfg.pop('val_evaluator')
    with pytest.raises(ConfigError, match='no val_dataloader / val_evaluator'):
        prepare_model_selection(cfg)
    with pytest.raises(ConfigError, match="'last' or dict"):
        selection_of(Config(dict(model_selection='best')))
    with pytest.raises(ConfigError, match='rule'):
        selection_of(Config(dict(model_selection=dict(metric='m', rule='max'))))


def test_monitoring_on_the_test_split_warns_without_selection():
    cfg = _cfg(split='test', holdout=None)
    cfg.model_selection = 'last'
    with pytest.warns(UserWarning, match='not held out'):
        prepare_model_selection(cfg)
    assert not cfg.get('custom_hooks')


def test_selected_checkpoint_follows_the_config(tmp_path):
    (tmp_path / 'epoch_3.pth').write_bytes(b'x')
    (tmp_path / 'best.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert selected_checkpoint(str(tmp_path), Config(dict())) == str(tmp_path / 'epoch_3.pth')
    by_metric = Config(dict(model_selection=dict(metric='vad/micro_auc')))
    with pytest.raises(CheckpointError, match="chooses by 'vad/micro_auc'"):
        selected_checkpoint(str(tmp_path), by_metric)
    (tmp_path / 'best_checkpoint').write_text(str(tmp_path / 'best.pth'))
    assert selected_checkpoint(str(tmp_path), by_metric) == str(tmp_path / 'best.pth')


def _write_store(root, videos, t=10, d=6, seed=0, anomalous=()):
    rng = np.random.default_rng(seed)
    store = FeatureStore(str(root), dict(hand_made=True))
    store.create()
    basis = np.random.default_rng(99).normal(0, 1, (2, d))
    for video in videos:
        clips = (rng.normal(0, 1, (t, 2)) @ basis + 0.1 * rng.normal(0, 1, (t, d)))
        if video in anomalous:  # segments 3..5 leave the normal plane
            clips[3:6] += 4.0 * rng.normal(0, 1, d)
        spans = np.array([(16 * c, 16 * c + 16) for c in range(t)], np.int64)
        store.write(video, dict(clips=clips[:, None].astype(np.float32), clip_spans=spans),
                    dict(num_frames=16 * t, counts=dict(clips=t)))
    return store


CONFIG = '''
_base_ = ['{repo}/configs/_base_/models/gcl.py', '{repo}/configs/_base_/datasets/segments.py',
          '{repo}/configs/_base_/schedules/rmsprop_15e.py',
          '{repo}/configs/_base_/default_runtime.py']
model = dict(in_channels=6, generator=dict(hidden_channels=(8, 3, 8)),
             discriminator=dict(hidden_channels=(8, )), input_norm='zscore',
             pretrain_g_epochs=1, pretrain_d_epochs=1, d_th_quantile=0.5)
holdout = dict(fraction=0.25, seed=0)
seg = dict(type='SegmentDataset', feature_root='{train}', patches='whole')
train_dataloader = dict(batch_size=40, num_workers=0, persistent_workers=False,
                        dataset=dict(seg, split='train', holdout=dict(holdout, part='train')))
val_dataloader = dict(batch_size=512, num_workers=0, collate_fn=dict(type='vadkit.batch_collate'),
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(seg, split='{val_split}', holdout={val_holdout},
                                   pseudo_anomalies=dict(fraction=0.5, strength=3.0)))
val_evaluator = dict(type='VADMetric', metric=['micro_auc'])
test_dataloader = dict(dataset=dict(type='SegmentDataset', feature_root='{test}',
                                    ground_truth='{gt}', split='test', patches='whole'))
test_evaluator = dict(metric=['micro_auc'])
rmsprop = dict(type='RMSprop', lr=1e-2, alpha=0.6, momentum=0.0)
optim_wrapper = dict(generator=dict(optimizer=rmsprop), discriminator=dict(optimizer=rmsprop))
train_cfg = dict(max_epochs=4, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=1), logger=dict(interval=1))
model_selection = dict(metric='vad/micro_auc', rule='greater')
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('selection_tools')
    _write_store(root / 'train', [f'n{i:02d}' for i in range(16)])
    test_videos = ['t0', 't1', 't2', 't3']
    _write_store(root / 'test', test_videos, seed=1, anomalous=('t0', 't1'))
    (root / 'gt').mkdir()
    for v in test_videos:
        mask = np.zeros(160, np.uint8)
        if v in ('t0', 't1'):
            mask[48:96] = 1
        np.save(root / 'gt' / f'{v}.npy', mask)

    def config(name, val_split='train', val_holdout="dict(holdout, part='val')"):
        path = root / f'{name}.py'
        path.write_text(CONFIG.format(repo=REPO_ROOT, train=root / 'train', test=root / 'test',
                                      gt=root / 'gt', val_split=val_split,
                                      val_holdout=val_holdout))
        return str(path)
    return root, config


def test_training_keeps_the_best_validation_checkpoint_and_test_uses_it(setup, tool):
    root, config = setup
    cfg, work = config('gcl_val'), str(root / 'work')
    result = tool(['tools/train.py', cfg, '--work-dir', work], timeout=300)
    assert result.returncode == 0, result
    record = json.loads((root / 'work' / 'model_selection.json').read_text())
    history = record['history']
    assert [h['epoch'] for h in history] == [1, 2, 3, 4]
    best = max(history, key=lambda h: h['value'])
    assert record['best']['epoch'] == best['epoch'] and record['metric'] == 'vad/micro_auc'
    assert all(0.0 <= h['value'] <= 1.0 for h in history)
    assert (root / 'work' / 'best_checkpoint').read_text() == f'{work}/best.pth'
    assert (root / 'work' / 'model_selection.png').stat().st_size > 5000
    import torch
    saved = torch.load(f'{work}/best.pth', map_location='cpu', weights_only=False)
    assert saved['meta']['epoch'] == best['epoch']
    result = tool(['tools/test.py', cfg, work, '--work-dir', work], timeout=300)
    assert result.returncode == 0, result
    assert f'testing {work}/best.pth' in result.stdout


def test_the_tools_refuse_to_choose_on_the_test_split(setup, tool):
    root, config = setup
    cfg = config('gcl_val_on_test', val_split='test', val_holdout='None')
    result = tool(['tools/train.py', cfg, '--work-dir', str(root / 'refused')], timeout=120)
    assert result.returncode == 2, result
    assert "val_dataloader.dataset.split = 'test'" in result.stderr
    assert not (root / 'refused' / 'best.pth').exists()


def test_a_resumed_run_keeps_the_record(setup, tool):
    """Interrupted after 2 epochs (its last checkpoint saved before the 2nd validation),
    resumed to 4: every validation is in the record, and best.pth is the best of all."""
    root, config = setup
    cfg, work = config('gcl_val_resume'), str(root / 'resumed')
    result = tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
                   'train_cfg.max_epochs=2'], timeout=300)
    assert result.returncode == 0, result
    first = json.loads((root / 'resumed' / 'model_selection.json').read_text())['history']
    result = tool(['tools/train.py', cfg, '--work-dir', work, '--resume'], timeout=300)
    assert result.returncode == 0, result
    record = json.loads((root / 'resumed' / 'model_selection.json').read_text())
    assert [h['epoch'] for h in record['history']] == [1, 2, 3, 4]
    assert record['history'][:2] == first
    assert record['best'] == max(record['history'], key=lambda h: h['value'])
