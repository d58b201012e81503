# AE_AllData of Table 2 (56.32 % on UCF-Crime): G alone, trained on every training segment
# (anomalies included, no labels) for the whole schedule, scored by its reconstruction
# error. AE_OCC: ae_occ_ucf_crime.py; AE_TD: pretrain_on='calm'.
_base_ = './gcl_ucf_crime.py'
model = dict(pretrain_g_epochs=15, pretrain_d_epochs=0, pretrain_on='all', score='generator')
