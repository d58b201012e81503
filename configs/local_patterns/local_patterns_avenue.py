# ITAM + SMM on CUHK Avenue at the paper's sizes (as local_patterns_shanghaitech.py).
#   python tools/extract_features.py configs/parsing/tubes_avenue.py \
#       --data-root data/avenue --out data/features/avenue/tubes
#   python tools/caption_tubes.py configs/captions/clip_templates.py \
#       --store data/features/avenue/tubes --out data/captions/avenue_tubes.json \
#       --videos 'train_*'
#   python tools/train.py configs/local_patterns/local_patterns_avenue.py
#   python tools/test.py configs/local_patterns/local_patterns_avenue.py \
#       work_dirs/local_patterns_avenue
# Test masks: data/avenue/test_frame_mask/<01..21>.npy (as in ../shared/data/ground_truth).
_base_ = ['./local_patterns_shanghaitech.py']
data_root = 'data/avenue'
feature_root = 'data/features/avenue/tubes'
split_cfg = dict(feature_root=feature_root, video_scenes=None)
train_dataloader = dict(dataset=dict(videos=['train_*'], **split_cfg))  # stored as train_01 ...
test_dataloader = dict(dataset=dict(videos=['[0-9][0-9]'],
                                    ground_truth=f'{data_root}/test_frame_mask', **split_cfg))
spatial_stage = dict(train_dataloader=dict(dataset=dict(
    captioner=dict(type='FileCaptioner', path='data/captions/avenue_tubes.json'))))
