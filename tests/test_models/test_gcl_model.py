"""The GCL model: its phases, what each step trains, pseudo-labels and targets as the
equations say, one optimiser per network from a config, and learning on unlabelled data
with anomalies inside."""
import numpy as np
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from sklearn.metrics import roc_auc_score

from vadkit.models import GCL
from vadkit.structures import VADDataSample
from vadkit.utils import register_all_modules

OPTIM = dict(constructor='SubmoduleOptimWrapperConstructor',
             generator=dict(type='OptimWrapper', optimizer=dict(type='RMSprop', lr=1e-3,
                                                                alpha=0.6)),
             discriminator=dict(type='OptimWrapper',
                                optimizer=dict(type='RMSprop', lr=1e-3, alpha=0.6)))


def _model(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=8, generator=dict(hidden_channels=(6, 3, 6)),
               discriminator=dict(hidden_channels=(6, 4)))
    cfg.update(kwargs)
    return GCL(**cfg)


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def _changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def test_phases_and_what_each_step_trains():
    register_all_modules()
    model = _model(pretrain_g_epochs=1, pretrain_d_epochs=1)
    wrappers = build_optim_wrapper(model, OPTIM)
    assert set(wrappers.keys()) == {'generator', 'discriminator'}
    assert {id(p) for p in wrappers['generator'].param_groups[0]['params']} == \
        {id(p) for p in model.generator.parameters()}
    batch = dict(inputs=dict(feature=torch.randn(32, 8),
                             td=torch.cat([torch.zeros(16), torch.ones(16)])))
    for epoch, phase, g_moves, d_moves in ((0, 'pretrain_g', True, False),
                                           (1, 'pretrain_d', False, True),
                                           (2, 'cooperative', True, True)):
        model.set_epoch(epoch)
        assert model.phase == phase
        g, d = _params(model.generator), _params(model.discriminator)
        log = model.train_step(batch, wrappers)
        assert _changed(g, model.generator) == g_moves, phase
        assert _changed(d, model.discriminator) == d_moves, phase
    assert log['loss_g'] > 0 and 0 < log['d_anomalous'] < 1


def test_pretraining_keeps_only_calm_segments():
    model = _model()
    f = torch.randn(6, 8)
    keep = torch.tensor([1, 1, 0, 1, 0, 0]).bool()
    errors = model.g_errors(f).detach()
    assert model.g_loss(f, keep=keep).item() == pytest.approx(errors[keep].mean().item(),
                                                             rel=1e-5)


def test_negative_learning_targets_in_the_loss():
    model = _model()
    f = torch.randn(4, 8)
    labels = torch.tensor([0, 1, 0, 1])
    rebuilt = model.generator(f).detach()
    ones = torch.ones(8)
    expected = torch.stack([(f[0] - rebuilt[0]).norm(), (ones - rebuilt[1]).norm(),
                            (f[2] - rebuilt[2]).norm(), (ones - rebuilt[3]).norm()]).mean()
    assert model.g_loss(f, labels).item() == pytest.approx(expected.item(), rel=1e-5)
    none = _model(negative=dict(mode='none'))
    assert none.g_loss(f, labels).item() == pytest.approx(
        torch.stack([(f[0] - rebuilt[0]).norm(), (f[2] - rebuilt[2]).norm()]).mean().item(),
        rel=1e-5)


def test_pseudo_labels_use_the_batch_thresholds():
    model = _model()
    f = torch.randn(64, 8)
    errors = model.eval().g_errors(f).detach()
    model.train()
    expected = (errors >= errors.mean() + errors.std(unbiased=False)).long()
    assert torch.equal(model.g_pseudo_labels(f), expected)  # Eq. 2, mean + 1 std
    probs = model.discriminator.eval()(f).detach()
    expected = (probs >= probs.mean() + 0.1 * probs.std(unbiased=False)).long()
    assert torch.equal(model.d_pseudo_labels(f), expected)  # Eq. 4, mean + 0.1 std
    top = _model(g_threshold=dict(rule='top_fraction', fraction=0.25))
    assert int(top.g_pseudo_labels(f).sum()) == 16


def test_scores_and_bad_settings():
    model = _model().eval()
    samples = [VADDataSample(metainfo=dict(video_id='v', start=0, end=16)) for _ in range(3)]
    f = torch.randn(3, 8)
    out = model(dict(feature=f), samples, mode='predict')
    assert torch.allclose(torch.stack([s.pred_scores.final for s in out]),
                          model.discriminator(f))
    gen = _model(score='generator').eval()
    out = gen(dict(feature=f), [VADDataSample() for _ in range(3)], mode='predict')
    assert torch.allclose(torch.stack([s.pred_scores.final for s in out]), gen.g_errors(f))
    with pytest.raises(ValueError, match='score'):
        _model(score='both')
    with pytest.raises(ValueError, match='negative.mode'):
        _model(negative=dict(mode='zeros'))
    with pytest.raises(ValueError, match='train_step'):
        model(dict(feature=f), None, mode='loss')


