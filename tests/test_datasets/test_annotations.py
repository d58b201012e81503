"""Annotation loaders: real ground truth of ../shared/data, and every error path on
hand-made inputs."""
import ast
import os
import os.path as osp

import numpy as np
import pytest

from vadkit.datasets.annotations import (MIXTURE_SPLITS, UCF_CRIME_CLASSES, IntervalAnnotation,
                                         count_frames, intervals_to_mask, load_frame_masks,
                                         load_mixture_split, load_shanghaitech_weak_split,
                                         load_ucf_crime_annotations, load_ucf_crime_train_list,
                                         load_video_list, load_xd_violence_annotations,
                                         parse_ucsd_gt_m, shanghaitech_scenes,
                                         shanghaitech_weak_masks,
                                         ucf_crime_classes, xd_violence_labels)
from vadkit.utils.errors import DataError

UCF_HEADER = 'Abuse028_x264.mp4  Abuse  165  240  -1  -1  \n'


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


# ---------------------------------------------------------------- real data


def test_avenue_masks(shared_data):
    masks = load_frame_masks(shared_data('ground_truth', 'avenue', 'test_frame_mask'))
    assert list(masks) == [f'{i:02d}' for i in range(1, 22)]
    assert sum(len(m) for m in masks.values()) == 15324
    assert all(m.dtype == np.uint8 and m.ndim == 1 for m in masks.values())
    assert set(np.unique(np.concatenate(list(masks.values())))) == {0, 1}


# (name, test videos, test frames, training videos, names from the supplement's Table 2)
MIXTURE = [
    ('01+02', 15, 5547, 33, ['01_0016', '01_0177', '01_020', '01_030', '02_001'],
     ['01_0014', '01_0129', '01_0141', '02_0128', '02_0164']),
    ('04+08', 12, 5161, 53, ['04_001', '04_020', '04_0003', '08_047', '08_0044', '08_0159'],
     ['04_0001', '04_0050', '08_0058', '08_0077', '08_0179']),
    ('10+12', 10, 3615, 31, ['10_001', '10_011', '12_001', '12_0142', '12_0148'],
     ['10_0037', '10_0075', '12_0149', '12_0152', '12_0173']),
]


@pytest.mark.parametrize('name,n_test,frames,n_train,train_names,test_names', MIXTURE)
def test_mixture_splits(shared_data, name, n_test, frames, n_train, train_names, test_names):
    split = load_mixture_split(shared_data('ground_truth', 'shanghaitech_mixture'), name)
    assert split.name == name
    assert len(split.test) == n_test and len(split.train) == n_train
    assert list(split.masks) == split.test
    assert sum(len(m) for m in split.masks.values()) == frames
    assert set(train_names) <= set(split.train) and set(test_names) <= set(split.test)
    assert not set(split.train) & set(split.test)
    # every test video belongs to one of the two mixed scenes
    assert {v[:2] for v in split.test + split.train} == set(name.split('+'))


def test_mixture_scene_dependent_normal_videos(shared_data):
    # supplement 4.1: the cyclists of 01_0129 and 12_0174 and the runner of 08_0078 are
    # normal in the Mixture sets
    root = shared_data('ground_truth', 'shanghaitech_mixture')
    masks = {}
    for name in MIXTURE_SPLITS:
        masks.update(load_mixture_split(root, name).masks)
    assert len(masks) == 37
    for video in ('01_0129', '12_0174', '08_0078'):
        assert masks[video].sum() == 0
    assert masks['01_0015'].sum() == 288


def test_mixture_unknown_name_lists_valid_ones(shared_data):
    root = shared_data('ground_truth', 'shanghaitech_mixture')
    with pytest.raises(DataError, match=r"'01\+03'.*01\+02, 04\+08, 10\+12"):
        load_mixture_split(root, '01+03')


