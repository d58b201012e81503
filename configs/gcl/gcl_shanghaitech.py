# GCL_PT on ShanghaiTech (Table 1: 78.93 %), the weakly-supervised split of Zhong et al.
# (238 training videos, 63 of them anomalous, used without labels; 199 test videos).
# Features: configs/parsing/gcl_ucf_crime.py on ShanghaiTech's frame folders
#   python tools/extract_features.py configs/parsing/gcl_ucf_crime.py \
#       --data-root data/shanghaitech --out data/features/shanghaitech/gcl \
#       --cfg-options "videos.patterns=['training/frames/*','testing/frames/*']"
# Split files in data/shanghaitech/weak_split/ (SH_Train.txt, SH_Test.txt, as in
# ../shared/data/annotations/shanghaitech_weak/) and the original test masks in
# data/shanghaitech/testing/test_frame_mask/.
_base_ = './gcl_ucf_crime.py'
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/gcl'
split = dict(type='ShanghaiTechWeakSplit', split_root=f'{data_root}/weak_split',
             mask_dir=f'{data_root}/testing/test_frame_mask')
segment_cfg = dict(type='SegmentDataset', feature_root=feature_root, patches='whole')
train_dataloader = dict(
    dataset=dict(videos=dict(split, split='train', _delete_=True), **segment_cfg))
test_dataloader = dict(
    dataset=dict(videos=dict(split, split='test', _delete_=True), **segment_cfg))
