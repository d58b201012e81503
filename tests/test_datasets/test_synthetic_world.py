"""The generated surveillance world: layout, determinism, ground truth, difficulty."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from tests.helpers.files import tree_digest
from vadkit.datasets.annotations import count_frames, load_frame_masks
from vadkit.datasets.synthetic import (SyntheticVideos, plan_world, simulate_video,
                                       world_config, write_world)
from vadkit.datasets.synthetic.probes import (frame_difference_scores, pixel_statistics_scores,
                                              speed_oracle_scores)
from vadkit.evaluation import macro_auc, micro_auc
from vadkit.utils.errors import DataError

TINY = dict(train_videos=2, test_videos=3)


@pytest.fixture(scope='module')
def small_world(tmp_path_factory):
    """The `small` preset, as the README's demo writes it (about 15 s on 2 cores)."""
    root = str(tmp_path_factory.mktemp('small_world'))
    write_world(root, world_config('small'), seed=1, workers=2, progress=False)
    return root


@pytest.fixture(scope='module')
def tiny_world(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tiny_world'))
    write_world(root, world_config('tiny', **TINY), seed=3, progress=False)
    return root


def _digest(root):
    """sha256 of every frame, mask, annotation and split file, by relative path."""
    return tree_digest(root, lambda rel: rel.startswith('videos') or rel == 'world.json'
                       or rel.endswith('.png'))


def test_layout_is_the_public_one(small_world):
    root = small_world
    with open(osp.join(root, 'world.json')) as f:
        meta = json.load(f)
    assert meta['complete'] and len(meta['scenes']) == 2 and len(meta['videos']) == 30
    train = count_frames(osp.join(root, 'training', 'frames'))
    test = count_frames(osp.join(root, 'testing', 'frames'))
    assert len(train) == 10 and len(test) == 20
    masks = load_frame_masks(osp.join(root, 'testing', 'test_frame_mask'))
    assert sorted(masks) == sorted(test)
    assert all(masks[k].size == test[k] for k in test)
    assert sum(int(m.any()) for m in masks.values()) >= 10  # anomaly_rate 0.6 of 20
    first = sorted(os.listdir(osp.join(root, 'testing', 'frames', '01_0001')))[:2]
    assert first == ['0000.jpg', '0001.jpg']
    # the same frames as a video file OpenCV reads
    cap = cv2.VideoCapture(osp.join(root, 'videos', '01_0001.avi'))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, image = cap.read()
    cap.release()
    assert ok and frames == test['01_0001'] and image.shape == (240, 320, 3)
    jpg = cv2.imread(osp.join(root, 'testing', 'frames', '01_0001', '0000.jpg'))
    assert np.abs(image.astype(int) - jpg).mean() < 4  # two lossy encodings of one frame


def test_splits_follow_the_three_regimes(small_world):
    splits = {}
    for name in ('one_class', 'weak', 'unsupervised'):
        with open(osp.join(small_world, 'splits', f'{name}.json')) as f:
            splits[name] = json.load(f)
    masks = load_frame_masks(osp.join(small_world, 'testing', 'test_frame_mask'))
    one_class, weak = splits['one_class'], splits['weak']
    assert len(one_class['train']) == 10 and len(one_class['test']) == 20
    assert not set(one_class['train']) & set(one_class['test'])
    # weak: half the anomalous and half the normal test videos move to training
    labels = {d['video']: d['label'] for d in weak['train'] + weak['test']}
    assert sorted(labels) == sorted(one_class['train'] + one_class['test'])
    for video, label in labels.items():
        assert label == int(masks[video].any() if video in masks else 0), video
    moved = [d for d in weak['train'] if d['video'] in masks]
    anomalous = sum(int(m.any()) for m in masks.values())
    assert sum(d['label'] for d in moved) == round(anomalous * 0.5)
    assert splits['unsupervised'] == dict(train=[d['video'] for d in weak['train']],
                                          test=[d['video'] for d in weak['test']])


def test_ground_truth_agrees_with_actors_and_pixels(small_world):
    root = small_world
    masks = load_frame_masks(osp.join(root, 'testing', 'test_frame_mask'))
    anomalous = [k for k in sorted(masks) if masks[k].any()]
    normal = [k for k in sorted(masks) if not masks[k].any()]
    for video in anomalous[:2] + anomalous[-2:] + normal[:1]:
        with open(osp.join(root, 'annotations', f'{video}.json')) as f:
            ann = json.load(f)
        mask = masks[video]
        on_screen = np.zeros(ann['num_frames'], np.uint8)
        for track in ann['tracks']:
            flags = np.asarray(track['anomalous'], bool)
            frames = track['first_frame'] + np.flatnonzero(flags)
            on_screen[frames] = 1
            boxes = np.asarray(track['boxes'])
            assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
            assert (boxes >= 0).all() and (boxes[:, [0, 2]] <= 320).all()
            if 'keypoints' in track:
                kp = np.asarray(track['keypoints'])
                visible = kp[:, :, 2] > 0
                x, y = kp[:, :, 0], kp[:, :, 1]
                inside = ((x >= boxes[:, None, 0] - 1) & (x <= boxes[:, None, 2] + 1)
                          & (y >= boxes[:, None, 1] - 1) & (y <= boxes[:, None, 3] + 1))
                assert inside[visible].all(), (video, track['track_id'])
        np.testing.assert_array_equal(mask, on_screen)  # abnormal frame <=> abnormal actor
        assert ann['label'] == int(mask.any())
        if not mask.any():
            assert ann['anomalous_regions'] == []
            continue
        # the anomalous actor is really drawn: its box differs from the empty scene
        background = cv2.imread(osp.join(root, 'scenes', f'{ann["scene_id"]}.png'))
        regions = np.asarray(ann['anomalous_regions'])
        assert set(regions[:, 0].astype(int)) == set(np.flatnonzero(mask))
        frame, _, x1, y1, x2, y2 = regions[len(regions) // 2].astype(int)
        image = cv2.imread(osp.join(root, 'testing', 'frames', video, f'{frame:04d}.jpg'))
        patch = np.abs(image[y1:y2, x1:x2].astype(int) - background[y1:y2, x1:x2]).mean()
        assert patch > 15, (video, frame, patch)


def test_difficulty_is_neither_impossible_nor_trivial(small_world):
    """An actor-motion score informed by the training annotations reaches a high AUC, a
    constant 0.5, pixel statistics and frame differences stay below 0.75 (frame-level)."""
    with open(osp.join(small_world, 'splits', 'one_class.json')) as f:
        split = json.load(f)
    gt = load_frame_masks(osp.join(small_world, 'testing', 'test_frame_mask'), split['test'])
    oracle = speed_oracle_scores(small_world, split['train'], split['test'])
    assert micro_auc(oracle, gt) > 0.9 and macro_auc(oracle, gt).mean > 0.9
    assert micro_auc({k: np.zeros(v.size) for k, v in gt.items()}, gt) == 0.5
    dirs = {v: osp.join(small_world, 'testing', 'frames', v) for v in split['test']}
    assert micro_auc(frame_difference_scores(dirs), gt) < 0.75
    assert micro_auc(pixel_statistics_scores(dirs), gt) < 0.75


def test_same_seed_same_bytes_other_seed_other_world(tiny_world, tmp_path):
    again = str(tmp_path / 'again')
    write_world(again, world_config('tiny', **TINY), seed=3, progress=False)
    a, b = _digest(tiny_world), _digest(again)
    assert a == b and len(a) > 100
    other = str(tmp_path / 'other')
    write_world(other, world_config('tiny', **TINY), seed=4, progress=False)
    c = _digest(other)
    assert sum(a[k] != c.get(k) for k in a) > 0.9 * len(a)


def test_interrupted_generation_resumes(tiny_world, tmp_path):
    import shutil
    root = str(tmp_path / 'resumed')
    shutil.copytree(tiny_world, root)
    # as if killed while writing video 02_0002: annotation missing, a partial folder left
    os.remove(osp.join(root, 'annotations', '02_0002.json'))
    shutil.rmtree(osp.join(root, 'testing', 'frames', '02_0002'))
    os.makedirs(osp.join(root, 'testing', 'frames', '02_0002.partial'))
    stamp = os.path.getmtime(osp.join(root, 'annotations', '01_0001.json'))
    write_world(root, world_config('tiny', **TINY), seed=3, progress=False)
    assert _digest(root) == _digest(tiny_world)
    assert os.path.getmtime(osp.join(root, 'annotations', '01_0001.json')) == stamp
    assert not osp.exists(osp.join(root, 'testing', 'frames', '02_0002.partial'))
    with pytest.raises(DataError, match='holds another synthetic world'):
        write_world(root, world_config('tiny', **TINY), seed=5, progress=False)


def test_scene_dependent_anomalies():
    """Cyclists are normal on the road and anomalous on the walkway."""
    config = world_config('tiny', train_videos=1, test_videos=8, anomaly_rate=1.0,
                          anomaly_behaviours=('ride', 'run'))
    plan = plan_world(config, seed=0)
    kinds = {i: s.kind for i, s in enumerate(plan.scenes)}
    seen = {('walkway', 'ride'): False, ('road', 'ride'): False}
    for video in plan.videos:
        sim = simulate_video(video, plan.scenes[video.scene_index], config)
        for track in sim.tracks:
            key = (kinds[video.scene_index], track.behaviour)
            if key == ('walkway', 'ride'):
                assert track.anomalous.all()
                seen[key] = True
            if key == ('road', 'ride'):
                assert not track.anomalous.any()
                seen[key] = True
    assert all(seen.values()), seen


def test_dataset_reads_and_generates(tmp_path):
    root = str(tmp_path / 'world')
    test = SyntheticVideos(root, split='test',
                           generate=dict(preset='tiny', seed=2, **TINY))
    masks = load_frame_masks(osp.join(root, 'testing', 'test_frame_mask'))
    assert len(test) == 6 and sorted(test.metainfo['video_gt']) == sorted(masks)
    item = test[0]
    assert set(item) >= {'video_id', 'frame_dir', 'num_frames', 'label', 'scene_id'}
    assert item['num_frames'] == len(os.listdir(item['frame_dir']))
    assert test.metainfo['video_groups']['scene'][item['video_id']] == item['scene_id']
    weak = SyntheticVideos(root, split='train', regime='weak')
    with open(osp.join(root, 'splits', 'weak.json')) as f:
        weak_split = json.load(f)['train']
    assert [(i['video_id'], i['label']) for i in weak] == \
        [(d['video'], d['label']) for d in weak_split]
    assert 4 < len(weak) < 10 and {i['label'] for i in weak} == {0, 1}
    unsupervised = SyntheticVideos(root, split='train', regime='unsupervised')
    assert all('label' not in i for i in unsupervised)
    with pytest.raises(DataError, match='holds no synthetic world'):
        SyntheticVideos(str(tmp_path / 'nothing'))


def test_make_synthetic_tool_writes_world_and_contact_sheet(tool, tmp_path):
    out = tmp_path / 'w'
    result = tool(['tools/misc/make_synthetic.py', '--out', str(out), '--preset', 'tiny',
                   '--workers', '1', '--set', 'train_videos=1', 'test_videos=2',
                   'anomaly_rate=1.0'])
    assert result.returncode == 0, result
    assert '6 videos' in result.stdout and 'contact sheet' in result.stdout
    sheet = cv2.imread(str(out / 'contact_sheet.png'))
    assert sheet is not None and sheet.shape[0] > 100 and sheet.shape[1] > 300
    bad = tool(['tools/misc/make_synthetic.py', '--out', str(tmp_path / 'x'),
                '--set', 'colour=red'])
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad
    assert '--set colour=red: expected key=value with key one of' in bad.stderr


def test_region_ground_truth_feeds_rbdc(small_world):
    """The anomalous regions are what RBDC/TBDC need: predicting exactly them detects every
    region and track with no false positive; shifted boxes detect nothing."""
    from vadkit.evaluation import region_track_detection
    masks = load_frame_masks(osp.join(small_world, 'testing', 'test_frame_mask'))
    truth, perfect, shifted = {}, {}, {}
    for video in masks:
        with open(osp.join(small_world, 'annotations', f'{video}.json')) as f:
            regions = np.asarray(json.load(f)['anomalous_regions']).reshape(-1, 6)
        truth[video] = regions
        rows = np.column_stack([regions[:, [0, 2, 3, 4, 5]], np.ones(len(regions))])
        perfect[video] = rows
        moved = rows.copy()
        moved[:, [1, 3]] += 400  # far outside every ground-truth box
        shifted[video] = moved
    num_frames = {k: v.size for k, v in masks.items()}
    result = region_track_detection(perfect, truth, num_frames)
    assert result.rbdc == pytest.approx(1.0) and result.tbdc == pytest.approx(1.0)
    assert result.fpr.max() == 0
    assert region_track_detection(shifted, truth, num_frames).rbdc == 0.0