def test_ucf_crime_annotations(shared_data):
    ann = load_ucf_crime_annotations(
        shared_data('annotations', 'ucf_crime', 'Temporal_Anomaly_Annotation.txt'))
    assert len(ann) == 290
    labels = [a.label for a in ann.values()]
    assert labels.count('Normal') == 150
    assert ucf_crime_classes(ann) == sorted(UCF_CRIME_CLASSES) and len(UCF_CRIME_CLASSES) == 13
    assert sum(a.is_anomalous for a in ann.values()) == 140
    assert sum(len(a.intervals) == 2 for a in ann.values()) == 16
    abuse = ann['Abuse028_x264']
    assert (abuse.video, abuse.label, abuse.intervals) == ('Abuse028_x264', 'Abuse', [(165, 240)])
    assert ann['Arson011_x264'].intervals == [(150, 420), (680, 1267)]
    assert ann['Normal_Videos_003_x264'].intervals == []
    # 1-based, end-inclusive: frames 165..240 are 0-based indices 164..239
    assert abuse.frame_ranges() == [(164, 240)]
    mask = abuse.to_mask(300)
    assert mask.sum() == 76 and mask[163] == 0 and mask[164] == 1 and mask[239] == 1
    assert mask[240] == 0
    assert not ann['Normal_Videos_003_x264'].to_mask(50).any()


def test_ucf_crime_training_list(shared_data):
    train = load_ucf_crime_train_list(
        shared_data('annotations', 'ucf_crime', 'Anomaly_Train.txt'))
    assert len(train) == 1610
    assert list(train.values()).count('Normal') == 800
    assert train['Abuse001_x264'] == 'Abuse' and train['Normal_Videos001_x264'] == 'Normal'
    assert ucf_crime_classes(train) == sorted(UCF_CRIME_CLASSES)
    test = load_ucf_crime_annotations(
        shared_data('annotations', 'ucf_crime', 'Temporal_Anomaly_Annotation.txt'))
    assert not set(train) & set(test)


def test_xd_violence_annotations(shared_data):
    path = shared_data('annotations', 'xd_violence', 'XD_Annotation.txt')
    with open(path) as f:
        assert f.read().count('\n') == 499  # the last line has no newline
    ann = load_xd_violence_annotations(path)
    assert len(ann) == 500
    assert all(a.is_anomalous and a.label is not None for a in ann.values())
    first = ann['v=S-7rRLrxnVQ__#1_label_B4-0-0']
    assert (first.label, first.intervals) == ('Riot', [(0, 1517), (1970, 3038)])
    last = ann['City.of.God.2002__#01-24-10_01-25-10_label_B2-0-0']
    assert (last.label, last.intervals) == ('Shooting', [(340, 1090)])
    multi = ann['Casino.Royale.2006__#00-50-05_00-51-16_label_B1-B2-B6']
    assert multi.labels == ('Fighting', 'Shooting', 'Car accident')
    assert sum(len(a.intervals) for a in ann.values()) == 1238
    assert sum(a.intervals[0][0] == 0 for a in ann.values()) == 88  # 0-based numbering
    # 0-based, end-exclusive
    mask = first.to_mask(3100)
    assert mask.sum() == 1517 + (3038 - 1970) and mask[0] == 1 and mask[1517] == 0
    assert mask[3037] == 1 and mask[3038] == 0


def test_shanghaitech_weak_split(shared_data, tmp_path):
    train, test = load_shanghaitech_weak_split(shared_data('annotations', 'shanghaitech_weak'))
    assert (len(train), len(test)) == (238, 199)
    assert not set(train) & set(test)
    assert '01_0015' in test and '01_001' in test and '13_007' in train
    anomalous = [v for v in test if len(v) == 7]
    assert len(anomalous) == 44
    # with a mask file per original test video, the training-set videos get zeros
    for i, video in enumerate(anomalous):
        np.save(tmp_path / f'{video}.npy', (np.arange(100 + i) % 3 == 0).astype(np.int8))
    lengths = {v: 50 for v in test if v not in anomalous}
    masks = shanghaitech_weak_masks(test, str(tmp_path), lengths)
    assert list(masks) == test
    assert all(len(masks[v]) == 50 and not masks[v].any() for v in lengths)
    assert all(masks[v].any() for v in anomalous)
    # the Mixture folder has 37 of the 107 original test masks: an error, not zeros
    mixture = shared_data('ground_truth', 'shanghaitech_mixture', 'shanghaitech',
                          'test_frame_mask')
    with pytest.raises(DataError, match='video 01_0025: no frame mask 01_0025.npy in .*'
                                        'test_frame_mask'):
        shanghaitech_weak_masks(test, mixture, lengths)


