"""Importing features extracted elsewhere into a feature store: every layout round-trips its
values, frame spans and counts, the annotation checks, resuming, and the tool."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from vadkit.datasets import SegmentDataset, VideoBagDataset
from vadkit.datasets.importers import (CropFilesFeatureReader, NpyFeatureReader,
                                       SultaniTextReader, check_annotations, import_features,
                                       load_frame_counts)
from vadkit.parsing import FeatureStore
from vadkit.utils.errors import ConfigError, DataError

TOOL = osp.join(REPO_ROOT, 'tools', 'import_features.py')


def _features(t, crops, dim, seed):
    return np.random.default_rng(seed).normal(size=(t, crops, dim)).astype(np.float32)


def _rtfm(folder, videos, crops=10, dim=6):
    """``<video>_i3d.npy`` per video, ``{video: T}``; returns ``{video: array}``."""
    os.makedirs(folder, exist_ok=True)
    out = {}
    for seed, (video, t) in enumerate(videos.items()):
        out[video] = _features(t, crops, dim, seed)
        np.save(osp.join(folder, f'{video}_i3d.npy'), out[video])
    return out


def _npy_reader(folder, **kwargs):
    return dict(type='NpyFeatureReader', feature_dir=str(folder), suffix='_i3d.npy', **kwargs)


def _store(out):
    return FeatureStore(str(out))


def test_npy_crop_mean_keep_and_index(tmp_path):
    arrays = _rtfm(tmp_path / 'feats', {'Abuse028_x264': 5, 'Normal_Videos_003_x264': 3})
    single = np.arange(4 * 6, dtype=np.float32).reshape(4, 6)  # (T, D): one crop
    np.save(tmp_path / 'feats' / 'Arson001_x264_i3d.npy', single)
    reader = _npy_reader(tmp_path / 'feats')
    summary = import_features(reader, str(tmp_path / 'mean'), progress=False)
    assert summary['imported'] == 3 and summary['rows'] == (3, 5)
    store = _store(tmp_path / 'mean')
    assert store.videos() == ['Abuse028_x264', 'Arson001_x264', 'Normal_Videos_003_x264']
    got = store.read('Abuse028_x264')
    assert sorted(got) == ['clip_spans', 'clips']
    np.testing.assert_array_equal(got['clips'][:, 0], arrays['Abuse028_x264'].mean(axis=1))
    assert got['clips'].dtype == np.float32 and got['clips'].shape == (5, 1, 6)
    assert got['clip_spans'].tolist() == [[0, 16], [16, 32], [32, 48], [48, 64], [64, 80]]
    assert got['clip_spans'].dtype == np.int64
    meta = store.meta('Abuse028_x264')
    assert meta['num_frames'] == 80 and meta['counts'] == dict(clips=5)
    assert meta['crops'] == 10 and meta['feature_dim'] == 6
    assert meta['source'] == [str(tmp_path / 'feats' / 'Abuse028_x264_i3d.npy')]
    arson = store.read('Arson001_x264')
    np.testing.assert_array_equal(arson['clips'][:, 0], single)
    assert store.meta('Arson001_x264')['crops'] == 1
    assert json.load(open(tmp_path / 'mean' / 'index.json'))['videos']['Abuse028_x264'] == \
        dict(num_frames=80, num_clips=5)

    import_features(reader, str(tmp_path / 'keep'), crops='keep', progress=False)
    kept = _store(tmp_path / 'keep').read('Normal_Videos_003_x264')
    np.testing.assert_array_equal(kept['crops'], arrays['Normal_Videos_003_x264'])
    np.testing.assert_array_equal(kept['clips'][:, 0],
                                  arrays['Normal_Videos_003_x264'].mean(axis=1))

    import_features(reader, str(tmp_path / 'k3'), crops=3, progress=False,
                    videos=['Abuse028_x264'])
    third = _store(tmp_path / 'k3')
    assert third.videos() == ['Abuse028_x264']
    np.testing.assert_array_equal(third.read('Abuse028_x264')['clips'][:, 0],
                                  arrays['Abuse028_x264'][:, 3])
    with pytest.raises(DataError, match=r'Abuse028_x264.*crop 10.*10 crop'):
        import_features(reader, str(tmp_path / 'k10'), crops=10, progress=False)
    with pytest.raises(ConfigError, match='crops'):
        import_features(reader, str(tmp_path / 'bad'), crops='max', progress=False)


def test_npy_wrong_dims_refused(tmp_path):
    (tmp_path / 'feats').mkdir()
    np.save(tmp_path / 'feats' / 'v1_i3d.npy', np.zeros(7, np.float32))
    with pytest.raises(DataError, match=r'v1.*shape \(7,\)'):
        NpyFeatureReader(feature_dir=str(tmp_path / 'feats'), suffix='_i3d.npy').read('v1')


def _crop_files(folder, video, t, crops=5, dim=4, seed=0):
    os.makedirs(folder, exist_ok=True)
    arrays = [_features(t, 1, dim, seed * 10 + k)[:, 0] for k in range(crops)]
    for k, a in enumerate(arrays):
        np.save(osp.join(folder, f'{video}__{k}.npy'), a)
    return np.stack(arrays, axis=1)


XD_A = 'v=S-7rRLrxnVQ__#1_label_B4-0-0'
XD_B = 'A.Beautiful.Mind.2001__#00-25-20_00-29-20_label_A'


def test_crop_files_from_a_list_of_another_machine(tmp_path):
    folder = tmp_path / 'RGB'
    a = _crop_files(folder, XD_A, 6, seed=1)
    b = _crop_files(folder, XD_B, 3, seed=2)
    for video in (XD_A, XD_B):  # XD-Violence's audio stream, a store of its own
        np.save(folder / f'{video}__vggish.npy', np.full((4, 3), len(video), np.float32))
    lines = [f'/home/someone/xd/i3d/RGB/{v}__{k}.npy' for v in (XD_B, XD_A) for k in range(5)]
    (tmp_path / 'rgb.list').write_text('\n'.join(lines) + '\n')
    reader = dict(type='CropFilesFeatureReader', list_file=str(tmp_path / 'rgb.list'),
                  feature_dir=str(folder), crops=5)
    from vadkit.registry import FEATURE_READERS
    assert FEATURE_READERS.build(dict(reader)).videos() == [XD_B, XD_A]  # the list's order
    import_features(reader, str(tmp_path / 'i3d'), crops='keep', progress=False)
    store = _store(tmp_path / 'i3d')
    got = store.read(XD_A)
    np.testing.assert_array_equal(got['crops'], a)
    np.testing.assert_array_equal(got['clips'][:, 0], a.mean(axis=1))
    assert got['clip_spans'][-1].tolist() == [80, 96]
    assert store.meta(XD_B)['crops'] == 5 and store.meta(XD_B)['num_frames'] == 48
    assert store.meta(XD_A)['source'] == [str(folder / f'{XD_A}__{k}.npy') for k in range(5)]
    np.testing.assert_array_equal(store.read(XD_B)['clips'][:, 0], b.mean(axis=1))

    audio = dict(type='CropFilesFeatureReader', feature_dir=str(folder), suffix='__vggish.npy')
    import_features(audio, str(tmp_path / 'vggish'), progress=False)
    sound = _store(tmp_path / 'vggish')
    assert sound.videos() == sorted([XD_A, XD_B])
    assert sound.read(XD_A)['clips'].shape == (4, 1, 3)
    assert float(sound.read(XD_A)['clips'][0, 0, 0]) == len(XD_A)


def test_crop_files_of_different_length_or_missing_refused(tmp_path):
    folder = tmp_path / 'RGB'
    _crop_files(folder, 'fight_label_B1-0-0', 6, crops=3)
    np.save(folder / 'fight_label_B1-0-0__1.npy', np.zeros((5, 4), np.float32))
    reader = CropFilesFeatureReader(feature_dir=str(folder))
    with pytest.raises(DataError, match=r'fight_label_B1-0-0.*\(6, 4\).*\(5, 4\)'):
        reader.read('fight_label_B1-0-0')
    _crop_files(folder, 'riot_label_B4-0-0', 6, crops=3)
    os.remove(folder / 'riot_label_B4-0-0__1.npy')
    with pytest.raises(DataError, match=r'riot_label_B4-0-0: crop file\(s\) of crop\(s\) \[1\]'):
        CropFilesFeatureReader(feature_dir=str(folder)).read('riot_label_B4-0-0')
    with pytest.raises(DataError, match=r'crop\(s\) \[3, 4\] missing'):
        CropFilesFeatureReader(feature_dir=str(folder), crops=5).read('fight_label_B1-0-0')


def test_list_file_lines(tmp_path):
    _rtfm(tmp_path / 'feats', {'01_0014': 2, '01_001': 3})
    (tmp_path / 'sh.list').write_text('/mnt/data/SH_Test/01_0014_i3d.npy\n\n'
                                      '/mnt/data/SH_Train/01_001_i3d.npy\n')
    found = NpyFeatureReader(list_file=str(tmp_path / 'sh.list'),
                             feature_dir=str(tmp_path / 'feats'), suffix='_i3d.npy')
    assert found.videos() == ['01_0014', '01_001']
    assert found.sources('01_001') == [str(tmp_path / 'feats' / '01_001_i3d.npy')]
    # without feature_dir the lines are paths: absolute ones from elsewhere are missing
    with pytest.raises(DataError, match=r'sh\.list line 1: feature file '
                                        r'/mnt/data/SH_Test/01_0014_i3d\.npy not found'):
        NpyFeatureReader(list_file=str(tmp_path / 'sh.list'), suffix='_i3d.npy').videos()
    # relative lines are found from the list file's folder
    (tmp_path / 'rel.list').write_text('feats/01_001_i3d.npy\nfeats/01_0014_i3d.npy\n')
    rel = NpyFeatureReader(list_file=str(tmp_path / 'rel.list'), suffix='_i3d.npy')
    assert rel.videos() == ['01_001', '01_0014']
    (tmp_path / 'gap.list').write_text('a/01_001_i3d.npy\n\nb/01_0002_i3d.npy\n')
    with pytest.raises(DataError, match=r'gap\.list line 3: feature file 01_0002_i3d\.npy'):
        NpyFeatureReader(list_file=str(tmp_path / 'gap.list'), suffix='_i3d.npy',
                         feature_dir=str(tmp_path / 'feats')).videos()
    (tmp_path / 'twice.list').write_text('x/01_001_i3d.npy\ny/01_001_i3d.npy\n')
    with pytest.raises(DataError, match=r'twice\.list line 2: video 01_001 is listed twice'):
        NpyFeatureReader(list_file=str(tmp_path / 'twice.list'), suffix='_i3d.npy',
                         feature_dir=str(tmp_path / 'feats')).videos()


def _sultani(folder, videos, dim=8):
    os.makedirs(folder, exist_ok=True)
    out = {}
    for seed, video in enumerate(videos):
        out[video] = np.round(_features(32, 1, dim, seed)[:, 0], 4)
        np.savetxt(osp.join(folder, f'{video}.txt'), out[video], fmt='%.4f')
    return out


def test_sultani_text_files(tmp_path):
    arrays = _sultani(tmp_path / 'c3d' / 'Abuse', ['Abuse028_x264', 'Abuse029_x264'])
    (tmp_path / 'counts.txt').write_text('Abuse028_x264.mp4 1000\nAbuse029_x264 600\n')
    reader = dict(type='SultaniTextReader', feature_dir=str(tmp_path / 'c3d'),
                  pattern='**/*.txt')
    import_features(reader, str(tmp_path / 'store'), frame_counts=str(tmp_path / 'counts.txt'),
                    progress=False)
    store = _store(tmp_path / 'store')
    got = store.read('Abuse028_x264')
    np.testing.assert_allclose(got['clips'][:, 0], arrays['Abuse028_x264'], atol=1e-6)
    assert store.meta('Abuse028_x264')['num_frames'] == 1000
    # 1000 frames: 62 clips; boundaries round(1 + 61 / 32 * i): b0 = 1, b1 = 3, b5 = 11,
    # b6 = 12, b31 = 60, b32 = 62 (1-based). Segment 0: clips 1..2 -> 0-based 0..1 ->
    # frames [0, 32); segment 5: clip 11 -> 10 -> [160, 176); segment 31: clips 60..61 ->
    # 59..60 -> [944, 976).
    spans = got['clip_spans']
    assert spans.shape == (32, 2)
    assert spans[0].tolist() == [0, 32] and spans[5].tolist() == [160, 176]
    assert spans[31].tolist() == [944, 976]
    with pytest.raises(DataError, match=r'Abuse028_x264, Abuse029_x264'):  # no counts
        import_features(reader, str(tmp_path / 'none'), progress=False)
    (tmp_path / 'short.txt').write_text('Abuse028_x264 1000\n')
    with pytest.raises(DataError, match=r'short\.txt.*1 video\(s\) have none: Abuse029_x264'):
        import_features(reader, str(tmp_path / 'part'), progress=False,
                        frame_counts=str(tmp_path / 'short.txt'))
    with open(tmp_path / 'c3d' / 'Abuse' / 'Abuse029_x264.txt', 'a') as f:
        f.write('1 2 3\n')
    with pytest.raises(DataError, match=r'Abuse029_x264.*line 33 has 3 values'):
        SultaniTextReader(feature_dir=str(tmp_path / 'c3d'), pattern='**/*.txt').read(
            'Abuse029_x264')


def test_frame_counts_both_conventions_and_mismatch(tmp_path):
    _rtfm(tmp_path / 'feats', {'floor': 5, 'ceil': 5, 'nocount': 2}, crops=1)
    reader = _npy_reader(tmp_path / 'feats')
    # 87 // 16 = 5 (trailing frames dropped), ceil(70 / 16) = 5 (padded)
    (tmp_path / 'counts.json').write_text(json.dumps({'floor': 87, 'ceil': 70}))
    import_features(reader, str(tmp_path / 'a'), frame_counts=str(tmp_path / 'counts.json'),
                    progress=False)
    store = _store(tmp_path / 'a')
    assert [store.meta(v)['num_frames'] for v in ('floor', 'ceil', 'nocount')] == [87, 70, 32]
    assert store.meta('nocount')['num_frames_from'] == 'features'
    assert load_frame_counts(str(tmp_path / 'counts.json')) == {'floor': 87, 'ceil': 70}
    with pytest.raises(DataError, match=r'video ceil: 5 feature rows.*70 frames.*counts\.json'):
        import_features(reader, str(tmp_path / 'b'), length_rule='floor', progress=False,
                        frame_counts=str(tmp_path / 'counts.json'))
    (tmp_path / 'wrong.txt').write_text('floor 87\nceil 120\n')  # 120 frames: T 7 or 8
    with pytest.raises(DataError, match=r'video ceil: 5 feature rows.*120 frames.*wrong\.txt'):
        import_features(reader, str(tmp_path / 'c'), progress=False,
                        frame_counts=str(tmp_path / 'wrong.txt'))
    (tmp_path / 'bad.txt').write_text('floor 87\nceil many\n')
    with pytest.raises(DataError, match=r'bad\.txt line 2 \(video ceil\)'):
        load_frame_counts(str(tmp_path / 'bad.txt'))


def _ucf_annotation(path, end):
    path.write_text(f'Abuse028_x264.mp4  Abuse  165  {end}  -1  -1\n'
                    'Normal_Videos_003_x264.mp4  Normal  -1  -1  -1  -1\n')
    return dict(type='UCFCrimeSplit', split='test', annotation=str(path))


def test_annotation_check(tmp_path):
    _rtfm(tmp_path / 'feats', {'Abuse028_x264': 15, 'Normal_Videos_003_x264': 4}, crops=2)
    reader = _npy_reader(tmp_path / 'feats')
    # 15 snippets: 240 frames; the interval 165..240 (1-based, inclusive) fits
    fits = _ucf_annotation(tmp_path / 'fits.txt', 240)
    summary = import_features(reader, str(tmp_path / 'a'), annotations=fits, progress=False)
    assert summary['overruns'] == []
    # ending at 255: 15 frames past 240, the trailing frames features drop: allowed
    near = _ucf_annotation(tmp_path / 'near.txt', 255)
    summary = import_features(reader, str(tmp_path / 'b'), annotations=near, progress=False)
    assert summary['overruns'] == ['Abuse028_x264']
    far = _ucf_annotation(tmp_path / 'far.txt', 256)  # 16 past: another copy of the video
    with pytest.raises(DataError, match=r'Abuse028_x264: interval \[164, 256\).*far\.txt.*'
                                        r'ends 16 frames after.*240 frames.*T = 15'):
        import_features(reader, str(tmp_path / 'c'), annotations=far, progress=False)
    # a chosen subset of videos is checked without requiring the others
    summary = import_features(reader, str(tmp_path / 'd'), annotations=fits, progress=False,
                              videos=['Abuse028_x264'])
    assert summary['imported'] == 1
    with pytest.raises(DataError, match=r'lacks 1 of the 2 annotated.*Normal_Videos_003_x264'):
        check_annotations(_store(tmp_path / 'd'), fits)


def test_missing_annotated_video_refused(tmp_path):
    _rtfm(tmp_path / 'feats', {'Abuse028_x264': 15}, crops=1)
    fits = _ucf_annotation(tmp_path / 'fits.txt', 240)
    with pytest.raises(DataError, match=r'lacks 1 of the 2 annotated video\(s\) of .*fits\.txt'
                                        r': Normal_Videos_003_x264'):
        import_features(_npy_reader(tmp_path / 'feats'), str(tmp_path / 's'),
                        annotations=fits, progress=False)


def test_shanghaitech_masks_need_their_frame_counts(tmp_path):
    _rtfm(tmp_path / 'feats', {'01_0014': 17, '01_001': 4}, crops=1)
    split_root = tmp_path / 'split'
    split_root.mkdir()
    (split_root / 'SH_Train.txt').write_text('01_002\n')
    (split_root / 'SH_Test.txt').write_text('01_0014\n01_001\n')
    masks = tmp_path / 'masks'
    masks.mkdir()
    np.save(masks / '01_0014.npy', (np.arange(265) >= 200).astype(np.uint8))
    split = dict(type='ShanghaiTechWeakSplit', split='test', split_root=str(split_root),
                 mask_dir=str(masks))
    reader = _npy_reader(tmp_path / 'feats')
    with pytest.raises(DataError, match=r'01_0014: the frame mask .* 265 frames, the store 272'):
        import_features(reader, str(tmp_path / 'a'), annotations=split, progress=False)
    import_features(reader, str(tmp_path / 'b'), annotations=split, progress=False,
                    frame_counts=str(masks))  # 265 frames: ceil(265 / 16) = 17 snippets
    assert _store(tmp_path / 'b').meta('01_0014')['num_frames'] == 265
    assert _store(tmp_path / 'b').meta('01_001')['num_frames'] == 64


def test_resume_and_another_config(tmp_path):
    _rtfm(tmp_path / 'feats', {'a': 3, 'b': 2}, crops=2)
    reader = _npy_reader(tmp_path / 'feats')
    out = str(tmp_path / 'store')
    import_features(reader, out, progress=False)
    meta = osp.join(out, 'videos', 'a', 'meta.json')
    before = os.stat(meta).st_mtime_ns
    _rtfm(tmp_path / 'feats', {'c': 4}, crops=2)
    summary = import_features(reader, out, progress=False)
    assert (summary['imported'], summary['skipped']) == (1, 2)
    assert os.stat(meta).st_mtime_ns == before
    assert _store(out).videos() == ['a', 'b', 'c']
    with pytest.raises(DataError, match='another parsing config'):
        import_features(reader, out, crops='keep', progress=False)
    with pytest.raises(DataError, match='another parsing config'):
        import_features(reader, out, clip_len=8, progress=False)


@pytest.fixture(scope='module')
def tool_main():
    spec = importlib.util.spec_from_file_location('import_features_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_tool_end_to_end(tmp_path, tool_main, capsys):
    arrays = _rtfm(tmp_path / 'UCF_Train_ten_crop_i3d', {'Abuse001_x264': 4, 'Normal_1': 3})
    (tmp_path / 'ucf-i3d.list').write_text(
        ''.join(f'/home/other/UCF_Train_ten_crop_i3d/{v}_i3d.npy\n' for v in arrays))
    config = tmp_path / 'import_cfg.py'
    config.write_text(f"reader = dict(type='NpyFeatureReader', list_file='{tmp_path}/"
                      "ucf-i3d.list', feature_dir=None, suffix='_i3d.npy')\n"
                      "importer = dict(clip_len=16, crops='mean', annotations=None, "
                      'frame_counts=None)\n')
    out = str(tmp_path / 'store')
    tool_main([str(config), '--out', out, '--feature-dir', str(tmp_path / 'UCF_Train_ten_crop_i3d'),
               '--no-progress'])
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line == (f'{out}: 2 videos imported, 0 already there (skipped); T 3..4 segments, '
                    'D 6, 10 crop(s)')
    videos = ['Abuse001_x264', 'Normal_1']
    segments = SegmentDataset(feature_root=out, split='train', videos=videos, patches='whole')
    assert len(segments) == 7 and segments.metainfo['num_frames'] == {'Abuse001_x264': 64,
                                                                    'Normal_1': 48}
    np.testing.assert_array_equal(segments.features(np.arange(4)),
                                  arrays['Abuse001_x264'].mean(axis=1))
    assert segments.get_data_info(5)['start'] == 16 and segments.get_data_info(5)['end'] == 32
    bags = VideoBagDataset(out, 'train', videos=videos, require_labels=False)
    item = bags.get_data_info(1)
    assert item['video_id'] == 'Normal_1' and item['label'] == -1
    np.testing.assert_array_equal(item['feature'][:, 0], arrays['Normal_1'].mean(axis=1))
    assert item['spans'].tolist() == [[0, 16], [16, 32], [32, 48]]
    tool_main([str(config), '--out', out, '--feature-dir', str(tmp_path / 'UCF_Train_ten_crop_i3d'),
               '--no-progress'])
    assert '0 videos imported, 2 already there' in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:  # the list's lines, without --feature-dir
        tool_main([str(config), '--out', str(tmp_path / 'other'), '--no-progress'])
    assert exit_info.value.code == 2
    assert 'ucf-i3d.list line 1: feature file /home/other/' in capsys.readouterr().err


def test_real_ucf_crime_annotation_reconciles_with_imported_snippets(tmp_path):
    """The 290 annotated test videos of UCF-Crime as snippet features just long enough
    for their intervals: the import accepts them; one snippet fewer than an interval
    needs is refused, naming the video."""
    from tests.conftest import require_shared_data
    from vadkit.datasets.annotations import load_ucf_crime_annotations
    from vadkit.datasets.importers import import_features
    root = require_shared_data('annotations', 'ucf_crime')
    ann_file = f'{root}/Temporal_Anomaly_Annotation.txt'
    annotations = load_ucf_crime_annotations(ann_file)
    assert len(annotations) == 290
    features = tmp_path / 'features'
    features.mkdir()
    short = 'Arson011_x264'
    for video, ann in annotations.items():
        end = max((b for _, b in ann.frame_ranges()), default=80)  # 0-based, end-exclusive
        t = -(-end // 16)  # ceil: the snippets reach the last annotated frame
        np.save(features / f'{video}_i3d.npy', np.zeros((t - 2 if video == short else t, 1, 2),
                                                         np.float32))
    reader = dict(type='NpyFeatureReader', feature_dir=str(features), suffix='_i3d.npy')
    split = dict(type='UCFCrimeSplit', split='test', annotation=ann_file)
    with pytest.raises(DataError, match=short):
        import_features(reader, str(tmp_path / 'refused'), annotations=split, progress=False)
    np.save(features / f'{short}_i3d.npy',
            np.zeros((-(-max(b for _, b in annotations[short].frame_ranges()) // 16), 1, 2),
                     np.float32))
    summary = import_features(reader, str(tmp_path / 'store'), annotations=split,
                              progress=False)
    assert summary['imported'] == 290
