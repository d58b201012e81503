"""Scoring one raw video: ``vadkit.apis.calibrate`` / ``score_video`` and
``tools/demo/score_video.py``, with HSC trained on the tiny generated world through the
tools (about a minute), and ``tools/test.py --plot-dir`` on the same run."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from tests.conftest import REPO_ROOT, run_tool
from vadkit.apis import calibrate, init_model, score_video
from vadkit.scoring import build_scorer_pipeline, calibrate_threshold, true_intervals
from vadkit.utils.errors import DataError
from vadkit.scoring.deploy import fit_pipeline, pipeline_from_stats

HSC = osp.join(REPO_ROOT, 'configs', 'hsc', 'hsc_synthetic.py')
TINY = ['train_dataloader.dataset.videos.generate.preset=tiny',
        'test_dataloader.dataset.videos.generate.preset=tiny']


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """HSC trained and tested on the tiny world; the test's raw scores and curves."""
    root = tmp_path_factory.mktemp('score_video')
    options = ['--cfg-options', f'data_root={root}/world', f'feature_root={root}/features',
               *TINY]
    work = str(root / 'hsc')
    result = run_tool(['tools/train.py', HSC, '--work-dir', work, *options], timeout=600)
    assert result.returncode == 0, result
    result = run_tool(['tools/test.py', HSC, work, '--work-dir', work, '--out-raw-scores',
                       str(root / 'raw.npz'), '--plot-dir', str(root / 'curves'), *options],
                      timeout=300)
    assert result.returncode == 0, result
    cfg_options = {'data_root': f'{root}/world', 'feature_root': f'{root}/features',
                   **dict(o.split('=') for o in TINY)}
    model = init_model(HSC, work, cfg_options=cfg_options)
    return dict(root=root, work=work, model=model, options=options, test_log=result.stdout,
                raw=dict(np.load(root / 'raw.npz')), calibration=calibrate(model, 0.05))


def test_test_tool_plots_a_curve_per_test_video(run):
    curves = sorted(os.listdir(run['root'] / 'curves'))
    videos = sorted(k.split('/')[1] for k in run['raw'] if k.startswith('appearance/'))
    assert curves == [f'{v}.png' for v in videos] and len(videos) == 12
    assert '12 score curves written' in run['test_log']
    image = cv2.imread(str(run['root'] / 'curves' / curves[0]))
    assert image.shape[0] > 150 and image.std() > 5


def test_calibration_fits_the_training_frames(run):
    calib = run['calibration']
    assert calib['videos'] and not calib['left_out_anomalous']
    assert calib['measured_false_alarm_rate'] <= 0.05
    # the fitted min-max of each stream: stats = (min, max - min) of the training frames
    stats = calib['stats']['1']
    assert set(stats) == {'appearance', 'motion'}
    assert all(s['std'] > 0 for s in stats.values())
    # the threshold is the calibrated one of the fitted pipeline's training frame scores
    from vadkit.apis.score_video import _dataset_cfg, _run
    cfg = run['model'].cfg
    dataset = _dataset_cfg(cfg, 'test')
    train = _dataset_cfg(cfg, 'train')
    for key in ('extract', 'ground_truth'):
        dataset.pop(key, None)
    dataset.update(split='train', feature_root=train['feature_root'], videos=train['videos'],
                   extract=train['extract'])
    records, meta, _ = _run(run['model'], cfg, dataset)
    num_frames = {v: meta['num_frames'][v] for v in records}
    _, again, result = fit_pipeline(build_scorer_pipeline(calib['scorers']), records,
                                    num_frames)
    assert again == calib['stats']
    pooled = np.concatenate([v.streams['final'] for v in result.scores.values()])
    assert pooled.size == calib['frames']
    assert calib['threshold'] == calibrate_threshold(pooled, 0.05)
    raw = fit_pipeline(build_scorer_pipeline(calib['scorers'][:1]), records,
                       num_frames)[2].scores
    for stream in ('appearance', 'motion'):
        values = np.concatenate([v.streams[stream] for v in raw.values()])
        assert stats[stream]['mean'] == pytest.approx(values.min())
        assert stats[stream]['std'] == pytest.approx(np.ptp(values))


