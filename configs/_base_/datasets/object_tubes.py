# Object tubes of a feature store (vadkit.datasets.ObjectTubeDataset): per tube the crops
# of the same square region over the L + dt frames ending at its end frame (the parsing's
# tube_builder with crop_size set). SMM reads whole tubes; ITAM one crop with captions
# (the `stages` entry of the schedule switches `sample` and adds the captioner).
dataset_type = 'ObjectTubeDataset'
feature_root = 'data/features/CHANGE_ME'
meta_keys = ('video_id', 'start', 'end', 'num_frames', 'track_id', 'end_frame',
             'tube_index', 'captions')
pipeline = [dict(type='PackVADInputs', input_key='crops', meta_keys=meta_keys)]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, feature_root=feature_root, split='train', sample='tube',
                 pipeline=pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, feature_root=feature_root, split='test', sample='tube',
                 pipeline=pipeline))
# a frame is as anomalous as its most anomalous tube; the authors' code then smooths each
# video with six successive Gaussian filters of sigma 1 .. 6 (the paper says nothing)
test_evaluator = dict(
    type='VADMetric',
    scorers=[dict(type='ExpandToFrames', stream='final', reduce='max')] +
    [dict(type='GaussianSmooth', sigma=float(s), scope='video') for s in range(1, 7)],
    metric=['micro_auc', 'macro_auc', 'ap', 'eer'])
