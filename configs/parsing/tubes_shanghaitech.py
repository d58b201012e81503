# Object tubes of ShanghaiTech for the local-patterns method (ITAM + SMM, Sec. 3.1, 4.2):
# boxes of any COCO class, tracked, merged with their overlapping neighbours, squared
# along the short side, enlarged by 25 % and cut from the 6 frames ending at every 8th
# frame (L = 5 inputs and the frame SMM predicts), resized to 224 x 224.
# The paper's detector is the open-set RPN of its reference [121]; here the COCO YOLOv3 of
# configs/parsing/hsc_shanghaitech.py (weights listed there) with every class kept and a
# lower score threshold stands in. Disk: 6 x 150 KB per tube; at stride 8 and about five
# objects per frame ShanghaiTech's 317k frames give some 200k tubes, 180 GB: raise
# `stride` or lower `crop_size` (and the model's input) where that is too much.
#   python tools/extract_features.py configs/parsing/tubes_shanghaitech.py \
#       --data-root data/shanghaitech --out data/features/shanghaitech/tubes
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    detector=dict(
        type='MMDetDetector',
        config='mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py',
        checkpoint='checkpoints/yolov3_d53_mstrain-608_273e_coco_20210518_115020-a2c3acb8.pth',
        score_thr=0.5,
        classes=None),
    tracker=dict(type='MMDetTracker', score_thr=0.5),
    tube_builder=dict(type='ObjectTubeBuilder', length=6, enlarge=0.25, crop_size=224,
                      stride=8, boundary='pad'),
    clip_len=16,
    stride=16,
    min_track_length=10)
videos = dict(
    patterns=['training/videos/*.avi', 'testing/frames/*'])
