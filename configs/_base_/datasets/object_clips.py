# Object clips of a feature store (vadkit.datasets.ObjectClipDataset): per object its
# appearance / motion features, classes, clip scene feature, span and memory slot.
dataset_type = 'ObjectClipDataset'
feature_root = 'data/features/CHANGE_ME'
input_keys = ['appearance', 'motion', 'scene', 'slot', 'motion_valid', 'appearance_class',
              'motion_class']
pipeline = [dict(type='PackVADInputs', input_key=input_keys,
                 meta_keys=('video_id', 'start', 'end', 'num_frames', 'track_id',
                            'clip_index'))]
train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, feature_root=feature_root, split='train',
                 pipeline=pipeline))
test_dataloader = dict(
    batch_size=512,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, feature_root=feature_root, split='test',
                 pipeline=pipeline))
# clip score = max over its objects; streams min-max normalised over the test set, fused
# 0.5 / 0.5 (Eq. 12), smoothed per video
test_evaluator = dict(
    type='VADMetric',
    scorers=[
        dict(type='ExpandToFrames', stream=('appearance', 'motion'), reduce='max'),
        dict(type='Normalize', method='minmax', scope='global'),
        dict(type='Fuse', weights=dict(appearance=0.5, motion=0.5)),
        dict(type='GaussianSmooth', sigma=3.0, scope='video'),
    ],
    metric=['micro_auc', 'macro_auc', 'ap', 'eer'])
