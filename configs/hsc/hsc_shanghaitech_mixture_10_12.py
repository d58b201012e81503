# HSC on the ShanghaiTech Mixture set [10+12] (paper Table 2: scene-dependent anomalies; the
# split lists and masks of the HSC release, ../shared/data/ground_truth/shanghaitech_mixture).
# Features: the ShanghaiTech store of configs/parsing/hsc_shanghaitech.py (every video).
#   python tools/train.py configs/hsc/hsc_shanghaitech_mixture_10_12.py
_base_ = ['./hsc_shanghaitech.py']
mixture_root = 'data/shanghaitech_mixture'
train_dataloader = dict(
    batch_size=128,
    dataset=dict(videos=f'{mixture_root}/SHT_train_mix_10+12_trim.txt'))
test_dataloader = dict(
    dataset=dict(videos=f'{mixture_root}/SHT_test_mix_10+12_trim.txt',
                 ground_truth=f'{mixture_root}/shanghaitech/test_frame_mask'))
