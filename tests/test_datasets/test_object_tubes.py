"""ObjectTubeDataset: tubes of a hand-made store, whole or one crop, with captions."""
import numpy as np
import pytest

from vadkit.datasets import ObjectTubeDataset
from vadkit.parsing import FeatureStore
from vadkit.utils import register_all_modules
from vadkit.utils.errors import DataError

LENGTH, SIZE = 4, 6


def write_tube_store(root, videos, crops=True):
    """``{video: [(end_frame, num_members), ...]}``; crop pixel = 10 * tube + frame."""
    store = FeatureStore(str(root), dict(hand_made=True))
    store.create()
    for video, tubes in videos.items():
        n = len(tubes)
        rows = np.array([(e, 0, 0, 10, 10, m) for e, m in tubes], np.float32).reshape(-1, 6)
        members = np.full((n, 3), -1, np.int64)
        for i, (_, m) in enumerate(tubes):
            members[i, :m] = np.arange(m) + 7 * i
        arrays = dict(tubes=rows, tube_members=members, tube_truncated=np.zeros(n, bool))
        if crops:
            value = 10 * np.arange(n)[:, None] + np.arange(LENGTH)[None, :]
            arrays['tube_crops'] = np.broadcast_to(
                value[:, :, None, None, None], (n, LENGTH, SIZE, SIZE, 3)).astype(np.uint8)
        store.write(video, arrays, dict(num_frames=40, counts=dict(tubes=n)))
    store.write_index()
    return str(root)


class RecordingCaptioner:
    kinds = ('actions', )

    def __init__(self):
        self.calls = []

    def caption_video(self, video_id, tubes, members, crops=None, tracks=None):
        self.calls.append((video_id, np.array(tubes), np.array(members), np.array(crops)))
        return [dict(actions=f'{video_id} tube at {int(t[0])}') for t in tubes]


def test_tubes_whole_or_one_crop_with_their_captions_and_spans(tmp_path):
    root = write_tube_store(tmp_path / 's', {'a': [(3, 1), (7, 2), (11, 0)], 'b': [(5, 3)]})
    captioner = RecordingCaptioner()
    ds = ObjectTubeDataset(root, split='train', sample='frame', captioner=captioner, span=4,
                           min_members=1)
    assert len(ds) == 3  # the member-less tube left out
    assert ds.metainfo['tube_length'] == LENGTH and ds.metainfo['crop_size'] == SIZE
    assert [c[0] for c in captioner.calls] == ['a', 'b']
    np.testing.assert_array_equal(captioner.calls[0][1][:, 0], [3, 7])  # kept tubes only
    assert captioner.calls[0][3].shape == (2, LENGTH, SIZE, SIZE, 3)
    item = ds.get_data_info(1)
    assert item['captions'] == dict(actions='a tube at 7')
    assert (item['start'], item['end'], item['end_frame']) == (4, 8, 7)
    assert item['track_id'] == 7 and item['num_members'] == 2
    np.random.seed(0)
    seen = {int(ds.get_data_info(1)['crops'][0, 0, 0]) for _ in range(40)}
    assert seen == {10, 11, 12, 13}  # a random crop of tube 1 at every read
    assert ds.get_data_info(0)['start'] == 0  # the span stops at the first frame

    test = ObjectTubeDataset(root, split='test', sample='frame')
    assert {int(test.get_data_info(1)['crops'][0, 0, 0]) for _ in range(5)} == {13}  # last
    whole = ObjectTubeDataset(root, split='test', sample='tube')
    assert len(whole) == 4 and 'captions' not in whole.get_data_info(0)
    np.testing.assert_array_equal(whole.get_data_info(2)['crops'][:, 0, 0, 0], [20, 21, 22, 23])
    assert whole.metainfo['num_frames'] == dict(a=40, b=40)


def test_packed_items_carry_the_captions(tmp_path):
    register_all_modules()
    root = write_tube_store(tmp_path / 's', {'a': [(3, 1)]})
    ds = ObjectTubeDataset(root, sample='frame', captioner=RecordingCaptioner(),
                           pipeline=[dict(type='PackVADInputs', input_key='crops',
                                          meta_keys=('video_id', 'end_frame', 'captions'))])
    packed = ds[0]
    assert tuple(packed['inputs'].shape) == (SIZE, SIZE, 3)
    assert packed['data_samples'].metainfo['captions'] == dict(actions='a tube at 3')


def test_errors_name_the_store_video_and_fix(tmp_path):
    root = write_tube_store(tmp_path / 's', {'a': [(3, 1)]}, crops=False)
    with pytest.raises(DataError, match=r'video a has no tube_crops; parse with a '
                                        r'tube_builder that sets crop_size'):
        ObjectTubeDataset(root)

    class Short(RecordingCaptioner):
        def caption_video(self, *args, **kwargs):
            return []

    root = write_tube_store(tmp_path / 't', {'a': [(3, 1)]})
    with pytest.raises(DataError, match='Short: video a: 0 captions for 1 tubes'):
        ObjectTubeDataset(root, captioner=Short())
    with pytest.raises(ValueError, match='sample must be one of'):
        ObjectTubeDataset(root, sample='clip')
