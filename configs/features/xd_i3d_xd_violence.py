# XD-Violence I3D features (Wu et al., ECCV 2020; the public XDVioDet release, as UR-DMU
# and later methods use it): 5 crops per video, one (T, 1024) .npy per crop named
# <video>__<k>.npy (k = 0..4), row t the 16-frame snippet of frames [16 t, 16 t + 16) of
# the 24 fps video. The list files (XDVioDet's list/ folder) repeat each video once per
# crop, with paths of the machine they were made on: the files are found by name under
# the feature folders. Expected layout:
#   data/xd_violence/list/rgb.list        (training, 3,954 videos x 5 lines)
#   data/xd_violence/list/rgbtest.list    (test, 800 videos x 5 lines)
#   data/xd_violence/features/i3d/RGB/<video>__<k>.npy
#   data/xd_violence/features/i3d/RGBTest/<video>__<k>.npy
#   data/xd_violence/XD_Annotation.txt
# Import (store in data/features/xd_violence/i3d; clips = the 5 crops' mean):
#   python tools/import_features.py configs/features/xd_i3d_xd_violence.py \
#       --out data/features/xd_violence/i3d
# --cfg-options importer.crops=keep also stores every crop; importer.crops=0 stores crop 0
# alone. The audio stream: configs/features/xd_vggish_xd_violence.py. See
# docs/importing_features.md.
default_scope = 'vadkit'
data_root = 'data/xd_violence'
feature_dir = f'{data_root}/features/i3d'
reader = dict(
    type='CropFilesFeatureReader',
    list_file=[f'{data_root}/list/rgb.list', f'{data_root}/list/rgbtest.list'],
    feature_dir=[f'{feature_dir}/RGB', f'{feature_dir}/RGBTest'],
    suffix='__{crop}.npy',
    crops=5)
importer = dict(
    clip_len=16,
    crops='mean',
    frame_counts=None,
    annotations=dict(type='XDViolenceSplit', split='test',
                     train_list=f'{data_root}/list/rgb.list',
                     test_list=f'{data_root}/list/rgbtest.list',
                     annotation=f'{data_root}/XD_Annotation.txt'))
