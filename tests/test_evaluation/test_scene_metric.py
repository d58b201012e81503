"""SceneConfusionMetric (HSC Fig. 6) on hand-made predictions, and the scene plots."""
import json
import logging
import os.path as osp

import numpy as np
import pytest
from mmengine.logging import MMLogger

from vadkit.evaluation.metrics.scene_metric import SceneConfusionMetric, scene_confusion
from vadkit.structures import VADDataSample
from vadkit.utils.errors import ConfigError
from vadkit.visualization.scenes import (plot_confusion_matrix, plot_scene_embedding,
                                         row_normalize)

# 8 labelled objects; the motion head never predicts scene 1
LABELS = [0, 0, 0, 1, 1, 2, 2, 2]
APPEARANCE = [0, 0, 1, 1, 1, 2, 2, 0]  # 6 of 8 right
MOTION = [0, 2, 0, 0, 0, 2, 2, 2]  # 5 of 8 right
APPEARANCE_CONFUSION = [[2, 1, 0], [0, 2, 0], [1, 0, 2]]
MOTION_CONFUSION = [[2, 0, 1], [2, 0, 0], [0, 0, 3]]


def samples(with_unlabelled: int = 2, as_dicts: bool = False):
    """Predictions as HSC gives them (VADDataSample metainfo), or as mmengine's Evaluator
    hands them over (dicts); ``with_unlabelled`` more carry no scene_label."""
    out = []
    for i, (y, a, m) in enumerate(zip(LABELS, APPEARANCE, MOTION)):
        out.append(dict(video_id='v0', start=16 * i, end=16 * i + 16, scene_label=y,
                        pred_scene=dict(appearance=a, motion=m)))
    for i in range(with_unlabelled):
        out.append(dict(video_id='v1', start=16 * i, end=16 * i + 16,
                        pred_scene=dict(appearance=0, motion=0)))
    if as_dicts:
        return out
    return [VADDataSample(metainfo=meta) for meta in out]


