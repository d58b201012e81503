"""HSC motion augmentation (Sec. 3.4-3.5, supplement Sec. 1): augmenting skeleton clips,
re-encoding them as the parser does, the error split and the normal / abnormal classifier."""
import os.path as osp

import numpy as np
import pytest
import torch

from tests.helpers.world import write_tiny_world
from vadkit.apis.motion_augmentation import (LONG_TRACK, augment_clips, augment_store_video,
                                             build_augmenter, encode_motion,
                                             extractor_needs_frames, label_counts,
                                             normalise_errors, read_store_clips, score_motion,
                                             split_by_error, track_lengths_of,
                                             train_classifier)
from vadkit.models.augmenters import ROTATION_TABLE, SkeletonRotation
from vadkit.models.components.motion_classifier import MotionAugClassifier
from vadkit.parsing.base import VideoInfo
from vadkit.utils.errors import ConfigError, DataError

HEAD = [0, 1, 2, 3, 4]


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny networks: one thread (two threads on shared cores ran 20 to 50 times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def skeleton() -> np.ndarray:
    """A standing person (every keypoint seen, score 1) at distinct positions."""
    xy = np.array([[50, 10], [48, 8], [52, 8], [46, 9], [54, 9],
                   [44, 20], [56, 20], [42, 32], [58, 32], [41, 44], [59, 44],
                   [46, 50], [54, 50], [46, 65], [54, 65], [46, 80], [54, 80]], float)
    return np.concatenate([xy, np.ones((17, 1))], axis=1)


def clips(n: int = 3, length: int = 16, tracked=range(2, 14)):
    """``n`` clips of a walking skeleton (x grows one pixel a frame) tracked at
    ``tracked`` frames; zeros elsewhere, as the store keeps untracked frames."""
    kp = np.zeros((n, length, 17, 3), np.float32)
    mask = np.zeros((n, length), bool)
    frames = np.asarray(list(tracked))
    for i in range(n):
        body = skeleton()[None].repeat(len(frames), 0)
        body[:, :, 0] += frames[:, None] + 10 * i
        kp[i, frames] = body
        mask[i, frames] = True
    return kp, mask


def moved_by(angles) -> set:
    """Joints moved by a draw: each chosen keypoint and its descendants."""
    out = set()
    for key in angles:
        out |= {key, *ROTATION_TABLE[key][1]}
    return out


# -- augment_clips ---------------------------------------------------------------------
def test_rotation_moves_the_chosen_joints_and_nothing_else():
    kp, mask = clips(n=2)
    aug = dict(type='SkeletonRotation', p=0.5)
    out, out_mask, source = augment_clips(kp, mask, aug, copies=2, seed=7)
    assert out.shape == (4, 16, 17, 3) and source.tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(out_mask, mask[source])  # rotation keeps every frame
    for j, (i, k) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        angles = SkeletonRotation(p=0.5).draw(np.random.default_rng([7, i, k]))
        moved = moved_by(angles)
        assert 0 < len(moved) < 12  # p = 0.5: some joints turn, some do not
        tracked = mask[i]
        for joint in range(17):
            diff = np.abs(out[j, tracked, joint, :2] - kp[i, tracked, joint, :2]).max()
            if joint in moved:
                assert diff > 1e-3, (j, joint)
            else:
                assert diff == 0.0, (j, joint)
        np.testing.assert_array_equal(out[j, :, HEAD], kp[i, :, HEAD])  # never the head
        np.testing.assert_array_equal(out[j, ~tracked], 0)  # untracked frames stay empty
        np.testing.assert_array_equal(out[j, ..., 2], kp[i, ..., 2])  # scores untouched
        # bones keep their lengths: each moved joint stays as far from its parent
        for joint in moved:
            parent = ROTATION_TABLE[joint][0]
            before = np.linalg.norm(kp[i, tracked, joint, :2] - kp[i, tracked, parent, :2], axis=1)
            after = np.linalg.norm(out[j, tracked, joint, :2] - out[j, tracked, parent, :2], axis=1)
            np.testing.assert_allclose(after, before, atol=1e-3)


def test_an_undetected_joint_stays_where_it_is():
    kp, mask = clips(n=1)
    kp[0, 5, 7, 2] = 0.0  # the left elbow is not seen at frame 5
    elbow = SkeletonRotation()
    out, _, _ = augment_clips(kp, mask, lambda x, rng: elbow.apply(x, {7: 45.0}), seed=0)
    np.testing.assert_array_equal(out[0, 5, 7], kp[0, 5, 7])
    assert np.abs(out[0, 6, 7, :2] - kp[0, 6, 7, :2]).max() > 1e-3
    np.testing.assert_array_equal(out[0, 5, 9], kp[0, 5, 9])  # nor its wrist
    assert np.abs(out[0, 6, 9, :2] - kp[0, 6, 9, :2]).max() > 1e-3


def test_temporal_cutting_only_leaves_frames_out():
    kp, mask = clips(n=4)
    aug = dict(type='TemporalCutting', p=0.5, min_frames=4)
    out, out_mask, source = augment_clips(kp, mask, aug, copies=50, seed=3)
    assert not (out_mask & ~mask[source]).any()  # only tracked frames can stay
    np.testing.assert_array_equal(out[out_mask], kp[source][out_mask])  # kept: unchanged
    np.testing.assert_array_equal(out[~out_mask], 0)  # cut: empty, like untracked frames
    kept = out_mask.sum(axis=1)
    assert kept.min() >= 4
    # 12 tracked frames each cut with probability 0.5 (at least 4 kept): measured 0.50
    assert kept.sum() / (12 * len(kept)) == pytest.approx(0.5, abs=0.04)


def test_draws_are_seeded_per_clip_and_copy():
    kp, mask = clips(n=3)
    aug = dict(type='SpatioTemporalAugmentation', rotation=dict(p=0.5),
               cutting=dict(p=0.5, min_frames=4))
    a = augment_clips(kp, mask, aug, copies=2, seed=1, keys=[10, 11, 12])
    b = augment_clips(kp, mask, aug, copies=2, seed=1, keys=[10, 11, 12])
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # clip 12 alone gets the same copies as in the batch
    alone = augment_clips(kp[2:], mask[2:], aug, copies=2, seed=1, keys=[12])
    np.testing.assert_array_equal(alone[0], a[0][4:])
    np.testing.assert_array_equal(alone[1], a[1][4:])
    other = augment_clips(kp, mask, aug, copies=2, seed=2, keys=[10, 11, 12])
    assert np.abs(other[0] - a[0]).max() > 1.0
    assert not np.array_equal(a[0][0], a[0][1])  # two copies of a clip differ


def test_the_batched_path_equals_one_call_per_clip():
    kp, mask = clips(n=5)
    kp[1, 4:9, 11, 2] = 0.0  # a hip missing for a while
    mask[3, :7] = False
    aug = build_augmenter(dict(type='SpatioTemporalAugmentation', rotation=dict(p=0.5),
                               cutting=dict(p=0.5, min_frames=4)))
    batched = augment_clips(kp, mask, aug, copies=3, seed=4)
    one_by_one = augment_clips(kp, mask, lambda x, rng: aug(x, rng), copies=3, seed=4)
    np.testing.assert_allclose(batched[0], one_by_one[0], atol=1e-4)
    np.testing.assert_array_equal(batched[1], one_by_one[1])
    np.testing.assert_array_equal(batched[2], one_by_one[2])


def test_augment_clips_checks_its_input():
    kp, mask = clips(n=2)
    with pytest.raises(ValueError, match=r'\[N, T, 17, 3\]'):
        augment_clips(kp[..., :2], mask, dict(type='TemporalCutting'))
    with pytest.raises(ValueError, match='mask'):
        augment_clips(kp, mask[:, :5], dict(type='TemporalCutting'))
    with pytest.raises(ValueError, match='copies'):
        augment_clips(kp, mask, dict(type='TemporalCutting'), copies=0)
    with pytest.raises(ValueError, match='keys'):
        augment_clips(kp, mask, dict(type='TemporalCutting'), keys=[0])
    with pytest.raises(ConfigError, match='AUGMENTERS'):
        augment_clips(kp, mask, 'rotate please')


# -- re-encoding -----------------------------------------------------------------------
@pytest.fixture(scope='module')
def store(tmp_path_factory):
    """A real store: the generated world parsed with the built-in backends (poses from
    the world's skeletons, SkeletonKinematics motion), as tools/extract_features.py does
    for each video."""
    from mmengine.config import Config

    from tests.conftest import REPO_ROOT
    from vadkit.parsing.extract import extract_features
    from vadkit.utils.setup_env import register_all_modules
    register_all_modules()
    world = write_tiny_world(str(tmp_path_factory.mktemp('ma_world')), test_videos=1)
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'parsing', 'builtin_synthetic.py'))
    parser_cfg = cfg.parser.to_dict()
    parser_cfg.update(tube_builder=None, clip_extractor=None)  # not needed here
    out, _ = extract_features(parser_cfg, dict(cfg.videos), world,
                              str(tmp_path_factory.mktemp('ma_store')), progress=False)
    return out


