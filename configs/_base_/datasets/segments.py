# Segment features of a feature store (SegmentDataset): one item per 16-frame segment,
# batches drawn at random from every training video (no temporal order inside or across
# batches, GCL Sec. 3.1) and read with one memory-mapped gather per video. Configs set
# feature_root and the splits' videos.
feature_root = 'data/features/segments'
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='whole')
train_dataloader = dict(
    batch_size=8192,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='vadkit.batch_collate'),
    dataset=dict(split='train', with_temporal_difference=True, **segment_cfg))
test_dataloader = dict(
    batch_size=8192,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='vadkit.batch_collate'),
    dataset=dict(split='test', **segment_cfg))
# segment scores to frames (each frame takes its segment's score), then the metrics; D's
# probabilities are in [0, 1], so the false alarm rate at 0.5 is meaningful
test_evaluator = dict(
    type='VADMetric',
    scorers=[dict(type='ExpandToFrames', stream='final', reduce='max')],
    metric=['micro_auc', 'macro_auc', 'ap', 'eer'])
