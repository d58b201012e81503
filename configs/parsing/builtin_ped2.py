# Parse UCSD Ped2 with the built-in backends (no downloads): background subtraction (the
# camera is fixed; its 20-35 px pedestrians are far too small for OpenCV's 64 x 128 HOG
# window without upscale=3 or more, which finds fewer of them at 9x the cost) + SORT,
# colour/HOG appearance, the background-model scene descriptor and motion-energy clip
# features, and box kinematics (speed, size, place and the motion inside each box: the cues
# of Ped2's cyclists, skaters and carts; `objects_kinematics`). No pose or skeleton motion
# stream: people are too small for a skeleton, and the HSC paper runs its appearance stream
# alone on Ped2.
#   python tools/extract_features.py configs/parsing/builtin_ped2.py \
#       --data-root ../shared/data/ped2 --out data/features/ped2/builtin
_base_ = ['./builtin_synthetic.py']
parser = dict(
    pose=None,
    object_extractors=dict(_delete_=True, appearance=dict(type='ColorHOGAppearance'),
                           kinematics=dict(type='BoxKinematics')))
# Ped2's training and test videos share names (01, 02 ...): the training ones are stored
# as train_01, train_02 ...; the test ones keep the names of the ground truth.
videos = dict(_delete_=True, patterns=[dict(glob='training/frames/*', prefix='train_'),
                                       'testing/frames/*'])
