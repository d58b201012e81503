"""MMDetDetector and MMDetTracker: mmdet detectors and motion trackers as parsing backends.

The detector runs the tiny random-initialised YOLOv3 of
``configs/parsing/models/yolov3_tiny.py`` on real frames (UCSD Ped2 when the shared copy
is there, and a generated world); its threshold, class filter, label map and rescaling
are checked on a model whose output the test sets. The tracker runs on hand-made boxes and
on the generated world's ground truth.
"""
import glob
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.openmmlab
pytest.importorskip('mmdet')
pytest.importorskip('lap')

import torch  # noqa: E402

from vadkit.evaluation.functional.tracking import id_scores  # noqa: E402
from vadkit.parsing.base import VideoInfo  # noqa: E402
from vadkit.parsing.detectors.mmdet_detector import (  # noqa: E402
    COCO_CLASSES, DEFAULT_IMG_SCALE, PEOPLE_AND_VEHICLES, MMDetDetector, _test_resize,
    rescale_boxes)
from vadkit.parsing.openmmlab import BackendUnavailableError, save_weights  # noqa: E402
from vadkit.parsing.oracle_utils import WORLD_CATEGORIES, boxes_by_frame  # noqa: E402
from vadkit.parsing.trackers.mmdet_tracker import (  # noqa: E402
    DEFAULT_TRACKER, MMDetTracker, tracker_config)
from vadkit.utils.errors import CheckpointMismatchError, ConfigError, DataError  # noqa: E402
from vadkit.parsing.openmmlab import random_init_seed  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'parsing', 'models', 'yolov3_tiny.py')
PED2 = '/work/shared/data/ped2/testing/frames/01'
SMALL_WORLD = '/tmp/w/small'


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope='module')
def world(tmp_path_factory):
    """A tiny generated world: 3 test videos of 48-64 frames at 320 x 240."""
    from tests.helpers.world import write_tiny_world
    root = tmp_path_factory.mktemp('mmdet_world')
    write_tiny_world(str(root), test_videos=3, num_frames=(48, 64), seed=5)
    return str(root)


def world_videos(root):
    return sorted(osp.basename(p) for p in glob.glob(osp.join(root, 'testing', 'frames', '*')))


def read_video(root, video):
    from tests.helpers.world import read_world_video
    return read_world_video(root, video)[1:]


@pytest.fixture(scope='module')
def frames(world):
    """Real frames: two of UCSD Ped2 (360 x 240) when present, two of the world."""
    out = []
    if osp.isdir(PED2):
        out += [cv2.imread(osp.join(PED2, name)) for name in ('001.jpg', '060.jpg')]
    video_frames, _ = read_video(world, world_videos(world)[0])
    return out + video_frames[:2]


@pytest.fixture(scope='module')
def detector():
    """The tiny YOLOv3 keeping every class and score (random weights score low)."""
    return MMDetDetector(CONFIG, score_thr=0.0, classes=None)


# ---------------------------------------------------------------------- detector
def test_detector_boxes_on_real_frames(detector, frames):
    for index, frame in enumerate(frames):
        out = detector(frame, index)
        height, width = frame.shape[:2]
        assert out.dtype == np.float64 and out.ndim == 2 and out.shape[1] == 6
        assert 0 < len(out) <= 100  # the config's max_per_img
        assert np.isfinite(out).all()
        assert (out[:, 0] >= 0).all() and (out[:, 2] <= width).all()
        assert (out[:, 1] >= 0).all() and (out[:, 3] <= height).all()
        assert (out[:, 2] >= out[:, 0]).all() and (out[:, 3] >= out[:, 1]).all()
        assert ((out[:, 4] >= 0) & (out[:, 4] <= 1)).all()
        assert (np.diff(out[:, 4]) <= 0).all()  # by decreasing score
        cls = out[:, 5]
        assert (cls == np.round(cls)).all() and cls.min() >= 0 and cls.max() < 80
        np.testing.assert_array_equal(out, detector(frame, index))  # deterministic
    assert detector.classes == COCO_CLASSES
    assert detector.test_scale == ((160, 160), True)  # read from the config's Resize