def test_ped2_frame_counts(shared_data):
    testing = count_frames(shared_data('ped2', 'testing', 'frames'))
    training = count_frames(shared_data('ped2', 'training', 'frames'))
    assert list(testing) == [f'{i:02d}' for i in range(1, 13)]
    assert sum(testing.values()) == 2010 and testing['01'] == 180
    assert len(training) == 16 and sum(training.values()) == 2550


# ---------------------------------------------------------------- frame masks


def test_frame_masks_order_dtypes_and_selection(tmp_path):
    np.save(tmp_path / 'b.npy', np.array([0, 1, 1], dtype=np.int8))
    np.save(tmp_path / 'a.npy', np.array([True, False]))
    np.save(tmp_path / 'c.npy', np.array([0.0, 1.0]))
    write(tmp_path / 'notes.txt', 'ignored')
    masks = load_frame_masks(str(tmp_path))
    assert list(masks) == ['a', 'b', 'c']
    assert all(m.dtype == np.uint8 for m in masks.values())
    assert masks['b'].tolist() == [0, 1, 1]
    assert list(load_frame_masks(str(tmp_path), ['c', 'a'])) == ['c', 'a']


def test_frame_mask_value_2_names_the_file(tmp_path):
    np.save(tmp_path / '07.npy', np.array([0, 1, 2, 1]))
    with pytest.raises(DataError, match=r'07\.npy: frame mask values must be 0 or 1, got '
                                        r'\[2\] \(first at frame 2\)'):
        load_frame_masks(str(tmp_path))


def test_frame_mask_2d_names_the_file(tmp_path):
    np.save(tmp_path / '03.npy', np.zeros((4, 2), dtype=np.uint8))
    with pytest.raises(DataError, match=r'03\.npy: frame mask must be 1-D.*\(4, 2\)'):
        load_frame_masks(str(tmp_path))


def test_frame_mask_unreadable_or_not_numeric(tmp_path):
    write(tmp_path / 'bad.npy', 'not numpy')
    with pytest.raises(DataError, match=r'bad\.npy cannot be read'):
        load_frame_masks(str(tmp_path))
    os.remove(tmp_path / 'bad.npy')
    np.save(tmp_path / 'str.npy', np.array(['0', '1']))
    with pytest.raises(DataError, match=r'str\.npy: frame mask must be numeric'):
        load_frame_masks(str(tmp_path))


def test_frame_masks_missing_folder_empty_folder_missing_video(tmp_path):
    with pytest.raises(DataError, match='frame-mask folder not found: .*nowhere'):
        load_frame_masks(str(tmp_path / 'nowhere'))
    with pytest.raises(DataError, match='holds no <video>.npy files'):
        load_frame_masks(str(tmp_path))
    np.save(tmp_path / '01.npy', np.zeros(3, dtype=np.uint8))
    with pytest.raises(DataError, match=f'video 02: no frame mask 02.npy in {tmp_path}'):
        load_frame_masks(str(tmp_path), ['01', '02'])
    with pytest.raises(DataError, match='video 01 is listed twice'):
        load_frame_masks(str(tmp_path), ['01', '01'])


# ---------------------------------------------------------------- video lists and splits


def test_video_list_is_tolerant(tmp_path):
    path = write(tmp_path / 'split.txt', '01_001\n\n01_0015  \r\n   \n02_003')
    assert load_video_list(path) == ['01_001', '01_0015', '02_003']


