from typing import Dict, List, Tuple

import numpy as np
import pytest

from vadkit.evaluation.functional.region_metrics import (check_region_inputs, fpr_curve_area,
                                                         region_track_detection)
from vadkit.utils.errors import DataError

BOX = (0.0, 0.0, 10.0, 10.0)  # area 100
FAR = (50.0, 50.0, 60.0, 60.0)  # overlaps neither BOX nor the boxes near it


def rows(*items) -> np.ndarray:
    return np.array(items, dtype=np.float64).reshape(-1, 6)


def pred(frame: int, box, score: float) -> Tuple[float, ...]:
    return (frame, *box, score)


def gt(frame: int, track: int, box) -> Tuple[float, ...]:
    return (frame, track, *box)


# ---------------------------------------------------------------- hand-derived cases


def test_iou_exactly_at_beta_detects():
    # (0, 0, 1, 10) inside (0, 0, 10, 10): intersection 10, union 10 + 100 - 10 = 100,
    # IoU = 0.1 = beta -> detected, not a false positive
    res = region_track_detection({'v': rows(pred(0, (0, 0, 1, 10), 0.9))},
                                 {'v': rows(gt(0, 1, BOX))}, {'v': 1})
    np.testing.assert_array_equal(res.thresholds, [0.9])
    np.testing.assert_array_equal(res.fpr, [0.0])
    np.testing.assert_array_equal(res.region_rate, [1.0])
    np.testing.assert_array_equal(res.track_rate, [1.0])
    # curve (0, 0) -> (0, 1), extended flat to (1, 1): area 1
    assert res.rbdc == 1.0
    assert res.tbdc == 1.0
    assert isinstance(res.rbdc, float)


def test_iou_below_beta_is_a_false_positive():
    # (0, 0, 1, 9): intersection 9, union 9 + 100 - 9 = 100, IoU 0.09 < 0.1 -> the region
    # is missed and the prediction is 1 false positive in 1 frame: fpr 1, rate 0, area 0
    res = region_track_detection({'v': rows(pred(0, (0, 0, 1, 9), 0.9))},
                                 {'v': rows(gt(0, 1, BOX))}, {'v': 1})
    np.testing.assert_array_equal(res.fpr, [1.0])
    np.testing.assert_array_equal(res.region_rate, [0.0])
    assert res.rbdc == 0.0
    assert res.tbdc == 0.0
    # with beta = 0.09 the same prediction detects the region
    res = region_track_detection({'v': rows(pred(0, (0, 0, 1, 9), 0.9))},
                                 {'v': rows(gt(0, 1, BOX))}, {'v': 1}, beta=0.09)
    assert res.rbdc == 1.0


def _two_tracks(alpha: float):
    # track 1 = BOX in frames 0..9, track 2 = FAR in frames 0..9 (20 regions, 2 tracks);
    # one exact prediction on track 1 in frame 3
    truth = rows(*[gt(f, 1, BOX) for f in range(10)], *[gt(f, 2, FAR) for f in range(10)])
    return region_track_detection({'v': rows(pred(3, BOX, 0.5))}, {'v': truth}, {'v': 10},
                                  alpha=alpha)


def test_track_detected_in_one_of_ten_frames():
    res = _two_tracks(alpha=0.1)
    # regions: 1 of 20 detected; tracks: track 1 has 1/10 >= 0.1, track 2 has 0/10 -> 1 of 2
    np.testing.assert_array_equal(res.region_rate, [0.05])
    np.testing.assert_array_equal(res.track_rate, [0.5])
    np.testing.assert_array_equal(res.fpr, [0.0])
    # curves jump at fpr 0 and stay flat to 1: areas equal the rates
    assert res.rbdc == pytest.approx(0.05, abs=1e-15)
    assert res.tbdc == pytest.approx(0.5, abs=1e-15)
    # alpha 0.2 needs 2 of 10 regions: no track detected
    assert _two_tracks(alpha=0.2).tbdc == 0.0


