# SA-CRF's relation-aware patch features (Sec. 3.2) from a model trained end to end
# (configs/sacrf/sacrf_e2e_ucf_crime.py): the ResNet-50 and the relation-aware attention
# of its checkpoint re-weight each frame's 7 x 7 map by its relations with the segment's
# neighbouring frames before the 14 patches are max-pooled. For the MIL stage:
#   python tools/extract_features.py configs/parsing/sacrf_relation_ucf_crime.py \
#       --data-root data/ucf_crime --out data/features/ucf_crime/sacrf_relation
#   python tools/train.py configs/sacrf/sacrf_ucf_crime.py \
#       --cfg-options feature_root=data/features/ucf_crime/sacrf_relation
_base_ = ['./sacrf_ucf_crime.py']
parser = dict(
    clip_extractor=dict(
        relation=dict(map_size=(7, 7), embed_channels=256, offsets=(-1, 1),
                      checkpoint='work_dirs/sacrf_e2e_ucf_crime/epoch_100.pth',
                      prefix='encoder.relation.', backbone_prefix='encoder.backbone.')))
