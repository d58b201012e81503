# GCL_OCC on UCF-Crime (Table 1: 74.20 %): G pre-trained on the normal training videos only
# (their video labels are the one supervision), then the unsupervised cooperative loop.
_base_ = './gcl_ucf_crime.py'
model = dict(pretrain_on='normal')
