# SA-CRF's relation-aware patch features of a generated world from a model trained end to
# end on its frames (configs/sacrf/sacrf_e2e_synthetic.py): the second stage of the paper's
# two (Sec. 3.2, 4.2), on the CPU. Each 16-frame segment's first and last frame go through
# the trained small CNN and relation-aware attention; 14 max-pooled patches of 32 values.
#   python tools/train.py configs/sacrf/sacrf_e2e_synthetic.py
#   python tools/extract_features.py configs/parsing/sacrf_relation_synthetic.py \
#       --data-root data/synthetic/medium --out data/features/synthetic_medium/relation
#   python tools/train.py configs/sacrf/sacrf_synthetic.py --cfg-options model.in_channels=32 \
#       feature_root=data/features/synthetic_medium/relation \
#       parsing=configs/parsing/sacrf_relation_synthetic.py
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    clip_extractor=dict(
        type='RelationAwareClipEncoder',
        encoder=dict(backbone=dict(type='SmallConvNet', channels=(16, 32, 32)),
                     relation=dict(map_size=(8, 10), embed_channels=8, offsets=(-1, 1)),
                     grid=(1, 2, 3), spatial_pool='max'),
        checkpoint='work_dirs/sacrf_e2e_synthetic/epoch_50.pth',
        size=(60, 80),
        per_segment=2),
    clip_len=16,
    stride=16)
videos = dict(patterns=['training/frames/*', 'testing/frames/*'])
