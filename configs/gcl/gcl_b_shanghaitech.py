# GCL_B on ShanghaiTech (Table 1: 72.41 %).
_base_ = './gcl_shanghaitech.py'
model = dict(pretrain_g_epochs=0, pretrain_d_epochs=0)
