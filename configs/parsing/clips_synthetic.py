# Segment features only (GCL, SA-CRF): the built-in motion-energy clip features of every
# 16-frame non-overlapping segment of a generated world, 25-d per patch of a 1 + 4 + 9 patch
# pyramid (no objects are parsed; about 0.1 s per segment on one core).
#   python tools/extract_features.py configs/parsing/clips_synthetic.py \
#       --data-root data/synthetic/medium --out data/features/synthetic_medium/clips
default_scope = 'vadkit'
parser = dict(type='VideoParser', clip_extractor=dict(type='MotionEnergyClip'), clip_len=16,
              stride=16)
videos = dict(patterns=['training/frames/*', 'testing/frames/*'])
