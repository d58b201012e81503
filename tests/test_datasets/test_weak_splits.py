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


XD_RIOT = 'v=S-7rRLrxnVQ__#1_label_B4-0-0'
XD_MOVIE = 'A.Beautiful.Mind.2001__#00-25-20_00-29-20_label_A'
XD_FIGHT = 'Bad.Boys.1995__#01-11-55_01-12-40_label_B1-B2-0'


def _xd_lists(tmp_path):
    """Per-crop feature lists (repeated lines, paths of another machine) and an
    annotation of the violent test video."""
    train = [f'/data/xd/RGB/{v}__{k}.npy' for v in (XD_RIOT, XD_MOVIE) for k in range(5)]
    (tmp_path / 'rgb.list').write_text('\n'.join(train + [f'{XD_FIGHT}.mp4']) + '\n')
    test = [f'/data/xd/RGBTest/{v}__{k}.npy' for v in (XD_FIGHT, XD_MOVIE) for k in range(2)]
    (tmp_path / 'rgbtest.list').write_text('\n'.join(test) + '\n')
    (tmp_path / 'XD_Annotation.txt').write_text(f'{XD_FIGHT} 5 9 20 22\n')
    return dict(train_list=str(tmp_path / 'rgb.list'), test_list=str(tmp_path / 'rgbtest.list'),
                annotation=str(tmp_path / 'XD_Annotation.txt'))


def test_xd_violence_split_labels(tmp_path):
    from vadkit.datasets import XDViolenceSplit
    paths = _xd_lists(tmp_path)
    train = XDViolenceSplit('train', **paths)
    items = [train.get_data_info(i) for i in range(len(train))]
    assert [i['video_id'] for i in items] == [XD_RIOT, XD_MOVIE, XD_FIGHT]  # merged, in order
    assert [i['label'] for i in items] == [1, 0, 1]
    assert [i['category'] for i in items] == ['Riot', 'Normal', 'Fighting']
    assert train.metainfo['video_groups']['category'][XD_RIOT] == 'Riot'
    assert train.frame_masks({XD_RIOT: 10}) == {}  # no test annotations in training


def test_xd_violence_split_masks(tmp_path):
    from vadkit.datasets import XDViolenceSplit
    test = XDViolenceSplit('test', **_xd_lists(tmp_path))
    assert [i['video_id'] for i in test.data_list] == [XD_FIGHT, XD_MOVIE]
    masks = test.frame_masks({XD_FIGHT: 24, XD_MOVIE: 10})
    # 0-based, end-exclusive: (5, 9) marks frames 5..8, (20, 22) frames 20 and 21
    assert np.flatnonzero(masks[XD_FIGHT]).tolist() == [5, 6, 7, 8, 20, 21]
    assert len(masks[XD_MOVIE]) == 10 and not masks[XD_MOVIE].any()
    with pytest.raises(DataError, match='runs past'):  # 22 > 21 frames
        test.frame_masks({XD_FIGHT: 21, XD_MOVIE: 10})
    clipped = XDViolenceSplit('test', clip=True, **_xd_lists(tmp_path))
    assert clipped.frame_masks({XD_FIGHT: 21, XD_MOVIE: 10})[XD_FIGHT][20] == 1
    with pytest.raises(DataError, match=f'video {XD_MOVIE} has no frame count'):
        test.frame_masks({XD_FIGHT: 24})
    assert test.annotated_intervals() == {XD_FIGHT: ([(5, 9), (20, 22)], None),
                                          XD_MOVIE: ([], None)}


def test_xd_violence_split_through_the_store(tmp_path):
    register_all_modules()
    store = _store(tmp_path / 'store', {XD_FIGHT: 32, XD_MOVIE: 48})
    videos = dict(type='XDViolenceSplit', split='test', **_xd_lists(tmp_path))
    data = SegmentDataset(store, 'test', videos=videos)
    gt = data.metainfo['video_gt']
    assert np.flatnonzero(gt[XD_FIGHT]).tolist() == [5, 6, 7, 8, 20, 21]
    assert len(gt[XD_MOVIE]) == 48 and not gt[XD_MOVIE].any()
    assert data.metainfo['video_labels'] == {XD_FIGHT: 1, XD_MOVIE: 0}


