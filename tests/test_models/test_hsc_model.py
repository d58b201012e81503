"""The HSC model: preparation from the training set, training terms, prediction records,
checkpoints of data-sized state, memory subsampling; and the plain feature autoencoder."""
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate
from mmengine.optim import OptimWrapper

from tests.helpers.store import write_object_store
from vadkit.datasets import ObjectClipDataset
from vadkit.models import HSC, FeatureAutoEncoder
from vadkit.structures import VADDataSample
from vadkit.utils import register_all_modules
from vadkit.utils.checkpoint import check_state_dict_fits

KEYS = ['appearance', 'motion', 'scene', 'slot', 'motion_valid', 'appearance_class',
        'motion_class']
# two training videos per scene (one-hot scene features 0 and 1), six objects each
VIDEOS = {f'train_{v}': (2, [(c, t, t % 2, int(t != 2)) for c in range(2) for t in range(3)])
          for v in range(4)}
VIDEOS['test_0'] = (1, [(0, 0, 0, 1), (0, 1, 1, 0)])


def _scene(video, clip):
    v = int(video.split('_')[1])
    return [1.0, 0.0, 0.0] if v % 2 == 0 else [0.0, 1.0, 0.0]


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    register_all_modules()
    root = str(tmp_path_factory.mktemp('hsc') / 'store')
    write_object_store(root, VIDEOS, scene_of=_scene)
    pipeline = [dict(type='PackVADInputs', input_key=KEYS,
                     meta_keys=('video_id', 'start', 'end', 'track_id'))]
    train = ObjectClipDataset(root, videos=['train_*'], pipeline=pipeline)
    test = ObjectClipDataset(root, split='test', videos=['test_0'], pipeline=pipeline)
    return train, test


def _model(**kwargs):
    cfg = dict(scene_dim=3, max_scenes=4,
               streams=dict(appearance=dict(feature_dim=6, encoder_sizes=(8, 5),
                                            decoder_sizes=(8, 6)),
                            motion=dict(feature_dim=4, encoder_sizes=(8, 5),
                                        decoder_sizes=(8, 4))),
               clusterer=dict(type='SceneClusterer', projection=None, eps=0.5, min_samples=1))
    cfg.update(kwargs)
    torch.manual_seed(0)
    return HSC(**cfg)


def _batch(dataset):
    return default_collate([dataset[i] for i in range(len(dataset))])


def test_prepare_fits_scenes_memories_and_labels(data):
    train, _ = data
    model = _model(input_norm='zscore')
    model.prepare(train)
    assert int(model.num_scenes) == 2
    for name, stream in model.streams.items():
        assert stream.memory.num_slots == len(train) == 24
        assert not stream.memory.filled.any()
        np.testing.assert_array_equal(stream.slot_scene.numpy(),
                                      np.repeat([0, 1, 0, 1], 6))
        np.testing.assert_array_equal(stream.slot_class.numpy(), train.class_labels(name))
    motion = train.stream_features('motion')[train.rows['motion_valid']]
    np.testing.assert_allclose(model.norms['motion'].mean.numpy(), motion.mean(0), atol=1e-6)
    before = model.streams['appearance'].slot_scene.clone()
    model.prepare(train)  # already prepared: left alone
    assert torch.equal(before, model.streams['appearance'].slot_scene)


def test_training_terms_follow_the_epoch_and_motion_validity(data):
    train, _ = data
    model = _model()
    with pytest.raises(RuntimeError, match='PrepareModelHook'):
        model.train_step(_batch(train), OptimWrapper(torch.optim.SGD(model.parameters(), 0.1)))
    model.prepare(train)
    wrapper = OptimWrapper(torch.optim.Adagrad(model.parameters(), lr=0.01))
    log = model.train_step(_batch(train), wrapper)
    assert set(log) == {'loss'} | {f'loss_{s}_{t}' for s in ('appearance', 'motion')
                                   for t in ('reconstruction', 'classifier')}
    valid = torch.as_tensor(train.rows['motion_valid'])
    assert torch.equal(model.streams['motion'].memory.filled, valid)  # 16 of 24 slots
    assert model.streams['appearance'].memory.filled.all()
    model.set_epoch(1)  # contrast_from_epoch = 1
    log = model.train_step(_batch(train), wrapper)
    assert {'loss_appearance_scene', 'loss_appearance_object', 'loss_motion_scene',
            'loss_motion_object'} <= set(log)
    assert all(np.isfinite(float(v)) for v in log.values())