def _motion_extractor(store):
    from vadkit.registry import EXTRACTORS
    return EXTRACTORS.build(store.manifest['config']['object_extractors']['motion'])


def test_reencoding_an_unaugmented_clip_reproduces_the_store(store):
    extractor = _motion_extractor(store)
    checked = described = 0
    for video in store.videos():
        arrays = store.read(video, ['objects_index', 'objects_motion'])
        index = np.asarray(arrays['objects_index'])
        rows = np.flatnonzero(index[:, 5]) if len(index) else []
        if not len(rows):
            continue
        clips_ = read_store_clips(store, video, rows)
        assert (clips_['track_lengths'] > 10).all()  # motion-valid: long tracklets
        motion = encode_motion(extractor, clips_['keypoints'], clips_['mask'], clips_['boxes'],
                               clips_['info'], clips_['starts'], clips_['track_lengths'],
                               clips_['track_ids'])
        stored = np.asarray(arrays['objects_motion'])[rows]
        np.testing.assert_array_equal(motion, stored)
        checked += len(rows)
        described += int(stored[:, -1].sum())  # 'valid': enough posed frames
    assert checked >= 10 and described >= 5


def test_an_augmented_clip_is_encoded_anew(store):
    extractor = _motion_extractor(store)
    video = store.videos()[0]
    index = np.asarray(store.read(video, ['objects_index'])['objects_index'])
    stored = np.asarray(store.read(video, ['objects_motion'])['objects_motion'])
    rows = [r for r in np.flatnonzero(index[:, 5]) if stored[r, -1] == 1][:2]
    names = list(extractor.feature_names)
    rotation = dict(type='SkeletonRotation', p=1.0, ranges={13: (60, 60), 14: (60, 60)})
    motion, source = augment_store_video(store, video, rows, [5, 9], rotation, extractor,
                                         copies=2, seed=0)
    assert motion.shape == (4, extractor.dim) and source.tolist() == [5, 5, 9, 9]
    for m, r in zip(motion, np.repeat(rows, 2)):
        # the knees turned by 60 degrees about the hips (and the ankles with them): the
        # thighs point elsewhere; the box and its motion are the source's
        thigh = names.index('limb_left_thigh_dx')
        assert abs(m[thigh] - stored[r, thigh]) > 0.2
        centre = names.index('centre_speed_mean')
        assert m[centre] == pytest.approx(stored[r, centre], abs=1e-6)
        assert m[-1] == 1.0


