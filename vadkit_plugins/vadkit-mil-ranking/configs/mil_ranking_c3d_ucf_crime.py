# Sultani et al.'s own setting: deep MIL ranking (vadkit-mil-ranking plugin) on their
# public C3D features of UCF-Crime (one 4096-d vector per each of a video's 32 segments,
# as text files; Sultani et al. CVPR 2018, 75.41 % AUC). The import maps the 32 segments
# onto frames as their evaluation does (it needs every video's frame count):
#   python tools/import_features.py configs/features/sultani_c3d_ucf_crime.py \
#       --out data/features/ucf_crime/sultani_c3d
#   python tools/train.py vadkit_plugins/vadkit-mil-ranking/configs/mil_ranking_c3d_ucf_crime.py
# Each test segment's score covers its frames; the frames after the last C3D clip take
# the last segment's score (ExpandToFrames fills nothing there: the segment spans reach
# the last whole clip, TrailingFrames drops the rest from evaluation).
_base_ = './mil_ranking_i3d_ucf_crime.py'
feature_root = 'data/features/ucf_crime/sultani_c3d'
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
model = dict(in_channels=4096)
train_dataloader = dict(dataset=dict(**bag_cfg))
test_dataloader = dict(dataset=dict(**bag_cfg))
