# SA-CRF on the ShanghaiTech weak split of Zhong et al. (Table 4: 96.85 % AUC): 238
# training bags (63 anomalous) with video labels, 199 test videos. Features:
# configs/parsing/sacrf_ucf_crime.py on ShanghaiTech's frame folders
#   python tools/extract_features.py configs/parsing/sacrf_ucf_crime.py \
#       --data-root data/shanghaitech --out data/features/shanghaitech/sacrf \
#       --cfg-options "videos.patterns=['training/frames/*','testing/frames/*']"
# Split files in data/shanghaitech/weak_split/ and the original test masks in
# data/shanghaitech/testing/test_frame_mask/ (the training videos' labels come from them).
_base_ = './sacrf_ucf_crime.py'
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/sacrf'
split = dict(type='ShanghaiTechWeakSplit', split_root=f'{data_root}/weak_split',
             mask_dir=f'{data_root}/testing/test_frame_mask')
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all')
train_dataloader = dict(
    batch_size=16, dataset=dict(videos=dict(split, split='train', _delete_=True), **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test', _delete_=True),
                                    **bag_cfg))
