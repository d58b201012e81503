# HSC on CUHK Avenue (paper Table 1: 92.4 % micro AUC, MA+ 93.7 %).
#   python tools/extract_features.py configs/parsing/hsc_avenue.py \
#       --data-root data/avenue --out data/features/avenue/hsc
#   python tools/train.py configs/hsc/hsc_avenue.py
#   python tools/test.py configs/hsc/hsc_avenue.py work_dirs/hsc_avenue
# Scene features 880-d (640 x 360); 2 scene clusters in the authors' run. Test masks:
# data/avenue/test_frame_mask/<01..21>.npy (as in ../shared/data/ground_truth/avenue).
_base_ = [
    '../_base_/models/hsc.py', '../_base_/datasets/object_clips.py',
    '../_base_/schedules/adagrad_200e.py', '../_base_/default_runtime.py'
]
data_root = 'data/avenue'
feature_root = 'data/features/avenue/hsc'
split_cfg = dict(type='ObjectClipDataset', feature_root=feature_root,
                 classes=dict(appearance='label', motion='action_scores'))
model = dict(scene_dim=880)
train_dataloader = dict(
    batch_size=128,  # paper: 128 on Ped2 / Avenue
    dataset=dict(split='train', videos=['train_*'], **split_cfg))  # stored as train_01 ...
test_dataloader = dict(
    dataset=dict(split='test', videos=['[0-9][0-9]'],
                 ground_truth=f'{data_root}/test_frame_mask', **split_cfg))
# authors: window 70 / sigma 15 over the concatenated test set
test_evaluator = dict(scorers=[
    dict(type='ExpandToFrames', stream=('appearance', 'motion'), reduce='max'),
    dict(type='Normalize', method='minmax', scope='global'),
    dict(type='Fuse', weights=dict(appearance=0.5, motion=0.5)),
    dict(type='GaussianSmooth', sigma=15.0, radius=35, scope='video'),
])
