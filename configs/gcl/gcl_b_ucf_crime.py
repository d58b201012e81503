# GCL_B on UCF-Crime (Table 1: 68.17 %): no pre-training, G and D cooperate from the
# first iteration.
_base_ = './gcl_ucf_crime.py'
model = dict(pretrain_g_epochs=0, pretrain_d_epochs=0)
