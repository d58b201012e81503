# Videos as bags of segments (VideoBagDataset): training bags cut to 32 segments as in
# Sultani et al. (consecutive segments averaged), test bags whole; bag_collate pads a
# batch and marks the real segments. Configs set feature_root and the splits' videos.
feature_root = 'data/features/bags'
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='vadkit.bag_collate'),
    dataset=dict(split='train', num_segments=32, **bag_cfg))
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='vadkit.bag_collate'),
    dataset=dict(split='test', **bag_cfg))
# per-frame scores in [0, 1]: frame AUC and the false alarm rate at 0.5 on normal videos
test_evaluator = dict(
    type='VADMetric',
    scorers=[dict(type='ExpandToFrames', stream='final', reduce='max')],
    metric=['micro_auc', 'macro_auc', 'ap', 'far', 'eer'])
