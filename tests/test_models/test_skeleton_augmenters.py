"""HSC's skeleton augmentation (Eq. 7, supplement Table 1) on hand-made skeletons."""
import numpy as np
import pytest

from vadkit.models.augmenters import (ROTATION_TABLE, SkeletonRotation,
                                      SpatioTemporalAugmentation, TemporalCutting, rotate_about)
from vadkit.registry import AUGMENTERS


def skeleton(frames: int = 1) -> np.ndarray:
    """A standing person: every keypoint seen (score 1) at distinct positions."""
    xy = np.array([[50, 10], [48, 8], [52, 8], [46, 9], [54, 9],      # head 0-4
                   [44, 20], [56, 20], [42, 32], [58, 32], [41, 44], [59, 44],  # arms
                   [46, 50], [54, 50], [46, 65], [54, 65], [46, 80], [54, 80]], float)
    out = np.concatenate([xy, np.ones((17, 1))], axis=1)
    return np.repeat(out[None], frames, axis=0)


def test_eq7_rotates_row_vectors_by_the_printed_matrix():
    # (1, 0) about the origin by 90 degrees: (1, 0) @ [[0, 1], [-1, 0]] = (0, 1)
    np.testing.assert_allclose(rotate_about(np.array([1.0, 0.0]), np.zeros(2), 90),
                               [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(rotate_about(np.array([[3.0, 2.0]]), np.array([2.0, 2.0]), 180),
                               [[1.0, 2.0]], atol=1e-12)


def test_the_table_of_the_supplement():
    assert sorted(ROTATION_TABLE) == list(range(5, 17))  # never the head (0-4)
    assert ROTATION_TABLE[5] == (3, (7, 9), (-10.0, 10.0))
    assert ROTATION_TABLE[9] == (7, (), (0.0, 90.0))
    assert ROTATION_TABLE[15] == (13, (), (-90.0, 0.0))
    for key, (parent, descendants, _) in ROTATION_TABLE.items():
        assert parent < key and all(d > key for d in descendants)  # parents first


def test_an_elbow_turns_with_its_wrist_about_the_shoulder():
    rotation = SkeletonRotation()
    before = skeleton(2)
    after = rotation.apply(before, {7: 90.0})
    shoulder = before[0, 5, :2]
    # elbow (42, 32) - shoulder (44, 20) = (-2, 12) -> (-12, -2) after 90 degrees
    np.testing.assert_allclose(after[:, 7, :2], [[32, 18]] * 2, atol=1e-5)
    # wrist (41, 44) - shoulder = (-3, 24) -> (-24, -3)
    np.testing.assert_allclose(after[:, 9, :2], [shoulder + (-24, -3)] * 2, atol=1e-5)
    untouched = [k for k in range(17) if k not in (7, 9)]
    np.testing.assert_array_equal(after[:, untouched], before[:, untouched])
    # lengths to the shoulder are kept
    assert np.linalg.norm(after[0, 9, :2] - shoulder) == pytest.approx(
        np.linalg.norm(before[0, 9, :2] - shoulder), abs=1e-5)


def test_chained_rotations_go_parents_first():
    """Hip (11) about the shoulder by 10, then knee (13) about the moved hip by -90."""
    rotation = SkeletonRotation()
    out = rotation.apply(skeleton(), {11: 10.0, 13: -90.0})
    step = rotation.apply(skeleton(), {11: 10.0})
    hip = step[0, 11, :2]
    expected_knee = rotate_about(step[0, 13, :2], hip, -90.0)
    np.testing.assert_allclose(out[0, 13, :2], expected_knee, atol=1e-5)
    np.testing.assert_allclose(out[0, 11, :2], hip, atol=1e-5)


def test_undetected_joints_are_not_moved():
    kp = skeleton(2)
    kp[0, 5, 2] = 0.0  # the shoulder is missing in frame 0: the elbow cannot turn there
    out = SkeletonRotation().apply(kp, {7: 45.0})
    np.testing.assert_array_equal(out[0, 7], kp[0, 7])
    assert not np.allclose(out[1, 7, :2], kp[1, 7, :2])


def test_draws_follow_p_and_the_ranges():
    rng = np.random.default_rng(0)
    rotation = SkeletonRotation(p=0.5)
    draws = [rotation.draw(rng) for _ in range(2000)]
    chosen = np.mean([len(d) for d in draws]) / 12
    assert chosen == pytest.approx(0.5, abs=0.02)
    wrist = [d[9] for d in draws if 9 in d]
    ankle = [d[15] for d in draws if 15 in d]
    assert min(wrist) >= 0 and max(wrist) <= 90 and min(ankle) >= -90 and max(ankle) <= 0
    assert SkeletonRotation(p=0.0).draw(rng) == {}
    assert len(SkeletonRotation(p=1.0).draw(rng)) == 12
    narrow = SkeletonRotation(p=1.0, ranges={7: (5, 5)})
    assert narrow.draw(rng)[7] == 5.0
    with pytest.raises(ValueError, match='ranges'):
        SkeletonRotation(ranges={2: (0, 1)})


def test_temporal_cutting_drops_frames_with_p():
    cutting = TemporalCutting(p=0.5)
    rng = np.random.default_rng(1)
    kept = [len(cutting.keep(100, rng)) for _ in range(200)]
    assert np.mean(kept) == pytest.approx(50, abs=2)
    kp = skeleton(16)
    kp[:, :, 0] += np.arange(16)[:, None]  # frame number in x
    out, index = cutting(kp, np.random.default_rng(3))
    np.testing.assert_array_equal(out, kp[index].astype(np.float32))
    assert (np.diff(index) > 0).all() and len(index) < 16
    always = TemporalCutting(p=0.99, min_frames=4)
    assert len(always.keep(10, np.random.default_rng(0))) == 4
    assert len(always.keep(2, np.random.default_rng(0))) == 2


def test_spatio_temporal_augmentation_is_reproducible_and_registered():
    aug = AUGMENTERS.build(dict(type='SpatioTemporalAugmentation', rotation=dict(p=0.5),
                                cutting=dict(p=0.5)))
    assert isinstance(aug, SpatioTemporalAugmentation)
    a = aug(skeleton(16), np.random.default_rng(5))
    b = aug(skeleton(16), np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape == (len(a[1]), 17, 3)
    with pytest.raises(ValueError, match=r'\[T, 17, 3\]'):
        aug(np.zeros((4, 17, 2)), np.random.default_rng(0))