def test_detector_rescaling_agrees_with_mmdet(detector, frames):
    """vadkit's own mapping back to the frame gives mmdet's rescaled boxes."""
    frame = frames[0]
    height, width = frame.shape[:2]
    data, (sx, sy) = detector.preprocess(frame, 0)
    sample = data['data_samples'][0]
    resized = tuple(sample.metainfo['img_shape'])
    assert resized == (round(height * 160 / width), 160) and data['inputs'][0].shape[1:] == \
        resized
    assert (sx, sy) == (160 / width, resized[0] / height)
    assert sample.metainfo['ori_shape'] == resized and sample.metainfo['scale_factor'] == \
        (1.0, 1.0)
    ours = detector(frame, 0)
    sample.set_metainfo(dict(ori_shape=(height, width), scale_factor=(sx, sy)))
    with torch.inference_mode():
        theirs = detector.model.test_step(data)[0].pred_instances
    boxes = theirs.bboxes.double().numpy()
    boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
    order = np.argsort(-theirs.scores.double().numpy(), kind='stable')
    np.testing.assert_allclose(ours[:, :4], boxes[order], atol=1e-3)
    np.testing.assert_allclose(ours[:, 4], theirs.scores.double().numpy()[order], atol=1e-6)


def test_rescale_boxes_by_hand():
    boxes = np.array([[16.0, 10.7, 32.0, 53.5], [-8.0, 100.0, 200.0, 120.0]])
    out = rescale_boxes(boxes, (160 / 360, 107 / 240), 360, 240)
    np.testing.assert_allclose(out, [[36.0, 24.0, 72.0, 120.0],
                                     [0.0, 100 * 240 / 107, 360.0, 240.0]])
    assert out.dtype == np.float64 and rescale_boxes(np.zeros((0, 4)), (1, 1), 5, 5).shape \
        == (0, 4)


def _fake_test_step(boxes, scores, labels, calls):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    def test_step(data):
        calls.append(data)
        instances = InstanceData()
        instances.bboxes = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
        instances.scores = torch.tensor(scores, dtype=torch.float32)
        instances.labels = torch.tensor(labels, dtype=torch.int64)
        sample = DetDataSample(metainfo=data['data_samples'][0].metainfo)
        sample.pred_instances = instances
        return [sample]

    return test_step


def test_threshold_classes_label_map_and_rescaling(monkeypatch):
    """On a model whose output is set: boxes in the 160 x 107 input of a 360 x 240 frame."""
    det = MMDetDetector(CONFIG, score_thr=0.5, classes=('person', 'car', 'bus', 'truck'),
                        label_map={'car': 'vehicle', 'bus': 'vehicle', 'truck': 'vehicle'})
    assert det.classes == ('person', 'vehicle')
    person, car, bus, truck, dog = (COCO_CLASSES.index(n) for n in
                                    ('person', 'car', 'bus', 'truck', 'dog'))
    calls = []
    monkeypatch.setattr(det.model, 'test_step', _fake_test_step(
        [[16, 10.7, 32, 53.5],     # person 0.9 -> (36, 24, 72, 120)
         [80, 0, 160, 107],        # car 0.6 -> the right half
         [10, 10, 20, 20],         # bus 0.4: below score_thr
         [40, 40, 60, 60],         # dog 0.95: not kept
         [-8, 100, 200, 120],      # truck 0.7: clipped
         [0, 0, 1.6, 1.07]],       # person exactly at score_thr: kept
        [0.9, 0.6, 0.4, 0.95, 0.7, 0.5], [person, car, bus, dog, truck, person], calls))
    frame = np.zeros((240, 360, 3), np.uint8)
    out = det(frame, 3)
    expected = np.array([[36, 24, 72, 120, 0.9, 0],
                         [0, 100 * 240 / 107, 360, 240, 0.7, 1],
                         [180, 0, 360, 240, 0.6, 1],
                         [0, 0, 3.6, 2.4, 0.5, 0]])
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)
    meta = calls[0]['data_samples'][0].metainfo
    assert meta['img_shape'] == (107, 160) and meta['ori_shape'] == (107, 160)
    assert meta['scale_factor'] == (1.0, 1.0) and meta['img_id'] == 3
    monkeypatch.setattr(det.model, 'test_step', _fake_test_step(
        [[0, 0, 5, 5]], [0.3], [person], calls))
    empty = det(frame, 4)
    assert empty.shape == (0, 6) and empty.dtype == np.float64


