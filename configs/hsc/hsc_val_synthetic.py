# HSC on the scene-dependent generated world (hsc_synthetic.py) with its checkpoint chosen
# without the test split: a quarter of the normal training videos is held out of
# training; in half of them a run of objects (10-30 % of the video's objects, in clip
# order) gets pseudo-anomalous appearance and motion features (Gaussian noise or a steady
# offset of 0.25 feature standard deviations: at 0.5 and more every epoch finds them, AUC
# 0.97-1.0), and the epoch whose scores find those frames best (frame-level micro AUC) is
# kept as best.pth, which
#   python tools/test.py configs/hsc/hsc_val_synthetic.py work_dirs/hsc_val_synthetic
# then tests. docs/model_selection.md.
_base_ = './hsc_synthetic.py'
holdout = dict(fraction=0.25, seed=0)
train_dataloader = dict(dataset=dict(holdout=dict(holdout, part='train')))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ObjectClipDataset', feature_root={{_base_.feature_root}},
                 extract={{_base_.split_cfg.extract}}, classes={{_base_.split_cfg.classes}},
                 pipeline={{_base_.pipeline}}, split='train', holdout=dict(holdout, part='val'),
                 pseudo_anomalies=dict(fraction=0.5, length=(0.1, 0.3),
                                       kinds=('noise', 'shift'), strength=0.25, seed=0),
                 videos={{_base_.train_dataloader.dataset.videos}}))
val_evaluator = dict(type='VADMetric', scorers={{_base_.vad_metric.scorers}},
                     metric=['micro_auc'])
train_cfg = dict(val_interval=5)
model_selection = dict(metric='vad/micro_auc', rule='greater')
