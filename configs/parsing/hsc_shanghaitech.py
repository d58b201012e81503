# HSC's video parsing (Sun & Gong, CVPR 2023, paper Sec. 3.2 and supplement Sec. 3.1) with
# OpenMMLab models, for ShanghaiTech (856 x 480):
# - YOLOv3 (COCO) boxes of people and vehicles with score >= 0.8, tracked with ByteTrack
#   fed the detections scoring above 0.7 (the paper's tracker, FairMOT, is not in mmdet 3.x;
#   its "threshold of tracking" drops detections scoring at or below it and lets the
#   others start tracks, which MMDetTracker(score_thr) reproduces; see docs/parsing.md);
# - appearance: ViT-L/16 on every tracked frame of the object in the clip, averaged (1024-d);
# - motion: HRNet-W32 COCO-17 skeletons of the tracked people, then PoseConv3D on the
#   tracklets with more than 10 tracked frames: a 512-d feature and NTU-60 action scores;
# - scene: DeepLabV3+ logits, foreground classes zeroed, max-pooled by 4, averaged over
#   the clip and l2-normalised (1590-d at 856 x 480).
# Weights are read from checkpoints/ (download them once from the URLs below; nothing is
# downloaded at run time):
#   https://download.openmmlab.com/mmdetection/v2.0/yolo/yolov3_d53_mstrain-608_273e_coco/yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth
#   https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth
#   https://download.openmmlab.com/mmaction/v1.0/skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint_20220815-38db104b.pth
#   https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3plus/deeplabv3plus_r50-d8_512x1024_40k_cityscapes/deeplabv3plus_r50-d8_512x1024_40k_cityscapes_20200605_094610-d222ffcd.pth
#   vit_large_patch16_224.pth: an ImageNet ViT-L/16 (224) state dict in the common layout
#   (cls_token, pos_embed, patch_embed.proj, blocks.N.attn.qkv ...), docs/parsing.md.
#   python tools/extract_features.py configs/parsing/hsc_shanghaitech.py \
#       --data-root data/shanghaitech --out data/features/shanghaitech/hsc
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    detector=dict(
        type='MMDetDetector',
        config='mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py',
        checkpoint='checkpoints/yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth',
        score_thr=0.8,
        classes=('person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck')),
    tracker=dict(type='MMDetTracker', score_thr=0.7),
    pose=dict(
        type='MMPoseTopDown',
        config='mmpose::body_2d_keypoint/topdown_heatmap/coco/'
        'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
        checkpoint='checkpoints/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth'),
    pose_labels=('person', ),
    object_extractors=dict(
        appearance=dict(type='ViTAppearance', checkpoint='checkpoints/vit_large_patch16_224.pth'),
        motion=dict(
            type='PoseConv3DEncoder',
            config='mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py',
            checkpoint='checkpoints/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint_'
            '20220815-38db104b.pth',
            # one view of 48 frames per object clip; the recognizer's own NTU-60 test
            # pipeline averages 10 clips x 2 flips (num_clips=10, double=True), 20 times
            # the cost (about 0.6 s against 20-40 s per object clip on 2 CPU cores)
            num_clips=1,
            double=False)),
    scene_extractor=dict(
        type='SegmentationScene',
        pool=4,
        segmenter=dict(
            type='MMSegSegmenter',
            config='mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py',
            checkpoint='checkpoints/deeplabv3plus_r50-d8_512x1024_40k_cityscapes_'
            '20200605_094610-d222ffcd.pth')),
    clip_len=16,
    stride=16,
    min_track_length=10)
# ShanghaiTech's layout: training videos as .avi files, test videos as frame folders.
videos = dict(patterns=['training/videos/*.avi', 'testing/frames/*'])