def test_track_fraction_exactly_alpha_despite_rounding():
    # 30 regions, 3 detected: 3 / 30 == 0.1 is detected although 0.1 * 30 rounds to
    # 3.0000000000000004 in floating point
    truth = rows(*[gt(f, 7, BOX) for f in range(30)])
    hits = rows(*[pred(f, BOX, 0.8) for f in (0, 10, 20)])
    res = region_track_detection({'v': hits}, {'v': truth}, {'v': 30})
    np.testing.assert_array_equal(res.track_rate, [1.0])
    np.testing.assert_array_equal(res.region_rate, [0.1])
    # 2 hits: 2/30 < 0.1, track missed
    res = region_track_detection({'v': hits[:2]}, {'v': truth}, {'v': 30})
    np.testing.assert_array_equal(res.track_rate, [0.0])


def test_track_ids_are_per_video():
    # track id 1 in 'a' and in 'b' are two tracks; only the one in 'a' is hit
    truth = {'a': rows(gt(0, 1, BOX)), 'b': rows(gt(0, 1, BOX))}
    res = region_track_detection({'a': rows(pred(0, BOX, 1.0))}, truth, {'a': 1, 'b': 1})
    np.testing.assert_array_equal(res.track_rate, [0.5])


def test_false_positives_on_normal_video():
    # 'norm' has predictions but no ground-truth entry; test set has 4 + 6 = 10 frames
    preds = {'anom': rows(pred(0, BOX, 0.5)),
             'norm': rows(pred(0, BOX, 0.9), pred(1, BOX, 0.9), pred(2, FAR, 0.2))}
    res = region_track_detection(preds, {'anom': rows(gt(0, 1, BOX))}, {'anom': 4, 'norm': 6})
    # t = 0.9: 2 FP -> 0.2, region missed; t = 0.5: 2 FP, region hit; t = 0.2: 3 FP -> 0.3
    np.testing.assert_array_equal(res.thresholds, [0.9, 0.5, 0.2])
    np.testing.assert_allclose(res.fpr, [0.2, 0.2, 0.3], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(res.region_rate, [0.0, 1.0, 1.0])
    # (0,0) (0.2,0) (0.2,1) (0.3,1) then flat to (1,1): area 0.1 + 0.7 = 0.8
    assert res.rbdc == pytest.approx(0.8, abs=1e-15)
    assert res.tbdc == pytest.approx(0.8, abs=1e-15)


def test_overlapping_predictions():
    # A = (0,0,10,10) track 1 and B = (8,0,18,10) track 2 in one frame
    a, b = BOX, (8.0, 0.0, 18.0, 10.0)
    preds = rows(
        pred(0, (0, 0, 18, 10), 0.9),  # IoU 100/180 with A and with B: detects both
        pred(0, a, 0.7),  # IoU 1 with A: a second hit on A, a true positive, not a FP
        pred(0, FAR, 0.7),  # overlaps nothing: the only false positive
    )
    res = region_track_detection({'v': preds}, {'v': rows(gt(0, 1, a), gt(0, 2, b))}, {'v': 1})
    np.testing.assert_array_equal(res.thresholds, [0.9, 0.7])
    np.testing.assert_array_equal(res.region_rate, [1.0, 1.0])  # one box detects both
    np.testing.assert_array_equal(res.track_rate, [1.0, 1.0])
    np.testing.assert_array_equal(res.fpr, [0.0, 1.0])  # 1 FP per frame, not 2
    assert res.rbdc == 1.0


def test_area_two_thresholds_by_hand():
    # 2 frames, one region (own track) per frame; each threshold adds one hit and one FP
    preds = rows(pred(0, BOX, 0.9), pred(0, FAR, 0.9), pred(1, BOX, 0.4), pred(1, FAR, 0.4))
    truth = rows(gt(0, 1, BOX), gt(1, 2, BOX))
    res = region_track_detection({'v': preds}, {'v': truth}, {'v': 2})
    np.testing.assert_array_equal(res.fpr, [0.5, 1.0])  # 1 then 2 FP over 2 frames
    np.testing.assert_array_equal(res.region_rate, [0.5, 1.0])
    np.testing.assert_array_equal(res.track_rate, [0.5, 1.0])
    # (0,0) (0.5,0.5) (1,1): 0.5 * 0.25 + 0.5 * 0.75 = 0.5
    assert res.rbdc == pytest.approx(0.5, abs=1e-15)
    assert res.tbdc == pytest.approx(0.5, abs=1e-15)


def test_fpr_curve_area_by_hand():
    # (0,0) (0.5,0.4) (2,1) cut at 1: rate there 0.4 + 0.6 * 0.5 / 1.5 = 0.6;
    # area 0.5 * 0.4 / 2 + 0.5 * (0.4 + 0.6) / 2 = 0.1 + 0.25
    assert fpr_curve_area([0.5, 2.0], [0.4, 1.0]) == pytest.approx(0.35, abs=1e-15)
    # stops at 0.5: flat 0.4 to 1 -> 0.1 + 0.5 * 0.4 = 0.3
    assert fpr_curve_area([0.5], [0.4]) == pytest.approx(0.3, abs=1e-15)
    # a point exactly at max_fpr is kept as is: 0.1 + 0.5 * (0.4 + 1) / 2 = 0.45
    assert fpr_curve_area([0.5, 1.0, 3.0], [0.4, 1.0, 1.0]) == pytest.approx(0.45, abs=1e-15)
    assert fpr_curve_area([], []) == 0.0
    with pytest.raises(ValueError, match='non-decreasing'):
        fpr_curve_area([0.5, 0.2], [0.1, 0.2])
    with pytest.raises(ValueError, match='max_fpr'):
        fpr_curve_area([0.5], [0.1], max_fpr=0.0)


def test_curve_beyond_max_fpr_is_cut():
    # 2 frames; t = 0.9: 1 FP (fpr 0.5), region missed; t = 0.5: 4 FP (fpr 2), region hit
    preds = rows(pred(0, FAR, 0.9), pred(0, BOX, 0.5),
                 *[pred(1, FAR, 0.5) for _ in range(3)])
    args = ({'v': preds}, {'v': rows(gt(0, 1, BOX))}, {'v': 2})
    res = region_track_detection(*args)
    np.testing.assert_array_equal(res.fpr, [0.5, 2.0])
    np.testing.assert_array_equal(res.region_rate, [0.0, 1.0])
    # (0,0) (0.5,0) (2,1) cut at 1: rate 0.5 / 1.5 = 1/3; area 0.5 * (1/3) / 2 = 1/12
    assert res.rbdc == pytest.approx(1 / 12, abs=1e-15)
    # max_fpr 2: area 1.5 * 1 / 2 = 0.75, / 2 = 0.375
    assert region_track_detection(*args, max_fpr=2.0).rbdc == pytest.approx(0.375, abs=1e-15)
    # max_fpr 4: 0.75 + flat 2 * 1 = 2.75, / 4
    assert region_track_detection(*args, max_fpr=4.0).rbdc == pytest.approx(0.6875, abs=1e-15)


def test_no_predictions_and_empty_entries():
    truth = {'v': rows(gt(0, 1, BOX)), 'n': np.empty((0, 6))}
    res = region_track_detection({'n': np.empty((0, 6))}, truth, {'v': 1, 'n': 3})
    assert res.thresholds.size == 0
    assert res.rbdc == 0.0 and res.tbdc == 0.0


# ---------------------------------------------------------------- invalid inputs

GOOD_PRED = pred(0, BOX, 0.5)
GOOD_GT = gt(0, 1, BOX)


@pytest.mark.parametrize('preds, truth, frames, field', [
    ({'cam07': np.zeros((2, 5))}, {}, {'cam07': 3}, 'shape'),
    ({'cam07': rows(pred(0, BOX, np.nan))}, {}, {'cam07': 3}, 'score'),
    ({'cam07': rows(pred(0, (0, 0, np.inf, 10), 0.5))}, {}, {'cam07': 3}, 'x2'),
    ({'cam07': rows(pred(3, BOX, 0.5))}, {}, {'cam07': 3}, 'frame_index'),
    ({'cam07': rows(pred(-1, BOX, 0.5))}, {}, {'cam07': 3}, 'frame_index'),
    ({'cam07': rows(pred(1.5, BOX, 0.5))}, {}, {'cam07': 3}, 'frame_index'),
    ({'cam07': rows(GOOD_PRED, pred(0, (5, 0, 5, 10), 0.5))}, {}, {'cam07': 3}, 'x2'),
    ({}, {'cam07': rows(gt(0, 1, (0, 4, 10, 3)))}, {'cam07': 3}, 'y2'),
    ({}, {'cam07': rows(gt(0, np.nan, BOX))}, {'cam07': 3}, 'track_id'),
    ({}, {'cam07': rows(gt(0, 1.5, BOX))}, {'cam07': 3}, 'track_id'),
    ({}, {'cam07': rows(gt(9, 1, BOX))}, {'cam07': 3}, 'frame_index'),
    ({'cam07': rows(GOOD_PRED)}, {'v': rows(GOOD_GT)}, {'v': 3}, 'num_frames'),
    ({}, {'cam07': rows(GOOD_GT)}, {'v': 3}, 'num_frames'),
    ({}, {'v': rows(GOOD_GT)}, {'v': 3, 'cam07': 0}, 'num_frames'),
    ({}, {'v': rows(GOOD_GT)}, {'v': 3, 'cam07': 2.0}, 'num_frames'),
    ({'cam07': [['a'] * 6]}, {}, {'cam07': 3}, 'numeric'),
])
def test_invalid_inputs_name_video_and_field(preds, truth, frames, field):
    truth = dict(truth) or {'v': rows(GOOD_GT)}
    frames = {'v': 3, **frames}
    with pytest.raises(DataError, match=field) as info:
        region_track_detection(preds, truth, frames)
    message = str(info.value)
    assert 'cam07' in message and '\n' not in message


def test_no_ground_truth_and_bad_parameters():
    with pytest.raises(DataError, match='ground-truth'):
        region_track_detection({'v': rows(GOOD_PRED)}, {}, {'v': 1})
    args = ({'v': rows(GOOD_PRED)}, {'v': rows(GOOD_GT)}, {'v': 1})
    for kwargs in ({'alpha': 0.0}, {'alpha': 1.5}, {'beta': 0.0}, {'max_fpr': -1.0},
                   {'max_fpr': float('inf')}):
        with pytest.raises(ValueError):
            region_track_detection(*args, **kwargs)


def test_check_region_inputs_returns_float_arrays():
    preds, truth = check_region_inputs({'v': [list(GOOD_PRED)], 'n': []}, {'v': [GOOD_GT]},
                                       {'v': 1, 'n': 1})
    assert preds['v'].dtype == np.float64 and preds['v'].shape == (1, 6)
    assert preds['n'].shape == (0, 6) and truth['v'].shape == (1, 6)


# ---------------------------------------------------------------- brute-force reference


def _iou(p, g) -> float:
    iw = max(min(p[2], g[2]) - max(p[0], g[0]), 0.0)
    ih = max(min(p[3], g[3]) - max(p[1], g[1]), 0.0)
    inter = iw * ih
    union = (p[2] - p[0]) * (p[3] - p[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
    return inter / union


def _naive_area(fpr: List[float], rate: List[float], max_fpr: float) -> float:
    xs, ys = [0.0] + list(fpr), [0.0] + list(rate)
    area = 0.0
    for i in range(1, len(xs)):
        x0, y0, x1, y1 = xs[i - 1], ys[i - 1], xs[i], ys[i]
        if x1 > max_fpr:
            y_cut = y0 + (y1 - y0) * (max_fpr - x0) / (x1 - x0)
            return (area + (max_fpr - x0) * (y0 + y_cut) / 2) / max_fpr
        area += (x1 - x0) * (y0 + y1) / 2
    return (area + (max_fpr - xs[-1]) * ys[-1]) / max_fpr


def _naive(preds: Dict[str, np.ndarray], truth: Dict[str, np.ndarray],
           frames: Dict[str, int], alpha: float, beta: float, max_fpr: float):
    """Everything recomputed from scratch at every threshold, with plain loops."""
    all_scores = sorted({float(r[5]) for a in preds.values() for r in a}, reverse=True)
    n_regions = sum(len(a) for a in truth.values())
    n_tracks = sum(len({r[1] for r in a}) for a in truth.values())
    total_frames = sum(frames.values())
    fpr, region_rate, track_rate = [], [], []
    for t in all_scores:
        false_pos = detected_regions = detected_tracks = 0
        for video in frames:
            kept = [r for r in preds.get(video, np.empty((0, 6))) if r[5] >= t]
            regions = list(truth.get(video, np.empty((0, 6))))
            hit = [any(p[0] == g[0] and _iou(p[1:5], g[2:6]) >= beta for p in kept)
                   for g in regions]
            for p in kept:
                if all(_iou(p[1:5], g[2:6]) < beta for g in regions if g[0] == p[0]):
                    false_pos += 1
            detected_regions += sum(hit)
            for track in {g[1] for g in regions}:
                mine = [h for h, g in zip(hit, regions) if g[1] == track]
                if sum(mine) / len(mine) >= alpha:
                    detected_tracks += 1
        fpr.append(false_pos / total_frames)
        region_rate.append(detected_regions / n_regions)
        track_rate.append(detected_tracks / n_tracks)
    return (all_scores, fpr, region_rate, track_rate,
            _naive_area(fpr, region_rate, max_fpr), _naive_area(fpr, track_rate, max_fpr))


def _random_case(rng: np.random.Generator):
    frames = {'a': 12, 'b': 9, 'normal': 10}
    truth, preds = {}, {}
    for video in ('a', 'b'):
        regions = []
        for track in range(int(rng.integers(1, 4))):
            start = int(rng.integers(0, frames[video] - 2))
            length = int(rng.integers(1, frames[video] - start + 1))
            x, y = rng.uniform(0, 40, size=2)
            w, h = rng.uniform(5, 15, size=2)
            for f in range(start, start + length):
                x, y = x + rng.normal(0, 2), y + rng.normal(0, 2)
                regions.append(gt(f, track * 3 + 1, (x, y, x + w, y + h)))
        truth[video] = rows(*regions)
    for video, n in frames.items():
        items = []
        for g in truth.get(video, np.empty((0, 6))):  # noisy copies of the truth, some poor
            for _ in range(int(rng.integers(0, 3))):
                jitter = rng.normal(0, 4, size=4)
                x1, y1 = g[2] + jitter[0], g[3] + jitter[1]
                box = (x1, y1, max(g[4] + jitter[2], x1 + 1), max(g[5] + jitter[3], y1 + 1))
                items.append(pred(int(g[0]), box, round(float(rng.random()), 2)))
        for _ in range(int(rng.integers(5, 30))):  # random boxes anywhere
            x, y = rng.uniform(0, 50, size=2)
            w, h = rng.uniform(2, 20, size=2)
            items.append(pred(int(rng.integers(0, n)), (x, y, x + w, y + h),
                              round(float(rng.random()), 2)))
        preds[video] = rows(*items)
    return preds, truth, frames


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('alpha, beta, max_fpr', [(0.1, 0.1, 1.0), (0.3, 0.25, 0.5),
                                                  (0.5, 0.1, 5.0)])
def test_matches_brute_force_reference(seed, alpha, beta, max_fpr):
    preds, truth, frames = _random_case(np.random.default_rng(seed))
    res = region_track_detection(preds, truth, frames, alpha=alpha, beta=beta,
                                 max_fpr=max_fpr)
    thresholds, fpr, region_rate, track_rate, rbdc, tbdc = _naive(preds, truth, frames,
                                                                  alpha, beta, max_fpr)
    np.testing.assert_array_equal(res.thresholds, thresholds)
    np.testing.assert_allclose(res.fpr, fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.region_rate, region_rate, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.track_rate, track_rate, rtol=0, atol=1e-12)
    assert abs(res.rbdc - rbdc) <= 1e-12
    assert abs(res.tbdc - tbdc) <= 1e-12
    assert 0.0 <= res.rbdc <= 1.0 and 0.0 <= res.tbdc <= 1.0


def test_random_cases_are_not_degenerate():
    # the reference comparison means something only if curves rise and go past fpr 1
    preds, truth, frames = _random_case(np.random.default_rng(0))
    res = region_track_detection(preds, truth, frames)
    assert 0.0 < res.region_rate[-1] and res.fpr[-1] > 1.0
    assert 0.0 < res.rbdc < 1.0

