# configs/parsing/openmmlab_tiny_synthetic.py on UCSD Ped2's layout (tiny random models).
#   python tools/extract_features.py configs/parsing/openmmlab_tiny_ped2.py \
#       --data-root ../shared/data/ped2 --videos 01 --out work_dirs/tiny_ped2
_base_ = ['./openmmlab_tiny_synthetic.py']
videos = dict(_delete_=True, patterns=[dict(glob='training/frames/*', prefix='train_'),
                                       'testing/frames/*'])
