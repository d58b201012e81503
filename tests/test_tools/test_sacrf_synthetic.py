"""SA-CRF's proof on the generated world, through the tools as a user runs them:
``configs/sacrf/sacrf_synthetic.py`` builds the ``medium`` world and its patch features
from nothing, trains on 80 video bags with video-level labels (20 anomalous) and scores
32 test videos; the MIL ranking plugin (``vadkit-mil-ranking``, Sultani et al.) is the
baseline on the same bags; Table 1's rows without the CRF and without the contrastive term
run from their configs; the end-to-end config learns the relation-aware extractor from the
frames. Measured numbers: docs/methods/sacrf.md."""
import json
import os.path as osp

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.helpers.runs import tool_runs

CONFIGS = osp.join(REPO_ROOT, 'configs', 'sacrf')
SACRF = osp.join(CONFIGS, 'sacrf_synthetic.py')
NO_CRF = osp.join(CONFIGS, 'sacrf_no_crf_synthetic.py')
NO_CONTRAST = osp.join(CONFIGS, 'sacrf_no_contrast_synthetic.py')
E2E = osp.join(CONFIGS, 'sacrf_e2e_synthetic.py')
MIL = osp.join(REPO_ROOT, 'vadkit_plugins', 'vadkit-mil-ranking', 'configs',
               'mil_ranking_synthetic.py')
SEEDS = (0, 1, 2)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Train + test runs, keyed by (config, seed, options), computed when first asked."""
    return tool_runs(tmp_path_factory.mktemp('sacrf_synthetic'))


@pytest.mark.timeout(1500)
def test_builds_its_world_and_bags_from_nothing(runs):
    first = runs(SACRF, 0)  # the first run generates the world and parses its segments
    root = runs.root
    with open(root / 'world' / 'world.json') as f:
        world = json.load(f)
    assert world['complete'] and len(world['videos']) == 112
    with open(root / 'world' / 'splits' / 'weak.json') as f:
        split = json.load(f)
    assert len(split['train']) == 80 and len(split['test']) == 32
    assert sum(item['label'] for item in split['train']) == 20  # the labelled bags
    clips = np.load(root / 'features' / 'videos' / split['train'][0]['video'] / 'clips.npy',
                    mmap_mode='r')
    assert clips.shape[1:] == (14, 25)  # the 1 + 4 + 9 patches of 25 built-in values
    assert set(first) >= {'micro_auc', 'macro_auc', 'ap', 'far', 'eer'}
    assert 0.0 <= first['far'] <= 0.2, first  # false alarms at 0.5 on the normal videos


@pytest.mark.timeout(1500)
def test_sacrf_beats_the_mil_ranking_plugin(runs):
    """The issue's target: micro AUC >= 0.75 and >= MIL + 0.03, mean of 3 seeds."""
    sacrf = [runs(SACRF, seed)['micro_auc'] for seed in SEEDS]
    mil = [runs(MIL, seed)['micro_auc'] for seed in SEEDS]
    assert np.mean(sacrf) >= 0.75, sacrf
    assert np.mean(sacrf) >= np.mean(mil) + 0.03, (sacrf, mil)


@pytest.mark.timeout(900)
def test_table_1_ablations_run_from_their_configs(runs):
    for config in (NO_CRF, NO_CONTRAST):
        result = runs(config, 0)
        assert result['micro_auc'] >= 0.70, (config, result['micro_auc'])


@pytest.mark.timeout(900)
def test_the_relation_aware_extractor_learns_from_frames(runs):
    """End to end: a small CNN and the relation-aware attention learn from two frames of
    each segment with the rest of SA-CRF (a short schedule)."""
    result = runs(E2E, 0, 'train_cfg.max_epochs=10')
    assert result['micro_auc'] >= 0.58, result['micro_auc']