def test_video_list_errors(tmp_path):
    dup = write(tmp_path / 'dup.txt', '01_001\n01_002\n01_001\n')
    with pytest.raises(DataError, match=r'dup\.txt line 3: video 01_001 is listed twice '
                                        r'\(first on line 1\)'):
        load_video_list(dup)
    two = write(tmp_path / 'two.txt', '01_001\n01_002 01_003\n')
    with pytest.raises(DataError, match=r'two\.txt line 2: expected one video name, got 2'):
        load_video_list(two)
    with pytest.raises(DataError, match=r'video list .*empty\.txt is empty'):
        load_video_list(write(tmp_path / 'empty.txt', '\n \n'))
    with pytest.raises(DataError, match=r'video list not found: .*missing\.txt'):
        load_video_list(str(tmp_path / 'missing.txt'))


def test_mixture_split_overlap_and_missing_mask(tmp_path):
    mask_dir = tmp_path / 'shanghaitech' / 'test_frame_mask'
    mask_dir.mkdir(parents=True)
    np.save(mask_dir / '01_0014.npy', np.zeros(5, dtype=np.uint8))
    write(tmp_path / 'SHT_train_mix_01+02_trim.txt', '01_001\n01_0014\n')
    write(tmp_path / 'SHT_test_mix_01+02_trim.txt', '01_0014')
    with pytest.raises(DataError, match=r'video 01_0014 is in both .*SHT_train_mix_01\+02'):
        load_mixture_split(str(tmp_path), '01+02')
    write(tmp_path / 'SHT_train_mix_01+02_trim.txt', '01_001\n')
    write(tmp_path / 'SHT_test_mix_01+02_trim.txt', '01_0014\n01_0015')
    with pytest.raises(DataError, match='video 01_0015: no frame mask 01_0015.npy'):
        load_mixture_split(str(tmp_path), '01+02')
    write(tmp_path / 'SHT_test_mix_01+02_trim.txt', '01_0014')
    split = load_mixture_split(str(tmp_path), '01+02')
    assert split.train == ['01_001'] and list(split.masks) == ['01_0014']


def test_weak_masks_errors(tmp_path):
    np.save(tmp_path / '01_0015.npy', np.ones(4, dtype=np.uint8))
    with pytest.raises(DataError, match='video 01_001: no frame mask .* number of frames is '
                                        'unknown'):
        shanghaitech_weak_masks(['01_0015', '01_001'], str(tmp_path))
    with pytest.raises(DataError, match=r'video 01_0015: frame mask .*01_0015\.npy has 4 '
                                        r'frames, the video has 5'):
        shanghaitech_weak_masks(['01_0015'], str(tmp_path), {'01_0015': 5})
    with pytest.raises(DataError, match='video 02_0161: no frame mask 02_0161.npy'):
        shanghaitech_weak_masks(['02_0161'], str(tmp_path), {'02_0161': 9})
    masks = shanghaitech_weak_masks(['02_0161'], str(tmp_path), {'02_0161': 9},
                                    require_mask=None)
    assert masks['02_0161'].tolist() == [0] * 9
    with pytest.raises(DataError, match='video 01_0015 is listed twice'):
        shanghaitech_weak_masks(['01_0015', '01_0015'], str(tmp_path))
    with pytest.raises(DataError, match='frame-mask folder not found'):
        shanghaitech_weak_masks(['01_0015'], str(tmp_path / 'nowhere'))


# ---------------------------------------------------------------- intervals


def test_intervals_to_mask_conventions():
    assert intervals_to_mask([(2, 4)], 6).tolist() == [0, 0, 1, 1, 0, 0]
    assert intervals_to_mask([(2, 4)], 6, end_inclusive=True).tolist() == [0, 0, 1, 1, 1, 0]
    assert intervals_to_mask([(2, 4)], 6, one_based=True,
                             end_inclusive=True).tolist() == [0, 1, 1, 1, 0, 0]
    assert intervals_to_mask([(0, 1), (4, 6)], 6).tolist() == [1, 0, 0, 0, 1, 1]
    assert intervals_to_mask([], 3).dtype == np.uint8


