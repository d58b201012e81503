# SA-CRF on XD-Violence from its public 5-crop I3D RGB features (1024-d per 16-frame
# snippet, crop mean), weakly supervised: the 3,954 training videos with the labels their
# names carry (label_A normal), tested on the 800 test videos (XD_Annotation.txt lists the
# violent ones' intervals). Headline: frame-level AP ('ap', as XD-Violence's evaluation;
# 'ap_trapz' as RTFM's).
#   python tools/import_features.py configs/features/xd_i3d_xd_violence.py \
#       --out data/features/xd_violence/i3d
#   python tools/train.py configs/sacrf/sacrf_i3d_xd_violence.py
_base_ = './sacrf_i3d_ucf_crime.py'
data_root = 'data/xd_violence'
feature_root = 'data/features/xd_violence/i3d'
split = dict(type='XDViolenceSplit', train_list=f'{data_root}/list/rgb.list',
             test_list=f'{data_root}/list/rgbtest.list',
             annotation=f'{data_root}/XD_Annotation.txt', clip=True)
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
model = dict(in_channels=1024)
train_dataloader = dict(dataset=dict(videos=dict(split, split='train', _delete_=True),
                                     **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test', _delete_=True),
                                    **bag_cfg))
test_evaluator = dict(metric=['ap', 'ap_trapz', 'micro_auc', 'macro_auc', 'far'])
