# AE_AllData (Table 2) on the generated world: G alone on every training segment, the
# unlabelled anomalies included, for the whole schedule; scored by reconstruction error.
_base_ = './gcl_synthetic.py'
model = dict(pretrain_g_epochs={{_base_.train_cfg.max_epochs}}, pretrain_d_epochs=0,
             pretrain_on='all', score='generator')