def test_interval_beyond_length_names_video_and_numbers():
    with pytest.raises(DataError, match=r"video Abuse028_x264: interval 165\.\.240 \(last "
                                        r"frame 240\) runs past the video's 200 frames"):
        intervals_to_mask([(165, 240)], 200, one_based=True, end_inclusive=True,
                          video='Abuse028_x264')
    ann = IntervalAnnotation('v1', 'Riot', [(5, 12)], one_based=False, end_inclusive=False)
    with pytest.raises(DataError, match=r"video v1: interval 5\.\.12 \(end 12\) runs past the "
                                        r"video's 10 frames; pass clip=True"):
        ann.to_mask(10)
    assert ann.to_mask(10, clip=True).tolist() == [0] * 5 + [1] * 5
    assert ann.to_mask(4, clip=True).tolist() == [0] * 4
    with pytest.raises(DataError, match=r'video v1: interval 3\.\.3 is empty'):
        intervals_to_mask([(3, 3)], 10, video='v1')
    with pytest.raises(DataError, match=r'interval 0\.\.3 starts before frame 1'):
        intervals_to_mask([(0, 3)], 10, one_based=True)


def test_ucf_bad_field_count(tmp_path):
    path = write(tmp_path / 'Temporal_Anomaly_Annotation.txt',
                 UCF_HEADER + 'Arrest001_x264.mp4  Arrest  1185  1485  -1\n')
    with pytest.raises(DataError, match=r"Temporal_Anomaly_Annotation\.txt line 2: expected "
                                        r"'name class s1 e1 s2 e2', got 5 fields"):
        load_ucf_crime_annotations(path)


@pytest.mark.parametrize('row,message', [
    ('Arrest001_x264.mp4  Arrest  11x5  1485  -1  -1', r"\(Arrest001_x264\): field s1 is "
                                                       r"'11x5', expected an integer"),
    ('Arrest001_x264.mp4  Arrest  1185  1485  300  -1', r'\(Arrest001_x264\): s2 e2 = 300 -1'),
    ('Arrest001_x264.mp4  Robbing  1185  1485  -1  -1', r"\(Arrest001_x264\): unknown class "
                                                        r"'Robbing'"),
    ('Normal_Videos_003_x264.mp4  Normal  5  9  -1  -1', r'\(Normal_Videos_003_x264\): class '
                                                         r'Normal but anomalous'),
    ('Arrest001_x264.mp4  Arrest  -1  -1  -1  -1', r'\(Arrest001_x264\): class Arrest but no '
                                                   r'interval'),
    ('Arrest001_x264.mp4  Arrest  1485  1185  -1  -1', r'\(Arrest001_x264\): interval '
                                                       r'1485\.\.1185 is empty or reversed'),
    ('Abuse028_x264.mp4  Abuse  1  2  -1  -1', r'\(Abuse028_x264\): video Abuse028_x264 is '
                                               r'annotated twice .*first on line 1'),
])
def test_ucf_row_errors_name_file_line_and_video(tmp_path, row, message):
    path = write(tmp_path / 'Temporal_Anomaly_Annotation.txt', UCF_HEADER + row)
    with pytest.raises(DataError, match=r'Temporal_Anomaly_Annotation\.txt line 2 ' + message):
        load_ucf_crime_annotations(path)


def test_ucf_empty_or_missing(tmp_path):
    with pytest.raises(DataError, match='UCF-Crime annotation not found'):
        load_ucf_crime_annotations(str(tmp_path / 'none.txt'))
    with pytest.raises(DataError, match='is empty'):
        load_ucf_crime_annotations(write(tmp_path / 'empty.txt', '\n'))


def test_ucf_training_list_errors(tmp_path):
    good = 'Abuse/Abuse001_x264.mp4\nTraining_Normal_Videos_Anomaly/Normal_Videos001_x264.mp4'
    assert load_ucf_crime_train_list(write(tmp_path / 'ok.txt', good)) == {
        'Abuse001_x264': 'Abuse', 'Normal_Videos001_x264': 'Normal'}
    with pytest.raises(DataError, match=r"bad\.txt line 3: expected '<class folder>/"
                                        r"<video>.mp4', got 'Abuse002_x264.mp4'"):
        load_ucf_crime_train_list(write(tmp_path / 'bad.txt', good + '\nAbuse002_x264.mp4'))
    with pytest.raises(DataError, match=r"cls\.txt line 1 \(Riot001_x264\): unknown class "
                                        r"folder 'Riot'"):
        load_ucf_crime_train_list(write(tmp_path / 'cls.txt', 'Riot/Riot001_x264.mp4'))
    with pytest.raises(DataError, match=r'dup\.txt line 3: video Abuse001_x264 is listed '
                                        r'twice'):
        load_ucf_crime_train_list(write(tmp_path / 'dup.txt',
                                        good + '\nAbuse/Abuse001_x264.mp4'))


