"""Tracking measures: identity scores (ID-F1), CLEAR MOT and track lengths, on hand-checked
track tables."""
import itertools
import math

import numpy as np
import pytest

from vadkit.evaluation.functional.tracking import (check_track_table, clear_mot, id_scores,
                                                   track_length_stats, tracklets_to_table)
from vadkit.parsing.base import Tracklet
from vadkit.structures.boxes import box_iou
from vadkit.utils.errors import DataError

BOX = (0.0, 0.0, 10.0, 10.0)
# shifted by 2.5 px: intersection 75, union 125, IoU 0.6
NEAR = (2.5, 0.0, 12.5, 10.0)
FAR = (50.0, 50.0, 60.0, 60.0)


def table(*rows) -> np.ndarray:
    return np.array(rows, np.float64).reshape(-1, 6)


def track(track_id: int, frames, box=BOX) -> list:
    return [(f, track_id, *box) for f in frames]


# ---------------------------------------------------------------- identity scores


def test_perfect_tracking_scores_one():
    gt = table(*track(1, range(8)), *track(2, range(3, 9), FAR))
    pred = table(*track(40, range(8)), *track(7, range(3, 9), FAR))  # ids need not agree
    s = id_scores(gt, pred)
    assert (s['idtp'], s['idfp'], s['idfn']) == (14, 0, 0)
    assert s['idf1'] == s['idp'] == s['idr'] == 1.0
    assert (s['num_gt_tracks'], s['num_pred_tracks']) == (2, 2)
    m = clear_mot(gt, pred)
    assert m['mota'] == 1.0 and m['motp'] == 1.0
    assert (m['num_switches'], m['num_fragmentations'], m['fp'], m['fn'], m['num_gt'],
            m['num_matches']) == (0, 0, 0, 0, 14, 14)


def test_one_track_split_in_two_halves():
    gt = table(*track(1, range(10)))
    pred = table(*track(1, range(5)), *track(2, range(5, 10)))
    s = id_scores(gt, pred)
    # the best one-to-one match covers 5 frames: 5 ground-truth and 5 predicted boxes left
    assert (s['idtp'], s['idfn'], s['idfp']) == (5, 5, 5)
    assert s['idf1'] == 0.5 and s['idp'] == 0.5 and s['idr'] == 0.5
    m = clear_mot(gt, pred)
    assert m['num_switches'] == 1 and m['num_fragmentations'] == 0
    assert (m['fp'], m['fn']) == (0, 0)
    assert m['mota'] == pytest.approx(1 - 1 / 10)


def test_spurious_predicted_track_lowers_precision_only():
    gt = table(*track(1, range(10)))
    pred = table(*track(1, range(10)), *track(2, range(4), FAR))
    s = id_scores(gt, pred)
    assert (s['idtp'], s['idfp'], s['idfn']) == (10, 4, 0)
    assert s['idp'] == pytest.approx(10 / 14)  # 1.0 without the spurious track
    assert s['idr'] == 1.0
    assert s['idf1'] == pytest.approx(20 / 24)
    m = clear_mot(gt, pred)
    assert m['fp'] == 4 and m['mota'] == pytest.approx(1 - 4 / 10)


def test_identity_matching_is_optimal_not_greedy():
    # pred 1 covers gt 1 for 6 frames and gt 2 for 5; pred 2 covers gt 1 for 4 frames:
    # greedy (gt 1 - pred 1) gives 6, the optimum (gt 1 - pred 2, gt 2 - pred 1) gives 9
    gt = table(*track(1, range(10)), *track(2, range(10, 15), FAR))
    pred = table(*track(1, range(6)), *track(2, range(6, 10)), *track(1, range(10, 15), FAR))
    s = id_scores(gt, pred)
    assert (s['idtp'], s['idfp'], s['idfn']) == (9, 6, 6)
    assert s['idf1'] == pytest.approx(18 / 30)


