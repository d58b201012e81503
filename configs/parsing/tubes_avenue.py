# Object tubes of CUHK Avenue for the local-patterns method: as
# configs/parsing/tubes_shanghaitech.py (Avenue has 30k frames: about 20k tubes, 18 GB).
#   python tools/extract_features.py configs/parsing/tubes_avenue.py \
#       --data-root data/avenue --out data/features/avenue/tubes
_base_ = ['./tubes_shanghaitech.py']
# Avenue's training and test videos share names (01.avi ...): the training ones are
# stored as train_01 ...
videos = dict(_delete_=True, patterns=[dict(glob='training_videos/*.avi', prefix='train_'),
                                       'testing_videos/*.avi'])
