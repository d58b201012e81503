# SA-CRF on UCF-Crime from RTFM's public 10-crop I3D features (one 2048-d vector per
# 16-frame snippet, the crops averaged by the import: one "patch", G = 1), weakly
# supervised: the 1,610 training videos with their video labels as bags (32 merged
# segments, Sultani et al.), tested on the 290 annotated videos. The paper's own numbers
# (Table 3, 85.00 % AUC) are with its TRN patch features, not these.
#   python tools/import_features.py configs/features/rtfm_i3d_ucf_crime.py \
#       --out data/features/ucf_crime/rtfm_i3d
#   python tools/train.py configs/sacrf/sacrf_i3d_ucf_crime.py
#   python tools/test.py configs/sacrf/sacrf_i3d_ucf_crime.py work_dirs/sacrf_i3d_ucf_crime
# Crops as augmentation: import with --cfg-options importer.crops=keep, then train with
# --cfg-options train_dataloader.dataset.crops=random (one crop per bag and read).
# Metrics: micro AUC (the benchmark's), AP both ways, FAR at 0.5 on normal videos.
_base_ = [
    '../_base_/models/sacrf.py', '../_base_/datasets/video_bags.py',
    '../_base_/datasets/snippet_benchmarks.py', '../_base_/schedules/adam_50e.py',
    '../_base_/default_runtime.py'
]
data_root = 'data/ucf_crime'
feature_root = 'data/features/ucf_crime/rtfm_i3d'
split = dict(type='UCFCrimeSplit', train_list=f'{data_root}/Anomaly_Train.txt',
             annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt', clip=True)
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
model = dict(in_channels=2048)
train_dataloader = dict(dataset=dict(videos=dict(split, split='train'), **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test'), **bag_cfg))
test_evaluator = dict(scorers={{_base_.snippet_scorers}}, metric={{_base_.benchmark_metrics}})
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