def test_iou_threshold_is_inclusive():
    gt = table(*track(1, range(3)))
    pred = table(*track(5, range(3), NEAR))  # IoU 0.6
    assert id_scores(gt, pred, iou_threshold=0.6)['idtp'] == 3
    assert id_scores(gt, pred, iou_threshold=0.61)['idtp'] == 0
    assert clear_mot(gt, pred, iou_threshold=0.6)['num_matches'] == 3
    m = clear_mot(gt, pred, iou_threshold=0.61)
    assert (m['num_matches'], m['fp'], m['fn'], m['mota']) == (0, 3, 3, -1.0)


def test_empty_inputs():
    empty = np.zeros((0, 6))
    s = id_scores(empty, np.array([]))
    assert (s['idtp'], s['idfp'], s['idfn']) == (0, 0, 0)
    assert all(math.isnan(s[k]) for k in ('idf1', 'idp', 'idr'))
    m = clear_mot(empty, empty)
    assert math.isnan(m['mota']) and math.isnan(m['motp']) and m['num_gt'] == 0

    gt = table(*track(1, range(4)))
    s = id_scores(gt, empty)
    assert (s['idf1'], s['idr'], s['idfn']) == (0.0, 0.0, 4) and math.isnan(s['idp'])
    m = clear_mot(gt, empty)
    assert (m['mota'], m['fn'], m['fp']) == (0.0, 4, 0) and math.isnan(m['motp'])

    s = id_scores(empty, gt)
    assert (s['idf1'], s['idp'], s['idfp']) == (0.0, 0.0, 4) and math.isnan(s['idr'])
    m = clear_mot(empty, gt)
    assert m['fp'] == 4 and math.isnan(m['mota'])


def test_id_scores_match_a_brute_force_count():
    rng = np.random.default_rng(3)
    rows = []
    for name in ('gt', 'pred'):
        ids = rng.integers(0, 5, 60)
        frames = rng.integers(0, 12, 60)
        keep = np.unique(np.column_stack([frames, ids]), axis=0, return_index=True)[1]
        xy = rng.integers(0, 4, (60, 2)) * 4.0
        rows.append(np.column_stack([frames, ids, xy, xy + 10])[keep])
    gt, pred = rows
    gt_ids, pred_ids = np.unique(gt[:, 1]), np.unique(pred[:, 1])
    overlap = np.zeros((len(gt_ids), len(pred_ids)), np.int64)
    for g, p in itertools.product(gt, pred):  # every pair of rows, once
        if g[0] == p[0] and box_iou(g[2:], p[2:])[0, 0] >= 0.5:
            overlap[np.searchsorted(gt_ids, g[1]), np.searchsorted(pred_ids, p[1])] += 1
    size = max(overlap.shape)  # pad to square: a zero column is "no match"
    square = np.zeros((size, size), np.int64)
    square[:overlap.shape[0], :overlap.shape[1]] = overlap
    best = max(square[np.arange(size), list(perm)].sum()
               for perm in itertools.permutations(range(size)))
    s = id_scores(gt, pred)
    assert best > 0
    assert s['idtp'] == best
    assert s['idfn'] == len(gt) - best and s['idfp'] == len(pred) - best


# ---------------------------------------------------------------- CLEAR MOT


def test_previous_match_is_kept_while_valid():
    gt = table(*track(1, range(6)))
    pred = table(*track(1, range(5), NEAR),  # IoU 0.6, frames 0-4
                 *track(2, range(3, 6)))  # IoU 1.0, frames 3-5
    m = clear_mot(gt, pred)
    # frames 3, 4 keep (gt 1, pred 1) although pred 2 fits better: pred 2 is a false
    # positive there; at frame 5 pred 1 is gone and gt 1 switches to pred 2
    assert (m['num_matches'], m['fp'], m['fn'], m['num_switches']) == (6, 2, 0, 1)
    assert m['motp'] == pytest.approx((5 * 0.6 + 1.0) / 6)
    assert m['mota'] == pytest.approx(1 - (2 + 1) / 6)