XD_ROW = 'v=abc__#1_label_B1-B2-0 10 20 30 40\n'


@pytest.mark.parametrize('row,message', [
    ('v=def__#1_label_G-0-0 10 20 30', r"line 2: expected 'name s1 e1 \[s2 e2 \.\.\.\]', got "
                                       r'4 fields'),
    ('v=def__#1_label_G-0-0', r"line 2: expected 'name s1 e1 \[s2 e2 \.\.\.\]', got 1 fields"),
    ('v=def__#1_label_G-0-0 10 20 3O 40', r"line 2 \(v=def__#1_label_G-0-0\): field s2 is "
                                          r"'3O', expected an integer"),
    ('v=def__#1_label_G-0-0 10 10', r'line 2 \(v=def__#1_label_G-0-0\): interval 10\.\.10 is '
                                    r'empty'),
    ('v=abc__#1_label_B1-B2-0 1 2', r'line 2 \(v=abc__#1_label_B1-B2-0\): video '
                                    r'v=abc__#1_label_B1-B2-0 is annotated twice'),
])
def test_xd_row_errors_name_file_line_and_video(tmp_path, row, message):
    path = write(tmp_path / 'XD_Annotation.txt', XD_ROW + row)
    with pytest.raises(DataError, match=r'XD_Annotation\.txt ' + message):
        load_xd_violence_annotations(path)


def test_xd_labels_parse_or_none(tmp_path):
    ann = load_xd_violence_annotations(write(
        tmp_path / 'a.txt', XD_ROW + 'Movie.2001__#00-01-02_label_B3-0-0 0 5\nplain_name 0 5'))
    assert ann['v=abc__#1_label_B1-B2-0'].label == 'Fighting'
    assert ann['v=abc__#1_label_B1-B2-0'].labels == ('Fighting', 'Shooting')
    assert ann['v=abc__#1_label_B1-B2-0'].intervals == [(10, 20), (30, 40)]
    assert ann['Movie.2001__#00-01-02_label_B3-0-0'].label is None  # B3 is no XD code
    assert ann['plain_name'].label is None and ann['plain_name'].labels == ()
    assert xd_violence_labels('x_label_A-0-0') == ('Normal',)


# ---------------------------------------------------------------- UCSD


UCSD_TEXT = """% ground truth of a generated test set
TestVideoFile = {};
TestVideoFile{end+1}.gt_frame = [3:5];
TestVideoFile{end+1}.gt_frame = [1:2, 7:8];   % two events
TestVideoFile{end+1}.gt_frame = [ 2 : 3  6 ];
TestVideoFile{end+1}.gt_frame = [];
"""


def test_ucsd_m_format():
    masks = parse_ucsd_gt_m(UCSD_TEXT, {'01': 6, '02': 8, '03': 6, '04': 4})
    assert list(masks) == ['01', '02', '03', '04']
    assert masks['01'].tolist() == [0, 0, 1, 1, 1, 0]
    assert masks['02'].tolist() == [1, 1, 0, 0, 0, 0, 1, 1]
    assert masks['03'].tolist() == [0, 1, 1, 0, 0, 1]
    assert masks['04'].tolist() == [0, 0, 0, 0]
    assert all(m.dtype == np.uint8 for m in masks.values())