def test_it_learns_anomalies_hidden_in_unlabelled_data():
    """Normal segments near a 2-d subspace of R^8, 10 % pushed off it, no labels; GCL
    with G pre-training ranks the anomalies first, by D and by G."""
    register_all_modules()
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(8, 8)))[0]

    def make(n, anomalous):
        x = rng.normal(size=(n, 2)) @ basis[:, :2].T + 0.05 * rng.normal(size=(n, 8))
        off = rng.normal(size=(n, 6)) @ basis[:, 2:].T
        x[anomalous] += 2.0 * off[anomalous] / np.linalg.norm(off[anomalous], axis=1,
                                                                 keepdims=True)
        return torch.tensor(x, dtype=torch.float32)

    y_train = rng.random(2000) < 0.1
    train = make(2000, y_train)
    y_test = np.r_[np.zeros(300, bool), np.ones(100, bool)]
    test = make(400, y_test)
    # measured: D 0.971 / 0.970 / 0.943 and G 0.933 / 0.939 / 0.917 over seeds 0 / 1 / 2
    model = _model(pretrain_g_epochs=5, pretrain_d_epochs=2, pretrain_on='all',
                   discriminator=dict(hidden_channels=(32, 8)))
    wrappers = build_optim_wrapper(model, OPTIM)
    for epoch in range(20):
        model.set_epoch(epoch)
        for idx in torch.randperm(2000).split(256):
            model.train_step(dict(inputs=dict(feature=train[idx])), wrappers)
    model.eval()
    with torch.no_grad():
        d_auc = roc_auc_score(y_test, model.discriminator(test).numpy())
        g_auc = roc_auc_score(y_test, model.g_errors(test).numpy())
    assert d_auc > 0.9 and g_auc > 0.9, (d_auc, g_auc)