class Captured(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings_logged():
    logger = MMLogger.get_current_instance()
    handler = Captured()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_scene_confusion_counts_pairs():
    np.testing.assert_array_equal(scene_confusion(LABELS, APPEARANCE), APPEARANCE_CONFUSION)
    # a scene predicted but absent from the labels is a row of zeros; K can be given
    np.testing.assert_array_equal(scene_confusion([0, 1], [3, 1]),
                                  [[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert scene_confusion([1], [1], num_classes=3).tolist() == [[0, 0, 0], [0, 1, 0],
                                                                 [0, 0, 0]]
    assert scene_confusion([], []).shape == (0, 0)
    for labels, predicted, kwargs, match in (([0, 1], [0], {}, '2 labels but 1'),
                                             ([0, -1], [0, 0], {}, '>= 0'),
                                             ([0, 2], [0, 0], dict(num_classes=2), '>= num')):
        with pytest.raises(ValueError, match=match):
            scene_confusion(labels, predicted, **kwargs)


@pytest.mark.parametrize('as_dicts', [False, True])
def test_accuracy_and_matrices_of_hand_made_samples(as_dicts, warnings_logged):
    metric = SceneConfusionMetric()
    metric.process({}, samples(as_dicts=as_dicts))
    out = metric.compute_metrics(metric.results)
    assert out == dict(appearance_acc=0.75, motion_acc=0.625)
    np.testing.assert_array_equal(metric.confusion['appearance'], APPEARANCE_CONFUSION)
    np.testing.assert_array_equal(metric.confusion['motion'], MOTION_CONFUSION)
    assert metric.confusion['motion'][:, 1].sum() == 0  # never predicted
    assert metric.files == {}  # no out_dir: nothing written
    assert any('2 of 10 predictions carry no scene_label' in m for m in warnings_logged)


def test_through_an_evaluator_with_prefix_and_chosen_streams():
    from mmengine.evaluator import Evaluator
    evaluator = Evaluator([dict(type='SceneConfusionMetric', _scope_='vadkit',
                                streams=['motion'])])
    evaluator.dataset_meta = dict(name='hand-made')
    evaluator.process(samples(), {})
    assert evaluator.evaluate(10) == {'scene/motion_acc': 0.625}
    metric = SceneConfusionMetric(streams='appearance', prefix='hsc')
    metric.process({}, samples(with_unlabelled=0))
    assert metric.compute_metrics(metric.results) == dict(appearance_acc=0.75)
    with pytest.raises(ConfigError, match=r"no pred_scene for \['flow'\]"):
        SceneConfusionMetric(streams=['flow']).process({}, samples())
    with pytest.raises(ValueError, match='at least one stream'):
        SceneConfusionMetric(streams=[])


def test_no_scene_label_warns_and_returns_nothing(warnings_logged):
    metric = SceneConfusionMetric()
    unlabelled = samples(with_unlabelled=3)[len(LABELS):]
    metric.process({}, unlabelled)
    assert metric.compute_metrics(metric.results) == {}
    assert metric.confusion == {}
    assert any('none of the 3 predictions' in m for m in warnings_logged)


def test_files_of_the_metric(tmp_path):
    out_dir = str(tmp_path / 'scenes')
    metric = SceneConfusionMetric(out_dir=out_dir)
    metric.process({}, samples())
    metric.compute_metrics(metric.results)
    for stream in ('appearance', 'motion'):
        path = osp.join(out_dir, f'confusion_{stream}.png')
        assert metric.files[stream] == path
        with open(path, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
        assert osp.getsize(path) > 5000
    with open(osp.join(out_dir, 'scene_confusion.json')) as f:
        report = json.load(f)
    assert report['num_scenes'] == 3 and report['num_samples'] == 8
    assert report['skipped'] == 2
    assert report['streams']['appearance']['matrix'] == APPEARANCE_CONFUSION
    assert report['streams']['motion']['accuracy'] == 0.625
    # recall per pseudo-label: 2/3, 0/2, 3/3
    assert report['streams']['motion']['per_scene_recall'] == pytest.approx([2 / 3, 0, 1])


def test_row_normalisation():
    np.testing.assert_allclose(row_normalize([[1, 3], [0, 0], [2, 2]]),
                               [[0.25, 0.75], [0, 0], [0.5, 0.5]])


def test_plots_write_pngs(tmp_path):
    import matplotlib.pyplot as plt
    path = plot_confusion_matrix(MOTION_CONFUSION, ['0', '1', '2'], str(tmp_path / 'a.png'),
                                 title='motion')
    assert plt.imread(path).shape[2] in (3, 4) and osp.getsize(path) > 5000
    # a non-square contingency, raw counts, and many classes without annotations
    path = plot_confusion_matrix([[9, 0, 1], [0, 8, 0]], ['walkway', 'road'],
                                 str(tmp_path / 'sub' / 'b.png'), normalize=None,
                                 col_labels=['0', '1', '2'], xlabel='cluster',
                                 ylabel='true scene')
    assert osp.getsize(path) > 5000
    big = np.random.default_rng(0).integers(0, 9, size=(40, 40))
    assert osp.getsize(plot_confusion_matrix(big, list(range(40)),
                                             str(tmp_path / 'c.png'))) > 5000
    rng = np.random.default_rng(1)
    points = np.concatenate([rng.normal(0, 1, (20, 2)), rng.normal(8, 1, (20, 2))])
    labels = np.repeat([0, 1], 20)
    labels[0] = -1  # DBSCAN noise
    path = plot_scene_embedding(points, labels, str(tmp_path / 'e.png'), title='clips',
                                true_scenes=['walkway'] * 20 + ['road'] * 20)
    assert osp.getsize(path) > 5000
    assert osp.getsize(plot_scene_embedding(points, labels, str(tmp_path / 'f.png'))) > 5000
    for call, match in ((lambda: plot_confusion_matrix([[1]], ['a'], 'x.png',
                                                       normalize='col'), 'normalize'),
                        (lambda: plot_confusion_matrix([[1, 2]], ['a'], 'x.png'), 'labels'),
                        (lambda: plot_scene_embedding(points[:, :1], labels, 'x.png'),
                         r'\[N, 2\]'),
                        (lambda: plot_scene_embedding(points, labels[:3], 'x.png'),
                         '3 labels')):
        with pytest.raises(ValueError, match=match):
            call()
