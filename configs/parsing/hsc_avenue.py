# HSC's video parsing for CUHK Avenue (640 x 360): as configs/parsing/hsc_shanghaitech.py,
# with the supplement's Avenue tracking threshold 0.5 (detection stays at 0.8); the scene
# feature is 880-d at 640 x 360.
#   python tools/extract_features.py configs/parsing/hsc_avenue.py \
#       --data-root data/avenue --out data/features/avenue/hsc
_base_ = ['./hsc_shanghaitech.py']
parser = dict(tracker=dict(score_thr=0.5))
# Avenue's training and test videos share names (01.avi ...): the training ones are
# stored as train_01 ...
videos = dict(_delete_=True, patterns=[dict(glob='training_videos/*.avi', prefix='train_'),
                                       'testing_videos/*.avi'])
