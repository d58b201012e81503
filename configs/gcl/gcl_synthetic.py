# GCL_PT on a generated world of unlabelled training videos with anomalies inside (the
# 'unsupervised' regime of the 'medium' preset: 80 training videos, 20 of them with
# anomalies nobody labelled; 32 test videos), from nothing: a missing world or feature store
# is generated and parsed first (configs/parsing/clips_synthetic.py: segment features only,
# about 4 min on 2 cores, once), so
#   python tools/train.py configs/gcl/gcl_synthetic.py
#   python tools/test.py configs/gcl/gcl_synthetic.py work_dirs/gcl_synthetic
# work on a fresh machine. Override the folders with --cfg-options data_root=...
# feature_root=...
# Built-in segment features: motion energy, HOG and HOF of a 1 + 4 + 9 patch pyramid,
# 14 x 25 = 350-d (the paper's ResNeXt3D features are 2048-d), standardised with training
# statistics. The set is ~1,500 segments where UCF-Crime has ~400 thousand, so batches are
# 256 (not 8192), the learning rate is larger and the networks narrower in proportion.
_base_ = [
    '../_base_/models/gcl.py', '../_base_/datasets/segments.py',
    '../_base_/schedules/rmsprop_15e.py', '../_base_/default_runtime.py'
]
data_root = 'data/synthetic/medium'
feature_root = 'data/features/synthetic_medium/clips'
world = dict(preset='medium', seed=0, workers=2)
parsing = 'configs/parsing/clips_synthetic.py'
regime = 'unsupervised'
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='all',
                   extract=dict(config=parsing, data_root=data_root))
videos_cfg = dict(type='SyntheticVideos', data_root=data_root, generate=world)
model = dict(
    in_channels=350,
    generator=dict(hidden_channels=(256, 128, 64, 128, 256)),
    discriminator=dict(hidden_channels=(128, 32)),
    input_norm='zscore',
    pretrain_g_epochs=10,
    pretrain_d_epochs=5,
    # D_th = 0.70 is in ResNeXt3D units; on these features the calmest half of a batch
    d_th_quantile=0.5)
train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(split='train', videos=dict(split='train', regime=regime, **videos_cfg),
                 **segment_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=dict(split='test', regime=regime, **videos_cfg),
                 **segment_cfg))
# D's and G's scores side by side (the paper's Fig. 9 compares them)
vad_metric = dict(type='VADMetric', scorers={{_base_.test_evaluator.scorers}},
                  metric=['micro_auc', 'macro_auc', 'ap', 'eer'], group_by='scene')
test_evaluator = [
    vad_metric,
    dict(vad_metric, prefix='generator',
         scorers=[dict(type='ExpandToFrames', stream='generator', reduce='max')],
         group_by=())
]
rmsprop = dict(type='RMSprop', lr=1e-3, alpha=0.6, momentum=0.0)
optim_wrapper = dict(generator=dict(optimizer=rmsprop), discriminator=dict(optimizer=rmsprop))
train_cfg = dict(max_epochs=40)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1),
                     logger=dict(interval=10))
