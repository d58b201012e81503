# GCL_PT on UCF-Crime from RTFM's public 10-crop I3D features (crop mean, 2048-d per
# 16-frame snippet), unsupervised: the 1,610 training videos without labels. The paper's
# Table 1 (71.04 %) is with ResNeXt3D features, not these.
#   python tools/import_features.py configs/features/rtfm_i3d_ucf_crime.py \
#       --out data/features/ucf_crime/rtfm_i3d
#   python tools/train.py configs/gcl/gcl_i3d_ucf_crime.py
#   python tools/test.py configs/gcl/gcl_i3d_ucf_crime.py work_dirs/gcl_i3d_ucf_crime
# Metrics: micro AUC (the benchmark's), AP both ways, FAR at 0.5 (D's probabilities).
_base_ = ['./gcl_ucf_crime.py', '../_base_/datasets/snippet_benchmarks.py']
data_root = 'data/ucf_crime'
feature_root = 'data/features/ucf_crime/rtfm_i3d'
split = dict(type='UCFCrimeSplit', train_list=f'{data_root}/Anomaly_Train.txt',
             annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt', clip=True)
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='whole')
train_dataloader = dict(
    dataset=dict(videos=dict(split, split='train', _delete_=True), **segment_cfg))
test_dataloader = dict(
    dataset=dict(videos=dict(split, split='test', _delete_=True), **segment_cfg))
test_evaluator = dict(_delete_=True, type='VADMetric',
                      scorers={{_base_.snippet_scorers}}, metric={{_base_.benchmark_metrics}})
