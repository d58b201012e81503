# Parse the generated world with the built-in backends (no downloads): background
# subtraction + SORT, ground-truth poses (the world's skeletons), colour/HOG appearance,
# skeleton kinematics, a background-model scene descriptor, motion-energy clip features and
# object tubes.
#   python tools/extract_features.py configs/parsing/builtin_synthetic.py \
#       --data-root data/synthetic/small --out data/features/synthetic_small/builtin
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    detector=dict(type='BackgroundSubtractionDetector'),
    tracker=dict(type='SortTracker', fill_gaps=True),
    pose=dict(type='OraclePose', match='iou'),
    object_extractors=dict(
        appearance=dict(type='ColorHOGAppearance'),
        motion=dict(type='SkeletonKinematics')),
    scene_extractor=dict(type='BackgroundSceneDescriptor'),
    clip_extractor=dict(type='MotionEnergyClip'),
    # merged, squared, 25 %-enlarged tube regions of L = 5 frames for the local-pattern
    # method (boxes only; crop_size=224 stores the paper's crops, 150 KB per tube frame)
    tube_builder=dict(type='ObjectTubeBuilder', crop_size=None),
    clip_len=16,
    stride=16,
    min_track_length=10)
videos = dict(
    patterns=['training/frames/*', 'testing/frames/*'],
    annotations='annotations/{video}.json')
