import numpy as np
import pytest

from vadkit.datasets.synthetic.motion import (ANOMALOUS_PHASES, make_track, pose_at,
                                              standing_pose, track_frame)
from vadkit.datasets.synthetic.types import BEHAVIOURS, CATEGORY_OF, SceneSpec

W, H, FPS = 320, 240, 25.0
LANE = (120, 200)
ROAD = (150, 210)
EXTRA_KEYS = dict(throw={'object'}, ride={'bicycle'}, push={'cart'}, drive={'car'})


def scene(normal=('walk',), road=ROAD, flow=(1.0, 0.0), lanes=(LANE,)):
    return SceneSpec('s00_test', 'walkway', W, H, 0, 70.0, 90.0, 30.0, flow, list(lanes), road,
                     tuple(normal))


def track(behaviour, seed=0, sc=None, start=0, n=200, direction=None):
    return make_track(behaviour, sc or scene(), np.random.default_rng(seed), 3, start, n,
                      FPS, direction=direction)


def ground_y(sc, tr):
    """Feet y from the track's scale (inverse of SceneSpec.person_height)."""
    frac = (tr.scale - sc.far_height) / (sc.near_height - sc.far_height)
    return sc.horizon + frac * (sc.height - sc.horizon)


def all_visible(tr):
    return (tr.keypoints[..., 2] > 0).all(axis=1)


def lift_of(sc, tr):
    """Height of the lower ankle above the ground line, in person heights."""
    return (ground_y(sc, tr) - tr.keypoints[:, 15:17, 1].max(axis=1)) / tr.scale


def test_same_seed_same_arrays_other_seed_differs():
    for behaviour in BEHAVIOURS:
        a, b, c = track(behaviour, 5), track(behaviour, 5), track(behaviour, 6)
        for name in ('frames', 'keypoints', 'boxes', 'anomalous', 'heading', 'scale'):
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), (behaviour, name)
        assert a.colors == b.colors
        assert a.extra.keys() == b.extra.keys()
        for key in a.extra:
            assert a.extra[key].tobytes() == b.extra[key].tobytes()
        assert a.colors != c.colors
        assert not (a.boxes.shape == c.boxes.shape and np.array_equal(a.boxes, c.boxes))


@pytest.mark.parametrize('behaviour', BEHAVIOURS)
def test_every_behaviour_makes_a_valid_track(behaviour):
    for seed in range(4):
        tr = track(behaviour, seed, start=17)
        assert tr is not None and tr.behaviour == behaviour and tr.track_id == 3
        assert tr.category == CATEGORY_OF[behaviour]
        t = len(tr.frames)
        assert t >= 8 and tr.frames[0] == 17
        np.testing.assert_array_equal(tr.frames, np.arange(17, 17 + t))
        assert tr.keypoints.shape == (t, 17, 3) and tr.boxes.shape == (t, 4)
        assert tr.anomalous.shape == tr.heading.shape == tr.scale.shape == (t,)
        assert tr.anomalous.dtype == bool
        assert np.isfinite(tr.keypoints).all() and np.isfinite(tr.heading).all()
        # boxes inside the frame and around every visible keypoint (0.06 * scale margin)
        x1, y1, x2, y2 = tr.boxes.T
        assert (0 <= x1).all() and (x1 < x2).all() and (x2 <= W - 1).all()
        assert (0 <= y1).all() and (y1 < y2).all() and (y2 <= H - 1).all()
        vis = tr.keypoints[..., 2] > 0
        kx, ky = tr.keypoints[..., 0], tr.keypoints[..., 1]
        assert (kx[vis] >= 0).all() and (kx[vis] <= W - 1).all()
        assert (ky[vis] >= 0).all() and (ky[vis] <= H - 1).all()
        inside = ((kx >= x1[:, None]) & (kx <= x2[:, None]) & (ky >= y1[:, None])
                  & (ky <= y2[:, None]))
        assert inside[vis].all()
        # the margin for the limbs' thickness: a visible keypoint is not on the box edge
        # unless the frame border clips it
        gap = np.minimum(kx - x1[:, None], x2[:, None] - kx) / tr.scale[:, None]
        clipped = (x1 <= 0) | (x2 >= W - 1)
        assert (gap[vis & ~clipped[:, None]] >= 0.05).all()
        # visibility: 2 inside the frame, 0 outside
        out = (kx < 0) | (kx > W - 1) | (ky < 0) | (ky > H - 1)
        assert set(np.unique(tr.keypoints[..., 2])) <= {0.0, 2.0}
        assert not vis[out].any()
        assert set(tr.extra) == EXTRA_KEYS.get(behaviour, set())
        for value in tr.extra.values():
            assert value.shape == (t, 3 if behaviour == 'throw' else 4)
            assert np.isfinite(value).all()
        if behaviour == 'drive':
            assert not tr.keypoints.any()
            assert set(tr.colors) == {'body'}
        else:
            assert vis.any(axis=1).mean() > 0.8
            assert {'shirt', 'pants', 'skin'} <= set(tr.colors)
        for color in tr.colors.values():
            assert len(color) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in color)
            assert max(color) - min(color) < 220  # no neon
        assert (30 <= tr.scale).all() and (tr.scale <= 90).all()


