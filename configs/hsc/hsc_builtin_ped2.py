# HSC on UCSD Ped2 with the built-in parsing backends (no downloads; the paper's YOLOv3 +
# ViT features: configs/hsc/hsc_ped2.py): the appearance stream alone, as the paper runs
# Ped2 (the people are too small for poses), one scene (no clusterer), trained on the 16
# training videos only. Ped2's test labels are not here (a blind test set): test.py writes
# the frame scores for whoever holds them.
#   python tools/extract_features.py configs/parsing/builtin_ped2.py \
#       --data-root ../shared/data/ped2 --out data/features/ped2/builtin
#   python tools/train.py configs/hsc/hsc_builtin_ped2.py
#   python tools/test.py configs/hsc/hsc_builtin_ped2.py work_dirs/hsc_builtin_ped2 \
#       --out-scores ped2_scores.npz
# or everything at once: bash benchmarks/ped2_end_to_end.sh OUT_DIR (docs/ped2.md).
# Built-in features: ColorHOG appearance 884-d, the background scene descriptor 64-d.
# Sizes and schedule are those of configs/hsc/hsc_synthetic.py, chosen on the generated
# world; none was chosen on Ped2's test frames.
_base_ = ['./hsc_ped2.py']
data_root = '../shared/data/ped2'
feature_root = 'data/features/ped2/builtin'
parsing = 'configs/parsing/builtin_ped2.py'
split_cfg = dict(type='ObjectClipDataset', feature_root=feature_root,
                 extract=dict(config=parsing, data_root=data_root),
                 features=dict(appearance='objects_appearance'), motion_stream=None,
                 classes=dict(appearance='label'))
model = dict(
    scene_dim=64,
    # the built-in features mix units: standardise them with training statistics
    input_norm=dict(min_std=0.0),
    streams=dict(_delete_=True, appearance=dict(feature_dim=884, encoder_sizes=(512, 256),
                                                decoder_sizes=(512, 884))))
train_dataloader = dict(dataset=dict(_delete_=True, split='train', videos=['train_*'],
                                     pipeline={{_base_.pipeline}}, **split_cfg))
test_dataloader = dict(dataset=dict(_delete_=True, split='test', videos=['[0-9][0-9]'],
                                    pipeline={{_base_.pipeline}}, **split_cfg))
train_cfg = dict(max_epochs=30)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1),
                     logger=dict(interval=10))
