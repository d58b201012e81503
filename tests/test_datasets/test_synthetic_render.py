"""Synthetic scenes and renderer: layouts, backgrounds, drawing order, light, noise,
annotations, on hand-made actor tracks."""
import numpy as np
import pytest

from vadkit.datasets.synthetic.render import (ANOMALY_COLOUR, NORMAL_COLOUR, contact_sheet,
                                              draw_annotations, render_frame)
from vadkit.datasets.synthetic.scenes import (NORMAL_BEHAVIOURS, make_scene,
                                              render_background)
from vadkit.datasets.synthetic.types import ActorTrack

SHIRT_A, SHIRT_B = (200, 40, 40), (40, 40, 200)


def person_keypoints(x, y_feet, scale, phase=0.0):
    """COCO-17 keypoints of a person seen from the side, feet at ``(x, y_feet)``."""
    s = scale
    swing = 0.12 * s * np.sin(phase)
    rows = [  # (dx, height above the feet) per keypoint, COCO order
        (0.05, 0.93), (0.04, 0.95), (0.06, 0.95), (-0.02, 0.94), (0.0, 0.94),
        (-0.02, 0.82), (0.02, 0.82), (-0.03 - 0.5 * swing / s, 0.64),
        (0.03 + 0.5 * swing / s, 0.64), (-0.03 - swing / s, 0.48), (0.03 + swing / s, 0.48),
        (-0.03, 0.52), (0.03, 0.52), (-0.02 + 0.5 * swing / s, 0.28),
        (0.02 - 0.5 * swing / s, 0.28), (swing / s, 0.03), (-swing / s, 0.03)]
    kp = np.zeros((17, 3))
    for j, (dx, up) in enumerate(rows):
        kp[j] = (x + dx * s, y_feet - up * s, 2)
    return kp


def box_of(kp, scale):
    seen = kp[kp[:, 2] > 0]
    m = 0.08 * scale
    return np.array([seen[:, 0].min() - m, seen[:, 1].min() - m, seen[:, 0].max() + m,
                     seen[:, 1].max() + m])


def person(track_id, x, y_feet, scale, shirt=SHIRT_A, anomalous=False, heading=0.0,
           behaviour='walk', category='person', extra=None):
    kp = person_keypoints(x, y_feet, scale)
    return ActorTrack(track_id=track_id, behaviour=behaviour, category=category,
                      frames=np.array([0]), keypoints=kp[None], boxes=box_of(kp, scale)[None],
                      anomalous=np.array([anomalous]), heading=np.array([heading]),
                      colors=dict(shirt=shirt, pants=(60, 60, 60), skin=(110, 150, 200)),
                      scale=np.array([float(scale)]), extra=extra or {})


def car(track_id, x1, y1, x2, y2, heading=0.0, anomalous=False):
    return ActorTrack(track_id=track_id, behaviour='drive', category='car',
                      frames=np.array([0]), keypoints=np.zeros((1, 17, 3)),
                      boxes=np.array([[x1, y1, x2, y2]], float),
                      anomalous=np.array([anomalous]), heading=np.array([heading]),
                      colors=dict(body=(40, 160, 220)), scale=np.array([80.0]),
                      extra=dict(car=np.array([[x1, y1, x2, y2]], float)))


def cyclist(track_id, x, y_ground, scale):
    """A rider on a bicycle heading right, wheels touching ``y_ground``."""
    r = 0.2 * scale
    bike = np.array([[x - 0.55 * scale, y_ground, x + 0.5 * scale, r]])
    length, hub = 1.05 * scale, y_ground - r
    saddle = np.array([x - 0.55 * scale + 0.3 * length, hub - 1.4 * r])
    crank = np.array([x - 0.55 * scale + 0.45 * length, hub + 0.1 * r])
    bars = np.array([x - 0.55 * scale + 0.8 * length, hub - 1.6 * r])
    shoulder = saddle + (0.3 * (bars[0] - saddle[0]), -0.3 * scale)
    knee = saddle + 0.6 * (crank - saddle) + (0.12 * scale, -0.05 * scale)
    parts = dict(nose=shoulder + (0.1 * scale, -0.12 * scale), shoulder=shoulder,
                 elbow=(shoulder + bars) / 2 + (0, 0.03 * scale), wrist=bars, hip=saddle,
                 knee=knee, ankle=crank)
    names = ['nose'] * 5 + [n for n in ('shoulder', 'elbow', 'wrist', 'hip', 'knee', 'ankle')
                            for _ in (0, 1)]
    kp = np.array([[*parts[n], 2.0] for n in names])
    kp[1:5, 1] -= 0.02 * scale
    kp[15, 0] -= 0.08 * scale  # pedals
    kp[16, 0] += 0.08 * scale
    box = box_of(kp, scale)
    box[[0, 2, 3]] = bike[0, 0] - r, bike[0, 2] + r, y_ground
    return ActorTrack(track_id=track_id, behaviour='ride', category='cyclist',
                      frames=np.array([0]), keypoints=kp[None], boxes=box[None],
                      anomalous=np.array([True]), heading=np.array([0.0]),
                      colors=dict(shirt=SHIRT_B, body=(30, 30, 200)),
                      scale=np.array([float(scale)]), extra=dict(bicycle=bike))


