"""tools/extract_features.py: the whole parsing run on the generated world."""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, run_tool
from tests.helpers.files import tree_digest
from tests.helpers.world import write_tiny_world
from vadkit.parsing import FeatureStore

BUILTIN = osp.join(REPO_ROOT, 'configs', 'parsing', 'builtin_synthetic.py')
ORACLE = osp.join(REPO_ROOT, 'configs', 'parsing', 'oracle_synthetic.py')


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('parse_world'))
    write_tiny_world(root, test_videos=3, num_frames=(48, 64), seed=5)
    return root


def _extract(config, world, out, *extra, env=None):
    return run_tool(['tools/extract_features.py', config, '--data-root', world, '--out',
                     out, '--no-progress', *extra], env=env, timeout=300)


@pytest.fixture(scope='module')
def builtin_store(world, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('store') / 'builtin')
    result = _extract(BUILTIN, world, out)
    assert result.returncode == 0, result
    return out


def test_oracle_store_reproduces_ground_truth(world, tmp_path):
    out = str(tmp_path / 'oracle')
    result = _extract(ORACLE, world, out)
    assert result.returncode == 0, result
    store = FeatureStore(out)
    assert len(store.videos()) == 8
    for video in store.videos():
        with open(osp.join(world, 'annotations', f'{video}.json')) as f:
            ann = json.load(f)
        arrays, meta = store.read(video), store.meta(video)
        tracks = np.asarray(arrays['tracks'])
        assert meta['counts']['tracks'] == len(ann['tracks'])
        for track in ann['tracks']:
            rows = tracks[tracks[:, 1] == track['track_id']]
            np.testing.assert_array_equal(rows[:, 0], track['first_frame']
                                          + np.arange(track['num_frames']))
            np.testing.assert_allclose(rows[:, 3:7], np.asarray(track['boxes']), atol=1e-4)
            assert meta['labels'][int(rows[0, 2])] == track['category']
        # object clips: keypoints of tracked frames are the ground truth's
        index = np.asarray(arrays['objects_index'])
        kp = np.asarray(arrays['objects_keypoints'])
        mask = np.asarray(arrays['objects_mask'])
        for row, k, m in zip(index[:5], kp[:5], mask[:5]):
            clip, start, end, track_id = row[:4]
            track = next(t for t in ann['tracks'] if t['track_id'] == track_id)
            if 'keypoints' not in track:
                continue
            frames = start + np.flatnonzero(m)
            truth = np.asarray(track['keypoints'])[frames - track['first_frame']]
            np.testing.assert_allclose(k[m][:, :, :2], truth[:, :, :2], atol=1e-4)


def test_builtin_store_shapes_and_manifest(builtin_store):
    store = FeatureStore(builtin_store)
    with open(osp.join(builtin_store, 'manifest.json')) as f:
        manifest = json.load(f)
    assert manifest['config']['detector']['type'] == 'BackgroundSubtractionDetector'
    assert len(store.videos()) == 8
    total_objects = total_tubes = 0
    for video in store.videos():
        arrays, meta = store.read(video), store.meta(video)
        clips = meta['counts']['clips']
        assert clips == meta['num_frames'] // 16 and arrays['clip_spans'].shape == (clips, 2)
        assert arrays['scene'].shape[0] == clips and arrays['clips'].shape[:2] == (clips, 14)
        n = meta['counts']['objects']
        total_objects += n
        assert arrays['objects_index'].shape == (n, 6)
        for name in ('objects_appearance', 'objects_motion', 'objects_boxes',
                     'objects_keypoints', 'objects_mask'):
            assert arrays[name].shape[0] == n, name
        # motion only for tracklets longer than 10 frames: other rows are zero
        short = np.asarray(arrays['objects_index'])[:, 5] == 0
        assert not np.asarray(arrays['objects_motion'])[short].any()
        assert np.isfinite(np.asarray(arrays['objects_appearance'])).all()
        # tubes: one per group of overlapping tracked boxes at every frame from frame 4
        # on; the square region holds its members' boxes, enlarged by 25 %
        tubes, members = np.asarray(arrays['tubes']), np.asarray(arrays['tube_members'])
        tracks = np.asarray(arrays['tracks'])
        assert meta['counts']['tubes'] == len(tubes) == len(members) > 0
        assert tubes[:, 0].min() >= 4 and 'tube_crops' not in arrays
        for tube, ids in zip(tubes[::7], members[::7]):
            at = tracks[tracks[:, 0] == tube[0]]
            inside = at[np.isin(at[:, 1], ids[ids >= 0])]
            assert len(inside) == tube[5] and len(inside) >= 1
            assert (inside[:, 3] >= tube[1]).all() and (inside[:, 5] <= tube[3]).all()
            assert (inside[:, 4] >= tube[2]).all() and (inside[:, 6] <= tube[4]).all()
            np.testing.assert_allclose(tube[3] - tube[1], tube[4] - tube[2], rtol=1e-5)
            longest = max((inside[:, 5] - inside[:, 3]).max(),
                          (inside[:, 6] - inside[:, 4]).max())
            assert tube[3] - tube[1] >= 1.25 * longest - 1e-3
        total_tubes += len(tubes)
    assert total_objects > 20 and total_tubes > 100
    with open(osp.join(builtin_store, 'index.json')) as f:
        assert sorted(json.load(f)['videos']) == store.videos()