def test_the_submodule_constructor_names_what_is_missing():
    from vadkit.utils.errors import ConfigError
    register_all_modules()
    bad = dict(OPTIM, critic=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(ConfigError, match="GCL has no submodule 'critic'"):
        build_optim_wrapper(_model(), bad)
    with pytest.raises(ConfigError, match='paramwise_cfg inside'):
        build_optim_wrapper(_model(), dict(OPTIM, paramwise_cfg=dict(norm_decay_mult=0)))


def test_the_runner_trains_it_from_segments(tmp_path):
    """The mmengine plumbing: SegmentDataset batches (batch_collate), one optimiser per
    network, epochs given to the model by PrepareModelHook, checkpoints, testing."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from vadkit.parsing import FeatureStore
    register_all_modules()
    store = FeatureStore(str(tmp_path / 'store'), dict(hand_made=True))
    store.create()
    rng = np.random.default_rng(0)
    for v in range(3):
        clips = rng.normal(size=(6, 1, 8)).astype(np.float32)
        spans = np.array([(16 * c, 16 * c + 16) for c in range(6)], np.int64)
        store.write(f'v{v}', dict(clips=clips, clip_spans=spans), dict(num_frames=96))
        np.save(tmp_path / f'v{v}.npy', (np.arange(96) >= 80).astype(np.uint8))
    data = dict(type='SegmentDataset', feature_root=str(tmp_path / 'store'),
                with_temporal_difference=True)
    loader = dict(batch_size=8, num_workers=0, collate_fn=dict(type='vadkit.batch_collate'))
    cfg = Config(dict(
        default_scope='vadkit', work_dir=str(tmp_path / 'work'),
        model=dict(type='GCL', in_channels=8, generator=dict(hidden_channels=(6, 3, 6)),
                   discriminator=dict(hidden_channels=(6, 4)), pretrain_g_epochs=1,
                   pretrain_d_epochs=1),
        train_dataloader=dict(loader, sampler=dict(type='DefaultSampler', shuffle=True),
                              dataset=data),
        test_dataloader=dict(loader, sampler=dict(type='DefaultSampler', shuffle=False),
                             dataset=dict(data, split='test', ground_truth=str(tmp_path))),
        test_evaluator=dict(type='VADMetric', scorers=[dict(type='ExpandToFrames')],
                            metric=['micro_auc']),
        optim_wrapper=OPTIM, train_cfg=dict(by_epoch=True, max_epochs=3),
        test_cfg=dict(), custom_hooks=[dict(type='PrepareModelHook')],
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook', interval=3)),
        randomness=dict(seed=0), log_level='WARNING'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.model.epoch == 2 and runner.model.phase == 'cooperative'
    saved = torch.load(tmp_path / 'work' / 'epoch_3.pth', map_location='cpu',
                       weights_only=False)
    assert set(saved['optimizer']) == {'generator', 'discriminator'}
    metrics = runner.test()
    assert 0.0 <= metrics['vad/micro_auc'] <= 1.0


def test_pretraining_selections():
    td = torch.tensor([float('inf'), 0.2, 0.9, 0.5, 0.7])
    labels = torch.tensor([0, 1, -1, 0, 1])
    inputs = dict(feature=torch.randn(5, 8), td=td, video_label=labels)
    assert _model().pretrain_keep(inputs).tolist() == [False, True, False, True, True]  # 0.70
    # the calmest half of the batch's finite differences: median of 0.2 0.5 0.7 0.9 = 0.6
    assert _model(d_th_quantile=0.5).pretrain_keep(inputs).tolist() == \
        [False, True, False, True, False]
    assert _model(pretrain_on='normal').pretrain_keep(inputs).tolist() == \
        [True, False, False, True, False]
    assert _model(pretrain_on='all').pretrain_keep(inputs) is None
    with pytest.raises(ValueError, match='with_temporal_difference'):
        _model().pretrain_keep(dict(feature=inputs['feature']))
    with pytest.raises(ValueError, match='video_label'):
        _model(pretrain_on='normal').pretrain_keep(dict(feature=inputs['feature']))
    with pytest.raises(ValueError, match='pretrain_on'):
        _model(pretrain_on='clean')
    with pytest.raises(ValueError, match='d_th_quantile'):
        _model(d_th_quantile=0.0)


def test_weak_supervision_makes_normal_videos_normal():
    """GCL_WS: a normal-labelled video's segments are normal in both pseudo-label sets;
    anomalous-labelled and unlabelled videos keep what G and D say."""
    f = torch.randn(64, 8)
    f[:8] += 6.0  # far from the rest: anomalous for G
    video_label = torch.tensor([0, 0, 0, 0, 1, 1, -1, -1] + [-1] * 56)
    inputs = dict(feature=f, video_label=video_label)
    plain, weak = _model(), _model(weak_supervision=True)
    free_g = plain.g_pseudo_labels(f, inputs)
    assert free_g[:8].tolist() == [1] * 8
    forced_g = weak.g_pseudo_labels(f, inputs)
    assert forced_g[:8].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert torch.equal(forced_g[8:], free_g[8:])
    free_d, forced_d = plain.d_pseudo_labels(f, inputs), weak.d_pseudo_labels(f, inputs)
    assert forced_d[:4].tolist() == [0] * 4 and torch.equal(forced_d[4:], free_d[4:])
    assert free_d[:4].sum() > 0  # the override did something


def test_g_can_learn_from_its_own_labels(monkeypatch):
    model = _model(g_labels_from='generator')
    wrappers = build_optim_wrapper(model, OPTIM)

    def refuse(*args, **kwargs):
        raise AssertionError('D labelled the batch for G')

    monkeypatch.setattr(model, 'd_pseudo_labels', refuse)
    log = model.train_step(dict(inputs=dict(feature=torch.randn(32, 8))), wrappers)
    assert log['d_anomalous'] == log['g_anomalous']
    with pytest.raises(ValueError, match='g_labels_from'):
        _model(g_labels_from='both')


def test_input_standardisation_fitted_in_chunks():

    class Segments:
        def __init__(self, x):
            self.x = x

        def __len__(self):
            return len(self.x)

        def features(self, idx):
            return self.x[idx]

    rng = np.random.default_rng(0)
    x = (rng.normal(size=(1000, 8)) * np.arange(1, 9) + 5).astype(np.float32)
    model = _model(input_norm='zscore')
    model.prepare(Segments(x), chunk=96)
    np.testing.assert_allclose(model.norm.mean.numpy(), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(model.norm.std.numpy(), x.std(0), rtol=1e-4)
    z = model.features(dict(feature=torch.from_numpy(x)))
    np.testing.assert_allclose(z.mean(0).numpy(), 0, atol=1e-4)
    state = model.state_dict()
    assert 'norm.mean' in state and bool(state['norm.fitted'])
    fresh = _model(input_norm='zscore')
    fresh.load_state_dict(state)
    fresh.prepare(Segments(x + 100))  # a checkpoint's statistics are kept
    np.testing.assert_allclose(fresh.norm.mean.numpy(), x.mean(0), rtol=1e-5)
    assert _model().norm is None


def test_predict_writes_both_networks_scores():
    model = _model(score='generator').eval()
    f = torch.randn(3, 8)
    out = model(dict(feature=f), [VADDataSample() for _ in range(3)], mode='predict')
    d, g = model.discriminator(f), model.g_errors(f)
    for i, sample in enumerate(out):
        assert sample.pred_scores.discriminator.item() == pytest.approx(d[i].item())
        assert sample.pred_scores.generator.item() == pytest.approx(g[i].item())
        assert sample.pred_scores.final.item() == pytest.approx(g[i].item())


def test_standardizer_fitted_from_chunks_equals_the_whole_fit():
    from vadkit.models.components import FeatureStandardizer
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(500, 6)) * np.arange(1, 7) - 3).astype(np.float32)
    whole, chunked = FeatureStandardizer(6), FeatureStandardizer(6)
    whole.fit(x)
    chunked.fit_chunks(x[i:i + 77] for i in range(0, 500, 77))
    np.testing.assert_allclose(chunked.mean.numpy(), whole.mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(chunked.std.numpy(), whole.std.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match='no rows'):
        FeatureStandardizer(6).fit_chunks(iter([]))
