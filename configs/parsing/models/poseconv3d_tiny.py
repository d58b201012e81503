# A tiny random-initialised PoseConv3D (skeleton heatmap volumes into a SlowOnly 3D
# ResNet) for tests and smoke runs of PoseConv3DEncoder: ResNet3dSlowOnly-18 with 8 base
# channels and one block per stage on 8 frames of 32 x 32 COCO-17 keypoint heatmaps, a
# 32-d pooled feature and 5 action classes. One sampled clip, no flipped copy (the paper's
# test pipeline takes 10 clips of 48 frames at 64 x 64, each also flipped). The paper-size
# model is 'mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py'
# (512-d, NTU-60 classes).
default_scope = 'mmaction'
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=18,
        pretrained=None,
        pretrained2d=False,
        in_channels=17,
        base_channels=8,
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(1, 1, 1),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='I3DHead',
        in_channels=32,
        num_classes=5,
        dropout_ratio=0.5,
        average_clips='prob'))

left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=8, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 32)),
    dict(type='CenterCrop', crop_size=32),
    dict(type='GeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False, double=False, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
