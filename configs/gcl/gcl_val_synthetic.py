# GCL_PT on the generated world (gcl_synthetic.py) with its checkpoint chosen without the
# test split: 20 % of the unlabelled training videos (16 of 80) are held out of training;
# half of them get one run of pseudo-anomalous segments (10-30 % of the video: Gaussian
# noise or a steady offset of 2 feature standard deviations), and the epoch whose
# discriminator scores find those frames best (frame-level micro AUC) is kept as
# best.pth, which
#   python tools/test.py configs/gcl/gcl_val_synthetic.py work_dirs/gcl_val_synthetic
# then tests. The held-out videos are taken as normal: nobody labelled the unsupervised
# training set, and the few with real anomalies count against every epoch alike.
# docs/model_selection.md.
_base_ = './gcl_synthetic.py'
holdout = dict(fraction=0.2, seed=0)
train_dataloader = dict(dataset=dict(holdout=dict(holdout, part='train')))
val_dataloader = dict(
    batch_size=8192,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='vadkit.batch_collate'),
    dataset=dict(split='train', holdout=dict(holdout, part='val'),
                 pseudo_anomalies=dict(fraction=0.5, length=(0.1, 0.3),
                                       kinds=('noise', 'shift'), strength=2.0, seed=0),
                 type='SegmentDataset', feature_root={{_base_.feature_root}},
                 patches='all', extract={{_base_.segment_cfg.extract}},
                 videos={{_base_.train_dataloader.dataset.videos}}))
val_evaluator = dict(type='VADMetric', scorers={{_base_.vad_metric.scorers}},
                     metric=['micro_auc'])
train_cfg = dict(val_interval=5)
model_selection = dict(metric='vad/micro_auc', rule='greater')