def test_walkers_speed_height_and_heading():
    sc = scene()
    for seed in range(6):
        for direction in (1, -1):
            tr = track('walk', seed, sc, direction=direction)
            assert not tr.anomalous.any()
            full = all_visible(tr)
            both = full[1:] & full[:-1]
            hips_x = tr.keypoints[:, 11:13, 0].mean(axis=1)
            dx = np.diff(hips_x)[both]
            assert (np.sign(dx) == direction).all()
            speed = np.mean(np.abs(dx) * FPS / tr.scale[1:][both])
            assert 0.75 <= speed <= 0.95
            span = tr.keypoints[:, 15:17, 1].max(axis=1) - tr.keypoints[:, 0, 1]
            assert 0.9 <= np.mean(span[full] / tr.scale[full]) <= 1.1
            assert np.all(np.abs(span[full] / tr.scale[full] - 1) < 0.15)
            # feet in the lane, small vertical drift
            feet = ground_y(sc, tr)
            assert (feet >= LANE[0] - 1e-6).all() and (feet <= LANE[1] + 1e-6).all()
            assert np.ptp(feet) < 0.1 * np.ptp(hips_x)
            # heading along x in the walking direction
            expect = 0.0 if direction > 0 else np.pi
            assert np.abs(np.angle(np.exp(1j * (tr.heading - expect)))).max() < 0.1
            # walking: the lower ankle stays on the ground line
            assert np.abs(lift_of(sc, tr)[full]).max() < 0.06


def test_gait_cadence_and_per_actor_phase():
    tr = track('walk', 1)
    full = all_visible(tr)
    # steps: sign changes of the ankles' forward order
    order = np.sign(tr.keypoints[full, 15, 0] - tr.keypoints[full, 16, 0])
    steps = np.count_nonzero(np.diff(order) != 0)
    seconds = full.sum() / FPS
    assert 1.6 <= steps / seconds <= 2.2
    a, b = track('walk', 1), track('walk', 2)
    rel = [(t.keypoints[10, 15, 0] - t.keypoints[10, 11, 0]) / t.scale[10] for t in (a, b)]
    assert abs(rel[0] - rel[1]) > 0.01


def test_runners_are_fast_and_anomalous_unless_normal_there():
    for seed in range(6):
        tr = track('run', seed)
        full = all_visible(tr)
        both = full[1:] & full[:-1]
        dx = np.diff(tr.keypoints[:, 11:13, 0].mean(axis=1))[both]
        speed = np.mean(np.abs(dx) * FPS / tr.scale[1:][both])
        assert 2.2 <= speed <= 2.8
        assert tr.anomalous.all()
        # forward lean: the nose ahead of the hips in the running direction
        ahead = (tr.keypoints[:, 0, 0] - tr.keypoints[:, 11:13, 0].mean(1)) * np.sign(dx[0])
        assert np.mean(ahead[full] / tr.scale[full]) > 0.05
    lawn = track('run', 0, scene(normal=('walk', 'run')))
    assert not lawn.anomalous.any()


