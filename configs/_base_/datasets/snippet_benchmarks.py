# Evaluation of the weakly-supervised benchmarks on imported snippet features
# (tools/import_features.py: one feature per 16-frame snippet, row t = frames [16 t, 16 t
# + 16)): every frame takes its snippet's score, as the reference evaluations repeat each
# snippet score 16 times; frames after the last whole snippet (a video's n % 16 trailing
# frames, where the true frame count is known) are not evaluated, as the reference ground
# truth files stop at 16 T. Metrics, each benchmark's headline first in its config:
# UCF-Crime and ShanghaiTech frame-level micro AUC, XD-Violence frame-level AP; AP both
# as sklearn's step-wise average_precision_score ('ap', XD-Violence's evaluation) and as
# the trapezoid area of precision_recall_curve ('ap_trapz', RTFM's code); the false alarm
# rate at 0.5 on the normal test videos (Sultani et al.).
snippet_scorers = [
    dict(type='ExpandToFrames', stream='final', reduce='max'),
    dict(type='TrailingFrames', clip_len=16, mode='drop')
]
benchmark_metrics = ['micro_auc', 'macro_auc', 'ap', 'ap_trapz', 'far']
# (a leaf config sets test_evaluator = dict(scorers={{_base_.snippet_scorers}}, ...))
# the benchmarks' protocol: the last checkpoint (no validation split is published);
# configs/*/..._val_*.py choose on held-out training videos instead
model_selection = 'last'