def flat(value=180, h=240, w=320):
    return np.full((h, w, 3), value, np.uint8)


def clean(background, actors, **kwargs):
    return render_frame(background, actors, light=1.0, noise_sigma=0.0, **kwargs)


@pytest.fixture(scope='module')
def backgrounds():
    return {(kind, seed): render_background(make_scene(kind, f'{kind}{seed}', seed=seed))
            for kind in NORMAL_BEHAVIOURS for seed in (0, 1)}


# ---------------------------------------------------------------- scenes


def test_normal_behaviours_per_kind():
    assert NORMAL_BEHAVIOURS == dict(walkway=('walk',), plaza=('walk', 'loiter'),
                                     road=('walk', 'ride', 'drive'), lawn=('walk', 'run'))
    for kind, normal in NORMAL_BEHAVIOURS.items():
        assert make_scene(kind, 'x', seed=3).normal_behaviours == normal


@pytest.mark.parametrize('size', [(320, 240), (160, 120), (640, 480)])
def test_scene_geometry_is_sane_for_many_seeds(size):
    w, h = size
    for kind in NORMAL_BEHAVIOURS:
        for seed in range(40):
            s = make_scene(kind, 'x', w, h, seed=seed * 7919 + 1)
            assert (s.width, s.height, s.kind) == (w, h, kind)
            assert 0.25 * h <= s.horizon <= 0.35 * h
            assert 0.12 * h <= s.far_height < s.near_height <= 0.42 * h
            assert s.lanes
            for lo, hi in s.lanes:
                assert s.horizon < lo < hi < h
            assert abs(s.flow[0]) > 0.99 and np.isclose(np.hypot(*s.flow), 1, atol=1e-3)
            if kind == 'road':
                lo, hi = s.road
                assert s.horizon < lo < hi < h
                assert all(b <= lo or a >= hi for a, b in s.lanes)  # sidewalks, not road
            else:
                assert s.road is None


def test_scene_layout_depends_on_seed_and_rejects_bad_input():
    a, b = make_scene('road', 'x', seed=1), make_scene('road', 'x', seed=2)
    assert make_scene('road', 'x', seed=1) == a
    assert (a.horizon, a.lanes, a.road) != (b.horizon, b.lanes, b.road)
    with pytest.raises(ValueError, match='unknown scene kind'):
        make_scene('beach', 'x')
    with pytest.raises(ValueError, match='32x32'):
        make_scene('road', 'x', 16, 16)


def test_backgrounds_are_deterministic_and_differ_by_kind_and_seed(backgrounds):
    for (kind, seed), bg in backgrounds.items():
        assert bg.shape == (240, 320, 3) and bg.dtype == np.uint8
        again = render_background(make_scene(kind, 'other name', seed=seed))
        assert again.tobytes() == bg.tobytes()

    def mad(a, b):
        return float(np.abs(a.astype(int) - b.astype(int)).mean())
    kinds = list(NORMAL_BEHAVIOURS)
    for i, k1 in enumerate(kinds):
        for k2 in kinds[i + 1:]:
            assert mad(backgrounds[k1, 0], backgrounds[k2, 0]) > 20, (k1, k2)
        assert mad(backgrounds[k1, 0], backgrounds[k1, 1]) > 8, k1


def test_backgrounds_render_at_other_sizes():
    for kind in NORMAL_BEHAVIOURS:
        bg = render_background(make_scene(kind, 'x', 160, 120, seed=5))
        assert bg.shape == (120, 160, 3) and bg.std() > 10


