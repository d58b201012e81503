# The generated world's ground truth as parsing output (boxes, tracks, keypoints): the
# ceiling of the parsing stage, and the ablation "what if detection were perfect".
_base_ = ['./builtin_synthetic.py']
parser = dict(
    detector=dict(_delete_=True, type='OracleDetector'),
    tracker=dict(_delete_=True, type='OracleTracker'),
    pose=dict(type='OraclePose', match='track_id'))
