# GCL's optimisation (Sec. 4.1): RMSprop, lr 2e-5, "momentum 0.60", 15 epochs, one
# optimiser per network (G and D alternate inside GCL.train_step). The paper's word is
# momentum; a public re-implementation reads it as RMSprop's smoothing constant alpha.
# Both are exposed: this file sets alpha = 0.6 and momentum = 0; set momentum=0.6 (and
# alpha=0.99, torch's default) to read it the other way.
rmsprop = dict(type='RMSprop', lr=2e-5, alpha=0.6, momentum=0.0)
optim_wrapper = dict(
    constructor='SubmoduleOptimWrapperConstructor',
    generator=dict(type='OptimWrapper', optimizer=rmsprop),
    discriminator=dict(type='OptimWrapper', optimizer=rmsprop))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=15)
test_cfg = dict(type='TestLoop')
param_scheduler = []
