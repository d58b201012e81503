# Deep MIL ranking (vadkit-mil-ranking plugin) on the ShanghaiTech weak split from RTFM's
# public 10-crop I3D features (crop mean); 63 anomalous training bags, so 16 + 16 per
# batch. Headline: micro AUC.
#   python tools/import_features.py configs/features/rtfm_i3d_shanghaitech.py \
#       --out data/features/shanghaitech/rtfm_i3d
#   python tools/train.py \
#       vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_i3d_shanghaitech.py
_base_ = './mil_ranking_i3d_ucf_crime.py'
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/rtfm_i3d'
split = dict(type='ShanghaiTechWeakSplit', split_root=f'{data_root}/weak_split',
             mask_dir=f'{data_root}/testing/test_frame_mask')
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
train_dataloader = dict(
    batch_size=32, sampler=dict(per_class=16),
    dataset=dict(videos=dict(split, split='train', _delete_=True), **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test', _delete_=True),
                                    **bag_cfg))
