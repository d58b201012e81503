# HSC on UCSD Ped2 (paper Table 1: 98.1 % micro AUC): the appearance stream alone (the
# people are too small for poses), one scene (no clusterer, no scene classes to contrast).
#   python tools/extract_features.py configs/parsing/hsc_ped2.py \
#       --data-root data/ped2 --out data/features/ped2/hsc
#   python tools/train.py configs/hsc/hsc_ped2.py
#   python tools/test.py configs/hsc/hsc_ped2.py work_dirs/hsc_ped2 --out-scores ped2.npz
# Ped2's test labels are not shipped here (a blind test set): test.py writes the scores.
_base_ = [
    '../_base_/models/hsc.py', '../_base_/datasets/object_clips.py',
    '../_base_/schedules/adagrad_200e.py', '../_base_/default_runtime.py'
]
data_root = 'data/ped2'
feature_root = 'data/features/ped2/hsc'
split_cfg = dict(type='ObjectClipDataset', feature_root=feature_root,
                 features=dict(appearance='objects_appearance'), motion_stream=None,
                 classes=dict(appearance='label'))
input_keys = ['appearance', 'scene', 'slot', 'appearance_class']
pipeline = [dict(type='PackVADInputs', input_key=input_keys,
                 meta_keys=('video_id', 'start', 'end', 'num_frames', 'track_id',
                            'clip_index'))]
model = dict(
    scene_dim=330,
    streams=dict(_delete_=True, appearance=dict(feature_dim=1024, encoder_sizes=(2048, 1280),
                                                decoder_sizes=(1152, 1024))),
    clusterer=None)  # one scene (the authors' code: one cluster, scene head off)
train_dataloader = dict(
    batch_size=128,
    dataset=dict(split='train', videos=['train_*'], pipeline=pipeline, **split_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=['[0-9][0-9]'], pipeline=pipeline, **split_cfg))
# authors: window 60 / sigma 6 over the concatenated test set
test_evaluator = dict(scorers=[
    dict(type='ExpandToFrames', stream='appearance', reduce='max'),
    dict(type='Normalize', method='minmax', scope='global'),
    dict(type='GaussianSmooth', sigma=6.0, radius=30, scope='video'),
])
