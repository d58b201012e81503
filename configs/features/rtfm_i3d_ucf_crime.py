# UCF-Crime I3D features of RTFM (Tian et al., ICCV 2021; the public "UCF-Crime ten-crop
# I3D" release): one (T, 10, 2048) .npy per video, e.g. Abuse028_x264_i3d.npy, row t the
# 16-frame snippet of frames [16 t, 16 t + 16); the list files name the files with paths of
# the machine they were made on, so the files are found by name under the feature folders.
# Expected layout:
#   data/ucf_crime/features/rtfm_i3d/ucf-i3d.list         (training list, 1,610 lines)
#   data/ucf_crime/features/rtfm_i3d/ucf-i3d-test.list    (test list, 290 lines)
#   data/ucf_crime/features/rtfm_i3d/UCF_Train_ten_crop_i3d/<video>_i3d.npy
#   data/ucf_crime/features/rtfm_i3d/UCF_Test_ten_crop_i3d/<video>_i3d.npy
#   data/ucf_crime/Anomaly_Train.txt, data/ucf_crime/Temporal_Anomaly_Annotation.txt
# Import (store in data/features/ucf_crime/rtfm_i3d; clips = the 10 crops' mean):
#   python tools/import_features.py configs/features/rtfm_i3d_ucf_crime.py \
#       --out data/features/ucf_crime/rtfm_i3d
# Add --cfg-options importer.crops=keep to also store every crop (10x the disk), and
# --frame-counts FILE ('video n' lines) to store the true frame counts. See
# docs/importing_features.md.
default_scope = 'vadkit'
data_root = 'data/ucf_crime'
feature_dir = f'{data_root}/features/rtfm_i3d'
reader = dict(
    type='NpyFeatureReader',
    list_file=[f'{feature_dir}/ucf-i3d.list', f'{feature_dir}/ucf-i3d-test.list'],
    feature_dir=[f'{feature_dir}/UCF_Train_ten_crop_i3d', f'{feature_dir}/UCF_Test_ten_crop_i3d'],
    suffix='_i3d.npy')
importer = dict(
    clip_len=16,
    crops='mean',
    frame_counts=None,
    annotations=dict(type='UCFCrimeSplit', split='test',
                     train_list=f'{data_root}/Anomaly_Train.txt',
                     annotation=f'{data_root}/Temporal_Anomaly_Annotation.txt'))
