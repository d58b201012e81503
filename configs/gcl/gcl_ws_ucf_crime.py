# GCL_WS on UCF-Crime (Table 1: 79.84 %): video-level labels enter the cooperative loop as
# "every segment of a normal-labelled video is normal" in both pseudo-label sets (the
# paper does not say how; see docs/methods/gcl.md). Fig. 9's supervision levels: the share
# of videos that keep their label,
#   --cfg-options train_dataloader.dataset.label_fraction=0.33
_base_ = './gcl_ucf_crime.py'
model = dict(weak_supervision=True)
train_dataloader = dict(dataset=dict(label_fraction=1.0, label_seed=0))