def test_a_frame_reading_extractor_is_refused():
    from vadkit.registry import EXTRACTORS
    appearance = EXTRACTORS.build(dict(type='ColorHOGAppearance'))
    assert extractor_needs_frames(appearance)
    assert not extractor_needs_frames(EXTRACTORS.build(dict(type='SkeletonKinematics')))
    kp, mask = clips(n=1)
    info = VideoInfo('v', 64, 320, 240)
    with pytest.raises(ConfigError, match='ColorHOGAppearance reads the clip frames'):
        encode_motion(appearance, kp, mask, np.zeros((1, 16, 4), np.float32), info)


def test_track_lengths_default_to_long_enough():
    from vadkit.registry import EXTRACTORS
    kinematics = EXTRACTORS.build(dict(type='SkeletonKinematics'))
    kp, mask = clips(n=1)
    boxes = np.zeros((1, 16, 4), np.float32)
    boxes[0, :, 2:] = [80, 90]
    info = VideoInfo('v', 64, 320, 240)
    assert LONG_TRACK > 10
    long_enough = encode_motion(kinematics, kp, mask, boxes, info)
    assert long_enough[0, -1] == 1.0
    short = encode_motion(kinematics, kp, mask, boxes, info, track_lengths=[10])
    np.testing.assert_array_equal(short, 0)  # the parser's rule: more than 10 frames