def test_road_ground_is_darker_than_its_sidewalks(backgrounds):
    s = make_scene('road', 'x', seed=0)
    bg = backgrounds['road', 0].astype(float).mean(2)
    road = bg[int(s.road[0]) + 3:int(s.road[1]) - 3].mean()
    sidewalk = bg[int(s.lanes[1][0]) + 2:int(s.lanes[1][1])].mean()
    assert road < sidewalk - 30


# ---------------------------------------------------------------- render_frame


def test_render_is_deterministic_and_noise_depends_on_seed(backgrounds):
    bg = backgrounds['walkway', 0]
    actors = [(person(0, 100, 200, 90), 0), (cyclist(1, 220, 190, 80), 0),
              (car(2, 10, 120, 120, 170), 0)]
    a = render_frame(bg, actors, light=1.1, noise_sigma=2.0, noise_seed=7)
    b = render_frame(bg.copy(), list(actors), light=1.1, noise_sigma=2.0, noise_seed=7)
    c = render_frame(bg, actors, light=1.1, noise_sigma=2.0, noise_seed=8)
    assert a.dtype == np.uint8 and a.shape == bg.shape
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert render_background(make_scene('walkway', 'x', seed=0)).tobytes() == bg.tobytes()


def test_person_changes_its_box_and_nothing_far_outside(backgrounds):
    bg = backgrounds['plaza', 1]
    track = person(0, 160, 200, 100)
    out = clean(bg, [(track, 0)])
    changed = (out != bg).any(2)
    x1, y1, x2, y2 = track.boxes[0].astype(int)
    assert changed[y1:y2, x1:x2].mean() > 0.3
    margin = int(0.15 * 100) + 3
    outside = np.ones_like(changed)
    outside[max(y1 - margin, 0):y2 + margin, max(x1 - margin, 0):x2 + margin] = False
    assert not changed[outside].any()
    # the drop shadow darkens the ground just below the feet
    feet = track.keypoints[0, 15:17, 1].max()
    below = out[int(feet) + 2, 150:170].astype(int).sum()
    assert below < bg[int(feet) + 2, 150:170].astype(int).sum()


def test_larger_person_covers_more_pixels():
    bg = flat()
    small = (clean(bg, [(person(0, 160, 200, 50), 0)]) != bg).any(2).sum()
    large = (clean(bg, [(person(0, 160, 200, 100), 0)]) != bg).any(2).sum()
    assert large > 2.5 * small > 0


def test_nearer_actor_is_drawn_on_top():
    bg = flat()
    far = person(0, 160, 190, 100, shirt=SHIRT_A)
    near = person(1, 165, 200, 100, shirt=SHIRT_B)
    for actors in ([(far, 0), (near, 0)], [(near, 0), (far, 0)]):
        out = clean(bg, actors)
        kp = near.keypoints[0]
        torso = kp[[5, 6, 11, 12], :2].mean(0).round().astype(int)
        assert tuple(out[torso[1], torso[0]]) == SHIRT_B
    # the far person alone covers that pixel too: the actors do overlap there
    out = clean(bg, [(far, 0)])
    assert (out[torso[1], torso[0]] != bg[0, 0]).any()
    assert tuple(out[torso[1], torso[0]]) != SHIRT_B


def test_vehicles_and_thrown_object_are_drawn():
    bg = flat(200)
    right = clean(bg, [(car(0, 50, 100, 250, 170, heading=0.0), 0)])
    left = clean(bg, [(car(0, 50, 100, 250, 170, heading=np.pi), 0)])
    assert (right[100:170, 50:250] != 200).any(2).mean() > 0.6
    assert not (right[:90] != 200).any()
    assert np.array_equal(right[:, 50:251], left[:, 50:251][:, ::-1]) is False
    assert np.abs(right[:, 50:251].astype(int) - left[:, 250:49:-1].astype(int)).mean() < 3
    bike = cyclist(1, 160, 220, 100)
    out = clean(bg, [(bike, 0)])
    xb, yg, xf, r = bike.extra['bicycle'][0]
    assert out[int(round(yg - 2 * r)), int(round(xb))].astype(int).sum() < 200  # tyre top
    assert out[int(round(yg - 2 * r)), int(round(xf))].astype(int).sum() < 200
    thrower = person(2, 100, 200, 100, extra=dict(object=np.array([[250.0, 60.0, 1.0]])))
    hidden = person(2, 100, 200, 100, extra=dict(object=np.array([[250.0, 60.0, 0.0]])))
    assert (clean(bg, [(thrower, 0)])[60, 250] != 200).any()
    assert (clean(bg, [(hidden, 0)])[60, 250] == 200).all()


