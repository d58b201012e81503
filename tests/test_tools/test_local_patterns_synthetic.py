"""ITAM + SMM's proof on generated object tubes, through the tools as a user runs them:
``configs/local_patterns/local_patterns_synthetic.py`` builds its world (two walkway
scenes, novel behaviours as anomalies) and cuts its tubes from nothing, trains the spatial
stage (ITAM, ground-truth captions) and then the temporal stage (SMM, the spatial part
frozen) in one ``tools/train.py`` call, and scores the test tubes by their prediction
error.

The default suite runs seed 0 (about 8 minutes on 2 cores, the world and its tubes
included); the slow suite the issue's target, micro AUC >= 0.70 as the mean of seeds
0 / 1 / 2 (docs/methods/local_patterns.md has the measured figures)."""
import json
import os.path as osp

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.helpers.runs import tool_runs

CONFIG = osp.join(REPO_ROOT, 'configs', 'local_patterns', 'local_patterns_synthetic.py')
SEEDS = (0, 1, 2)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Train + test runs, keyed by (config, seed, options), computed when first asked."""
    return tool_runs(tmp_path_factory.mktemp('local_patterns_synthetic'))


@pytest.mark.timeout(1500)
def test_both_stages_train_from_nothing_and_the_tubes_score_anomalies(runs):
    first = runs(CONFIG, 0)  # generates the world, cuts its tubes, trains both stages
    root = runs.root
    with open(root / 'world' / 'world.json') as f:
        world = json.load(f)
    assert world['complete'] and world['config']['scene_kinds'] == ['walkway', 'walkway']
    assert 'loiter' not in world['config']['anomaly_behaviours']
    work = next(p for p in root.iterdir() if p.name.startswith('local_patterns_synthetic_0'))
    marker = json.loads((work / 'spatial' / 'stage.json').read_text())
    assert marker['checkpoint'].endswith('iter_800.pth')
    assert osp.isfile(work / 'spatial' / 'carry.pth') and osp.isfile(work / 'epoch_40.pth')
    # the spatial stage learned to align crops with their captions (chance: log 120)
    log = (work / 'spatial').rglob('*.log')
    text = ''.join(p.read_text() for p in log)
    last = [float(line.split('loss_itc_appearances: ')[1].split()[0])
            for line in text.splitlines() if 'loss_itc_appearances: ' in line][-1]
    assert last < 0.9 * np.log(120), last
    assert first['micro_auc'] >= 0.62, first  # seed 0 measured: see the card


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_micro_auc_of_three_seeds_reaches_the_target(runs):
    aucs = [runs(CONFIG, seed)['micro_auc'] for seed in SEEDS]
    assert np.mean(aucs) >= 0.70, aucs