def test_fall_lies_flat_and_flags_from_the_fall_on():
    sc = scene()
    got_up = 0
    for seed in range(12):
        tr = track('fall', seed, sc, n=250)
        an = tr.anomalous
        k = int(np.argmax(an))
        assert k > 10 and not an[:k].any()
        idx = np.flatnonzero(an)
        np.testing.assert_array_equal(idx, np.arange(k, k + len(idx)))  # one event
        assert len(idx) >= int(0.5 * FPS) + int(2.0 * FPS) or idx[-1] == len(an) - 1
        # upright while walking in
        span = tr.keypoints[k - 1, 15:17, 1].max() - tr.keypoints[k - 1, 0, 1]
        assert span > 0.85 * tr.scale[k - 1]
        # lying a second after the fall began
        i = k + int(1.0 * FPS)
        kp = tr.keypoints[i]
        assert np.ptp(kp[:, 1]) < 0.35 * tr.scale[i]
        assert np.ptp(kp[:, 0]) > 0.6 * tr.scale[i]
        # the body turned about the feet: the head is near the ground line
        head_height = (ground_y(sc, tr)[i] - kp[0, 1]) / tr.scale[i]
        assert head_height < 0.3
        if idx[-1] < len(an) - 1:  # got up and walked on
            got_up += 1
            j = idx[-1] + int(0.5 * FPS)
            if j < len(an):
                assert not an[j:].any()
                span = tr.keypoints[j, 15:17, 1].max() - tr.keypoints[j, 0, 1]
                assert span > 0.85 * tr.scale[j]
    assert 0 < got_up < 12


def test_jumps_lift_the_feet_exactly_in_the_anomalous_frames():
    sc = scene()
    for seed in range(8):
        tr = track('jump', seed, sc)
        an = tr.anomalous
        idx = np.flatnonzero(an)
        assert len(idx) > 0 and idx[0] > 5 and not an[:idx[0]].any()
        np.testing.assert_array_equal(idx, np.arange(idx[0], idx[0] + len(idx)))
        lift = lift_of(sc, tr)
        assert lift[an].max() > 0.2
        assert not (lift[~an] > 0.1).any()
        # 2-4 separate flights
        airborne = lift > 0.1
        flights = np.count_nonzero(np.diff(airborne.astype(int)) == 1)
        assert 2 <= flights <= 4
        # arms up at the top of a jump: wrists above the nose
        top = int(np.argmax(lift))
        assert tr.keypoints[top, 9:11, 1].min() < tr.keypoints[top, 0, 1]
        # standing still while jumping, walking before and after
        hips_x = tr.keypoints[:, 11:13, 0].mean(axis=1)
        assert np.ptp(hips_x[idx]) < 0.05 * tr.scale[idx].mean()
        if idx[-1] + 20 < len(an):
            assert not an[idx[-1] + 1:].any()
            assert abs(hips_x[idx[-1] + 20] - hips_x[idx[-1]]) > 0.3 * tr.scale[idx[-1]]


def test_thrown_object_flies_a_parabola_after_the_release():
    for seed in range(8):
        tr = track('throw', seed)
        obj = tr.extra['object']
        vis = obj[:, 2] > 0
        assert vis.any()
        idx = np.flatnonzero(vis)
        np.testing.assert_array_equal(idx, np.arange(idx[0], idx[0] + len(idx)))
        release = idx[0]
        an = np.flatnonzero(tr.anomalous)
        assert an[0] < release <= an[-1]  # released during the throw, after the wind-up
        np.testing.assert_array_equal(an, np.arange(an[0], an[0] + len(an)))
        assert not tr.anomalous[:an[0]].any() and not tr.anomalous[an[-1] + 1:].any()
        assert an[0] > 5 and an[-1] < len(tr.frames) - 1
        # released from the hand: the first position is a wrist
        assert np.abs(tr.keypoints[release, 9:11, :2] - obj[release, :2]).sum(1).min() < 1e-9
        # the wrist goes overhead during the throw
        assert (tr.keypoints[an, 9:11, 1].min(1) < tr.keypoints[an, 0, 1]).any()
        # a parabola: y quadratic and x linear in time, gravity pulling down (+y)
        t = idx / FPS
        if len(idx) >= 4:
            cy, res_y, *_ = np.polyfit(t, obj[idx, 1], 2, full=True)
            cx, res_x, *_ = np.polyfit(t, obj[idx, 0], 1, full=True)
            assert float(np.sum(res_y)) < 1e-6 and float(np.sum(res_x)) < 1e-6
            assert cy[0] > 0
        assert not obj[~vis].any()
        # the object is not part of the box
        ox, oy = obj[idx, 0], obj[idx, 1]
        b = tr.boxes[idx]
        assert ((ox < b[:, 0]) | (ox > b[:, 2]) | (oy < b[:, 1]) | (oy > b[:, 3])).any()


def test_cyclists_flags_depend_only_on_the_scene():
    walkway = scene(normal=('walk',))
    road = scene(normal=('walk', 'ride', 'drive'))
    for behaviour in ('ride', 'drive'):
        a, b = track(behaviour, 4, walkway), track(behaviour, 4, road)
        np.testing.assert_array_equal(a.keypoints, b.keypoints)
        np.testing.assert_array_equal(a.boxes, b.boxes)
        for key in a.extra:
            np.testing.assert_array_equal(a.extra[key], b.extra[key])
        assert a.anomalous.all() and not b.anomalous.any()


