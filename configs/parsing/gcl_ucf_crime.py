# GCL's segment features (Zaheer et al., CVPR 2022, Sec. 4): one vector per 16-frame
# non-overlapping segment from a Kinetics-400 3D CNN. The paper's ResNeXt3D-101 (Hara et
# al.) is not in mmaction2; its I3D ResNet-50 gives the same 2048-d kind of feature
# (short side 256, centre crop 224). No objects are parsed.
# Weights (checkpoints/, nothing is downloaded at run time):
#   https://download.openmmlab.com/mmaction/v1.0/recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb_20220812-e213c223.pth
#   python tools/extract_features.py configs/parsing/gcl_ucf_crime.py \
#       --data-root data/ucf_crime --out data/features/ucf_crime/gcl
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    clip_extractor=dict(
        type='MMActionClipEncoder',
        config='mmaction::recognition/i3d/'
        'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
        checkpoint='checkpoints/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb_'
        '20220812-e213c223.pth',
        short_side=256,
        crop_size=224,
        crops='center'),
    clip_len=16,
    stride=16)
# UCF-Crime's layout: one folder of .mp4 files per class (Normal_Videos_event, Abuse ...).
videos = dict(patterns=['*/*.mp4', '*.mp4'])
