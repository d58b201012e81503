# GCL_B on the generated world: no pre-training.
_base_ = './gcl_synthetic.py'
model = dict(pretrain_g_epochs=0, pretrain_d_epochs=0)
