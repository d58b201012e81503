# A tiny random-initialised TRN (2D ResNet-18 cut after its third stage, 256 channels at
# stride 16, with a multi-scale temporal relation head over 8 segments) for tests and
# smoke runs of MMActionClipEncoder, which reads the backbone's feature map of every
# frame: about 0.2 s per 16-frame 112 x 112 crop on one CPU core. The paper-size model
# (SA-CRF's TRN on an ImageNet ResNet-50, 2048-d) is
# 'mmaction::recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb.py'.
_base_ = ['mmaction::_base_/models/trn_r50.py']
default_scope = 'mmaction'

model = dict(
    backbone=dict(
        depth=18,
        pretrained=None,
        num_stages=3,
        out_indices=(2, ),
        strides=(1, 2, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(in_channels=256, num_classes=8, hidden_dim=32))