def test_score_video_scores_a_frame_folder_as_the_test_run_did(run, tmp_path):
    video = run['root'] / 'world' / 'testing' / 'frames' / '01_0001'
    calib = run['calibration']
    out = score_video(run['model'], str(video), str(tmp_path), calibration=calib,
                      min_frames=3, merge_gap=4, progress=False)
    n = len(os.listdir(video))
    assert out['video_id'] == '01_0001' and out['num_frames'] == n
    # the same items and raw scores as tools/test.py on the world's own feature store
    for stream in ('appearance', 'motion'):
        np.testing.assert_allclose(out['raw_scores'][stream],
                                   run['raw'][f'{stream}/01_0001'], rtol=1e-5)
    # frame scores by hand: training min-max per stream, 0.5 / 0.5, Gaussian sigma 3
    stats = calib['stats']['1']
    fused = sum(0.5 * (out['raw_scores'][s] - stats[s]['mean']) / stats[s]['std']
                for s in ('appearance', 'motion'))
    np.testing.assert_allclose(out['frame_scores'],
                               gaussian_filter1d(fused, 3.0, mode='reflect', truncate=4.0),
                               rtol=1e-6, atol=1e-9)
    assert out['objects'] and all(o['track_id'] is not None for o in out['objects'])
    assert all(np.isfinite(o['score']) for o in out['objects'])
    # alarms: each event's frames score above the threshold except merged gaps of <= 4
    above = out['frame_scores'] > out['threshold']
    for event in out['alarms']:
        assert event['end'] - event['start'] >= 3
        assert above[event['start']] and above[event['end'] - 1]
        assert out['frame_scores'][event['peak_frame']] == event['peak_score']
        assert event['start_s'] == pytest.approx(event['start'] / out['fps'], abs=1e-3)
    covered = np.zeros(n, bool)
    for event in out['alarms']:
        covered[event['start']:event['end']] = True
    # what no event covers are runs above the threshold shorter than min_frames
    assert all(b - a < 3 for a, b in true_intervals(above & ~covered))
    assert covered.any()  # an anomalous video of an overfitted tiny model alarms
    # the files
    files = out['files']
    saved = json.loads(open(files['json']).read())
    assert saved['alarms'] == json.loads(json.dumps(out['alarms']))
    np.testing.assert_allclose(saved['frame_scores'], out['frame_scores'])
    assert saved['threshold'] == out['threshold'] and len(saved['objects']) == len(
        out['objects'])
    assert json.loads(open(files['calibration']).read())['threshold'] == calib['threshold']
    assert cv2.imread(files['plot']).std() > 5
    capture = cv2.VideoCapture(files['video'])
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, frame = capture.read()
    capture.release()
    height, width = cv2.imread(str(video / sorted(os.listdir(video))[0])).shape[:2]
    assert ok and count == n and frame.shape[1] == 2 * width and frame.shape[0] > 2 * height
    with pytest.raises(DataError, match=f'video 01_0001 has {n - 1} frames, the video {n}'):
        score_video(run['model'], str(video), str(tmp_path), calibration=calib,
                    ground_truth=np.zeros(n - 1), write_video=False, progress=False)


def test_object_scores_follow_the_fitted_steps(run):
    from vadkit.scoring.deploy import object_scores
    calib = run['calibration']
    pipeline = pipeline_from_stats(calib['scorers'], calib['stats'])
    stats = calib['stats']['1']
    record = dict(scores=dict(appearance=np.float32(stats['appearance']['mean'] + 2.0),
                              motion=np.float32(stats['motion']['mean'])))
    expected = 0.5 * 2.0 / stats['appearance']['std']
    assert object_scores(pipeline, [record])[0] == pytest.approx(expected, rel=1e-5)
    assert np.isnan(object_scores(pipeline, [dict(scores=dict(appearance=np.ones(3),
                                                               motion=np.ones(3)))])[0])


def test_the_tool_scores_an_mp4_and_reuses_its_features(run, tmp_path):
    frames = run['root'] / 'world' / 'testing' / 'frames' / '01_0003'
    names = sorted(os.listdir(frames))
    first = cv2.imread(str(frames / names[0]))
    path = tmp_path / 'clips' / 'street.mp4'
    path.parent.mkdir()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25.0,
                             (first.shape[1], first.shape[0]))
    for name in names:
        writer.write(cv2.imread(str(frames / name)))
    writer.release()
    out = tmp_path / 'out'
    annotation = run['root'] / 'world' / 'annotations' / '01_0003.json'
    calib = tmp_path / 'calibration.json'
    calib.write_text(json.dumps(run['calibration']))
    args = ['tools/demo/score_video.py', HSC, run['work'], str(path), '--out-dir', str(out),
            '--calibration', str(calib), '--annotation', str(annotation), '--no-video',
            *run['options']]
    result = run_tool(args, timeout=300)
    assert result.returncode == 0, result
    assert f'street: {len(names)} frames' in result.stdout
    saved = json.loads((out / 'street_scores.json').read_text())
    assert len(saved['frame_scores']) == len(names) and not (out / 'street_annotated.mp4'
                                                              ).exists()
    stored = out / 'features' / 'videos' / 'street'
    stamp = os.stat(stored / 'meta.json').st_mtime_ns
    assert run_tool(args, timeout=300).returncode == 0
    assert os.stat(stored / 'meta.json').st_mtime_ns == stamp  # parsed once
    # without the annotation the oracle pose backend cannot run: the error says what to do
    bare = [a for a in args if a != str(annotation) and a != '--annotation']
    path.write_bytes(path.read_bytes())  # a newer file of the same name is parsed again
    result = run_tool(bare, timeout=300)
    assert result.returncode == 2 and 'pass its annotation JSON, --annotation' in result.stderr
    result = run_tool([*args[:3], str(tmp_path / 'nothing.mp4'), *args[4:]], timeout=120)
    assert result.returncode == 2 and 'nothing.mp4 does not exist' in result.stderr
