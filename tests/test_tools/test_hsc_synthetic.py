"""HSC's proof on the generated world, through the tools as a user runs them:
``configs/hsc/hsc_synthetic.py`` builds its world and features from nothing, learns the
scene-dependent anomalies (micro AUC >= 0.80, mean of 3 seeds), beats a plain feature
autoencoder on the same features by >= 0.05, and its scene-aware encoder beats its
ablation (SA-E off, Table 3)."""
import json
import os.path as osp

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.helpers.runs import tool_runs

HSC = osp.join(REPO_ROOT, 'configs', 'hsc', 'hsc_synthetic.py')
AE = osp.join(REPO_ROOT, 'configs', 'baselines', 'feature_ae_synthetic.py')
SEEDS = (0, 1, 2)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Train + test runs, keyed by (config, seed, options), computed when first asked."""
    return tool_runs(tmp_path_factory.mktemp('hsc_synthetic'))


@pytest.mark.timeout(1500)
def test_builds_its_world_and_features_from_nothing(runs):
    first = runs(HSC, 0)  # the first run generates the world and parses it
    root = runs.root
    with open(root / 'world' / 'world.json') as f:
        world = json.load(f)
    assert world['complete'] and world['config']['scene_kinds'] == ['walkway', 'road', 'lawn']
    with open(root / 'features' / 'index.json') as f:
        index = json.load(f)
    assert len(index['videos']) == len(world['videos']) == 45
    assert 0 <= first['micro_auc'] <= 1


@pytest.mark.timeout(900)
def test_hsc_learns_scene_dependent_anomalies_and_beats_the_autoencoder(runs):
    hsc = [runs(HSC, seed)['micro_auc'] for seed in SEEDS]
    ae = [runs(AE, seed)['micro_auc'] for seed in SEEDS]
    assert np.mean(hsc) >= 0.80, hsc
    assert np.mean(hsc) >= np.mean(ae) + 0.05, (hsc, ae)


@pytest.mark.timeout(600)
def test_scene_aware_encoder_beats_its_ablation(runs):
    full = [runs(HSC, seed)['micro_auc'] for seed in SEEDS]
    blind = [runs(HSC, seed, 'model.stream_defaults.scene_aware=False')['micro_auc']
             for seed in SEEDS]
    assert np.mean(full) >= np.mean(blind) + 0.05, (full, blind)
