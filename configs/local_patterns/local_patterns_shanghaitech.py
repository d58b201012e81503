# ITAM + SMM on ShanghaiTech at the paper's sizes (Table: 224 x 224 tubes, ResNet-18's
# first two stages, V_d = 1408, S_d = 257, N_q = 32, E_d = 256, O = 64, L = 5; spatial
# part batch 120 with warm-up and cosine annealing, temporal part 20 epochs at 5e-5).
#   python tools/extract_features.py configs/parsing/tubes_shanghaitech.py \
#       --data-root data/shanghaitech --out data/features/shanghaitech/tubes
#   python tools/caption_tubes.py configs/captions/clip_templates.py \
#       --store data/features/shanghaitech/tubes --out data/captions/shanghaitech_tubes.json \
#       --videos '[0-9][0-9]_[0-9][0-9][0-9]'
#   python tools/train.py configs/local_patterns/local_patterns_shanghaitech.py
#   python tools/test.py configs/local_patterns/local_patterns_shanghaitech.py \
#       work_dirs/local_patterns_shanghaitech
# The captions are the paper's CLIP-scored templates, made once for the training tubes
# (the captioning config names the local CLIP weights); a FileCaptioner reads them.
_base_ = [
    '../_base_/models/local_patterns.py', '../_base_/datasets/object_tubes.py',
    '../_base_/schedules/local_patterns.py', '../_base_/default_runtime.py'
]
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/tubes'
split_cfg = dict(type='ObjectTubeDataset', feature_root=feature_root,
                 span=8,  # the tube stride of the parsing
                 video_scenes='shanghaitech')
train_dataloader = dict(
    dataset=dict(split='train', videos=['[0-9][0-9]_[0-9][0-9][0-9]'], **split_cfg))
test_dataloader = dict(
    dataset=dict(split='test', videos=['[0-9][0-9]_[0-9][0-9][0-9][0-9]'],
                 ground_truth=f'{data_root}/testing/test_frame_mask', **split_cfg))
spatial_stage = dict(train_dataloader=dict(dataset=dict(
    captioner=dict(type='FileCaptioner', path='data/captions/shanghaitech_tubes.json'))))
