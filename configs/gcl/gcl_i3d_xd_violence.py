# GCL_PT on XD-Violence from its public 5-crop I3D RGB features (crop mean, 1024-d),
# unsupervised: the training videos without their labels. Headline: frame-level AP.
#   python tools/import_features.py configs/features/xd_i3d_xd_violence.py \
#       --out data/features/xd_violence/i3d
#   python tools/train.py configs/gcl/gcl_i3d_xd_violence.py
_base_ = './gcl_i3d_ucf_crime.py'
data_root = 'data/xd_violence'
feature_root = 'data/features/xd_violence/i3d'
split = dict(type='XDViolenceSplit', train_list=f'{data_root}/list/rgb.list',
             test_list=f'{data_root}/list/rgbtest.list',
             annotation=f'{data_root}/XD_Annotation.txt', clip=True)
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='whole')
model = dict(in_channels=1024,
             generator=dict(hidden_channels=(512, 256, 128, 256, 512)),
             discriminator=dict(hidden_channels=(256, 32)))
train_dataloader = dict(
    dataset=dict(videos=dict(split, split='train', _delete_=True), **segment_cfg))
test_dataloader = dict(
    dataset=dict(videos=dict(split, split='test', _delete_=True), **segment_cfg))
test_evaluator = dict(metric=['ap', 'ap_trapz', 'micro_auc', 'macro_auc', 'far'])
