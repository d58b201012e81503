"""``benchmarks/ped2_end_to_end.sh`` on a cut-down copy of UCSD Ped2 (two training
videos, one test video, a few dozen frames each; 2 epochs): every stage runs through the
tools, writes its score file in the format of ``tools/test.py --out-scores``, its costs,
and is skipped when run again. The figures of the whole run are in docs/ped2.md."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, require_shared_data

FRAMES = dict(training=dict(zip(('01', '02'), (48, 48))), testing={'04': 40})


@pytest.fixture(scope='module')
def mini_ped2(tmp_path_factory):
    source = require_shared_data('ped2')
    root = tmp_path_factory.mktemp('ped2')
    for split, videos in FRAMES.items():
        for video, count in videos.items():
            folder = root / split / 'frames' / video
            folder.mkdir(parents=True)
            names = sorted(os.listdir(os.path.join(source, split, 'frames', video)))
            for name in names[:count]:
                shutil.copy(os.path.join(source, split, 'frames', video, name), folder)
    return root


@pytest.mark.timeout(900)
def test_the_script_runs_every_stage_and_resumes(mini_ped2, tmp_path):
    out = tmp_path / 'out'
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    command = ['bash', 'benchmarks/ped2_end_to_end.sh', str(out), str(mini_ped2),
               '--epochs', '2', '--threads', '1']
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, text=True, capture_output=True,
                          timeout=850)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in ('ped2_scores', 'ped2_scores_hsc_kinematics', 'ped2_scores_feature_ae',
                 'ped2_scores_frame_difference', 'ped2_scores_pixel_statistics'):
        scores = np.load(out / f'{name}.npz')
        assert scores.files == ['04'], name
        assert scores['04'].shape == (40, ) and np.isfinite(scores['04']).all(), name
        assert np.ptp(scores['04']) > 0, name
    costs = json.loads((out / 'costs.json').read_text())
    assert list(costs) == ['extract', 'train_hsc', 'test_hsc', 'train_hsc_kinematics',
                           'test_hsc_kinematics', 'train_feature_ae', 'test_feature_ae',
                           'pixels']
    assert all(c['returncode'] == 0 and c['wall_s'] > 0 and c['peak_rss_mib'] > 100
               for c in costs.values())
    table = (out / 'costs.md').read_text()
    assert table.count('\n') == 2 + 8 + 1 and '**all**' in table
    assert (out / 'ped2_score_curves.png').stat().st_size > 10000
    assert (out / 'curves' / 'hsc' / '04.png').is_file()
    index = json.loads((out / 'features' / 'index.json').read_text())
    assert sorted(index['videos']) == ['04', 'train_01', 'train_02']
    # run again: every stage is done and skipped
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, text=True, capture_output=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.count('done before, skipped') == 8, \
        proc.stdout


def test_a_pattern_split_parses_its_store_first(mini_ped2, tmp_path):
    from vadkit.datasets import ObjectClipDataset
    from vadkit.parsing import FeatureStore
    store = tmp_path / 'features'
    dataset = ObjectClipDataset(
        feature_root=str(store), split='train', videos=['train_*'],
        features=dict(appearance='objects_appearance', kinematics='objects_kinematics'),
        motion_stream=None, classes=dict(appearance='label', kinematics='label'),
        extract=dict(config='configs/parsing/builtin_ped2.py', data_root=str(mini_ped2)))
    assert len(dataset) > 20
    assert sorted(FeatureStore(str(store)).videos()) == ['04', 'train_01', 'train_02']
    assert sorted(set(dataset.rows['video_id'])) == ['train_01', 'train_02']
