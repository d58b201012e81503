# HSC on UCSD Ped2 with two streams: the appearance stream of configs/hsc/hsc_builtin_ped2.py
# and a second stream on the box kinematics (speed, size, place, motion inside the box;
# 19-d, configs/parsing/builtin_ped2.py) in place of the skeleton motion stream the people
# are too small for. Each stream min-max normalised over the test set, fused 0.5 / 0.5
# (Eq. 12), smoothed as HSC's.
#   python tools/train.py configs/hsc/hsc_builtin_ped2_kinematics.py
#   python tools/test.py configs/hsc/hsc_builtin_ped2_kinematics.py \
#       work_dirs/hsc_builtin_ped2_kinematics --out-scores ped2_scores_hsc_kinematics.npz
_base_ = ['./hsc_builtin_ped2.py']
features = dict(appearance='objects_appearance', kinematics='objects_kinematics')
classes = dict(appearance='label', kinematics='label')
input_keys = ['appearance', 'kinematics', 'scene', 'slot', 'appearance_class',
              'kinematics_class']
pipeline = [dict(type='PackVADInputs', input_key=input_keys,
                 meta_keys=('video_id', 'start', 'end', 'num_frames', 'track_id',
                            'clip_index'))]
model = dict(streams=dict(kinematics=dict(feature_dim=19, encoder_sizes=(64, 32),
                                          decoder_sizes=(64, 19))))
train_dataloader = dict(dataset=dict(features=features, classes=classes, pipeline=pipeline))
test_dataloader = dict(dataset=dict(features=features, classes=classes, pipeline=pipeline))
test_evaluator = dict(scorers=[
    dict(type='ExpandToFrames', stream=('appearance', 'kinematics'), reduce='max'),
    dict(type='Normalize', method='minmax', scope='global'),
    dict(type='Fuse', weights=dict(appearance=0.5, kinematics=0.5)),
    dict(type='GaussianSmooth', sigma=6.0, radius=30, scope='video'),
])
