# A plain autoencoder per object stream (vadkit.models.FeatureAutoEncoder) on UCSD Ped2's
# built-in features: the ColorHOG appearance of configs/hsc/hsc_builtin_ped2.py and the box
# kinematics (speed, size, place, motion inside the box; 19-d), each stream min-max
# normalised over the test set, fused 0.5 / 0.5 and smoothed as HSC's. Trained on the 16
# training videos; sizes as configs/baselines/feature_ae_synthetic.py (the generated world).
#   python tools/train.py configs/baselines/feature_ae_builtin_ped2.py
#   python tools/test.py configs/baselines/feature_ae_builtin_ped2.py \
#       work_dirs/feature_ae_builtin_ped2 --out-scores ped2_scores_feature_ae.npz
_base_ = ['../hsc/hsc_builtin_ped2.py']
split_cfg = dict(features=dict(appearance='objects_appearance',
                               kinematics='objects_kinematics'))
input_keys = ['appearance', 'kinematics', 'scene']
pipeline = [dict(type='PackVADInputs', input_key=input_keys,
                 meta_keys=('video_id', 'start', 'end', 'num_frames', 'track_id',
                            'clip_index'))]
model = dict(
    _delete_=True,
    type='FeatureAutoEncoder',
    streams=dict(
        appearance=dict(feature_dim=884, hidden_sizes=(512, ), latent_dim=256),
        kinematics=dict(feature_dim=19, hidden_sizes=(64, ), latent_dim=8)),
    motion_stream=None,
    input_norm=dict(min_std=0.0))
optim_wrapper = dict(optimizer=dict(type='Adagrad', lr=0.01))
train_dataloader = dict(dataset=dict(features=split_cfg['features'], pipeline=pipeline))
test_dataloader = dict(dataset=dict(features=split_cfg['features'], pipeline=pipeline))
test_evaluator = dict(scorers=[
    dict(type='ExpandToFrames', stream=('appearance', 'kinematics'), reduce='max'),
    dict(type='Normalize', method='minmax', scope='global'),
    dict(type='Fuse', weights=dict(appearance=0.5, kinematics=0.5)),
    dict(type='GaussianSmooth', sigma=6.0, radius=30, scope='video'),
])
