# The two trainings of ITAM + SMM (Sec. 4.2). The config's own training is the temporal
# part: the spatial part frozen, SMM and the branch fusion trained 20 epochs from lr 5e-5
# decayed by 0.99 per epoch (the paper names no optimiser; Adamax with weight decay 5e-5
# is the authors' code's). The spatial part trains first, as the `stages` entry below
# (tools/train.py, vadkit.engine.stages): linear warm-up from 1e-6 to 1e-4 over 5,000 steps,
# cosine annealing to 1e-5, batch 120 (AdamW with weight decay 0.05 and the number of
# steps are not in the paper).
spatial_iters = 50000
spatial_warmup = 5000
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adamax', lr=5e-5, weight_decay=5e-5))
param_scheduler = [dict(type='ExponentialLR', gamma=0.99, by_epoch=True, begin=0, end=20)]
spatial_stage = dict(
    name='spatial',
    # what only the temporal part uses: changing it does not train the spatial part again
    hash_ignore=['model.smm', 'model.fusion', 'model.stage', 'model.cache_spatial',
                 'train_dataloader.dataset.span',
                 'val_dataloader', 'val_evaluator', 'val_cfg', 'model_selection'],
    # the temporal stage takes the branches' weights (SMM and the fusion start afresh)
    carry=['branches.'],
    model=dict(stage='spatial'),
    # an endless sampler: mmengine pauses 2 s at each restart of a finite one
    train_dataloader=dict(batch_size=120, sampler=dict(type='InfiniteSampler', shuffle=True),
                          dataset=dict(sample='frame')),
    train_cfg=dict(_delete_=True, type='IterBasedTrainLoop', max_iters=spatial_iters),
    optim_wrapper=dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-4,
                                      weight_decay=0.05)),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=spatial_warmup),
        dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=spatial_warmup,
             end=spatial_iters, T_max=spatial_iters - spatial_warmup)],
    default_hooks=dict(checkpoint=dict(by_epoch=False, interval=5000)),
    log_processor=dict(by_epoch=False))
# by name, so that a config merges its captioner and sizes into spatial_stage
stages = ['spatial_stage']
