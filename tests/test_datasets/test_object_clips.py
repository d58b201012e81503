"""ObjectClipDataset: object clips of a feature store, their features, classes, scenes,
memory slots, splits, ground truth, augmented samples and clear errors."""
import os.path as osp

import numpy as np
import pytest
import torch

from tests.helpers.store import write_object_store
from vadkit.datasets import ObjectClipDataset, PackVADInputs
from vadkit.utils import register_all_modules
from vadkit.utils.errors import DataError

VIDEOS = {
    'train_01': (2, [(0, 1, 0, 1), (0, 2, 1, 0), (1, 1, 0, 1)]),
    'train_02': (1, [(0, 7, 0, 1)]),
    '01': (3, [(1, 4, 1, 1), (2, 4, 1, 0)]),
}
KEYS = ['appearance', 'motion', 'scene', 'slot', 'motion_valid', 'appearance_class',
        'motion_class']


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('objects') / 'store')
    write_object_store(root, VIDEOS)
    return root


def test_items_follow_the_store(store):
    data = ObjectClipDataset(store, videos=['train_*'],
                             classes=dict(appearance='label', motion='action'))
    assert len(data) == 4
    assert data.scenes.shape == (3, 3)  # 2 + 1 clips
    np.testing.assert_array_equal(data.rows['scene_row'], [0, 0, 1, 2])
    item = data.get_data_info(2)
    assert (item['video_id'], item['start'], item['end'], item['track_id']) == \
        ('train_01', 16, 32, 1)
    assert item['slot'] == 2 and item['clip_index'] == 1 and item['motion_valid']
    np.testing.assert_array_equal(item['scene'], [1, 0, 0])
    assert item['appearance'][0] == pytest.approx(0, abs=0.05)
    assert item['appearance'][1] == pytest.approx(2, abs=0.05)  # third object of video 0
    assert item['appearance_class'] == 0 and item['motion_class'] == 1  # action = label + 1
    np.testing.assert_array_equal(data.class_labels('appearance'), [0, 1, 0, 0])
    np.testing.assert_array_equal(data.class_labels('motion'), [1, 2, 1, 1])
    assert data.stream_features('motion').shape == (4, 4)
    assert data.metainfo['num_frames'] == {'train_01': 37, 'train_02': 21}
    assert data.metainfo['class_names']['label'] == ['person', 'vehicle']


def test_require_streams_drops_objects_without_motion(store):
    data = ObjectClipDataset(store, videos=['train_01'], require_streams=True)
    assert len(data) == 2
    np.testing.assert_array_equal(data.rows['track_id'], [1, 1])


def test_pack_makes_a_dict_of_tensors(store):
    register_all_modules()
    data = ObjectClipDataset(store, videos=['train_02'],
                             pipeline=[dict(type='PackVADInputs', input_key=KEYS)])
    packed = data[0]
    assert set(packed['inputs']) == set(KEYS)
    assert packed['inputs']['slot'].shape == () and packed['inputs']['slot'].item() == 0
    assert packed['inputs']['appearance'].dtype == torch.float32
    assert packed['data_samples'].video_id == 'train_02'
    with pytest.raises(DataError, match="no 'nothing' field"):
        PackVADInputs(input_key=['appearance', 'nothing'])(data.get_data_info(0))


def test_test_split_reads_ground_truth(store, tmp_path):
    masks = tmp_path / 'masks'
    masks.mkdir()
    np.save(masks / '01.npy', np.r_[np.zeros(20), np.ones(33)].astype(np.uint8))
    data = ObjectClipDataset(store, split='test', videos=['01'], ground_truth=str(masks))
    assert len(data) == 2
    assert data.metainfo['video_gt']['01'].sum() == 33
    assert data.rows['motion_valid'].tolist() == [True, False]


def test_augmented_normal_samples_join_training(store, tmp_path):
    base = ObjectClipDataset(store, videos=['train_*'])
    path = str(tmp_path / 'augmented.npz')
    motion = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.savez(path, motion=motion, source=np.array([0, 3, 2]), label=np.array([0, 1, 0], np.int8),
             error=np.zeros(3, np.float32))
    data = ObjectClipDataset(store, videos=['train_*'], augmented=path)
    assert len(data) == len(base) + 2  # the abnormal one is left out
    extra = data.get_data_info(len(base) + 1)
    assert extra['augmented'] and extra['slot'] == 5
    np.testing.assert_array_equal(extra['motion'], motion[2])
    np.testing.assert_array_equal(extra['appearance'], base.get_data_info(2)['appearance'])
    for stream in ('appearance', 'motion'):  # gathered per video, augmented rows included
        np.testing.assert_array_equal(
            data.stream_features(stream),
            np.stack([data.get_data_info(i)[stream] for i in range(len(data))]))
    bad = str(tmp_path / 'bad.npz')
    np.savez(bad, motion=motion, source=np.array([0, 9, 2]), label=np.zeros(3, np.int8))
    with pytest.raises(DataError, match='another training set'):
        ObjectClipDataset(store, videos=['train_*'], augmented=bad)


def test_errors_name_the_store_and_video(store, tmp_path):
    with pytest.raises(DataError, match='lacks 1 video'):
        ObjectClipDataset(store, videos=['train_01', 'missing'])
    with pytest.raises(DataError, match='holds no feature store'):
        ObjectClipDataset(str(tmp_path / 'none'), videos=['a'])
    with pytest.raises(DataError, match=r"video train_01 has no \['objects_pose'\]"):
        ObjectClipDataset(store, videos=['train_01'], features=dict(pose='objects_pose'))
    with pytest.raises(ValueError, match='classes'):
        ObjectClipDataset(store, videos=['train_01'], classes=dict(appearance='colour'))
    assert osp.isdir(store)
