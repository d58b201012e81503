# GCL_PT on UCF-Crime (Zaheer et al., CVPR 2022, Table 1: 71.04 % AUC with ResNeXt3D
# features), unsupervised: the 1,610 training videos of Anomaly_Train.txt without their
# labels, tested on the 290 annotated videos (frame-level micro AUC).
# Features: configs/parsing/gcl_ucf_crime.py (one 2048-d vector per 16-frame
# non-overlapping segment)
#   python tools/extract_features.py configs/parsing/gcl_ucf_crime.py \
#       --data-root data/ucf_crime --out data/features/ucf_crime/gcl
# Split files in data/ucf_crime/ (as in ../shared/data/annotations/ucf_crime/):
# Anomaly_Train.txt and Temporal_Anomaly_Annotation.txt.
#   python tools/train.py configs/gcl/gcl_ucf_crime.py
#   python tools/test.py configs/gcl/gcl_ucf_crime.py work_dirs/gcl_ucf_crime
# The paper does not say how long each pre-training phase lasts; 2 + 1 of the 15 epochs
# here (pretrain_g_epochs / pretrain_d_epochs).
_base_ = [
    '../_base_/models/gcl.py', '../_base_/datasets/segments.py',
    '../_base_/schedules/rmsprop_15e.py', '../_base_/default_runtime.py'
]
data_root = 'data/ucf_crime'
feature_root = 'data/features/ucf_crime/gcl'
split = dict(type='UCFCrimeSplit', train_list=f'{data_root}/Anomaly_Train.txt',
             annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt')
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='whole')
model = dict(pretrain_g_epochs=2, pretrain_d_epochs=1)
train_dataloader = dict(
    dataset=dict(split='train', videos=dict(split, split='train'), **segment_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=dict(split, split='test'), **segment_cfg))
test_evaluator = dict(metric=['micro_auc', 'macro_auc', 'ap', 'far', 'eer'])
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=1))
