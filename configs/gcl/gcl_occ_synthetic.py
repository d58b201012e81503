# GCL_OCC on the generated world: G pre-trained on the training videos labelled normal (the
# 'weak' regime's labels: same videos as 'unsupervised'), then the unlabelled loop.
_base_ = './gcl_synthetic.py'
regime = 'weak'
model = dict(pretrain_on='normal')
train_dataloader = dict(dataset=dict(videos=dict(regime=regime)))
test_dataloader = dict(dataset=dict(videos=dict(regime=regime)))
