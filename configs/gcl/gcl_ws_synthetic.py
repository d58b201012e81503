# GCL_WS on the generated world: video-level labels of the 'weak' regime (the same videos
# as 'unsupervised'); segments of normal-labelled videos are normal in both pseudo-label
# sets. Fig. 9's supervision levels:
#   --cfg-options train_dataloader.dataset.label_fraction=0.33
_base_ = './gcl_synthetic.py'
regime = 'weak'
model = dict(weak_supervision=True)
train_dataloader = dict(dataset=dict(videos=dict(regime=regime), label_fraction=1.0,
                                     label_seed=0))
test_dataloader = dict(dataset=dict(videos=dict(regime=regime)))
