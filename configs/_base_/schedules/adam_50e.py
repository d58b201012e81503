# SA-CRF's contrastive-MIL stage (Sec. 4.2): Adam, lr 1e-4, weight decay 1e-5, batch 32,
# 50 epochs. (Its backbone + CRF stage, SGD momentum 0.9, wd 5e-4, lr 1e-4 with a 10-epoch
# linear warm-up, 100 / 225 epochs, batch 18 / 16, trains the TRN on frames; here the
# patch features come from the store and everything after them trains in this stage.)
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-5))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)
test_cfg = dict(type='TestLoop')
param_scheduler = []
