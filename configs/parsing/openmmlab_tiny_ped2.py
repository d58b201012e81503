# configs/parsing/openmmlab_tiny_synthetic.py on UCSD Ped2's layout (tiny random models),
# with the SA-CRF-style clip features instead of I3D: a 2D (TRN-style) backbone per
# frame, the 1 + 4 + 9 patch pyramid max-pooled, frames averaged.
#   python tools/extract_features.py configs/parsing/openmmlab_tiny_ped2.py \
#       --data-root ../shared/data/ped2 --videos 01 --out work_dirs/tiny_ped2
_base_ = ['./openmmlab_tiny_synthetic.py']
parser = dict(
    clip_extractor=dict(
        config='{{fileDirname}}/models/trn_tiny.py',
        grid=(1, 2, 3),
        spatial_pool='max'))
videos = dict(_delete_=True, patterns=[dict(glob='training/frames/*', prefix='train_'),
                                       'testing/frames/*'])
