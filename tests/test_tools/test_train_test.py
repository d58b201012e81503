"""tools/train.py and tools/test.py as a user runs them."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter1d
from sklearn.metrics import roc_auc_score

from tests.conftest import REPO_ROOT, TOY_CONFIG
from vadkit.datasets import ToySegmentDataset
from vadkit.utils import safe_torch_load

HELPERS_ENV = {'PYTHONPATH': REPO_ROOT}  # only for the test-only hooks of tests/helpers


def test_train_then_test_writes_metrics(tool, toy_run, tmp_path):
    scores_path, raw_path = tmp_path / 'scores.npz', tmp_path / 'raw.npz'
    config = tmp_path / 'toy_smooth.py'
    config.write_text(f'_base_ = [{TOY_CONFIG!r}]\n'
                      'test_evaluator = dict(scorers=[dict(type="ExpandToFrames"), '
                      'dict(type="GaussianSmooth", sigma=2.0)])\n')
    result = tool(['tools/test.py', str(config), toy_run, '--work-dir', str(tmp_path),
                   '--out-scores', str(scores_path), '--out-raw-scores', str(raw_path)])
    assert result.returncode == 0, result
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    assert set(metrics) == {'micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'eer'}
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in metrics.values())
    assert metrics['micro_auc'] > 0.85 and metrics['eer'] < 0.2
    assert f"micro_auc  {metrics['micro_auc']:.4f}" in result.stdout

    # the numbers agree with an independent computation on the saved frame scores
    gt = ToySegmentDataset(split='test', num_videos=8, anomaly_rate=0.5).metainfo['video_gt']
    scores = np.load(scores_path)
    assert sorted(scores.files) == sorted(gt)
    y = np.concatenate([gt[k] for k in sorted(gt)])
    s = np.concatenate([scores[k] for k in sorted(gt)])
    assert metrics['micro_auc'] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    per_video = json.loads((tmp_path / 'metrics_per_video.json').read_text())
    assert sorted(per_video) == sorted(gt)
    assert per_video['test_000']['num_frames'] == len(gt['test_000'])
    assert metrics['macro_auc'] == pytest.approx(
        np.mean([v['auc'] for v in per_video.values()]), abs=1e-12)

    # raw scores are those before the smoothing; evaluation.json traces both steps
    raw = np.load(raw_path)
    assert sorted(raw.files) == sorted(gt)
    for k in gt:
        assert len(raw[k]) == len(gt[k]) and np.isfinite(scores[k]).all()
        np.testing.assert_allclose(scores[k], gaussian_filter1d(raw[k], 2.0), atol=1e-12)
    record = json.loads((tmp_path / 'evaluation.json').read_text())
    assert [s['type'] for s in record['scorers']] == ['ExpandToFrames', 'GaussianSmooth']
    assert record['scorers'][1]['sigma'] == 2.0
    assert record['evaluated_frames'] == record['ground_truth_frames'] == len(y)
    assert 'padded with one normal frame scored 0' in record['metrics']['macro_auc']


def test_checkpoint_dir_resolves_last_checkpoint(tool, toy_run, tmp_path):
    result = tool(['tools/test.py', TOY_CONFIG, osp.join(toy_run, 'epoch_20.pth'),
                   '--work-dir', str(tmp_path)])
    assert result.returncode == 0, result
    by_file = json.loads((tmp_path / 'metrics.json').read_text())
    with open(osp.join(toy_run, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('epoch_20.pth')
    result = tool(['tools/test.py', TOY_CONFIG, toy_run, '--work-dir', str(tmp_path / 'b')])
    assert json.loads((tmp_path / 'b' / 'metrics.json').read_text()) == by_file


def test_blind_test_set_writes_empty_metrics(tool, toy_run, tmp_path):
    result = tool(['tools/test.py', TOY_CONFIG, toy_run, '--work-dir', str(tmp_path),
                   '--out-scores', str(tmp_path / 's.npz'),
                   '--cfg-options', 'test_dataloader.dataset.labelled=False'])
    assert result.returncode == 0, result
    assert json.loads((tmp_path / 'metrics.json').read_text()) == {}
    assert 'no labels' in result.stdout
    assert len(np.load(tmp_path / 's.npz').files) == 8


def _weights(path):
    return safe_torch_load(path)['state_dict']


def test_resume_after_kill_matches_uninterrupted_run(tool, tmp_path):
    """SIGKILL mid-epoch, resume with --resume, and end with bit-identical weights."""
    opts = ['train_cfg.max_epochs=5', 'param_scheduler.0.milestones=[3]',
            'randomness.deterministic=True']
    full, cut = str(tmp_path / 'full'), str(tmp_path / 'cut')
    result = tool(['tools/train.py', TOY_CONFIG, '--work-dir', full, '--cfg-options', *opts])
    assert result.returncode == 0, result

    # 7 iterations an epoch: killed after iteration 25, in the middle of epoch 4
    kill_config = tmp_path / 'toy_kill.py'
    kill_config.write_text(
        f'_base_ = [{TOY_CONFIG!r}]\n'
        "custom_imports = dict(imports=['tests.helpers.hooks'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='KillAtIterHook', iteration=25)]\n")
    killed = tool(['tools/train.py', str(kill_config), '--work-dir', cut, '--cfg-options',
                   *opts], env=HELPERS_ENV)
    assert killed.returncode == -9, killed
    assert sorted(f for f in os.listdir(cut) if f.endswith('.pth')) == \
        ['epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth']

    resumed = tool(['tools/train.py', TOY_CONFIG, '--work-dir', cut, '--resume',
                    '--cfg-options', *opts])
    assert resumed.returncode == 0, resumed
    assert 'resumed epoch: 3, iter: 21' in resumed.stdout + resumed.stderr
    a, b = _weights(osp.join(full, 'epoch_5.pth')), _weights(osp.join(cut, 'epoch_5.pth'))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # and the run did learn something after the resume point
    c = _weights(osp.join(cut, 'epoch_3.pth'))
    assert any(not torch.equal(a[k], c[k]) for k in a)
