# SA-CRF end to end on the ShanghaiTech weak split (Sec. 4.2: 225 epochs, batch 16); see
# sacrf_e2e_ucf_crime.py for the stages and sacrf_shanghaitech.py for the split. Frames:
# data/shanghaitech/{training,testing}/frames/<video>/*.jpg; the segments are those of the
# store of sacrf_shanghaitech.py.
_base_ = './sacrf_e2e_ucf_crime.py'
data_root = 'data/shanghaitech'
feature_root = 'data/features/shanghaitech/sacrf'
split = dict(type='ShanghaiTechWeakSplit', split_root=f'{data_root}/weak_split',
             mask_dir=f'{data_root}/testing/test_frame_mask')
frames = dict(data_root=data_root, patterns=['training/frames/*', 'testing/frames/*'],
              size=(224, 224), per_segment=1)
bag_cfg = dict(type='VideoBagDataset', feature_root=feature_root, patches='all',
               frames=frames)
train_dataloader = dict(
    batch_size=16, dataset=dict(videos=dict(split, split='train', _delete_=True), **bag_cfg))
test_dataloader = dict(dataset=dict(videos=dict(split, split='test', _delete_=True),
                                    **bag_cfg))
train_cfg = dict(max_epochs=225)
param_scheduler = []  # the paper warms up on UCF-Crime only