def test_default_classes_and_img_scale():
    det = MMDetDetector(CONFIG)  # nothing is built for this
    assert det._model is None
    assert det.score_thr == 0.8 and det.classes == PEOPLE_AND_VEHICLES
    det = MMDetDetector(CONFIG, label_map={'bicycle': 'cyclist', 'motorcycle': 'cyclist',
                                           'bus': 'car', 'truck': 'car'})
    assert det.classes == ('person', 'cyclist', 'car')
    assert det._model is None
    assert COCO_CLASSES == tuple(__import__('mmdet.datasets', fromlist=['CocoDataset'])
                                 .CocoDataset.METAINFO['classes'])
    from mmengine.config import Config
    assert _test_resize(Config(dict(model=dict(type='X')))) is None
    loader = Config(dict(test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'), dict(type='mmdet.Resize', scale=(640, 480))]))))
    assert _test_resize(loader)['scale'] == (640, 480)
    assert DEFAULT_IMG_SCALE == (608, 608)


def test_img_scale_override_and_default(frames):
    from vadkit.parsing.openmmlab import load_model_config
    frame = frames[0]
    det = MMDetDetector(CONFIG, img_scale=(96, 64), keep_ratio=False, score_thr=0.0,
                        classes=None)
    data, scale_factor = det.preprocess(frame, 0)
    assert tuple(data['inputs'][0].shape) == (3, 64, 96)
    assert scale_factor == (96 / frame.shape[1], 64 / frame.shape[0])
    assert det.test_scale == ((96, 64), False)
    out = det(frame, 0)
    assert (out[:, 2] <= frame.shape[1]).all() and (out[:, 3] <= frame.shape[0]).all()
    bare = MMDetDetector(dict(load_model_config(CONFIG).model), img_scale=None)
    bare.model  # noqa: B018
    assert bare.test_scale == (DEFAULT_IMG_SCALE, True)  # no pipeline in a bare model dict


def test_checkpoint_round_trip(detector, frames, tmp_path):
    path = str(tmp_path / 'w.pth')
    detector.save_weights(path)
    frame = frames[-1]
    reference = detector(frame, 0)
    with random_init_seed(1):  # another random initialisation
        other = MMDetDetector(CONFIG, score_thr=0.0, classes=None)
        assert not np.array_equal(other(frame, 0), reference)
    same = MMDetDetector(CONFIG, score_thr=0.0, classes=None)  # the same seed
    np.testing.assert_array_equal(same(frame, 0), reference)
    loaded = MMDetDetector(CONFIG, checkpoint=path, score_thr=0.0, classes=None,
                           class_names=tuple(f'c{i}' for i in range(80)))
    np.testing.assert_array_equal(loaded(frame, 0), reference)
    assert loaded.model_classes == COCO_CLASSES  # names saved in meta.dataset_meta
    # a checkpoint's own class names replace class_names (here the COCO default)
    renamed = str(tmp_path / 'renamed.pth')
    save_weights(detector.model, renamed,
                 meta=dict(dataset_meta=dict(classes=[f'c{i}' for i in range(80)])))
    custom = MMDetDetector(CONFIG, checkpoint=renamed, classes=('c7', 'c0'),
                           label_map={'c7': 'truck'}, score_thr=0.0)
    assert custom.classes == ('truck', 'c0')
    kept = custom(frame, 0)
    everything = reference[np.isin(reference[:, 5], [0, 7])]
    np.testing.assert_array_equal(kept[:, :5], everything[:, :5])
    np.testing.assert_array_equal(kept[:, 5], np.where(everything[:, 5] == 7, 0, 1))
    with pytest.raises(ConfigError, match=r"classes names \['person', 'bicycle'.*dataset_meta"):
        MMDetDetector(CONFIG, checkpoint=renamed).model  # noqa: B018


def test_checkpoint_of_another_model(tmp_path):
    path = str(tmp_path / 'other.pth')
    save_weights(torch.nn.Linear(3, 2), path)
    with pytest.raises(CheckpointMismatchError):
        MMDetDetector(CONFIG, checkpoint=path).model  # noqa: B018


def test_older_checkpoints_name_their_classes_in_CLASSES(detector, tmp_path):
    """mmdet 2.x model-zoo checkpoints (the YOLOv3 ones among them) keep the class names
    in ``meta['CLASSES']``."""
    path = str(tmp_path / 'v2.pth')
    save_weights(detector.model, path, meta=dict(CLASSES=[f'k{i}' for i in range(80)]))
    old = MMDetDetector(CONFIG, checkpoint=path, classes=('k3', 'k1'))
    assert old.model_classes[:2] == ('k0', 'k1') and old.classes == ('k3', 'k1')


def test_a_mismatch_says_how_to_load_what_fits(detector, tmp_path):
    state = {k: v for k, v in detector.model.state_dict().items() if 'bbox_head' not in k}
    path = str(tmp_path / 'headless.pth')
    torch.save(dict(state_dict=state), path)
    with pytest.raises(CheckpointMismatchError, match='MMDetDetector: .*missing.*strict=False'):
        MMDetDetector(CONFIG, checkpoint=path).model  # noqa: B018
    frame = np.zeros((64, 96, 3), np.uint8)
    partial = MMDetDetector(CONFIG, checkpoint=path, strict=False, score_thr=0.0, classes=None)
    with pytest.warns(UserWarning, match='loaded partly: .* model weights missing'):
        partial.model  # noqa: B018
    assert partial(frame, 0).shape[1] == 6  # the backbone and neck loaded, the head random
    wider = MMDetDetector(CONFIG, checkpoint=str(tmp_path / 'w.pth'),
                          cfg_options={'model.bbox_head.num_classes': 3},
                          class_names=('a', 'b', 'c'), classes=None)
    detector.save_weights(str(tmp_path / 'w.pth'))
    with pytest.raises(CheckpointMismatchError, match='shape mismatch') as info:
        wider.model  # noqa: B018
    assert 'strict=False' not in str(info.value)  # it would not help there


def test_detector_bad_arguments():
    for kwargs, name in ((dict(score_thr=1.5), 'score_thr'), (dict(score_thr=-0.1), 'score_thr'),
                         (dict(classes='person'), 'classes'), (dict(classes=()), 'classes'),
                         (dict(label_map={'car': 3}), 'label_map'),
                         (dict(class_names=('a', 'a')), 'class_names'),
                         (dict(img_scale=(0, 5)), 'img_scale'),
                         (dict(img_scale=(1.5, 5)), 'img_scale'),
                         (dict(keep_ratio='yes'), 'keep_ratio'),
                         (dict(score_thr='high'), 'score_thr')):
        with pytest.raises(ValueError, match=name):
            MMDetDetector(CONFIG, **kwargs)
    with pytest.raises(ValueError, match=r"classes names \['unicorn'\].*'person', 'bicycle'"):
        MMDetDetector(CONFIG, classes=('person', 'unicorn'))
    with pytest.raises(ValueError, match=r"label_map names \['unicorn'\]"):
        MMDetDetector(CONFIG, label_map={'unicorn': 'horse'})
    with pytest.raises(ConfigError, match='a model config is required'):
        MMDetDetector(None)
    with pytest.raises(ConfigError, match='80 classes.*2 names; set class_names'):
        MMDetDetector(CONFIG, classes=None, class_names=('a', 'b')).model  # noqa: B018


# ---------------------------------------------------------------------- tracker
def two_walkers(num_frames=12, score_a=0.9, score_b=0.85):
    """Two objects moving apart: A (class 0) to the right, B (class 1) to the left."""
    return [np.array([[100.0 + 4 * f, 50, 130.0 + 4 * f, 110, score_a, 0],
                      [96.0 - 4 * f, 60.25, 126.0 - 4 * f, 120.1, score_b, 1]])
            for f in range(num_frames)]


def run(tracker, detections, info=VideoInfo('hand', 12, 320, 240), start=0):
    tracker.reset(info)
    outputs = [tracker.update(start + f, d) for f, d in enumerate(detections)]
    return outputs, tracker.finish(('person', 'car'))


@pytest.mark.parametrize('kind', ['ByteTracker', 'OCSORTTracker'])
def test_two_objects_moving_apart(kind):
    dets = two_walkers()
    tracker = MMDetTracker(dict(type=kind))
    outputs, tracklets = run(tracker, dets)
    assert [t.track_id for t in tracklets] == [1, 2]
    b, a = tracklets  # B starts further left (x1 96 < 100)
    assert (a.label, b.label) == ('person', 'car')
    for t, row in ((a, 0), (b, 1)):
        np.testing.assert_array_equal(t.frames, np.arange(12))
        np.testing.assert_array_equal(t.boxes, np.stack([d[row, :4] for d in dets]))
        np.testing.assert_array_equal(t.scores, [d[row, 4] for d in dets])
    for f, out in enumerate(outputs):  # confirmed at frame 0: every frame has both
        assert out.shape == (2, 7) and out.dtype == np.float64
        np.testing.assert_array_equal(out[:, 6], [1, 2])
        by_id = {int(r[6]): r[:6] for r in out}
        mapped = {tracker.id_map[k]: v for k, v in by_id.items()}
        np.testing.assert_array_equal(mapped[2], dets[f][0])
        np.testing.assert_array_equal(mapped[1], dets[f][1])
    # a second video starts over with the same result
    _, again = run(tracker, dets)
    assert [(t.track_id, t.label) for t in again] == [(1, 'car'), (2, 'person')]
    np.testing.assert_array_equal(again[0].boxes, b.boxes)


def test_tentative_tracks_and_min_length():
    dets = two_walkers()
    dets[5] = np.vstack([dets[5], [[250, 200, 260, 220, 0.95, 0]]])  # seen once: tentative
    _, tracklets = run(MMDetTracker(), dets)
    assert len(tracklets) == 2 and all(len(t) == 12 for t in tracklets)
    # a track starting after frame 0 is tentative for 3 frames, which then belong to it
    late = [d if f < 4 else np.vstack([d, [[250, 200 - f, 260, 220 - f, 0.95, 0]]])
            for f, d in enumerate(two_walkers())]
    outputs, tracklets = run(MMDetTracker(), late)
    assert len(tracklets) == 3
    np.testing.assert_array_equal(tracklets[2].frames, np.arange(4, 12))
    assert [len(o) for o in outputs[4:7]] == [2, 2, 3]  # confirmed at its third frame
    _, kept = run(MMDetTracker(min_length=9), late)
    assert [len(t) for t in kept] == [12, 12]


def test_score_thr_has_fairmots_meaning():
    cfg = tracker_config(None, 0.3)
    assert cfg['obj_score_thrs'] == dict(high=0.3, low=0.1) and cfg['init_track_thr'] == 0.3
    cfg = tracker_config(dict(type='OCSORTTracker'), 0.5)
    assert cfg['obj_score_thr'] == 0.5 and cfg['init_track_thr'] == 0.5
    assert cfg['motion'] == dict(type='KalmanFilter')
    assert tracker_config(None) == DEFAULT_TRACKER
    # scores 0.5: below ByteTrack's new-track threshold (0.7), so never tracked by default
    weak = two_walkers(score_a=0.5, score_b=0.5)
    assert run(MMDetTracker(), weak)[1] == []
    assert len(run(MMDetTracker(score_thr=0.3), weak)[1]) == 2
    # detections at the threshold are dropped (FairMOT keeps scores > conf_thres)
    outputs, tracklets = run(MMDetTracker(score_thr=0.3),
                             two_walkers(score_a=0.3, score_b=0.31))
    assert [t.label for t in tracklets] == ['car']
    assert all(len(o) == 1 and o[0, 5] == 1 for o in outputs)


def test_tracker_errors(monkeypatch):
    for kind in ('SORTTracker', 'QuasiDenseTracker', 'Nope'):
        with pytest.raises(ConfigError, match=r"supported: \('ByteTracker', 'OCSORTTracker'\)"):
            MMDetTracker(dict(type=kind))
    with pytest.raises(ConfigError, match='re-id'):
        MMDetTracker(dict(type='StrongSORTTracker'))
    assert MMDetTracker(dict(type='mmdet.ByteTracker')).tracker['type'] == 'ByteTracker'
    for value in (1.0, -0.1, 'low', True):
        with pytest.raises(ValueError, match='score_thr'):
            MMDetTracker(score_thr=value)
    for value in (0, 2.5, '3'):
        with pytest.raises(ValueError, match='min_length'):
            MMDetTracker(min_length=value)
    tracker = MMDetTracker()
    tracker.reset(VideoInfo('v7', 10, 320, 240))
    tracker.update(3, np.zeros((0, 6)))
    with pytest.raises(DataError, match='v7.*frame indices must increase'):
        tracker.update(3, np.zeros((0, 6)))
    with pytest.raises(DataError, match='N x 6'):
        tracker.update(4, np.zeros((2, 5)))
    with pytest.raises(DataError, match='x2 < x1'):
        tracker.update(5, [[10, 0, 5, 5, 0.9, 0]])
    tracker = MMDetTracker()
    tracker.reset(VideoInfo('v8', 1, 320, 240))
    tracker.update(0, [[0, 0, 10, 10, 0.9, 1]])
    with pytest.raises(DataError, match='v8.*class_index 1 has no name'):
        tracker.finish(('person', ))
    monkeypatch.setitem(sys.modules, 'lap', None)
    with pytest.raises(BackendUnavailableError, match='pip install lap'):
        MMDetTracker().reset(VideoInfo('v', 1, 8, 8))


def world_tracking(root, kind):
    """ID scores of tracking a world's annotated boxes (score 1) over its test videos."""
    gt, pred, offset = [], [], 0
    tracker = MMDetTracker(dict(type=kind))
    for video in world_videos(root):
        with open(osp.join(root, 'annotations', f'{video}.json')) as f:
            annotation = json.load(f)
        by_frame = boxes_by_frame(annotation)
        tracker.reset(VideoInfo(video, annotation['num_frames'], annotation['width'],
                                annotation['height'], annotation=annotation))
        for frame in range(annotation['num_frames']):
            truth = by_frame.get(frame, [])
            tracker.update(frame, np.asarray([[*box, 1.0, WORLD_CATEGORIES.index(cat)]
                                              for _, cat, box, _ in truth]).reshape(-1, 6))
            gt += [[offset + frame, offset + tid, *box] for tid, _, box, _ in truth]
        for t in tracker.finish(WORLD_CATEGORIES):
            pred += [[offset + f, offset + t.track_id, *b] for f, b in zip(t.frames, t.boxes)]
        offset += 100000
    return id_scores(np.asarray(gt), np.asarray(pred).reshape(-1, 6))


@pytest.mark.parametrize('kind', ['ByteTracker', 'OCSORTTracker'])
def test_tracking_the_worlds_ground_truth(world, kind):
    # measured: ID-F1 0.990 (ByteTrack) and 0.994 (OC-SORT), ID precision 1.0, 16 tracks
    scores = world_tracking(world, kind)
    assert scores['num_pred_tracks'] == scores['num_gt_tracks'] == 16
    assert scores['idf1'] >= 0.97 and scores['idp'] >= 0.99


@pytest.mark.slow
@pytest.mark.skipif(not osp.isdir(SMALL_WORLD), reason='no small world at /tmp/w/small')
@pytest.mark.parametrize('kind, least', [('ByteTracker', 0.93), ('OCSORTTracker', 0.96)])
def test_tracking_the_small_worlds_ground_truth(kind, least):
    # measured: ID-F1 0.952 (ByteTrack) and 0.984 (OC-SORT) over its 20 test videos
    assert world_tracking(SMALL_WORLD, kind)['idf1'] >= least


# ---------------------------------------------------------------------- together
def test_video_parser_with_mmdet_backends(world):
    from vadkit.parsing.parser import TRACK_FIELDS, VideoParser
    video = world_videos(world)[0]
    video_frames, annotation = read_video(world, video)
    video_frames = video_frames[:40]
    parser = VideoParser(
        detector=dict(type='MMDetDetector', config=CONFIG, score_thr=0.0, classes=None,
                      cfg_options={'model.test_cfg.max_per_img': 8}),
        tracker=dict(type='MMDetTracker', score_thr=0.0),
        clip_len=16, stride=16)
    info = VideoInfo(video, len(video_frames), 320, 240, annotation=annotation)
    arrays, meta = parser.parse(video_frames, info)
    tracks, index = arrays['tracks'], arrays['objects_index']
    assert tracks.dtype == np.float32 and tracks.shape[1] == len(TRACK_FIELDS)
    assert len(tracks) > 0 and meta['counts']['tracks'] > 0
    assert meta['labels'][:80] == list(COCO_CLASSES)
    ids = np.unique(tracks[:, 1]).astype(int)
    np.testing.assert_array_equal(ids, np.arange(1, len(ids) + 1))
    assert len(ids) == meta['counts']['tracks']
    assert (tracks[:, 0] >= 0).all() and (tracks[:, 0] < 40).all()
    assert (tracks[:, 3] >= 0).all() and (tracks[:, 5] <= 320).all()
    assert (tracks[:, 4] >= 0).all() and (tracks[:, 6] <= 240).all()
    per_frame = np.bincount(tracks[:, 0].astype(int))
    assert per_frame.max() <= 8  # max_per_img boxes a frame at most
    assert len(index) == meta['counts']['objects'] > 0
    assert set(index[:, 3]) <= set(ids)
    for row, boxes, mask in zip(index, arrays['objects_boxes'], arrays['objects_mask']):
        clip, start, end, track_id, label = (int(v) for v in row[:5])
        mine = tracks[tracks[:, 1] == track_id]
        assert (mine[:, 2] == label).all()  # one label per track, the same in both
        inside = mine[(mine[:, 0] >= start) & (mine[:, 0] < end)]
        np.testing.assert_array_equal(np.flatnonzero(mask) + start, inside[:, 0])
        np.testing.assert_array_equal(boxes[mask], inside[:, 3:7])
        assert row[5] == int(len(mine) > parser.min_track_length)