def test_track_lengths_count_the_tracks_rows():
    tracks = np.array([[0, 3, 0, 0, 0, 1, 1, 1], [1, 3, 0, 0, 0, 1, 1, 1],
                       [0, 7, 0, 0, 0, 1, 1, 1], [2, 3, 0, 0, 0, 1, 1, 1]], np.float32)
    assert track_lengths_of(tracks, [3, 7, 9, 3]).tolist() == [3, 1, 0, 3]
    assert track_lengths_of(np.zeros((0, 8)), [1]).tolist() == [0]


def test_score_motion_batches_the_stream_errors():
    class SquaredNorm:
        calls = []

        def stream_errors(self, stream, scene, feature):
            self.calls.append((stream, len(feature)))
            return ((feature - scene[:, :1]) ** 2).sum(dim=1)

    model = SquaredNorm()
    scene = np.arange(10, dtype=np.float32)[:, None].repeat(2, 1)
    features = np.ones((10, 3), np.float32)
    errors = score_motion(model, scene, features, batch_size=4)
    np.testing.assert_allclose(errors, 3 * (1 - np.arange(10)) ** 2)
    assert model.calls == [('motion', 4), ('motion', 4), ('motion', 2)]


# -- the split ---------------------------------------------------------------------------
def test_split_by_error_on_hand_made_errors():
    errors = np.array([1.0, 2.0, 3.0, 5.0, 9.0, 10.0, 11.0])
    # normalised: 0, 0.1, 0.2, 0.4, 0.8, 0.9, 1
    np.testing.assert_allclose(normalise_errors(errors), [0, 0.1, 0.2, 0.4, 0.8, 0.9, 1])
    labels = split_by_error(errors)
    assert labels.dtype == np.int8
    assert labels.tolist() == [0, 0, 0, -1, 1, 1, 1]
    assert split_by_error(3 * errors + 7).tolist() == labels.tolist()  # scale-free
    assert split_by_error(errors, 0.05, 0.95).tolist() == [0, -1, -1, -1, -1, -1, 1]
    assert split_by_error(errors, 0.0, 1.0).tolist() == [0, -1, -1, -1, -1, -1, 1]
    assert label_counts(labels) == dict(normal=3, abnormal=3, dropped=1)
    assert split_by_error(np.zeros(0)).tolist() == []


def test_split_thresholds_are_checked():
    for t_norm, t_abn in ((0.5, 0.5), (0.8, 0.2), (-0.1, 0.8), (0.2, 1.1)):
        with pytest.raises(ValueError, match='0 <= t_norm < t_abn <= 1'):
            split_by_error([1.0, 2.0], t_norm, t_abn)
    with pytest.raises(ValueError, match='NaN'):
        split_by_error([1.0, np.nan])


def test_constant_errors_are_all_normal_and_say_why():
    with pytest.warns(UserWarning, match='all 4 reconstruction errors equal 2.5'):
        labels = split_by_error(np.full(4, 2.5))
    assert labels.tolist() == [0, 0, 0, 0]


# -- the classifier ----------------------------------------------------------------------
def test_classifier_shapes_and_the_supplements_sizes():
    net = MotionAugClassifier()
    assert (net.fc1.in_features, net.fc1.out_features) == (512, 32)
    assert (net.fc2.in_features, net.fc2.out_features) == (32, 2)
    assert net.dropout.p == 0.6
    assert sum(p.numel() for p in net.parameters()) == 512 * 32 + 32 + 32 * 2 + 2
    x = torch.randn(5, 512)
    assert net(x).shape == (5, 2)
    prob = net.anomaly_probability(x)
    assert prob.shape == (5, ) and ((prob > 0) & (prob < 1)).all()
    net.eval()
    np.testing.assert_allclose(prob, torch.softmax(net(x), 1)[:, 1].detach(), rtol=1e-6)
    assert net.anomaly_probability(x.numpy()).shape == (5, )
    with pytest.raises(ValueError, match=r'\[B, 512\]'):
        net(torch.randn(5, 176))
    for bad in (dict(in_channels=0), dict(hidden_channels=0), dict(num_classes=1),
                dict(dropout=1.0), dict(dropout=-0.1)):
        with pytest.raises(ValueError):
            MotionAugClassifier(**bad)


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    net = MotionAugClassifier(in_channels=8)
    x = torch.randn(64, 8)
    net.train()
    a, b = net(x), net(x)
    assert (a - b).abs().max() > 1e-3  # a fresh dropout mask each call
    hidden = net.dropout(net.relu(net.fc1(x)))
    zeros = (hidden == 0).float().mean().item()
    positive = (net.relu(net.fc1(x)) > 0).float().mean().item()
    # 60 % of the units are dropped on top of the ReLU's zeros: measured on 2048 units
    assert 1 - zeros == pytest.approx(0.4 * positive, abs=0.05)
    p1, p2 = net.anomaly_probability(x), net.anomaly_probability(x)
    torch.testing.assert_close(p1, p2)  # eval mode inside, no dropout
    assert net.training  # and the mode is given back
    net.eval()
    torch.testing.assert_close(net(x), net(x))


