"""tools/analysis/eval_scores.py: saved frame scores against a ground-truth folder."""
import importlib.util
import json
import re
import os.path as osp

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d
from sklearn.metrics import average_precision_score, roc_auc_score

from tests.conftest import REPO_ROOT

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'eval_scores.py')


@pytest.fixture(scope='module')
def eval_scores():
    spec = importlib.util.spec_from_file_location('eval_scores_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _world(tmp_path, seed=0, num_videos=5):
    """A ground-truth folder and noisy scores: half the videos hold an anomaly."""
    rng = np.random.default_rng(seed)
    gt_dir = tmp_path / 'test_frame_mask'
    gt_dir.mkdir()
    labels, scores = {}, {}
    for i in range(num_videos):
        n = int(rng.integers(60, 120))
        y = np.zeros(n, np.int8)
        if i % 2 == 0:
            y[n // 3:n // 2] = 1
        name = f'{i + 1:02d}'
        np.save(gt_dir / f'{name}.npy', y)
        labels[name] = y
        scores[name] = y + rng.normal(0, 0.7, n)
    np.savez(tmp_path / 'scores.npz', **scores)
    return str(tmp_path / 'scores.npz'), str(gt_dir), scores, labels


def _concat(arrays, keys):
    return np.concatenate([arrays[k] for k in keys])


def test_plain_scores_match_independent_numbers(eval_scores, tmp_path, capsys):
    npz, gt_dir, scores, labels = _world(tmp_path)
    out = tmp_path / 'metrics.json'
    eval_scores([npz, '--gt', gt_dir, '--json', str(out), '--details',
                 str(tmp_path / 'details.json')])
    metrics = json.loads(out.read_text())
    keys = sorted(labels)
    y, s = _concat(labels, keys), _concat(scores, keys)
    assert metrics['micro_auc'] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert metrics['ap'] == pytest.approx(average_precision_score(y, s), abs=1e-12)
    normal = [k for k in keys if not labels[k].any()]
    assert metrics['far'] == pytest.approx(np.mean(_concat(scores, normal) >= 0.5), abs=1e-12)
    # normal videos are single-class: padded with (0 -> normal, float max -> anomalous)
    padded = [roc_auc_score(labels[k], scores[k]) if labels[k].any() else
              roc_auc_score(np.r_[0, labels[k], 1], np.r_[0.0, scores[k], 1e308])
              for k in keys]
    assert metrics['macro_auc'] == pytest.approx(np.mean(padded), abs=1e-12)
    assert set(metrics) == {'micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'far', 'eer'}
    printed = capsys.readouterr().out
    assert f"micro_auc  {metrics['micro_auc']:.4f}" in printed
    assert f'5 videos, {len(y)} frames evaluated' in printed
    details = json.loads((tmp_path / 'details.json').read_text())
    assert [s['type'] for s in details['evaluation']['scorers']] == ['ExpandToFrames']
    assert details['per_video']['02']['single_class'] is True


def test_smoothing_is_per_video(eval_scores, tmp_path):
    npz, gt_dir, scores, labels = _world(tmp_path)
    out = tmp_path / 'metrics.json'
    eval_scores([npz, '--gt', gt_dir, '--smooth', '4', '--metric', 'micro_auc', '--json',
                 str(out)])
    keys = sorted(labels)
    smoothed = {k: gaussian_filter1d(scores[k], 4.0) for k in keys}
    expected = roc_auc_score(_concat(labels, keys), _concat(smoothed, keys))
    assert json.loads(out.read_text()) == {'micro_auc': pytest.approx(expected, abs=1e-12)}


def test_scorers_from_a_config(eval_scores, tmp_path, capsys):
    npz, gt_dir, scores, labels = _world(tmp_path)
    config = tmp_path / 'post.py'
    config.write_text("scorers = [dict(type='ExpandToFrames'), dict(type='Normalize'),\n"
                      "           dict(type='MedianSmooth', kernel_size=5)]\n")
    out = tmp_path / 'metrics.json'
    eval_scores([npz, '--gt', gt_dir, '--scorers', str(config), '--metric', 'far',
                 '--json', str(out)])
    assert 'skipping its expander ExpandToFrames' in capsys.readouterr().out
    from scipy.ndimage import median_filter
    post = {k: median_filter((v - v.min()) / np.ptp(v), size=5, mode='nearest')
            for k, v in scores.items()}
    normal = [k for k in sorted(labels) if not labels[k].any()]
    expected = np.mean(_concat(post, normal) >= 0.5)
    assert json.loads(out.read_text())['far'] == pytest.approx(expected, abs=1e-12)


def test_subset_and_missing_videos(eval_scores, tmp_path, capsys):
    npz, gt_dir, scores, labels = _world(tmp_path)
    partial = {k: scores[k] for k in ('01', '02', '03')}
    np.savez(tmp_path / 'partial.npz', **partial)
    with pytest.raises(SystemExit) as exit_info:
        eval_scores([str(tmp_path / 'partial.npz'), '--gt', gt_dir])
    assert exit_info.value.code == 2
    assert 'no scores for ground-truth video(s) 04, 05' in capsys.readouterr().err
    out = tmp_path / 'm.json'
    eval_scores([str(tmp_path / 'partial.npz'), '--gt', gt_dir, '--subset', '--metric',
                 'micro_auc', '--json', str(out)])
    keys = ['01', '02', '03']
    expected = roc_auc_score(_concat(labels, keys), _concat(scores, keys))
    assert json.loads(out.read_text())['micro_auc'] == pytest.approx(expected, abs=1e-12)
    assert '2 ground-truth videos without scores left out' in capsys.readouterr().out


@pytest.mark.parametrize('change,message', [
    (lambda s: s.update({'99': np.zeros(10)}), r'scores for video\(s\) not in .*: 99'),
    (lambda s: s['03'].__setitem__(7, np.nan), 'video 03: score of frame 7 is nan'),
    (lambda s: s.update({'03': s['03'][:-2]}), r'video 03: \d+ scored frames but \d+ '
                                               'ground-truth frames'),
    (lambda s: s.update({'03': np.ones((4, 2))}), 'video 03: expected a 1-D array'),
])
def test_bad_scores_name_the_video(eval_scores, tmp_path, capsys, change, message):
    npz, gt_dir, scores, labels = _world(tmp_path)
    change(scores)
    np.savez(npz, **scores)
    with pytest.raises(SystemExit) as exit_info:
        eval_scores([npz, '--gt', gt_dir])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err


def test_length_tolerance_cuts_and_reports(eval_scores, tmp_path, capsys):
    npz, gt_dir, scores, labels = _world(tmp_path)
    scores['03'] = scores['03'][:-2]
    np.savez(npz, **scores)
    details = tmp_path / 'details.json'
    eval_scores([npz, '--gt', gt_dir, '--length-tolerance', '2', '--metric', 'micro_auc',
                 '--json', str(tmp_path / 'm.json'), '--details', str(details)])
    record = json.loads(details.read_text())['evaluation']
    n = len(labels['03'])
    assert record['length_cuts'] == {'03': [n - 2, n]}
    labels['03'] = labels['03'][:-2]
    keys = sorted(labels)
    expected = roc_auc_score(_concat(labels, keys), _concat(scores, keys))
    assert json.loads((tmp_path / 'm.json').read_text())['micro_auc'] == \
        pytest.approx(expected, abs=1e-12)


def test_avenue_masks_with_plots(tool, shared_data, tmp_path):
    """The real Avenue ground truth (21 videos, 15,324 frames), run as a user would."""
    gt_dir = shared_data('ground_truth', 'avenue', 'test_frame_mask')
    rng = np.random.default_rng(3)
    labels = {f'{i:02d}': np.load(osp.join(gt_dir, f'{i:02d}.npy')) for i in range(1, 22)}
    scores = {k: y + rng.normal(0, 1.0, y.size) for k, y in labels.items()}
    np.savez(tmp_path / 'scores.npz', **scores)
    result = tool([TOOL, str(tmp_path / 'scores.npz'), '--gt', gt_dir, '--json',
                   str(tmp_path / 'm.json'), '--plot-dir', str(tmp_path / 'plots')])
    assert result.returncode == 0, result
    assert '21 videos, 15324 frames evaluated' in result.stdout
    metrics = json.loads((tmp_path / 'm.json').read_text())
    keys = sorted(labels)
    assert metrics['micro_auc'] == pytest.approx(
        roc_auc_score(_concat(labels, keys), _concat(scores, keys)), abs=1e-12)
    assert 'far' not in metrics  # every Avenue test video holds an anomaly
    pngs = sorted(p.name for p in (tmp_path / 'plots').iterdir())
    assert pngs == [f'{k}.png' for k in keys]
    with open(tmp_path / 'plots' / '06.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
