# Object tubes of the generated world for the local-patterns method (ITAM + SMM), with the
# built-in backends (no downloads): background subtraction + SORT, then at every 4th frame
# the merged, squared, 25 %-enlarged regions of the objects cut from the last 6 frames
# (L = 5 inputs and the frame SMM predicts) at 64 x 64 pixels (the paper: 224).
#   python tools/extract_features.py configs/parsing/tubes_synthetic.py \
#       --data-root data/synthetic/small --out data/features/synthetic_small/tubes
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    detector=dict(type='BackgroundSubtractionDetector'),
    tracker=dict(type='SortTracker', fill_gaps=True),
    tube_builder=dict(type='ObjectTubeBuilder', length=6, crop_size=64, stride=4,
                      min_box_size=8),
    clip_len=16,
    stride=16,
    min_track_length=10)
videos = dict(
    patterns=['training/frames/*', 'testing/frames/*'],
    annotations='annotations/{video}.json')
