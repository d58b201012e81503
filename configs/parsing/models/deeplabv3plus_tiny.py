# A tiny DeepLabV3+ for tests and CPU smoke runs: the paper's segmenter
# ('mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py') shrunk to a
# ResNetV1c-18 with 8 base channels, plain BN, 5 classes, no auxiliary head. The decode
# head's logits are at 1/4 of the input (its c1 branch reads the stride-4 stage), like the
# full model's. Random weights: the features it gives only test the plumbing.
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']
default_scope = 'mmseg'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(depth=18, stem_channels=8, base_channels=8, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=64, channels=16, c1_in_channels=8, c1_channels=8,
                     dilations=(1, 2, 3, 4), num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=None)
# Names of the 5 score channels (MMSegSegmenter reads them when no `classes` is given).
dataset_meta = dict(classes=('road', 'building', 'vegetation', 'person', 'car'))
