# A tiny random-initialised SlowOnly (3D ResNet-18 with 16 base channels, one block per
# stage, temporal kernels only in the last two stages) for tests and smoke runs of
# MMActionClipEncoder: 128-d features, about 0.05 s per 16-frame 112 x 112 crop on one CPU
# core. The paper-size model (2048-d) is
# 'mmaction::recognition/slowonly/'
# 'slowonly_imagenet-pretrained-r50_8xb16-8x8x1-steplr-150e_kinetics400-rgb.py'.
_base_ = ['mmaction::_base_/models/slowonly_r50.py']
default_scope = 'mmaction'

model = dict(
    backbone=dict(
        depth=18,
        pretrained=None,
        base_channels=16,
        stage_blocks=(1, 1, 1, 1)),
    cls_head=dict(in_channels=128, num_classes=8))
