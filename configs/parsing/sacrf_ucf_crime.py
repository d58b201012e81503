# SA-CRF's relation-aware features (Purwanto et al., ICCV 2021, Sec. 3.2 and 4): TRN with
# an ImageNet ResNet-50; each frame's last feature map is partitioned at scales 1, 2 and 3
# (G = 1 + 4 + 9 = 14 patches) and each patch is globally max-pooled; the frames of each
# 16-frame segment are averaged: clips [segments, 14, 2048]. No objects are parsed.
# Weights (checkpoints/, nothing is downloaded at run time):
#   https://download.openmmlab.com/mmaction/v1.0/recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb_20220815-e13db2e9.pth
#   python tools/extract_features.py configs/parsing/sacrf_ucf_crime.py \
#       --data-root data/ucf_crime --out data/features/ucf_crime/sacrf
_base_ = ['./gcl_ucf_crime.py']
parser = dict(
    clip_extractor=dict(
        _delete_=True,
        type='MMActionClipEncoder',
        config='mmaction::recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb.py',
        checkpoint='checkpoints/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb_'
        '20220815-e13db2e9.pth',
        short_side=256,
        crop_size=224,
        crops='center',
        grid=(1, 2, 3),
        spatial_pool='max',
        temporal_pool='mean'))
