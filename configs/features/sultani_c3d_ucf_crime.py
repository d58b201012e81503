# UCF-Crime C3D features of Sultani et al. (CVPR 2018; the public release of their code):
# one text file per video, <video>.txt, of 32 rows of 4096 space-separated floats: the 32
# segments of the whole video. Segment i covers the video's 16-frame C3D clips
# sultani_segment_clips(n // 16, 32)[i], so every video needs its frame count n.
# Expected layout:
#   data/ucf_crime/features/sultani_c3d/**/<video>.txt   (any sub-folders)
#   data/ucf_crime/frame_counts.txt    ('Abuse028_x264 1412' lines, or a JSON {video: n})
#   data/ucf_crime/Anomaly_Train.txt, data/ucf_crime/Temporal_Anomaly_Annotation.txt
# Import (store in data/features/ucf_crime/sultani_c3d):
#   python tools/import_features.py configs/features/sultani_c3d_ucf_crime.py \
#       --out data/features/ucf_crime/sultani_c3d
# See docs/importing_features.md.
default_scope = 'vadkit'
data_root = 'data/ucf_crime'
reader = dict(
    type='SultaniTextReader',
    feature_dir=f'{data_root}/features/sultani_c3d',
    pattern='**/*.txt',
    suffix='.txt',
    num_segments=32)
importer = dict(
    clip_len=16,
    crops='mean',
    frame_counts=f'{data_root}/frame_counts.txt',
    annotations=dict(type='UCFCrimeSplit', split='test',
                     train_list=f'{data_root}/Anomaly_Train.txt',
                     annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt'))
