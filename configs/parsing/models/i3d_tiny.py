# A tiny random-initialised I3D (inflated 3D ResNet-18 with 16 base channels, one block
# per stage) for tests and smoke runs of MMActionClipEncoder: 128-d features, about 0.03 s
# per 16-frame 112 x 112 crop on one CPU core. The paper-size model is
# 'mmaction::recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py'
# (2048-d).
_base_ = ['mmaction::_base_/models/i3d_r50.py']
default_scope = 'mmaction'

model = dict(
    backbone=dict(
        depth=18,
        pretrained=None,
        pretrained2d=False,
        base_channels=16,
        stage_blocks=(1, 1, 1, 1),
        inflate=(1, 1, 1, 1)),
    cls_head=dict(in_channels=128, num_classes=8))
