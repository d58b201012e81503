"""FeatureStore: atomic per-video writes, memory-mapped reads, one config per store."""
import json
import os

import numpy as np
import pytest

from vadkit.parsing import FeatureStore, clip_spans, config_hash
from vadkit.utils.errors import DataError

CONFIG = dict(type='VideoParser', detector=dict(type='X'), clip_len=16)


def test_write_read_and_index(tmp_path):
    store = FeatureStore(str(tmp_path), CONFIG)
    store.create()
    arrays = dict(scene=np.arange(6, dtype=np.float32).reshape(2, 3),
                  objects_index=np.array([[0, 0, 16, 3, 0, 1]], np.int64))
    store.write('v1', arrays, dict(num_frames=40, counts=dict(clips=2, objects=1)))
    assert store.videos() == ['v1'] and store.has('v1') and not store.has('v2')
    back = store.read('v1')
    assert isinstance(back['scene'], np.memmap)
    np.testing.assert_array_equal(back['scene'], arrays['scene'])
    meta = store.meta('v1')
    assert meta['arrays']['objects_index'] == dict(shape=[1, 6], dtype='int64')
    index = store.write_index()
    assert index == dict(config_hash=config_hash(CONFIG),
                         videos=dict(v1=dict(num_frames=40, num_clips=2, num_objects=1)))
    with pytest.raises(DataError, match="video v1 has no array 'clips'"):
        store.read('v1', ['clips'])
    with pytest.raises(DataError, match='no video v9'):
        store.meta('v9')


def test_other_config_is_refused_and_partials_are_cleaned(tmp_path):
    store = FeatureStore(str(tmp_path), CONFIG)
    store.create()
    with open(tmp_path / 'manifest.json') as f:
        assert json.load(f)['config_hash'] == config_hash(CONFIG)
    with pytest.raises(DataError, match='feature store of another parsing config'):
        FeatureStore(str(tmp_path), dict(CONFIG, clip_len=8))
    partial = tmp_path / 'videos' / '.v2.partial-0'
    partial.mkdir()
    (partial / 'scene.npy').write_bytes(b'half')
    assert store.videos() == []  # a partial video is never listed
    store.clean_partials()
    assert os.listdir(tmp_path / 'videos') == []
    with pytest.raises(DataError, match='not a feature store'):
        FeatureStore(str(tmp_path / 'elsewhere'))


def test_clip_spans_keep_whole_clips():
    np.testing.assert_array_equal(clip_spans(40), [[0, 16], [16, 32]])
    np.testing.assert_array_equal(clip_spans(40, 16, 8), [[0, 16], [8, 24], [16, 32], [24, 40]])
    assert clip_spans(15).shape == (0, 2)