def test_vehicles_use_the_road_or_a_lane():
    lanes = ((100, 130), (150, 220))
    for seed in range(5):
        bike = track('ride', seed, scene(road=ROAD))
        assert (bike.extra['bicycle'][:, 1] >= ROAD[0]).all()
        assert (bike.extra['bicycle'][:, 1] <= ROAD[1]).all()
        r = bike.extra['bicycle'][:, 3] / bike.scale
        assert (r > 0.15).all() and (r < 0.25).all()
        # seated: hips about at the top of the wheels, hands forward on the handlebar
        gy, xb, xf = bike.extra['bicycle'][:, 1], bike.extra['bicycle'][:, 0], \
            bike.extra['bicycle'][:, 2]
        hip_h = (gy - bike.keypoints[:, 11:13, 1].mean(1)) / bike.scale
        assert (np.abs(hip_h - 2 * r) < 0.12).all()
        wrist_x = bike.keypoints[:, 9:11, 0].mean(1)
        assert (np.abs(wrist_x - xf) < np.abs(wrist_x - xb)).all()
        speed = np.abs(np.diff(xf)) * FPS / bike.scale[1:]
        assert 2.0 <= speed.mean() <= 3.0
        car = track('drive', seed, scene(road=None, lanes=lanes))
        feet = car.extra['car'][:, 3]
        assert (feet >= 150).all() and (feet <= 220).all()  # the widest lane
        length = (car.extra['car'][:, 2] - car.extra['car'][:, 0]) / car.scale
        tall = (car.extra['car'][:, 3] - car.extra['car'][:, 1]) / car.scale
        assert (np.abs(length - 2.2) < 0.25).all() and (np.abs(tall - 1.0) < 0.12).all()
        speed = np.abs(np.diff(car.extra['car'][:, 0])) * FPS / car.scale[1:]
        assert 4.0 <= speed.mean() <= 6.0
        no_road = track('ride', seed, scene(road=None, lanes=lanes))
        ground = no_road.extra['bicycle'][:, 1]
        assert any(((lo <= ground) & (ground <= hi)).all() for lo, hi in lanes)


def test_pusher_walks_behind_the_cart():
    for seed in range(4):
        tr = track('push', seed)
        cart = tr.extra['cart']
        direction = np.sign(cart[-1, 0] - cart[0, 0])
        body_x = tr.keypoints[:, 11:13, 0].mean(1)
        front = cart[:, 0] if direction < 0 else cart[:, 2]
        back = cart[:, 2] if direction < 0 else cart[:, 0]
        assert (direction * (front - body_x) > direction * (back - body_x)).all()
        assert (direction * (back - body_x) > 0).all()
        wrists = tr.keypoints[:, 9:11, 0].mean(1)
        assert (direction * (wrists - body_x) > 0.15 * tr.scale).all()  # arms forward
        speed = np.abs(np.diff(body_x)) * FPS / tr.scale[1:]
        assert 0.5 <= speed.mean() <= 0.7
        assert tr.anomalous.all()


def test_loiterer_stays_inside_and_drifts_against_the_flow():
    for flow in ((1.0, 0.0), (-1.0, 0.0)):
        sc = scene(flow=flow)
        for seed in range(4):
            tr = track('loiter', seed, sc, n=150)
            assert len(tr.frames) == 150 and tr.anomalous.all()
            assert tr.boxes[0, 0] > 5 and tr.boxes[0, 2] < W - 6  # starts inside
            hips_x = tr.keypoints[:, 11:13, 0].mean(1)
            net = (hips_x[-1] - hips_x[0]) / tr.scale.mean()
            assert np.sign(net) == -flow[0]
            speed = abs(net) * FPS / (len(hips_x) - 1)
            assert 0.05 <= speed <= 0.3
            assert np.cos(tr.heading).mean() * flow[0] < 0
            # turns: the shoulders' image separation changes a lot
            sep = np.abs(tr.keypoints[:, 5, 0] - tr.keypoints[:, 6, 0]) / tr.scale
            assert np.ptp(sep) > 0.05
    normal = track('loiter', 0, scene(normal=('walk', 'loiter')))
    assert not normal.anomalous.any()


