# AE_OCC (Table 2) on the generated world: G alone on the training videos labelled normal.
_base_ = './ae_alldata_synthetic.py'
regime = 'weak'
model = dict(pretrain_on='normal')
train_dataloader = dict(dataset=dict(videos=dict(regime=regime)))
test_dataloader = dict(dataset=dict(videos=dict(regime=regime)))
