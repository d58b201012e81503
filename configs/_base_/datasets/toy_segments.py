# A toy stand-in for segment features (vadkit.datasets.ToySegmentDataset): generated in
# memory, for smoke tests and the README demo. Not a benchmark.
dataset_type = 'ToySegmentDataset'
world = dict(feat_dim=32, latent_dim=4, segment_len=16, anomaly_strength=3.0, noise=0.1,
             seed=0)
pipeline = [dict(type='PackVADInputs', input_key='feature')]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, split='train', num_videos=12, pipeline=pipeline, **world))
test_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, split='test', num_videos=8, anomaly_rate=0.5,
                 pipeline=pipeline, **world))
test_evaluator = dict(
    type='VADMetric',
    scorers=[dict(type='ExpandToFrames', stream='final', reduce='max')],
    # reconstruction errors are not in [0, 1], so the false alarm rate at 0.5 is left out
    metric=['micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'eer'])
