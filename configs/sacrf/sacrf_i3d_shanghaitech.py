# SA-CRF on the ShanghaiTech weak split (Zhong et al.: 238 training bags, 63 anomalous;
# 199 test videos) from RTFM's public 10-crop I3D features (crop mean, G = 1).
#   python tools/import_features.py configs/features/rtfm_i3d_shanghaitech.py \
#       --out data/features/shanghaitech/rtfm_i3d
#   python tools/train.py configs/sacrf/sacrf_i3d_shanghaitech.py
# The import stores each test video's true frame count (its mask's length); the frames
# after its last whole snippet are not evaluated (TrailingFrames). Headline: micro AUC.
_base_ = './sacrf_i3d_ucf_crime.py'
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/rtfm_i3d'
split = dict(type='ShanghaiTechWeakSplit', split_root=f'{data_root}/weak_split',
             mask_dir=f'{data_root}/testing/test_frame_mask')
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
train_dataloader = dict(
    batch_size=16, dataset=dict(videos=dict(split, split='train', _delete_=True), **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test', _delete_=True),
                                    **bag_cfg))
