# AE_OCC of Table 2 (65.76 % on UCF-Crime): G alone on the normal training videos.
_base_ = './ae_alldata_ucf_crime.py'
model = dict(pretrain_on='normal')
