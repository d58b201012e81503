# HSC on a generated world of scene-dependent anomalies, from nothing: when data_root or
# feature_root are missing the world is generated and parsed with the built-in backends
# (configs/parsing/builtin_synthetic.py), so
#   python tools/train.py configs/hsc/hsc_synthetic.py
#   python tools/test.py configs/hsc/hsc_synthetic.py work_dirs/hsc_synthetic
# work on a fresh machine (about 4 min of generation and parsing on 2 cores, once).
# Override the folders with --cfg-options data_root=... feature_root=...
# The world is built like the ShanghaiTech Mixture sets: three scene kinds (walkway, road,
# lawn) and only anomalies that are normal in another kind (running: normal on the lawn;
# riding, driving: normal on the road), so no scene-blind model can tell them apart.
# Built-in features: appearance ColorHOG 884-d, motion skeleton kinematics 176-d, scene
# background descriptor 64-d (the supplement's DeepLabV3+ maps are 1590 / 880 / 330-d);
# DBSCAN finds the 3 scene kinds as 3 clusters (ShanghaiTech: 23, Avenue: 2, Ped2: 1).
_base_ = [
    '../_base_/models/hsc.py', '../_base_/datasets/object_clips.py',
    '../_base_/schedules/adagrad_200e.py', '../_base_/default_runtime.py'
]
data_root = 'data/synthetic/scene_dependent'
feature_root = 'data/features/synthetic_scene_dependent/builtin'
world = dict(preset='small', seed=0, scene_kinds=('walkway', 'road', 'lawn'),
             anomaly_behaviours=('run', 'ride', 'drive'), workers=2)
parsing = 'configs/parsing/builtin_synthetic.py'
# the world's annotated actions play PoseConv3D's action labels (motion classes, Eq. 5)
split_cfg = dict(type='ObjectClipDataset', feature_root=feature_root,
                 extract=dict(config=parsing, data_root=data_root),
                 classes=dict(appearance='label', motion='action'))
videos_cfg = dict(type='SyntheticVideos', data_root=data_root, regime='one_class',
                  generate=world)
model = dict(
    scene_dim=64,
    # the built-in features mix units: standardise them with training statistics
    input_norm=dict(min_std=0.0),
    streams=dict(
        appearance=dict(feature_dim=884, encoder_sizes=(512, 256), decoder_sizes=(512, 884)),
        motion=dict(feature_dim=176, encoder_sizes=(256, 256), decoder_sizes=(256, 176))),
    # the background descriptor separates scene kinds in t-SNE space by far more than 4.63
    clusterer=dict(eps=4.63, min_samples=5))
train_dataloader = dict(
    batch_size=128,
    dataset=dict(split='train', videos=dict(split='train', **videos_cfg), **split_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=dict(split='test', **videos_cfg), **split_cfg))
# per-scene AUC (the world's scene of each video) and the scene classifiers' confusion
# against the pseudo-labels (Fig. 6)
vad_metric = dict(type='VADMetric', scorers={{_base_.test_evaluator.scorers}},
                  metric=['micro_auc', 'macro_auc', 'ap', 'eer'], group_by='scene')
test_evaluator = [vad_metric, dict(type='SceneConfusionMetric')]
train_cfg = dict(max_epochs=30)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1),
                     logger=dict(interval=10))
