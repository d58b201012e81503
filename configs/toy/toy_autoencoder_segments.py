# The toy end-to-end job of the README: a registered toy autoencoder on toy segment
# features. It shows the pipeline (config -> Runner -> scorers -> metrics), not a method.
_base_ = [
    '../_base_/models/toy_autoencoder.py', '../_base_/datasets/toy_segments.py',
    '../_base_/schedules/adam_20e.py', '../_base_/default_runtime.py'
]
