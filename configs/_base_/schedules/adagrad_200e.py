# HSC's optimisation (paper Sec. 4.1): AdaGrad, lr 0.01, 200 epochs.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adagrad', lr=0.01))
param_scheduler = []
