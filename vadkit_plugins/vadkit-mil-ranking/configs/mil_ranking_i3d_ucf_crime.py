# Sultani et al.'s deep MIL ranking (vadkit-mil-ranking plugin) on UCF-Crime from RTFM's
# public 10-crop I3D features (crop mean, 2048-d per 16-frame snippet), weakly supervised:
# the 1,610 training videos with their video labels as bags of 32 merged segments, 30
# normal + 30 anomalous per batch as in the paper, tested on the 290 annotated videos.
# From the repository root:
#   python tools/import_features.py configs/features/rtfm_i3d_ucf_crime.py \
#       --out data/features/ucf_crime/rtfm_i3d
#   python tools/train.py vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_i3d_ucf_crime.py
# Metrics: micro AUC (the benchmark's), AP both ways, FAR at 0.5 on normal videos.
_base_ = [
    '../../../configs/_base_/datasets/video_bags.py',
    '../../../configs/_base_/datasets/snippet_benchmarks.py',
    '../../../configs/_base_/default_runtime.py'
]
default_scope = 'vadkit'
data_root = 'data/ucf_crime'
feature_root = 'data/features/ucf_crime/rtfm_i3d'
split = dict(type='UCFCrimeSplit', train_list=f'{data_root}/Anomaly_Train.txt',
             annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt', clip=True)
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')

model = dict(type='MILRanking', in_channels=2048)
train_dataloader = dict(
    batch_size=60,
    sampler=dict(type='BalancedBagSampler', per_class=30, _delete_=True),
    dataset=dict(split='train', num_segments=32, videos=dict(split, split='train'),
                 **bag_cfg))
test_dataloader = dict(dataset=dict(split='test', videos=dict(split, split='test'), **bag_cfg))
test_evaluator = dict(scorers={{_base_.snippet_scorers}}, metric={{_base_.benchmark_metrics}})
# Sultani et al.: Adagrad, learning rate 1e-3, l2 regularisation 1e-3
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adagrad', lr=1e-3, weight_decay=1e-3))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='PrepareModelHook')]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