def test_cart_is_drawn_in_front_of_its_pusher():
    bg = flat(200)
    pusher = person(0, 150, 200, 100, behaviour='push', category='cart',
                    extra=dict(cart=np.array([[140.0, 140.0, 210.0, 200.0]])))
    walker = person(0, 150, 200, 100)
    pusher.colors['body'] = (0, 140, 255)
    assert tuple(clean(bg, [(walker, 0)])[165, 150]) == (60, 60, 60)  # a leg
    out = clean(bg, [(pusher, 0)])
    assert tuple(out[165, 150]) == (0, 140, 255)
    assert (out[196, 150:200] != 200).any()  # wheels


def test_light_scales_intensity_and_noise_has_sigma():
    bg = flat(120)
    bg[:, :100] = 60
    frame = clean(bg, [(person(0, 200, 200, 90), 0)])
    dim = render_frame(bg, [(person(0, 200, 200, 90), 0)], light=0.5, noise_sigma=0.0)
    assert abs(dim.astype(float).mean() - 0.5 * frame.astype(float).mean()) <= 0.5
    noisy = render_frame(flat(128), [], light=1.0, noise_sigma=4.0, noise_seed=3)
    diff = noisy.astype(float) - 128
    assert abs(diff.std() - 4.0) < 0.2 and abs(diff.mean()) < 0.1
    assert np.array_equal(render_frame(bg, [], noise_sigma=0.0), bg)
    bright = render_frame(flat(250), [], light=1.3, noise_sigma=0.0)
    assert (bright == 255).all()


def test_render_rejects_bad_background_and_keeps_it():
    bg = flat()
    before = bg.copy()
    render_frame(bg, [(person(0, 160, 200, 90), 0)])
    assert np.array_equal(bg, before)
    with pytest.raises(ValueError, match='uint8'):
        render_frame(bg.astype(np.float32), [])


# ---------------------------------------------------------------- previews


def test_annotations_are_red_for_anomalous_and_green_for_normal():
    bg = flat(128)
    normal = person(0, 80, 200, 90)
    weird = person(1, 230, 200, 90, anomalous=True, behaviour='run')
    actors = [(normal, 0), (weird, 0)]
    frame = clean(bg, actors)
    out = draw_annotations(frame, actors)
    assert np.array_equal(frame, clean(bg, actors))  # input untouched

    def left_edge(track):
        x1, y1, x2, y2 = np.round(track.boxes[0]).astype(int)
        return out[(y1 + y2) // 2, x1]
    assert tuple(left_edge(normal)) == NORMAL_COLOUR == (0, 255, 0)
    assert tuple(left_edge(weird)) == ANOMALY_COLOUR == (0, 0, 255)
    only = draw_annotations(frame, actors, anomalous_only=True)
    x1, y1, x2, y2 = np.round(normal.boxes[0]).astype(int)
    assert np.array_equal(only[(y1 + y2) // 2, x1], frame[(y1 + y2) // 2, x1])
    x1, y1, x2, y2 = np.round(weird.boxes[0]).astype(int)
    assert tuple(only[(y1 + y2) // 2, x1]) == ANOMALY_COLOUR
    # a car has no skeleton but gets its box
    boxed = draw_annotations(bg, [(car(2, 20, 30, 120, 80), 0)])
    assert tuple(boxed[55, 20]) == NORMAL_COLOUR


def test_contact_sheet_shape_and_errors(tmp_path):
    images = [np.full((60, 80, 3), 40 * i, np.uint8) for i in range(5)]
    images.append(np.full((50, 70), 255, np.uint8))
    sheet = contact_sheet(images, [f'video {i} with a long caption' for i in range(6)])
    assert sheet.shape == (2 * (60 + 14), 4 * 80, 3) and sheet.dtype == np.uint8
    assert (sheet[14 + 74:14 + 74 + 50, 80:150] == 255).all()  # the grey image, second row
    assert contact_sheet(images[:2], ['a', 'b'], columns=4).shape == (74, 160, 3)
    with pytest.raises(ValueError):
        contact_sheet(images, ['a'])
    with pytest.raises(ValueError):
        contact_sheet([], [])