def test_left_and_right_are_distinct_and_mirrored_with_the_heading():
    for behaviour in ('walk', 'loiter', 'run'):
        for direction in (1, -1):
            tr = track(behaviour, 2, direction=direction)
            full = all_visible(tr)
            ls, rs = tr.keypoints[full, 5, :2], tr.keypoints[full, 6, :2]
            dist = np.linalg.norm(ls - rs, axis=1) / tr.scale[full]
            assert (dist > 0.05).all()
    for direction in (1, -1):
        tr = track('walk', 2, direction=direction)
        full = all_visible(tr)
        # the camera-side shoulder is drawn lower: the right one when walking right
        lower_right = tr.keypoints[full, 6, 1] > tr.keypoints[full, 5, 1]
        assert lower_right.all() if direction > 0 else not lower_right.any()
    a, b = standing_pose((100.0, 200.0), 60.0, 0.0), standing_pose((100.0, 200.0), 60.0, np.pi)
    np.testing.assert_allclose(b[:, 0] - 100.0, -(a[:, 0] - 100.0), atol=1e-9)
    swap = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    np.testing.assert_allclose(b[:, 1], a[swap, 1], atol=1e-9)


def test_leaving_the_frame_ends_the_track():
    for seed in range(4):
        for behaviour in ('walk', 'run', 'ride', 'drive'):
            tr = track(behaviour, seed, n=400)
            assert len(tr.frames) < 400
            first, last = tr.boxes[0], tr.boxes[-1]
            going_right = tr.keypoints[-1, 0, 0] > tr.keypoints[0, 0, 0] if \
                behaviour != 'drive' else tr.extra['car'][-1, 0] > tr.extra['car'][0, 0]
            if going_right:
                assert first[0] == 0 and last[2] == W - 1
            else:
                assert first[2] == W - 1 and last[0] == 0
            assert last[2] - last[0] < 0.5 * tr.scale[-1]  # only a sliver left


def test_too_little_time_gives_none():
    sc = scene()
    for behaviour in BEHAVIOURS:
        assert make_track(behaviour, sc, np.random.default_rng(0), 0, 196, 4) is None
        assert make_track(behaviour, sc, np.random.default_rng(0), 0, 193, 7) is None
    # eight frames: a walker enters by a sliver, which is on screen
    tr = make_track('walk', sc, np.random.default_rng(0), 0, 192, 8)
    assert tr is not None and len(tr.frames) == 8 and tr.frames[-1] == 199
    with pytest.raises(ValueError):
        make_track('swim', sc, np.random.default_rng(0), 0, 0, 100)


def test_direction_follows_the_flow_sign():
    for flow in ((1.0, 0.0), (-1.0, 0.0)):
        for direction in (1, -1):
            tr = track('walk', 0, scene(flow=flow), direction=direction)
            dx = tr.keypoints[-1, 11, 0] - tr.keypoints[0, 11, 0]
            assert np.sign(dx) == flow[0] * direction
    signs = {np.sign(np.cos(track('walk', s).heading[0])) for s in range(12)}
    assert signs == {-1.0, 1.0}  # random direction when not given


def test_track_frame_and_pose_helpers():
    tr = track('walk', 0, start=40)
    assert track_frame(tr, 39) is None and track_frame(tr, 40) == 0
    assert track_frame(tr, int(tr.frames[-1])) == len(tr.frames) - 1
    assert track_frame(tr, int(tr.frames[-1]) + 1) is None
    pose = standing_pose((160.0, 200.0), 80.0)
    assert pose.shape == (17, 3) and (pose[:, 2] == 2).all()
    height = pose[15:17, 1].max() - pose[0, 1]
    assert 0.9 * 80 <= height <= 1.0 * 80
    assert abs(pose[5, 1] - (200 - 0.82 * 80)) < 0.05 * 80  # shoulders
    assert abs(pose[11:13, 1].mean() - (200 - 0.52 * 80)) < 0.03 * 80  # hips
    assert abs(pose[13:15, 1].mean() - (200 - 0.28 * 80)) < 0.03 * 80  # knees
    walk, run = pose_at((160, 200), 80, 0.0, 1.0), pose_at((160, 200), 80, 0.0, 1.0, 'run')
    assert np.ptp(run[:, 0]) > np.ptp(walk[:, 0])
    with pytest.raises(ValueError):
        pose_at((0, 0), 10, 0.0, 0.0, 'crawl')
    assert set(ANOMALOUS_PHASES) == set(BEHAVIOURS) and ANOMALOUS_PHASES['walk'] == ()


# Timing (not asserted): make_track('throw', ..., num_frames=150) takes about 1.5 ms.