def test_ucsd_m_file_and_explicit_indices(tmp_path):
    path = write(tmp_path / 'UCSDped2.m', 'TestVideoFile{2}.gt_frame = [2:3];\n'
                                          'TestVideoFile{1}.gt_frame = [1:1];\n')
    masks = parse_ucsd_gt_m(path, {'01': 3, '02': 3})
    assert masks['01'].tolist() == [1, 0, 0] and masks['02'].tolist() == [0, 1, 1]


def test_ucsd_m_errors(tmp_path):
    counts = {'01': 6, '02': 8, '03': 6, '04': 4}
    with pytest.raises(DataError, match=r"video 02 \(UCSD ground-truth text line 4\): interval "
                                        r"7\.\.8 \(last frame 8\) runs past the video's 7 "
                                        r"frames"):
        parse_ucsd_gt_m(UCSD_TEXT, dict(counts, **{'02': 7}))
    assert parse_ucsd_gt_m(UCSD_TEXT, dict(counts, **{'02': 7}), clip=True)['02'][-1] == 1
    with pytest.raises(DataError, match=r"line 3 \(video 01\): frame range '3:5:7' is not"):
        parse_ucsd_gt_m(UCSD_TEXT.replace('[3:5]', '[3:5:7]'), counts)
    with pytest.raises(DataError, match=r"line 3: expected 'TestVideoFile\{end\+1\}"):
        parse_ucsd_gt_m(UCSD_TEXT.replace('[3:5];', '3:5;'), counts)
    with pytest.raises(DataError, match=r'no count for \[.04.\]'):
        parse_ucsd_gt_m(UCSD_TEXT, {'01': 6, '02': 8, '03': 6})
    with pytest.raises(DataError, match=r'line 2: video 01 is assigned twice'):
        parse_ucsd_gt_m('TestVideoFile{1}.gt_frame = [1:2];\n'
                        'TestVideoFile{1}.gt_frame = [1:2];\n', {'01': 3})
    with pytest.raises(DataError, match='UCSD ground-truth file not found: .*UCSDped2.m'):
        parse_ucsd_gt_m(str(tmp_path / 'UCSDped2.m'), counts)
    with pytest.raises(DataError, match=r'no TestVideoFile\{\.\.\.\}\.gt_frame entries'):
        parse_ucsd_gt_m('TestVideoFile = {};\n', counts)


def test_count_frames_hand_made(tmp_path):
    for video, n in (('02', 3), ('01', 2)):
        (tmp_path / video).mkdir()
        for i in range(n):
            write(tmp_path / video / f'{i:03d}.jpg', '')
    write(tmp_path / '01' / 'Thumbs.db', '')
    write(tmp_path / 'readme.txt', '')
    assert count_frames(str(tmp_path)) == {'01': 2, '02': 3}
    (tmp_path / '03').mkdir()
    with pytest.raises(DataError, match=r'video 03: no frame images .* in .*03'):
        count_frames(str(tmp_path))
    with pytest.raises(DataError, match='frames folder not found: .*nowhere'):
        count_frames(str(tmp_path / 'nowhere'))


# ---------------------------------------------------------------- dependencies


def test_annotation_modules_import_numpy_and_stdlib_only():
    import vadkit.datasets.annotations as pkg
    allowed = {'numpy', 'vadkit.utils.errors'}
    folder = osp.dirname(pkg.__file__)
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.py'):
            continue
        with open(osp.join(folder, name)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split('.')[0]
                assert module in allowed or top == 'numpy' or top in (
                    'os', 're', 'dataclasses', 'typing'), f'{name} imports {module}'


def test_shanghaitech_scenes_group_the_mixture_tests(shared_data):
    root = shared_data('ground_truth', 'shanghaitech_mixture')
    test = load_mixture_split(root, '01+02').test
    scenes = shanghaitech_scenes(test)
    assert sorted(set(scenes.values())) == ['01', '02']
    assert sum(v == '02' for v in scenes.values()) == 3  # 02_0128, 02_0161, 02_0164
    assert shanghaitech_scenes(['12_001'])['12_001'] == '12'
    with pytest.raises(DataError, match='video Abuse028_x264: not a ShanghaiTech name'):
        shanghaitech_scenes(['Abuse028_x264'])
