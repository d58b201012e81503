# XD-Violence audio features (Wu et al., ECCV 2020; the public XDVioDet release): one
# (T, 128) VGGish .npy per video named <video>__vggish.npy, row t aligned with the I3D
# snippet t (frames [16 t, 16 t + 16)), imported as a store of its own. Expected layout:
#   data/xd_violence/list/audio.list       (training videos)
#   data/xd_violence/list/audio_test.list  (test videos)
#   data/xd_violence/features/vggish/Train/<video>__vggish.npy
#   data/xd_violence/features/vggish/Test/<video>__vggish.npy
#   data/xd_violence/XD_Annotation.txt
# (Rename the list files here if your copy names them otherwise.)
# Import (store in data/features/xd_violence/vggish):
#   python tools/import_features.py configs/features/xd_vggish_xd_violence.py \
#       --out data/features/xd_violence/vggish
# See docs/importing_features.md.
default_scope = 'vadkit'
data_root = 'data/xd_violence'
feature_dir = f'{data_root}/features/vggish'
reader = dict(
    type='CropFilesFeatureReader',
    list_file=[f'{data_root}/list/audio.list', f'{data_root}/list/audio_test.list'],
    feature_dir=[f'{feature_dir}/Train', f'{feature_dir}/Test'],
    suffix='__vggish.npy')
importer = dict(
    clip_len=16,
    crops='mean',
    frame_counts=None,
    annotations=dict(type='XDViolenceSplit', split='test',
                     train_list=f'{data_root}/list/audio.list',
                     test_list=f'{data_root}/list/audio_test.list',
                     annotation=f'{data_root}/XD_Annotation.txt'))