def test_predictions_and_checkpoint_round_trip(data):
    train, test = data
    model = _model()
    model.prepare(train)
    wrapper = OptimWrapper(torch.optim.Adagrad(model.parameters(), lr=0.01))
    for epoch in range(3):
        model.set_epoch(epoch)
        model.train_step(_batch(train), wrapper)
    model.eval()
    batch = model.data_preprocessor(_batch(test))
    out = model(**batch, mode='predict')
    assert [s.video_id for s in out] == ['test_0', 'test_0']
    assert float(out[0].pred_scores.appearance) > 0
    assert float(out[1].pred_scores.motion) == 0.0  # no motion feature: no motion evidence
    assert out[0].scene_label == 0  # the clip's scene is scene 0's
    assert set(out[0].pred_scene) == {'appearance', 'motion'}
    scene = batch['inputs']['scene']
    errors = model.stream_errors('appearance', scene, batch['inputs']['appearance'])
    assert torch.allclose(errors[0], out[0].pred_scores.appearance)

    fresh = _model()  # memories of one slot until the checkpoint says otherwise
    state = model.state_dict()
    assert check_state_dict_fits(fresh, state, strict=True) == []
    fresh.load_state_dict(state)
    fresh.eval()
    assert fresh.prepared and fresh.streams['motion'].memory.num_slots == 24
    again = fresh(**model.data_preprocessor(_batch(test)), mode='predict')
    for a, b in zip(out, again):
        assert torch.allclose(a.pred_scores.appearance, b.pred_scores.appearance)
        assert a.scene_label == b.scene_label

    model.memory_size = 5
    slots = model._memory_slots(model.streams['appearance'])
    assert len(slots) == 5 and len(set(slots.tolist())) == 5
    assert torch.equal(slots, model._memory_slots(model.streams['appearance']))  # seeded
    sub = model.stream_errors('appearance', scene, batch['inputs']['appearance'])
    assert not torch.allclose(sub, errors)


def test_bad_settings_are_refused(data):
    with pytest.raises(ValueError, match='set by HSC'):
        _model(streams=dict(appearance=dict(feature_dim=6, num_slots=3)))
    with pytest.raises(ValueError, match='motion_classifier'):
        _model(motion_score='classifier')
    with pytest.raises(ValueError, match='input_norm'):
        _model(input_norm='minmax')
    model = _model()
    with pytest.raises(RuntimeError, match='memory is empty'):
        model.stream_errors('appearance', torch.zeros(1, 3), torch.zeros(1, 6))
    train, _ = data
    with pytest.raises(ValueError, match='max_scenes'):
        _model(max_scenes=1).prepare(train)


def test_feature_autoencoder_baseline(data):
    train, test = data
    torch.manual_seed(0)
    model = FeatureAutoEncoder(streams=dict(appearance=dict(feature_dim=6, hidden_sizes=(8, ),
                                                            latent_dim=3),
                                            motion=dict(feature_dim=4, hidden_sizes=(8, ),
                                                        latent_dim=3)),
                               input_norm='zscore')
    model.prepare(train)
    assert bool(model.norms['appearance'].fitted)
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0.01))
    first = model.train_step(_batch(train), wrapper)['loss']
    for _ in range(30):
        last = model.train_step(_batch(train), wrapper)['loss']
    assert float(last) < 0.5 * float(first)
    model.eval()
    out = model(**model.data_preprocessor(_batch(test)), mode='predict')
    assert float(out[1].pred_scores.motion) == 0.0
    assert isinstance(out[0], VADDataSample) and float(out[0].pred_scores.appearance) > 0
