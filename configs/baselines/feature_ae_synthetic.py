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
test_evaluator = [{{_base_.vad_metric}}]