def test_kill_and_resume_gives_the_same_store(world, builtin_store, tmp_path):
    out = str(tmp_path / 'killed')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, 'tools/extract_features.py', BUILTIN,
                             '--data-root', world, '--out', out, '--no-progress'],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if osp.isdir(osp.join(out, 'videos')) and \
                len(FeatureStore(out).videos()) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, 'extraction finished before it could be killed'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = FeatureStore(out).videos()
    assert 3 <= len(done) < 8
    result = _extract(BUILTIN, world, out)
    assert result.returncode == 0, result
    assert f'{len(done)} already in' in result.stdout
    assert tree_digest(out) == tree_digest(builtin_store)


def test_two_ranks_give_the_same_store(world, builtin_store, tmp_path):
    out = str(tmp_path / 'two_ranks')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
                           '2', '--master_port', '29613', 'tools/extract_features.py', BUILTIN,
                           '--data-root', world, '--out', out, '--no-progress', '--launcher',
                           'pytorch'], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert tree_digest(out) == tree_digest(builtin_store)


def test_unreadable_video_is_reported_and_skipped(world, tmp_path):
    root = str(tmp_path / 'world')
    shutil.copytree(world, root)
    broken = osp.join(root, 'testing', 'frames', '01_0002', '0005.jpg')
    with open(broken, 'wb') as f:
        f.write(b'not a jpeg')
    out = str(tmp_path / 'store')
    result = _extract(ORACLE, root, out)
    assert result.returncode == 1, result
    assert 'skipping video 01_0002: video 01_0002: cannot read frame 0005.jpg' in result.stderr
    assert 'failed: 01_0002' in result.stderr
    store = FeatureStore(out)
    assert len(store.videos()) == 7 and '01_0002' not in store.videos()


def test_a_store_of_another_config_is_refused(world, builtin_store, tmp_path):
    result = _extract(ORACLE, world, builtin_store)
    assert result.returncode == 2
    assert 'feature store of another parsing config' in result.stderr


def test_parser_cuts_tube_crops_from_the_last_frames(world):
    from vadkit.parsing import VideoInfo, VideoParser, VideoSource, crop_square
    parser = VideoParser(detector=dict(type='OracleDetector'),
                         tracker=dict(type='OracleTracker'),
                         tube_builder=dict(type='ObjectTubeBuilder', crop_size=16, stride=3))
    video = '01_0001'
    with open(osp.join(world, 'annotations', f'{video}.json')) as f:
        annotation = json.load(f)
    source = VideoSource(osp.join(world, 'testing', 'frames', video))
    frames = list(source)
    arrays, meta = parser.parse(frames, VideoInfo(video, len(frames), 320, 240, 25.0,
                                                  annotation))
    tubes, crops = arrays['tubes'], arrays['tube_crops']
    assert crops.shape == (len(tubes), 5, 16, 16, 3) and len(tubes) > 10
    assert set(np.unique(tubes[:, 0] - 4) % 3) == {0}  # a tube ends every 3rd frame
    for tube, crop in zip(tubes[::5], crops[::5]):
        end = int(tube[0])
        for i in range(5):  # crop i comes from frame end - 4 + i, all of the same region
            np.testing.assert_array_equal(crop[i], crop_square(frames[end - 4 + i],
                                                               tube[1:5], 16))
