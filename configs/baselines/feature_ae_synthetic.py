# A plain autoencoder per object stream (vadkit.models.FeatureAutoEncoder) on the same
# object features as configs/hsc/hsc_synthetic.py: HSC without scene input, memory and
# contrasts. It builds the world and features itself when they are missing.
#   python tools/train.py configs/baselines/feature_ae_synthetic.py
_base_ = ['../hsc/hsc_synthetic.py']
model = dict(
    _delete_=True,
    type='FeatureAutoEncoder',
    streams=dict(
        appearance=dict(feature_dim=884, hidden_sizes=(512, ), latent_dim=256),
        motion=dict(feature_dim=176, hidden_sizes=(256, ), latent_dim=256)),
    input_norm=dict(min_std=0.0))
optim_wrapper = dict(optimizer=dict(type='Adagrad', lr=0.01))
# the same scoring as HSC's, without the scene-classifier confusion (no scene classifier)
test_evaluator = [
    dict(type='VADMetric',
         scorers=[
             dict(type='ExpandToFrames', stream=('appearance', 'motion'), reduce='max'),
             dict(type='Normalize', method='minmax', scope='global'),
             dict(type='Fuse', weights=dict(appearance=0.5, motion=0.5)),
             dict(type='GaussianSmooth', sigma=3.0, scope='video'),
         ],
         metric=['micro_auc', 'macro_auc', 'ap', 'eer'], group_by='scene')
]
