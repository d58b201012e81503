# Parse real surveillance video files with the built-in backends: background subtraction
# + SORT, BlazePose (MediaPipePose, bundled in the mediapipe wheel) on tracked people at
# least 70 px tall, colour/HOG appearance, skeleton kinematics, the background-model scene
# descriptor and motion-energy clip features. Made for the PETS 2009 clip (768 x 576,
# people 80-130 px tall) that tools/misc/fetch_sample_videos.sh puts in data/real/.
#   bash tools/misc/fetch_sample_videos.sh
#   python tools/extract_features.py configs/parsing/builtin_pets2009.py \
#       --data-root data/real --out data/features/pets2009/builtin
_base_ = ['./builtin_synthetic.py']
parser = dict(
    pose=dict(_delete_=True, type='MediaPipePose'),
    pose_labels=('person', ),
    min_pose_height=70)
videos = dict(_delete_=True, patterns=['*.avi', '*.mp4'])
