# SA-CRF on the generated world (sacrf_synthetic.py) with its checkpoint chosen without
# the test split: 20 % of the training videos (each class in proportion: 16 of 80, 4 of
# them labelled anomalous) are held out of training, scored after every 5th epoch, and
# the epoch with the best video-level AUC (a video's score: the max of its frame scores,
# against its video label) is kept as best.pth, which
#   python tools/test.py configs/sacrf/sacrf_val_synthetic.py work_dirs/sacrf_val_synthetic
# then tests. On this world the choice is worse than the last checkpoint (test micro AUC
# 0.653 against 0.730, 3 seeds: the video AUC of 16 bags peaks in the first epochs);
# docs/model_selection.md has the numbers and the other proxies tried.
_base_ = './sacrf_synthetic.py'
holdout = dict(fraction=0.2, seed=0)
train_dataloader = dict(dataset=dict(holdout=dict(holdout, part='train')))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='vadkit.bag_collate'),
    dataset=dict(type='VideoBagDataset', feature_root={{_base_.feature_root}},
                 patches='all', extract={{_base_.bag_cfg.extract}}, split='train',
                 holdout=dict(holdout, part='val'),
                 videos={{_base_.train_dataloader.dataset.videos}}))
val_evaluator = dict(type='VideoLevelMetric', scorers={{_base_.test_evaluator.scorers}},
                     reduce='max')
train_cfg = dict(val_interval=5)
model_selection = dict(metric='video/video_auc', rule='greater')