def toy_set(n: int = 400, dim: int = 16, seed: int = 0):
    """Two Gaussian blobs 4 standard deviations apart along a fixed direction; ``seed``
    draws the samples."""
    direction = np.random.default_rng(1234).normal(size=dim)
    direction /= np.linalg.norm(direction)
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.int8)
    x = rng.normal(size=(n, dim)) + 4.0 * y[:, None] * direction
    return x.astype(np.float32), y


def test_the_classifier_learns_a_separable_toy_set():
    x, y = toy_set()
    torch.manual_seed(1)
    net = MotionAugClassifier(in_channels=16)
    losses = train_classifier(net, x, y, epochs=30, lr=1e-2, batch_size=64, seed=0)
    assert len(losses) == 30 and losses[-1] < 0.5 * losses[0]
    assert not net.training
    xt, yt = toy_set(seed=1)  # the same blobs, fresh samples
    accuracy = ((net.anomaly_probability(xt) > 0.5).numpy() == yt).mean()
    assert accuracy > 0.95


def test_training_is_seeded_ignores_dropped_samples_and_keeps_the_global_rng():
    x, y = toy_set(n=200)
    garbage = np.random.default_rng(3).normal(size=(50, 16)).astype(np.float32) * 100
    xs = np.concatenate([x, garbage])
    ys = np.concatenate([y, np.full(50, -1, np.int8)])

    def run(features, labels, seed=0):
        torch.manual_seed(5)
        net = MotionAugClassifier(in_channels=16)
        return train_classifier(net, features, labels, epochs=5, seed=seed), net

    first, net_a = run(x, y)
    second, net_b = run(xs, ys)  # the -1 samples change nothing
    assert first == second
    torch.testing.assert_close(net_a.fc1.weight, net_b.fc1.weight)
    assert run(x, y, seed=1)[0] != first
    torch.manual_seed(5)
    MotionAugClassifier(in_channels=16)
    expected = torch.rand(3)
    torch.manual_seed(5)
    net = MotionAugClassifier(in_channels=16)
    train_classifier(net, x, y, epochs=2)
    torch.testing.assert_close(torch.rand(3), expected)  # the global stream went on as is


def test_a_missing_class_is_refused():
    x, y = toy_set(n=20)
    y[:] = 0
    y[:3] = -1
    with pytest.raises(DataError, match=r'no abnormal sample \(label 1\) among the 17'):
        train_classifier(MotionAugClassifier(in_channels=16), x, y)
    with pytest.raises(DataError, match='no normal sample'):
        train_classifier(MotionAugClassifier(in_channels=16), x, np.ones(20, np.int8))
    with pytest.raises(ValueError, match='labels must be 0, 1 or -1'):
        train_classifier(MotionAugClassifier(in_channels=16), x, np.full(20, 2))


def test_balanced_weights_lift_a_rare_class():
    """95 normal and 5 abnormal per 100, overlapping (0.75 apart in each of 4 dimensions):
    plain cross-entropy answers normal (measured recall 0.0); the class-balanced loss finds
    most of the abnormal samples (0.80)."""
    rng = np.random.default_rng(0)
    n = 2000
    y = (rng.random(n) < 0.05).astype(np.int8)
    x = (rng.normal(size=(n, 4)) + 0.75 * y[:, None]).astype(np.float32)
    recall = {}
    for balanced in (False, True):
        torch.manual_seed(0)
        net = MotionAugClassifier(in_channels=4, dropout=0.0)
        train_classifier(net, x, y, epochs=20, lr=1e-2, balanced=balanced)
        predicted = (net.anomaly_probability(x) > 0.5).numpy()
        recall[balanced] = predicted[y == 1].mean()
    assert recall[False] < 0.1 and recall[True] > 0.7
