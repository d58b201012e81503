# A tiny random-initialised YOLOv3 for tests and smoke runs of MMDetDetector: the
# MobileNetV2 YOLOv3 of mmdet ('mmdet::yolo/yolov3_mobilenetv2_8xb24-320-300e_coco.py')
# with a quarter of the backbone's width (8/24/80 channels at strides 8/16/32), 32-channel
# neck and head, 80 COCO classes, and a 160 x 160 (keep-ratio) input: a 360 x 240 frame
# becomes 160 x 107 (padded to 160 x 128), about 0.01-0.02 s a frame on one CPU core.
# The paper-size model (HSC supplement Sec. 3.1: YOLOv3, COCO) is
# 'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py' (Darknet-53, 608 x 608).
default_scope = 'mmdet'
model = dict(
    type='YOLOV3',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='MobileNetV2',
        widen_factor=0.25,
        out_indices=(2, 4, 6),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
        init_cfg=None),
    neck=dict(
        type='YOLOV3Neck',
        num_scales=3,
        in_channels=[80, 24, 8],
        out_channels=[32, 32, 32]),
    bbox_head=dict(
        type='YOLOV3Head',
        num_classes=80,
        in_channels=[32, 32, 32],
        out_channels=[32, 32, 32],
        anchor_generator=dict(
            type='YOLOAnchorGenerator',
            base_sizes=[[(110, 62), (64, 111), (132, 133)],
                        [(18, 44), (51, 48), (30, 85)],
                        [(5, 8), (12, 18), (36, 21)]],
            strides=[32, 16, 8]),
        bbox_coder=dict(type='YOLOBBoxCoder'),
        featmap_strides=[32, 16, 8],
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0,
                      reduction='sum'),
        loss_conf=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0,
                       reduction='sum'),
        loss_xy=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=2.0,
                     reduction='sum'),
        loss_wh=dict(type='MSELoss', loss_weight=2.0, reduction='sum')),
    train_cfg=dict(
        assigner=dict(type='GridAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0)),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        conf_thr=0.005,
        nms=dict(type='nms', iou_threshold=0.45),
        max_per_img=100))

# What MMDetDetector reads: the test-time Resize (scale as (w, h)).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
