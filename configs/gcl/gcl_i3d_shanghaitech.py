# GCL_PT on the ShanghaiTech weak split from RTFM's public 10-crop I3D features (crop
# mean), unsupervised: the 238 training videos without labels. Headline: micro AUC.
#   python tools/import_features.py configs/features/rtfm_i3d_shanghaitech.py \
#       --out data/features/shanghaitech/rtfm_i3d
#   python tools/train.py configs/gcl/gcl_i3d_shanghaitech.py
_base_ = './gcl_i3d_ucf_crime.py'
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/rtfm_i3d'
split = dict(type='ShanghaiTechWeakSplit', split_root=f'{data_root}/weak_split',
             mask_dir=f'{data_root}/testing/test_frame_mask')
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='whole')
train_dataloader = dict(
    dataset=dict(videos=dict(split, split='train', _delete_=True), **segment_cfg))
test_dataloader = dict(
    dataset=dict(videos=dict(split, split='test', _delete_=True), **segment_cfg))
