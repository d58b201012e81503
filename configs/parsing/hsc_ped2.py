# HSC's video parsing for UCSD Ped2 (360 x 240): as configs/parsing/hsc_shanghaitech.py,
# with the supplement's Ped2 thresholds (detection 0.5 for the low resolution, tracking
# 0.3) and no pose / motion stream (the people are too small for skeletons; HSC runs
# without its motion stream on Ped2). The scene feature is 330-d at 360 x 240.
#   python tools/extract_features.py configs/parsing/hsc_ped2.py \
#       --data-root ../shared/data/ped2 --out data/features/ped2/hsc
_base_ = ['./hsc_shanghaitech.py']
parser = dict(
    detector=dict(score_thr=0.5),
    tracker=dict(score_thr=0.3),
    pose=None,
    pose_labels=None,
    object_extractors=dict(
        _delete_=True,
        appearance=dict(type='ViTAppearance', checkpoint='checkpoints/vit_large_patch16_224.pth')))
videos = dict(_delete_=True, patterns=[dict(glob='training/frames/*', prefix='train_'),
                                       'testing/frames/*'])
