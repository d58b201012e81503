# SA-CRF end to end on UCF-Crime (Sec. 3.2, 4.2): the relation-aware extractor (ResNet-50,
# relations with the neighbouring frames re-weighting its 7 x 7 maps, 14 max-pooled
# patches) trains with the CRF from each segment's frames, under the backbone + CRF stage's
# schedule (SGD, 10-epoch warm-up, 100 epochs, batch 18). A GPU job. The segments are
# those of the store (its clip_spans): parse the videos once with
# configs/parsing/sacrf_ucf_crime.py (or any 16-frame segment config). Then
# configs/parsing/sacrf_relation_ucf_crime.py writes the trained relation-aware patches
# to a store for the MIL stage (configs/sacrf/sacrf_ucf_crime.py on that store).
# ImageNet ResNet-50 weights (nothing is downloaded at run time):
#   checkpoints/resnet50-0676ba61.pth (torchvision's), named by `pretrained` below.
_base_ = './sacrf_ucf_crime.py'
frames = dict(data_root='data/ucf_crime', patterns=['videos/*/*.mp4', 'videos/*.mp4'],
              size=(224, 224), per_segment=1)
model = dict(
    in_channels=2048,
    encoder=dict(
        # partial batch normalisation (Sec. 4.2): only the first BN layer keeps learning
        backbone=dict(type='mmaction.ResNet', depth=50,
                      pretrained='checkpoints/resnet50-0676ba61.pth', norm_eval=False,
                      partial_bn=True),
        channels=2048,
        relation=dict(map_size=(7, 7), embed_channels=256, offsets=(-1, 1)),
        grid=(1, 2, 3), spatial_pool='max'))
train_dataloader = dict(batch_size=18, dataset=dict(frames=frames))
test_dataloader = dict(dataset=dict(frames=frames))
# the backbone + CRF stage's schedule (Sec. 4.2; the warm-up is UCF-Crime's)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='SGD', lr=1e-4, momentum=0.9,
                                    weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=100)
