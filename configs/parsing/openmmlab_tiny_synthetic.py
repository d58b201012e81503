# Every OpenMMLab parsing backend at once, with tiny random-initialised models
# (configs/parsing/models/*_tiny.py): the configuration the tests and benchmarks run to
# check the whole path (mmdet detector + tracker, mmpose top-down pose, PoseConv3D
# skeleton features with action scores, ViT appearance, segmentation scene, mmaction2
# clip features) on CPU. The features are meaningless (no weights); the paper configs
# (hsc_*.py, gcl_*.py, sacrf_*.py) are the same components with checkpoints.
#   python tools/extract_features.py configs/parsing/openmmlab_tiny_synthetic.py \
#       --data-root data/synthetic/small --out work_dirs/tiny_store
default_scope = 'vadkit'
parser = dict(
    type='VideoParser',
    # random weights score every box low: keep the 8 best per frame
    detector=dict(
        type='MMDetDetector',
        config='{{fileDirname}}/models/yolov3_tiny.py',
        score_thr=0.0,
        classes=None,
        cfg_options={'model.test_cfg.max_per_img': 8}),
    tracker=dict(type='MMDetTracker', score_thr=0.0),
    pose=dict(type='MMPoseTopDown', config='{{fileDirname}}/models/hrnet_tiny.py'),
    object_extractors=dict(
        appearance=dict(type='ViTAppearance', img_size=32, patch_size=8, embed_dim=32,
                        depth=2, num_heads=2, num_samples=4),
        motion=dict(type='PoseConv3DEncoder',
                    config='{{fileDirname}}/models/poseconv3d_tiny.py')),
    long_track_only=('motion', ),
    # the random segmenter calls every location 'car': mask people only, or every scene
    # vector would be zero
    scene_extractor=dict(
        type='SegmentationScene',
        foreground_classes=('person', ),
        segmenter=dict(type='MMSegSegmenter',
                       config='{{fileDirname}}/models/deeplabv3plus_tiny.py')),
    clip_extractor=dict(type='MMActionClipEncoder',
                        config='{{fileDirname}}/models/i3d_tiny.py',
                        short_side=64, crop_size=56, grid=(1, 2)),
    clip_len=16,
    stride=16,
    min_track_length=10)
videos = dict(
    patterns=['training/frames/*', 'testing/frames/*'],
    annotations='annotations/{video}.json')
