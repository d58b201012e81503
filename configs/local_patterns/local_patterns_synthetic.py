# ITAM + SMM on the generated world, small enough for the CPU: when data_root or
# feature_root are missing the world is generated and its object tubes cut with the
# built-in backends (configs/parsing/tubes_synthetic.py), so
#   python tools/train.py configs/local_patterns/local_patterns_synthetic.py
#   python tools/test.py configs/local_patterns/local_patterns_synthetic.py \
#       work_dirs/local_patterns_synthetic
# work on a fresh machine (the world and its tubes: about 2 min on 2 cores, once; the
# spatial stage trains in work_dirs/local_patterns_synthetic/spatial, then the temporal
# stage). The ground-truth captioner describes each tube with the world's own truth (the
# actor's action and shirt colour, the scene kind, what it rides or pushes) instead of
# CLIP's guesses (configs/captions/).
# The anomalies are novel behaviours (running, jumping, falling, throwing, riding, pushing
# a cart, driving), never seen in the normal training videos. Sizes: 64 x 64 crops, a
# 3-layer CNN (8 x 8 maps), V_d = 64, N_q = 8 queries of E_d = 32 (N = 256), one attention
# layer of each kind; the paper-size model is local_patterns_shanghaitech.py.
_base_ = [
    '../_base_/models/local_patterns.py', '../_base_/datasets/object_tubes.py',
    '../_base_/schedules/local_patterns.py', '../_base_/default_runtime.py'
]
data_root = 'data/synthetic/walkways'
feature_root = 'data/features/synthetic_walkways/tubes'
# two walkway scenes where only walking is normal, like ShanghaiTech's and Avenue's
# pedestrian scenes; loitering is left out of the anomalies (neither dataset has it, and
# a still person is what a next-step predictor finds easiest: see the card)
world = dict(preset='small', seed=0, workers=2, scene_kinds=('walkway', 'walkway'),
             anomaly_behaviours=('run', 'jump', 'fall', 'throw', 'ride', 'push', 'drive'))
parsing = 'configs/parsing/tubes_synthetic.py'
videos_cfg = dict(type='SyntheticVideos', data_root=data_root, regime='one_class',
                  generate=world)
split_cfg = dict(type='ObjectTubeDataset', feature_root=feature_root,
                 extract=dict(config=parsing, data_root=data_root),
                 span=4)  # the tube stride of the parsing
model = dict(
    branch_defaults=dict(
        backbone=dict(backbone=dict(_delete_=True, type='SmallConvNet', channels=(16, 32, 64)),
                      visual_channels=64, grid=8),
        image=dict(num_queries=8, hidden_channels=64, out_channels=32, self_layers=1,
                   cross_layers=1, num_heads=4, dropout=0.0),
        text=dict(hidden_channels=64, out_channels=32, layers=1, num_heads=4, dropout=0.0)),
    fusion=dict(num_heads=4),
    # each crop standardised by its own statistics: the world's passing clouds (global
    # light steps) otherwise dominate the prediction errors of normal tubes
    pixel_norm='crop',
    cache_spatial=True)  # the frozen branches run once per training tube (12 KB each)
train_dataloader = dict(
    batch_size=64,
    dataset=dict(split='train', videos=dict(split='train', **videos_cfg), **split_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=dict(split='test', **videos_cfg), **split_cfg))
# the temporal part: more steps and a larger rate than the paper's 5e-5, which assumes
# ShanghaiTech's hundreds of thousands of tubes (this world has about a thousand)
train_cfg = dict(max_epochs=40)
param_scheduler = [dict(type='ExponentialLR', gamma=0.99, by_epoch=True, begin=0, end=40)]
optim_wrapper = dict(optimizer=dict(lr=2e-3))
spatial_iters = 800
spatial_warmup = 100
spatial_stage = dict(
    train_dataloader=dict(
        batch_size=120,
        dataset=dict(captioner=dict(type='SyntheticCaptioner', data_root=data_root))),
    train_cfg=dict(max_iters=spatial_iters),
    optim_wrapper=dict(optimizer=dict(lr=1e-3)),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=spatial_warmup),
        dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=False, begin=spatial_warmup,
             end=spatial_iters, T_max=spatial_iters - spatial_warmup)],
    default_hooks=dict(checkpoint=dict(interval=500), logger=dict(interval=50)))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=1), logger=dict(interval=10))
