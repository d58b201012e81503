# ShanghaiTech I3D features of RTFM (Tian et al., ICCV 2021; the public "ShanghaiTech
# ten-crop I3D" release) for the weakly supervised split of Zhong et al. (2019): one
# (T, 10, 2048) .npy per video, e.g. 01_0014_i3d.npy, row t the 16-frame snippet of frames
# [16 t, 16 t + 16). Expected layout:
#   data/shanghaitech/features/rtfm_i3d/shanghai-i3d-train-10crop.list   (238 lines)
#   data/shanghaitech/features/rtfm_i3d/shanghai-i3d-test-10crop.list    (199 lines)
#   data/shanghaitech/features/rtfm_i3d/SH_Train_ten_crop_i3d/<video>_i3d.npy
#   data/shanghaitech/features/rtfm_i3d/SH_Test_ten_crop_i3d/<video>_i3d.npy
#   data/shanghaitech/weak_split/SH_{Train,Test}.txt
#   data/shanghaitech/testing/test_frame_mask/<video>.npy
# The test ground truth is the original frame masks, which must have the stored number of
# frames: the frame counts are the masks' lengths (frame_counts names the mask folder;
# videos without a mask, the normal ones of the original training set, take 16 T).
# Import (store in data/features/shanghaitech/rtfm_i3d):
#   python tools/import_features.py configs/features/rtfm_i3d_shanghaitech.py \
#       --out data/features/shanghaitech/rtfm_i3d
# See docs/importing_features.md.
default_scope = 'vadkit'
data_root = 'data/shanghaitech'
feature_dir = f'{data_root}/features/rtfm_i3d'
reader = dict(
    type='NpyFeatureReader',
    list_file=[f'{feature_dir}/shanghai-i3d-train-10crop.list',
               f'{feature_dir}/shanghai-i3d-test-10crop.list'],
    feature_dir=[f'{feature_dir}/SH_Train_ten_crop_i3d', f'{feature_dir}/SH_Test_ten_crop_i3d'],
    suffix='_i3d.npy')
importer = dict(
    clip_len=16,
    crops='mean',
    frame_counts=f'{data_root}/testing/test_frame_mask',
    annotations=dict(type='ShanghaiTechWeakSplit', split='test',
                     split_root=f'{data_root}/weak_split',
                     mask_dir=f'{data_root}/testing/test_frame_mask'))