def test_switch_is_against_the_last_match_and_fragmentations():
    gt = table(*track(1, range(8)))
    # same predicted id after a 2-frame gap: no switch, one fragmentation
    m = clear_mot(gt, table(*track(1, [0, 1, 2, 5, 6, 7])))
    assert (m['num_switches'], m['num_fragmentations'], m['fn']) == (0, 1, 2)
    # another id after the gap: a switch too (the last match was 2 frames before)
    m = clear_mot(gt, table(*track(1, [0, 1, 2]), *track(2, [5, 6, 7])))
    assert (m['num_switches'], m['num_fragmentations'], m['fn']) == (1, 1, 2)
    assert m['mota'] == pytest.approx(1 - (2 + 1) / 8)
    # two gaps, the track unmatched at its end: fragmentations count resumed runs only
    m = clear_mot(gt, table(*track(1, [0, 2, 4, 5])))
    assert m['num_fragmentations'] == 2


def test_continuity_only_from_the_previous_frame():
    # gt 1 is unannotated at frame 1, so at frame 2 it is matched afresh: the Hungarian
    # step prefers pred 2 (IoU 1) to its last match pred 1 (IoU 0.6) -> one switch
    gt = table(*track(1, [0, 2]), *track(9, [1], FAR))
    pred = table(*track(1, [0, 1, 2], NEAR), *track(2, [2]))
    m = clear_mot(gt, pred)
    assert (m['num_matches'], m['num_switches'], m['fp'], m['fn']) == (2, 1, 2, 1)


def test_two_tracks_swapping_ids():
    gt = table(*track(1, range(6)), *track(2, range(6), FAR))
    pred = table(*track(1, range(3)), *track(2, range(3, 6)),
                 *track(2, range(3), FAR), *track(1, range(3, 6), FAR))
    m = clear_mot(gt, pred)
    assert m['num_switches'] == 2 and m['mota'] == pytest.approx(1 - 2 / 12)
    s = id_scores(gt, pred)
    assert (s['idtp'], s['idf1']) == (6, 0.5)


# ---------------------------------------------------------------- lengths, tables, checks


def test_track_length_stats():
    s = track_length_stats(table(*track(3, range(5)), *track(1, [0, 9]), *track(8, [4])))
    assert s == dict(num_tracks=3, num_rows=8, mean_length=8 / 3, median_length=2.0,
                     min_length=1.0, max_length=5.0)
    empty = track_length_stats(np.zeros((0, 7)))
    assert empty['num_tracks'] == 0 and math.isnan(empty['median_length'])


def test_tracklets_to_table():
    tracklets = [Tracklet(2, 'person', np.array([4, 5]), np.array([BOX, FAR]),
                          np.array([0.9, 0.0])),
                 Tracklet(7, 'car', np.array([1]), np.array([NEAR]), np.array([1.0]))]
    out = tracklets_to_table(tracklets)
    np.testing.assert_array_equal(out, [[4, 2, *BOX, 0.9], [5, 2, *FAR, 0.0],
                                        [1, 7, *NEAR, 1.0]])
    assert tracklets_to_table([]).shape == (0, 7)
    assert id_scores(out, out)['idf1'] == 1.0  # extra columns are ignored


@pytest.mark.parametrize('bad, message', [
    (np.zeros((3, 5)), 'R x 6'),
    (table((0, 1, 0, 0, np.nan, 1)), 'NaN'),
    (table((0.5, 1, 0, 0, 1, 1)), 'integers'),
    (table((0, 1, *BOX), (0, 1, *FAR)), '1 \\(frame, track_id\\) pairs appear more than once'),
])
def test_malformed_tables_are_refused(bad, message):
    with pytest.raises(DataError, match='prediction: .*' + message):
        id_scores(table(*track(1, [0])), bad)
    with pytest.raises(DataError, match='ground truth: .*' + message):
        clear_mot(bad, table(*track(1, [0])))
    with pytest.raises(DataError, match=message):
        check_track_table(bad)


@pytest.mark.parametrize('threshold', [0.0, 1.5])
def test_bad_iou_threshold(threshold):
    with pytest.raises(ValueError, match='iou_threshold'):
        id_scores(table(), table(), iou_threshold=threshold)
    with pytest.raises(ValueError, match='iou_threshold'):
        clear_mot(table(), table(), iou_threshold=threshold)
