# Sultani et al.'s deep MIL ranking (vadkit-mil-ranking plugin) on the generated 'medium'
# world in the weakly supervised regime (video-level labels of the training videos). A
# missing world or feature store is generated and parsed first
# (configs/parsing/clips_synthetic.py of the repository: segment features only), so from
# the repository root
#   python tools/train.py vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_synthetic.py
#   python tools/test.py vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_synthetic.py \
#       work_dirs/mil_ranking_synthetic
# work on a fresh machine. Override the folders with --cfg-options data_root=...
# feature_root=...
# Built-in segment features: 14 patches (1 + 4 + 9 pyramid) of 25 values, averaged over the
# patches (patch_pool='mean') and standardised with training statistics; training bags are
# cut to 32 segments as in the paper, test bags keep every segment; each batch holds as many
# anomalous bags as normal ones (8 + 8; the paper's 30 + 30), the repository's
# BalancedBagSampler.
# the repository's bag datasets and runtime (this config is used from a checkout)
_base_ = [
    '../../../configs/_base_/datasets/video_bags.py',
    '../../../configs/_base_/default_runtime.py'
]
default_scope = 'vadkit'
data_root = 'data/synthetic/medium'
feature_root = 'data/features/synthetic_medium/clips'
world = dict(preset='medium', seed=0, workers=2)
parsing = 'configs/parsing/clips_synthetic.py'
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all',
               extract=dict(config=parsing, data_root=data_root))
videos_cfg = dict(type='SyntheticVideos', data_root=data_root, regime='weak', generate=world)

model = dict(type='MILRanking', in_channels=25, input_norm='zscore')

train_dataloader = dict(
    batch_size=16,
    sampler=dict(type='BalancedBagSampler', per_class=8, _delete_=True),
    dataset=dict(split='train', num_segments=32, videos=dict(split='train', **videos_cfg),
                 **bag_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=dict(split='test', **videos_cfg), **bag_cfg))

# Sultani et al.: Adagrad, learning rate 1e-3, l2 regularisation 1e-3
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adagrad', lr=1e-3, weight_decay=1e-3))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='PrepareModelHook')]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1),
                     logger=dict(interval=5))