def test_xd_violence_split_errors(tmp_path):
    from vadkit.datasets import XDViolenceSplit
    paths = _xd_lists(tmp_path)
    (tmp_path / 'nolabel.list').write_text(f'{XD_MOVIE}.mp4\nsome_video__0.npy\n')
    with pytest.raises(DataError, match=r'nolabel\.list line 2: video some_video has no '
                                        r"parsable 'label_"):
        XDViolenceSplit('train', **dict(paths, train_list=str(tmp_path / 'nolabel.list')))
    (tmp_path / 'violent.list').write_text(f'{XD_FIGHT}\n{XD_RIOT}__0.npy\n')
    with pytest.raises(DataError, match=rf'violent\.list line 2: video {XD_RIOT}.*violent.*'
                                        r'no interval'):
        XDViolenceSplit('test', **dict(paths, test_list=str(tmp_path / 'violent.list')))
    (tmp_path / 'partial.list').write_text(f'{XD_MOVIE}__0.npy\n')
    with pytest.raises(DataError, match=rf'XD_Annotation\.txt: video {XD_FIGHT} is annotated '
                                        r'but not in the test list'):
        XDViolenceSplit('test', **dict(paths, test_list=str(tmp_path / 'partial.list')))


def test_xd_violence_real_annotation(tmp_path):
    from vadkit.datasets import XDViolenceSplit
    root = require_shared_data('annotations', 'xd_violence')
    ann = f'{root}/XD_Annotation.txt'
    names = [line.split()[0] for line in open(ann) if line.strip()]
    # the test list as a per-crop feature list of the violent videos, plus a normal one
    lines = [f'/x/RGBTest/{v}__{k}.npy' for v in names for k in range(5)]
    (tmp_path / 'rgbtest.list').write_text('\n'.join(lines + [f'{XD_MOVIE}__0.npy']))
    test = XDViolenceSplit('test', test_list=str(tmp_path / 'rgbtest.list'), annotation=ann)
    labels = [i['label'] for i in test.data_list]
    assert len(test) == len(names) + 1 == 501 and sum(labels) == 500 and labels[-1] == 0
    intervals = test.annotated_intervals()
    assert intervals['v=S-7rRLrxnVQ__#1_label_B4-0-0'] == ([(0, 1517), (1970, 3038)], None)


def test_split_annotated_intervals(tmp_path):
    (tmp_path / 'ann.txt').write_text('Abuse028_x264.mp4  Abuse  165  240  -1  -1\n'
                                      'Normal_Videos_003_x264.mp4  Normal  -1  -1  -1  -1\n')
    test = UCFCrimeSplit('test', annotation=str(tmp_path / 'ann.txt'))
    # 1-based inclusive 165..240 is the 0-based, end-exclusive range [164, 240)
    assert test.annotated_intervals() == {'Abuse028_x264': ([(164, 240)], None),
                                          'Normal_Videos_003_x264': ([], None)}
    split_root, masks = tmp_path / 'split', tmp_path / 'masks'
    split_root.mkdir()
    masks.mkdir()
    (split_root / 'SH_Train.txt').write_text('01_001\n')
    (split_root / 'SH_Test.txt').write_text('01_0014\n01_002\n')
    mask = np.zeros(30, np.uint8)
    mask[3:7] = mask[25:] = 1
    np.save(masks / '01_0014.npy', mask)
    sh = ShanghaiTechWeakSplit('test', split_root=str(split_root), mask_dir=str(masks))
    assert sh.annotated_intervals() == {'01_0014': ([(3, 7), (25, 30)], 30),
                                        '01_002': ([], None)}
    assert ShanghaiTechWeakSplit('train', split_root=str(split_root),
                                 mask_dir=str(masks)).annotated_intervals() == {}
