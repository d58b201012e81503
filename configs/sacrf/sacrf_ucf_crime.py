# SA-CRF on UCF-Crime (Table 3: 85.00 % AUC), weakly supervised: the 1,610 training videos
# of Anomaly_Train.txt with their video labels as bags, tested on the 290 annotated videos.
# Features: configs/parsing/sacrf_ucf_crime.py (TRN / ResNet-50, 14 max-pooled patches of
# 2048 per 16-frame segment)
#   python tools/extract_features.py configs/parsing/sacrf_ucf_crime.py \
#       --data-root data/ucf_crime --out data/features/ucf_crime/sacrf
# Split files in data/ucf_crime/ (as in ../shared/data/annotations/ucf_crime/).
_base_ = [
    '../_base_/models/sacrf.py', '../_base_/datasets/video_bags.py',
    '../_base_/schedules/adam_50e.py', '../_base_/default_runtime.py'
]
data_root = 'data/ucf_crime'
feature_root = 'data/features/ucf_crime/sacrf'
split = dict(type='UCFCrimeSplit', train_list=f'{data_root}/Anomaly_Train.txt',
             annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt')
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
train_dataloader = dict(dataset=dict(videos=dict(split, split='train'), **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test'), **bag_cfg))
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
