# SA-CRF on a generated world with video-level labels (the 'weak' regime of the 'medium'
# preset: 80 training videos, 20 labelled anomalous; 32 test videos), from nothing: a
# missing world or feature store is generated and parsed first
# (configs/parsing/clips_synthetic.py, about 4 min on 2 cores, once), so
#   python tools/train.py configs/sacrf/sacrf_synthetic.py
#   python tools/test.py configs/sacrf/sacrf_synthetic.py work_dirs/sacrf_synthetic
# work on a fresh machine. Built-in patch features: 1 + 4 + 9 = 14 patches (the paper's
# G) of 25 values (motion energy, HOG, HOF), each video's median subtracted
# (video_center, not in the paper) and standardised; the networks are narrower and the
# learning rate larger than the paper's 2048-d TRN setting, for 80 bags; batches of 8
# normal + 8 anomalous bags (BalancedBagSampler, as Sultani et al.'s 30 + 30); a bag's
# score is the mean of its 8 highest segments (a quarter of the bag; the videos are short,
# so the 32 segments repeat each real one about twice); the frame
# scores are smoothed per video (GaussianSmooth, sigma 16 frames = one segment).
_base_ = [
    '../_base_/models/sacrf.py', '../_base_/datasets/video_bags.py',
    '../_base_/schedules/adam_50e.py', '../_base_/default_runtime.py'
]
data_root = 'data/synthetic/medium'
feature_root = 'data/features/synthetic_medium/clips'
world = dict(preset='medium', seed=0, workers=2)
parsing = 'configs/parsing/clips_synthetic.py'
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all',
               extract=dict(config=parsing, data_root=data_root))
videos_cfg = dict(type='SyntheticVideos', data_root=data_root, regime='weak', generate=world)
model = dict(
    in_channels=25,
    attention=dict(embed_channels=32, out_channels=64),
    scorer=dict(hidden_channels=(64, 16), dropout=0.5),
    video_center='median',
    topk=8,  # of the 32 segments of a training bag, for the BCE and the contrastive bags
    contrast=dict(topk=8),
    input_norm='zscore')
train_dataloader = dict(
    batch_size=16,
    sampler=dict(type='BalancedBagSampler', per_class=8, _delete_=True),
    dataset=dict(split='train', num_segments=32, videos=dict(split='train', **videos_cfg),
                 **bag_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=dict(split='test', **videos_cfg), **bag_cfg))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1),
                     logger=dict(interval=5))
test_evaluator = dict(scorers=[
    dict(type='ExpandToFrames', stream='final', reduce='max'),
    dict(type='GaussianSmooth', sigma=16)])
