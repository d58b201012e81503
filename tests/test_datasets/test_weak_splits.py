"""The UCF-Crime and ShanghaiTech weak split layouts as video lists of a feature store:
which videos, their labels, and the test ground truth built from the stored frame counts."""
import numpy as np
import pytest

from tests.conftest import require_shared_data
from vadkit.datasets import SegmentDataset, ShanghaiTechWeakSplit, UCFCrimeSplit
from vadkit.parsing import FeatureStore
from vadkit.utils import register_all_modules
from vadkit.utils.errors import DataError


def _store(root, videos):
    store = FeatureStore(str(root), dict(hand_made=True))
    store.create()
    for video, n in videos.items():
        spans = np.array([(16 * c, 16 * c + 16) for c in range(n // 16)], np.int64)
        store.write(video, dict(clips=np.zeros((len(spans), 1, 4), np.float32),
                                clip_spans=spans), dict(num_frames=n))
    return str(root)


def test_ucf_crime_split_files():
    root = require_shared_data('annotations', 'ucf_crime')
    train = UCFCrimeSplit('train', train_list=f'{root}/Anomaly_Train.txt')
    labels = [i['label'] for i in train.data_list]
    assert len(train) == 1610 and sum(labels) == 810  # Sultani et al.: 810 anomalous
    assert train.get_data_info(0)['video_id'] == 'Abuse001_x264'
    test = UCFCrimeSplit('test', annotation=f'{root}/Temporal_Anomaly_Annotation.txt')
    assert len(test) == 290 and sum(i['label'] for i in test.data_list) == 140


def test_ucf_crime_test_masks_from_the_store(tmp_path):
    root = require_shared_data('annotations', 'ucf_crime')
    register_all_modules()
    # Abuse028_x264: frames 165..240 (1-based, inclusive) are anomalous
    store = _store(tmp_path / 'store', {'Abuse028_x264': 320, 'Normal_Videos_003_x264': 160})
    ann_videos = ['Abuse028_x264', 'Normal_Videos_003_x264']
    # two rows of the real file (a store must hold every test video)
    rows = [line for line in open(f'{root}/Temporal_Anomaly_Annotation.txt')
            if line.split()[0][:-4] in ann_videos]
    (tmp_path / 'ann.txt').write_text(''.join(rows))
    videos = dict(type='UCFCrimeSplit', split='test', annotation=str(tmp_path / 'ann.txt'))
    data = SegmentDataset(store, 'test', videos=videos)
    gt = data.metainfo['video_gt']
    assert sorted(gt) == sorted(ann_videos)
    assert np.flatnonzero(gt['Abuse028_x264']).tolist() == list(range(164, 240))
    assert not gt['Normal_Videos_003_x264'].any()
    assert data.metainfo['video_labels']['Abuse028_x264'] == 1
    short = _store(tmp_path / 'short', {'Abuse028_x264': 200, 'Normal_Videos_003_x264': 160})
    with pytest.raises(DataError, match='Abuse028_x264'):  # 240 > 200 frames
        SegmentDataset(short, 'test', videos=dict(videos))


def test_shanghaitech_weak_split(tmp_path):
    root = require_shared_data('annotations', 'shanghaitech_weak')
    masks = tmp_path / 'masks'
    masks.mkdir()
    train = ShanghaiTechWeakSplit('train', split_root=root, mask_dir=None)
    assert len(train) == 238 and 'label' not in train.get_data_info(0)
    test = ShanghaiTechWeakSplit('test', split_root=root, mask_dir=None)
    assert len(test) == 199
    assert test.metainfo['video_groups']['scene']['01_0015'] == '01'
    with pytest.raises(DataError, match='01_0014'):  # an original test video needs a mask
        ShanghaiTechWeakSplit('train', split_root=root, mask_dir=str(masks))
    # labels and masks: original test videos from their masks, SS_NNN names normal
    names = ShanghaiTechWeakSplit('test', split_root=root, mask_dir=None)
    for video in [i['video_id'] for i in train.data_list + names.data_list]:
        if len(video.split('_')[1]) == 4:
            np.save(masks / f'{video}.npy', (np.arange(64) >= 48).astype(np.uint8)
                    if video == '01_0014' else np.zeros(64, np.uint8))
    labelled = ShanghaiTechWeakSplit('train', split_root=root, mask_dir=str(masks))
    got = {i['video_id']: i['label'] for i in labelled.data_list}
    assert got['01_0014'] == 1 and got['01_0016'] == 0 and sum(got.values()) == 1
    assert all(got[v] == 0 for v in got if len(v.split('_')[1]) == 3)
    test = ShanghaiTechWeakSplit('test', split_root=root, mask_dir=str(masks))
    frames = {i['video_id']: 64 for i in test.data_list}
    gt = test.frame_masks(frames)
    assert len(gt) == 199 and all(len(m) == 64 and not m.any() for m in gt.values())
