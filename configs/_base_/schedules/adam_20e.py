train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
# begin/end stated, not derived from max_epochs: a run resumed with a longer schedule keeps
# the same learning-rate curve
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=20, milestones=[15], gamma=0.1)
]
