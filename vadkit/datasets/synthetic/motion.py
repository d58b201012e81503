"""Actor motion of the synthetic world: paths, articulated poses and vehicles.

:func:`make_track` turns a behaviour and a scene into an :class:`ActorTrack`: a path on a
ground band of the scene (a lane, or the road for cyclists and cars), per-frame COCO-17
keypoints from a parametric body model (a walking / running gait, jumps, falls, throws,
loitering, riding, pushing), tight boxes, headings, colours and the per-frame anomaly flags.
Everything is drawn from the ``np.random.Generator`` passed in, so one seed gives
byte-identical arrays; everything is vectorised over frames.

Geometry. ``scale`` is the height of a standing person at the actor's ground point
(:meth:`SceneSpec.person_height`), and every length and speed is in such person heights
(per second), so actors look right at any depth. The body is modelled in its own frame
(forward, up, right) in person heights and seen slightly from the side: the facing is
turned :data:`PERSON_YAW` radians towards the camera, and depth (towards the camera) moves
a point down by :data:`DEPTH_DROP` of its depth, so the near-side limbs (the right ones of a
person walking right) are drawn a little lower and behind the far-side ones. Riders and
pushers are seen straight from the side, like their bicycle or cart.

Anomalous phases (:data:`ANOMALOUS_PHASES`). A behaviour listed in the scene's
``normal_behaviours`` is never anomalous. Otherwise the flags are True

- for ``run``, ``ride``, ``push``, ``drive`` and ``loiter``: at every frame;
- for ``jump``: from the first crouch to the last landing (not the walk in, the stop
  before the jumps or the walk on);
- for ``fall``: from the trip through the lying (and getting up, when the person does),
  not the walk in or the walk on;
- for ``throw``: the wind-up and the throw with its follow-through (not the walk, the stop
  or the recovery).
"""
import colorsys
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .types import BEHAVIOURS, CATEGORY_OF, ActorTrack, SceneSpec

#: The phases of each behaviour that are flagged anomalous where it is not normal.
ANOMALOUS_PHASES: Dict[str, Tuple[str, ...]] = dict(
    walk=(), run=('all',), ride=('all',), push=('all',), drive=('all',), loiter=('all',),
    jump=('crouch', 'flight', 'landing'), fall=('fall', 'lie', 'get_up'),
    throw=('wind_up', 'throw'))

#: Fewest on-screen frames of a track; shorter ones are not made.
MIN_FRAMES = 8

# --- body model, in standing-person heights -------------------------------------------
ANKLE_H = 0.015  # ankle above the ground when standing
THIGH = 0.245  # hip to knee: knees at 0.275, hips at 0.52
SHIN = 0.26
TORSO = 0.30  # hip centre to shoulder centre: shoulders at 0.82
UPPER_ARM = 0.17
FOREARM = 0.16
HIP_HALF = 0.08  # half the hip width
SHOULDER_HALF = 0.11
HEAD_R = 0.06  # head circle radius: top of the head at 1.0
#: Head points from the shoulder centre along the torso: (up, forward, right).
_HEAD_OFFSETS = np.array([
    [0.125, 0.055, 0.0],  # nose
    [0.14, 0.045, -0.03], [0.14, 0.045, 0.03],  # eyes
    [0.13, -0.005, -0.06], [0.13, -0.005, 0.06],  # ears
])
_HEAD_CENTRE = np.array([0.12, 0.005, 0.0])
_SIDE = np.array([-1.0, 1.0])  # left, right along the body's right axis
#: Facing of people turned towards the camera (radians), and the image drop per unit of
#: depth towards the camera.
PERSON_YAW = 0.3
DEPTH_DROP = 0.3
#: Box margin around keypoints for the limbs' thickness.
LIMB_MARGIN = 0.06
#: Gravity in person heights / s^2 (9.81 m/s^2 for a 1.7 m person).
GRAVITY = 5.8

# --- behaviour parameters ------------------------------------------------------------
WALK_SPEED = (0.77, 0.93)  # person heights per second
WALK_CADENCE = (1.8, 2.0)  # steps per second
RUN_SPEED = (2.25, 2.75)
RUN_CADENCE = (2.8, 3.2)
RIDE_SPEED = (2.0, 3.0)
PUSH_SPEED = (0.55, 0.65)
DRIVE_SPEED = (4.0, 6.0)
LOITER_SPEED = (0.1, 0.25)
JUMP_HEIGHT = (0.22, 0.3)  # feet above the ground at the top
JUMP_COUNT = (2, 4)
FALL_TIME = (0.5, 0.7)  # seconds to lie on the ground
LIE_TIME = (2.0, 5.0)  # seconds lying before getting up (when the person gets up)
GET_UP_PROB = 0.5
WHEEL_RADIUS = (0.18, 0.2)
CAR_LENGTH = (2.0, 2.4)
CAR_HEIGHT = (0.9, 1.05)
CART_LENGTH = (0.6, 0.8)
CART_HEIGHT = (0.45, 0.55)

_SKIN_TONES = np.array([(190, 210, 240), (145, 180, 228), (110, 150, 205), (80, 115, 170),
                        (55, 80, 125)], np.float64)  # BGR


def _smooth(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _ik(root_f: np.ndarray, root_u: np.ndarray, tgt_f: np.ndarray, tgt_u: np.ndarray,
        a: float, b: float, bend: float) -> Tuple[np.ndarray, ...]:
    """Two-link inverse kinematics in the side plane: the middle joint bends to the side
    ``bend`` (+1 counter-clockwise: knees forward; -1: elbows down)."""
    df, du = tgt_f - root_f, tgt_u - root_u
    d = np.clip(np.hypot(df, du), abs(a - b) + 1e-6, a + b - 1e-6)
    ang = np.arctan2(du, df)
    inner = np.arccos(np.clip((a * a + d * d - b * b) / (2 * a * d), -1.0, 1.0))
    mid_f = root_f + a * np.cos(ang + bend * inner)
    mid_u = root_u + a * np.sin(ang + bend * inner)
    return mid_f, mid_u, root_f + d * np.cos(ang), root_u + d * np.sin(ang)


def _body(thigh: np.ndarray, knee: np.ndarray, arm: np.ndarray, elbow: np.ndarray,
          lean: np.ndarray, lift: Optional[np.ndarray] = None,
          pitch: Optional[np.ndarray] = None, sway: Optional[np.ndarray] = None,
          pelvis: Optional[np.ndarray] = None, pelvis_f: Optional[np.ndarray] = None,
          feet: Optional[np.ndarray] = None, hands: Optional[np.ndarray] = None) -> np.ndarray:
    """Body points in the body frame.

    Args:
        thigh: ``[T, 2]`` (left, right) thigh angles from straight down, forward positive.
        knee: ``[T, 2]`` knee flexion (the shin turns back by it).
        arm: ``[T, 2]`` upper-arm angles from straight down, forward positive.
        elbow: ``[T, 2]`` elbow flexion (the forearm turns forward by it).
        lean: ``[T]`` forward lean of the torso.
        lift: ``[T]`` height of the lower ankle above its standing height (jumps).
        pitch: ``[T]`` rotation of the whole body about the feet, forward positive (falls).
        sway: ``[T]`` sideways shift of the upper body (weight shifts).
        pelvis: ``[T]`` height of the hips; None to stand the lower foot on the ground.
        pelvis_f: ``[T]`` forward position of the hips (0 when None).
        feet: ``[T, 2, 2]`` (forward, up) ankle targets reached by inverse kinematics
            instead of ``thigh`` / ``knee``.
        hands: ``[T, 2, 2]`` wrist targets instead of ``arm`` / ``elbow``.

    Returns:
        ``float[T, 18, 3]`` (forward, up, right) of the 17 COCO keypoints and the head
        centre, in standing-person heights from the ground point.
    """
    n = len(lean)
    out = np.zeros((n, 18, 3))
    pf = np.zeros(n) if pelvis_f is None else pelvis_f
    sw = np.zeros(n) if sway is None else sway
    if feet is None:
        kf, ku = THIGH * np.sin(thigh), -THIGH * np.cos(thigh)
        shin = thigh - knee
        af, au = kf + SHIN * np.sin(shin), ku - SHIN * np.cos(shin)
        if pelvis is None:
            pelvis = ANKLE_H - au.min(axis=1) + (0.0 if lift is None else lift)
        knee_f, knee_u = pf[:, None] + kf, pelvis[:, None] + ku
        ank_f, ank_u = pf[:, None] + af, pelvis[:, None] + au
    else:
        knee_f, knee_u, ank_f, ank_u = _ik(pf[:, None], pelvis[:, None], feet[..., 0],
                                           feet[..., 1], THIGH, SHIN, 1.0)
    out[:, 11:13, 0], out[:, 11:13, 1], out[:, 11:13, 2] = pf[:, None], pelvis[:, None], \
        _SIDE * HIP_HALF
    out[:, 13:15, 0], out[:, 13:15, 1], out[:, 13:15, 2] = knee_f, knee_u, _SIDE * HIP_HALF
    out[:, 15:17, 0], out[:, 15:17, 1], out[:, 15:17, 2] = ank_f, ank_u, _SIDE * HIP_HALF
    sin_l, cos_l = np.sin(lean), np.cos(lean)
    sc_f, sc_u = pf + TORSO * sin_l, pelvis + TORSO * cos_l
    out[:, 5:7, 0], out[:, 5:7, 1] = sc_f[:, None], sc_u[:, None]
    out[:, 5:7, 2] = _SIDE * SHOULDER_HALF + sw[:, None]
    head = np.concatenate([_HEAD_OFFSETS, _HEAD_CENTRE[None]])
    head_f = sc_f[:, None] + head[:, 0] * sin_l[:, None] + head[:, 1] * cos_l[:, None]
    head_u = sc_u[:, None] + head[:, 0] * cos_l[:, None] - head[:, 1] * sin_l[:, None]
    idx = [0, 1, 2, 3, 4, 17]
    out[:, idx, 0], out[:, idx, 1], out[:, idx, 2] = head_f, head_u, head[:, 2] + sw[:, None]
    if hands is None:
        el_f = sc_f[:, None] + UPPER_ARM * np.sin(arm)
        el_u = sc_u[:, None] - UPPER_ARM * np.cos(arm)
        wr_f = el_f + FOREARM * np.sin(arm + elbow)
        wr_u = el_u - FOREARM * np.cos(arm + elbow)
    else:
        el_f, el_u, wr_f, wr_u = _ik(sc_f[:, None], sc_u[:, None], hands[..., 0],
                                     hands[..., 1], UPPER_ARM, FOREARM, -1.0)
    out[:, 7:9, 0], out[:, 7:9, 1] = el_f, el_u
    out[:, 7:9, 2] = _SIDE * (SHOULDER_HALF + 0.015) + sw[:, None]
    out[:, 9:11, 0], out[:, 9:11, 1] = wr_f, wr_u
    out[:, 9:11, 2] = _SIDE * (SHOULDER_HALF + 0.025) + sw[:, None]
    if pitch is not None:
        f, u = out[..., 0].copy(), out[..., 1].copy()
        c, s = np.cos(pitch)[:, None], np.sin(pitch)[:, None]
        out[..., 0], out[..., 1] = f * c + u * s, u * c - f * s
        low = np.minimum(out[:, :17, 1].min(axis=1), out[:, 17, 1] - HEAD_R)
        out[..., 1] += np.maximum(0.0, ANKLE_H - low)[:, None]
    return out


def _project(points: np.ndarray, x: np.ndarray, y: np.ndarray, scale: np.ndarray,
             facing: np.ndarray) -> np.ndarray:
    """Image ``(x, y)`` of body-frame points ``[T, P, 3]`` for ground points ``(x, y)``,
    scales and facings ``[T]`` (0: towards +x, pi/2: towards the camera)."""
    c, s = np.cos(facing)[:, None], np.sin(facing)[:, None]
    f, u, r = points[..., 0], points[..., 1], points[..., 2]
    gx = f * c - r * s
    depth = f * s + r * c
    sc = scale[:, None]
    return np.stack([x[:, None] + sc * gx, y[:, None] - sc * u + sc * DEPTH_DROP * depth], -1)


def _gait(psi: np.ndarray, amp: np.ndarray, knee_amp: np.ndarray, arm_amp: np.ndarray,
          knee0: float, arm0: float, elbow0: float) -> Tuple[np.ndarray, ...]:
    """Thigh, knee, arm and elbow angles ``[T, 2]`` of a gait at phase ``psi``."""
    phase = psi[:, None] + np.array([0.0, np.pi])
    thigh = amp[:, None] * np.sin(phase)
    knee = knee0 + knee_amp[:, None] * np.clip(np.cos(phase + np.pi / 8), 0.0, None) ** 2
    arm = arm0 - arm_amp[:, None] * np.sin(phase)  # each arm swings with the other leg
    elbow = elbow0 + 0.5 * np.clip(arm - arm0, 0.0, None)
    return thigh, knee, arm, elbow


def _facing(direction: int, n: int, yaw: float = PERSON_YAW) -> np.ndarray:
    return np.full(n, yaw if direction > 0 else np.pi - yaw)


def standing_pose(feet_xy: Sequence[float], scale: float, facing: float = 0.0) -> np.ndarray:
    """Keypoints of a person standing upright.

    Args:
        feet_xy: Image point on the ground between the feet.
        scale: Standing-person height in pixels.
        facing: Facing on the ground in radians: 0 towards +x (seen from the side), pi
            towards -x, pi/2 towards the camera.

    Returns:
        ``float[17, 3]`` COCO keypoints ``(x, y, 2)``.
    """
    return pose_at(feet_xy, scale, facing, phase=0.0, gait='stand')


def pose_at(feet_xy: Sequence[float], scale: float, facing: float, phase: float,
            gait: str = 'walk') -> np.ndarray:
    """Keypoints of a person in a gait at one phase.

    Args:
        feet_xy: Image point on the ground between the feet.
        scale: Standing-person height in pixels.
        facing: Facing on the ground in radians (see :func:`standing_pose`).
        phase: Gait phase in radians (one full cycle is two steps).
        gait: ``'stand'``, ``'walk'`` or ``'run'``.

    Returns:
        ``float[17, 3]`` COCO keypoints ``(x, y, 2)``.
    """
    if gait not in ('stand', 'walk', 'run'):
        raise ValueError(f"gait must be 'stand', 'walk' or 'run', got {gait!r}")
    one = np.ones(1)
    run = gait == 'run'
    amp = 0.0 if gait == 'stand' else (0.7 if run else 0.38)
    thigh, knee, arm, elbow = _gait(np.full(1, float(phase)), amp * one,
                                    (1.8 if run else 1.0) * (amp > 0) * one,
                                    (0.7 if run else 0.3) * (amp > 0) * one,
                                    0.3 if run else 0.08, 0.25 if run else 0.0,
                                    1.4 if run else 0.2)
    lift = 0.05 * np.sin(phase) ** 2 * one if run else None
    body = _body(thigh, knee, arm, elbow, (0.2 if run else 0.04) * one, lift=lift)
    xy = _project(body, np.full(1, float(feet_xy[0])), np.full(1, float(feet_xy[1])),
                  np.full(1, float(scale)), np.full(1, float(facing)))[0, :17]
    return np.concatenate([xy, np.full((17, 1), 2.0)], axis=1)


def track_frame(track: ActorTrack, frame: int) -> Optional[int]:
    """Index into ``track``'s arrays of video frame ``frame``, or None when it is absent.

    Args:
        track: A track (its frames are consecutive).
        frame: Video frame index.

    Returns:
        The index, or None.
    """
    if len(track.frames) == 0:
        return None
    i = int(frame) - int(track.frames[0])
    return i if 0 <= i < len(track.frames) else None


# --- appearance and paths --------------------------------------------------------------
def _hsv_bgr(h: float, s: float, v: float) -> Tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return int(round(b * 255)), int(round(g * 255)), int(round(r * 255))


def _colors(rng: np.random.Generator, behaviour: str) -> Dict[str, Tuple[int, int, int]]:
    """Muted clothing, a skin tone and a vehicle body colour (BGR)."""
    shirt = _hsv_bgr(rng.uniform(), rng.uniform(0.15, 0.6), rng.uniform(0.25, 0.85))
    pants = _hsv_bgr(rng.uniform(), rng.uniform(0.05, 0.45), rng.uniform(0.12, 0.6))
    t = rng.uniform(0, len(_SKIN_TONES) - 1)
    i = min(int(t), len(_SKIN_TONES) - 2)
    tone = _SKIN_TONES[i] + (t - i) * (_SKIN_TONES[i + 1] - _SKIN_TONES[i])
    skin = tuple(int(round(c)) for c in tone)
    body = _hsv_bgr(rng.uniform(), rng.uniform(0.1, 0.55), rng.uniform(0.3, 0.85))
    if behaviour == 'drive':
        return dict(body=body)
    colors = dict(shirt=shirt, pants=pants, skin=skin)
    if behaviour in ('ride', 'push'):
        colors['body'] = body
    return colors


def _band(scene: SceneSpec, behaviour: str, rng: np.random.Generator) -> Tuple[float, float]:
    """The ground band ``(y_min, y_max)`` an actor moves in."""
    lanes = list(scene.lanes) or [(scene.horizon + 0.4 * (scene.height - scene.horizon),
                                   scene.height - 1.0)]
    pick = int(rng.integers(len(lanes)))
    if behaviour in ('ride', 'drive') and scene.road is not None:
        return tuple(scene.road)
    if behaviour == 'drive':
        return tuple(max(lanes, key=lambda lane: lane[1] - lane[0]))
    return tuple(lanes[pick])


def _path(scene: SceneSpec, rng: np.random.Generator, band: Tuple[float, float], n: int,
          fps: float, speed: np.ndarray, direction: int,
          wander: float) -> Tuple[np.ndarray, ...]:
    """Ground points of an actor moving along ``x`` in a band, starting at ``x = 0``.

    Args:
        scene: The scene (perspective).
        rng: Random numbers (start height, drift).
        band: ``(y_min, y_max)`` of the ground band.
        n: Frames.
        fps: Frames per second.
        speed: ``[T]`` speed in person heights per second (may be 0).
        direction: +1 towards +x, -1 towards -x.
        wander: Vertical drift, as a fraction of the forward motion.

    Returns:
        ``x``, ``y``, ``scale`` and ``heading`` ``[T]`` (heading carried over where the
        actor stands still).
    """
    lo, hi = float(min(band)), float(max(band))
    y0 = rng.uniform(lo + 0.15 * (hi - lo), hi - 0.15 * (hi - lo))
    s0 = float(scene.person_height(y0))
    t = np.arange(n) / fps
    bias, amp = rng.uniform(-0.5, 0.5) * wander, rng.uniform(0.3, 1.0) * wander
    period, phase = rng.uniform(3.0, 7.0), rng.uniform(0, 2 * np.pi)
    slope = bias + amp * np.sin(2 * np.pi * t / period + phase)
    dy = slope * speed * s0 / fps
    y = np.clip(y0 + np.concatenate([[0.0], np.cumsum(dy[:-1])]), lo, hi)
    scale = scene.person_height(y)
    dx = direction * speed * scale / fps
    x = np.concatenate([[0.0], np.cumsum(dx[:-1])])
    moving = speed > 1e-9
    head = np.where(moving, np.arctan2(dy, np.where(moving, dx, 1.0)), np.nan)
    if np.isnan(head[0]):
        head[0] = 0.0 if direction > 0 else np.pi
    valid = np.where(~np.isnan(head), np.arange(n), 0)
    head = head[np.maximum.accumulate(valid)]
    return x, y, scale, head


def _entry_shift(x1: float, x2: float, direction: int, width: int) -> float:
    """Shift along ``x`` putting the leading edge of a box one pixel inside the frame."""
    return 1.0 - x2 if direction > 0 else (width - 2.0) - x1


def _person_box(img: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Unclipped box ``[T, 4]`` around projected body points ``[T, 18, 2]`` (limbs and the
    head circle)."""
    m = (LIMB_MARGIN * scale)[:, None]
    hr = HEAD_R * scale
    pts = img[:, :17]
    lo = np.minimum(pts.min(axis=1), img[:, 17] - hr[:, None]) - m
    hi = np.maximum(pts.max(axis=1), img[:, 17] + hr[:, None]) + m
    return np.concatenate([lo, hi], axis=1)


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([np.minimum(a[:, :2], b[:, :2]), np.maximum(a[:, 2:], b[:, 2:])], 1)


def _clip_union(parts: Sequence[np.ndarray], width: int,
                height: int) -> Tuple[np.ndarray, np.ndarray]:
    """Union of the on-screen parts of boxes ``[T, 4]``, clipped to the frame, and whether
    any part is on screen ``[T]``."""
    hi = np.array([width - 1, height - 1, width - 1, height - 1], np.float64)
    box = np.zeros_like(parts[0])
    on = np.zeros(len(box), bool)
    for part in parts:
        c = np.clip(part, 0.0, hi)
        vis = (c[:, 2] > c[:, 0]) & (c[:, 3] > c[:, 1])
        box = np.where((vis & on)[:, None], _union(box, c), np.where(vis[:, None], c, box))
        on |= vis
    return box, on


# --- people ----------------------------------------------------------------------------
class _Walker:
    """A person walking (or running) along a lane: path, gait phase and amplitudes."""

    def __init__(self, scene: SceneSpec, rng: np.random.Generator, band: Tuple[float, float],
                 n: int, fps: float, direction: int, run: bool = False) -> None:
        self.speed = rng.uniform(*(RUN_SPEED if run else WALK_SPEED))
        self.cadence = rng.uniform(*(RUN_CADENCE if run else WALK_CADENCE))
        psi0 = rng.uniform(0, 2 * np.pi)
        self.x, self.y, self.scale, self.heading = _path(
            scene, rng, band, n, fps, np.full(n, self.speed), direction, 0.03)
        self.psi = psi0 + np.pi * self.cadence * np.arange(n) / fps
        step = self.speed / self.cadence
        leg = THIGH + SHIN
        if run:
            self.amp = rng.uniform(0.62, 0.75)
            self.knee_amp, self.arm_amp = 1.8, rng.uniform(0.6, 0.8)
            self.knee0, self.arm0, self.elbow0 = 0.3, 0.25, 1.4
            self.lean = rng.uniform(0.17, 0.25)
        else:
            self.amp = float(np.clip(0.8 * np.arcsin(min(0.5 * step / leg, 1.0)), 0.2, 0.4))
            self.knee_amp, self.arm_amp = 0.7, self.amp * rng.uniform(0.8, 1.1)
            self.knee0, self.arm0, self.elbow0 = 0.08, 0.0, 0.2
            self.lean = rng.uniform(0.02, 0.06)
        self.run = run
        self.direction = direction

    def params(self, tau: np.ndarray, weight: np.ndarray) -> Dict[str, np.ndarray]:
        """Path and pose parameters at walking times ``tau`` with gait weights ``weight``."""
        psi = self.psi[tau]
        thigh, knee, arm, elbow = _gait(psi, self.amp * weight, self.knee_amp * weight,
                                        self.arm_amp * weight, self.knee0, self.arm0,
                                        self.elbow0)
        p = dict(x=self.x[tau].copy(), y=self.y[tau].copy(), scale=self.scale[tau].copy(),
                 heading=self.heading[tau].copy(), thigh=thigh, knee=knee, arm=arm,
                 elbow=elbow, lean=np.full(len(tau), self.lean),
                 lift=np.zeros(len(tau)), facing=_facing(self.direction, len(tau)))
        if self.run:
            p['lift'] = 0.05 * np.sin(psi) ** 2 * weight
        return p

    def shift_into_frame(self, width: int) -> None:
        """Start with the leading edge of the body just inside the frame."""
        p = self.params(np.zeros(1, int), np.ones(1))
        box = _person_box(_project(_points(p), p['x'], p['y'], p['scale'], p['facing']),
                          p['scale'])[0]
        self.x = self.x + _entry_shift(box[0], box[2], self.direction, width)

    def trigger(self, rng: np.random.Generator, width: int, need: int) -> int:
        """Frame at which an action starts: when the person has walked a random 30-65% of
        the way across, earlier if the video would end before ``need`` more frames."""
        n = len(self.x)
        frac = rng.uniform(0.3, 0.65)
        target = frac * width if self.direction > 0 else (1 - frac) * width
        edge = 0.0 if self.direction > 0 else float(width)
        ahead = self.direction * (self.x - target) >= 0
        inside = self.direction * (self.x - edge) >= 0.4 * self.scale
        k = int(np.argmax(ahead)) if ahead.any() else n
        k_min = int(np.argmax(inside)) if inside.any() else n
        return max(1, min(k, max(k_min, n - need - 1)))


def _points(p: Dict[str, np.ndarray]) -> np.ndarray:
    return _body(p['thigh'], p['knee'], p['arm'], p['elbow'], p['lean'], lift=p.get('lift'),
                 pitch=p.get('pitch'), sway=p.get('sway'), pelvis=p.get('pelvis'),
                 pelvis_f=p.get('pelvis_f'), feet=p.get('feet'), hands=p.get('hands'))


def _stop_schedule(n: int, k: int, ramp: int, stop: float) -> Tuple[np.ndarray, np.ndarray]:
    """Walking time ``tau`` (frozen for ``stop`` frames from ``k``, inf: for good) and the
    gait weight (down over ``ramp`` frames from ``k``, up again as walking resumes)."""
    t = np.arange(n)
    end = k + stop
    tau = np.where(t < k, t, np.where(t < end, k, t - stop if np.isfinite(stop) else k))
    down = 1.0 - _smooth((t - k) / max(ramp, 1))
    up = _smooth((t - end) / max(ramp, 1)) if np.isfinite(stop) else np.zeros(n)
    weight = np.where(t < end, down, up)
    return tau.astype(int), weight


def _frames_of(fps: float, seconds: float) -> int:
    return max(1, int(round(seconds * fps)))


def _walk(w: _Walker, rng: np.random.Generator, n: int, fps: float,
          width: int) -> Tuple[dict, np.ndarray, dict]:
    p = w.params(np.arange(n), np.ones(n))
    return p, np.zeros(n, bool), {}


def _jump(w: _Walker, rng: np.random.Generator, n: int, fps: float,
          width: int) -> Tuple[dict, np.ndarray, dict]:
    height = rng.uniform(*JUMP_HEIGHT)
    count = int(rng.integers(JUMP_COUNT[0], JUMP_COUNT[1] + 1))
    ramp, crouch = _frames_of(fps, 0.25), 0.2
    flight = float(np.sqrt(8 * height / GRAVITY))
    landing = 0.15
    cycle = crouch + flight + landing
    jumping = _frames_of(fps, count * cycle)
    k = w.trigger(rng, width, ramp + jumping)
    a0 = k + ramp
    tau, weight = _stop_schedule(n, k, ramp, ramp + jumping + 1)
    p = w.params(tau, weight)
    t = np.arange(n)
    u = (t - a0) / fps
    active = (t >= a0) & (t < a0 + jumping)
    within = np.where(active, np.mod(u, cycle), -1.0)
    in_crouch = active & (within < crouch)
    in_flight = active & (within >= crouch) & (within < crouch + flight)
    in_land = active & (within >= crouch + flight)
    c_frac = np.clip(within / crouch, 0, 1)
    f_frac = np.clip((within - crouch) / flight, 0, 1)
    l_frac = np.clip((within - crouch - flight) / landing, 0, 1)
    bend = np.where(in_crouch, 0.4 * np.sin(np.pi * c_frac), 0.0)
    bend = np.where(in_land, 0.3 * np.sin(np.pi * l_frac), bend)
    tuck = np.where(in_flight, np.sin(np.pi * f_frac), 0.0)
    p['thigh'] = p['thigh'] + (bend + 0.15 * tuck)[:, None]
    p['knee'] = p['knee'] + (2 * bend + 0.35 * tuck)[:, None]
    p['lift'] = np.where(in_flight, 4 * height * f_frac * (1 - f_frac), 0.0)
    swing = np.where(in_crouch, -0.7 * np.sin(0.5 * np.pi * c_frac), 0.0)
    swing = np.where(in_flight, -0.7 + 3.4 * np.sin(np.pi * f_frac), swing)
    swing = np.where(in_land, -0.7 * (1 - l_frac), swing)
    p['arm'] = np.where(active[:, None], swing[:, None], p['arm'])
    p['elbow'] = np.where(active[:, None], 0.3, p['elbow'])
    p['lean'] = p['lean'] + 0.25 * bend
    return p, active, {}


def _fall(w: _Walker, rng: np.random.Generator, n: int, fps: float,
          width: int) -> Tuple[dict, np.ndarray, dict]:
    falling = _frames_of(fps, rng.uniform(*FALL_TIME))
    forward = rng.uniform() < 0.65
    gets_up = rng.uniform() < GET_UP_PROB
    lying = _frames_of(fps, rng.uniform(*LIE_TIME))
    rising = _frames_of(fps, rng.uniform(1.0, 1.5))
    twitches = rng.uniform(0, 1, 3), rng.uniform(0.15, 0.3, 3)
    k = w.trigger(rng, width, falling + _frames_of(fps, 1.0))
    stop = falling + lying + rising if gets_up else np.inf
    tau, weight = _stop_schedule(n, k, falling, stop)
    p = w.params(tau, weight)
    t = np.arange(n)
    sign = 1.0 if forward else -1.0
    f_frac = np.clip((t - k) / falling, 0, 1)
    g0 = k + falling + lying
    r_frac = np.clip((t - g0) / rising, 0, 1) if gets_up else np.zeros(n)
    down = np.where(t < g0, f_frac ** 2, 1 - _smooth(r_frac)) if gets_up else f_frac ** 2
    p['pitch'] = sign * 0.5 * np.pi * down
    reach = np.where(t < g0, _smooth(f_frac), 1 - _smooth(r_frac)) if gets_up \
        else _smooth(f_frac)
    # twitches: short jerks of the limbs while lying
    lie_end = g0 if gets_up else n
    start = k + falling + twitches[0] * max(lie_end - k - falling, 1)
    dur = twitches[1] * fps
    jerk = np.zeros(n)
    for s0, d in zip(start, dur):
        inside = (t >= s0) & (t < s0 + d)
        jerk += np.where(inside, np.sin(np.pi * (t - s0) / d) * np.sin(2 * np.pi * t / 3.0),
                         0.0)
    target = 2.8 if forward else 0.15
    p['arm'] = p['arm'] * (1 - reach[:, None]) + target * reach[:, None] \
        + 0.25 * jerk[:, None] * np.array([1.0, -1.0])
    buckle = np.where(t < k + falling, 0.5 * np.sin(np.pi * f_frac), 0.0)
    rise_bend = 0.6 * np.sin(np.pi * r_frac) if gets_up else 0.0
    p['thigh'] = p['thigh'] + (0.5 * buckle + rise_bend)[:, None]
    p['knee'] = p['knee'] + (buckle + 2 * rise_bend + 0.15 * np.abs(jerk))[:, None]
    anomalous = (t >= k) & (t < k + stop)
    return p, anomalous, {}


def _throw(w: _Walker, rng: np.random.Generator, n: int, fps: float,
           width: int) -> Tuple[dict, np.ndarray, dict]:
    ramp = _frames_of(fps, 0.25)
    wind = _frames_of(fps, rng.uniform(0.5, 0.7))
    throw = max(4, _frames_of(fps, 0.3))
    recover = _frames_of(fps, 0.4)
    side = int(rng.integers(2))
    vx, vy = rng.uniform(2.0, 3.2), rng.uniform(1.0, 1.8)
    k = w.trigger(rng, width, ramp + wind + throw)
    a0 = k + ramp
    tau, weight = _stop_schedule(n, k, ramp, ramp + wind + throw + recover)
    p = w.params(tau, weight)
    t = np.arange(n)
    wf = np.clip((t - a0) / wind, 0, 1)
    tf = np.clip((t - a0 - wind) / throw, 0, 1)
    rf = np.clip((t - a0 - wind - throw) / recover, 0, 1)
    in_wind = (t >= a0) & (t < a0 + wind)
    in_throw = (t >= a0 + wind) & (t < a0 + wind + throw)
    in_rec = (t >= a0 + wind + throw) & (t < a0 + wind + throw + recover)
    end_angle = -5.2 + 2 * np.pi  # forward and down after the follow-through
    beta = np.where(in_wind, -2.3 * _smooth(wf), 0.0)
    beta = np.where(in_throw, -2.3 - 2.9 * tf ** 1.3, beta)
    beta = np.where(in_rec, end_angle * (1 - _smooth(rf)), beta)
    flex = np.where(in_wind, 1.3 * _smooth(wf), 0.0)
    flex = np.where(in_throw, 1.3 * (1 - _smooth(2 * tf)), flex)
    lean = np.where(in_wind, -0.12 * _smooth(wf), 0.0)
    lean = np.where(in_throw, -0.12 + 0.35 * tf, lean)
    lean = np.where(in_rec, 0.23 * (1 - _smooth(rf)), lean)
    acting = in_wind | in_throw | in_rec
    env = np.where(in_wind, _smooth(wf), np.where(in_throw, 1.0, 1 - _smooth(rf)))
    p['arm'][:, side] = np.where(acting, beta, p['arm'][:, side])
    p['elbow'][:, side] = np.where(acting, 0.2 + flex, p['elbow'][:, side])
    other = 1 - side
    p['arm'][:, other] = np.where(acting, 0.8 * env, p['arm'][:, other])
    p['lean'] = p['lean'] + np.where(acting, lean, 0.0)
    anomalous = in_wind | in_throw
    release = a0 + wind + throw // 2
    return p, anomalous, dict(_release=(release, side, vx, vy))


def _thrown_object(img: np.ndarray, p: dict, release: int, side: int, vx: float, vy: float,
                   fps: float, direction: int, width: int, height: int) -> np.ndarray:
    """``float[T, 3]`` (x, y, visible) of the object thrown at frame ``release``."""
    n = len(img)
    out = np.zeros((n, 3))
    if release >= n:
        return out
    s = float(p['scale'][release])
    x0, y0 = img[release, 9 + side]
    ground = float(p['y'][release])
    dt = (np.arange(n) - release) / fps
    ox = x0 + direction * vx * s * dt
    oy = y0 - vy * s * dt + 0.5 * GRAVITY * s * dt ** 2
    flying = (dt >= 0) & (np.cumsum((dt >= 0) & (oy > ground)) == 0)
    visible = flying & (ox >= 0) & (ox <= width - 1) & (oy >= 0) & (oy <= height - 1)
    out[visible, 0], out[visible, 1], out[visible, 2] = ox[visible], oy[visible], 1.0
    return out


def _loiter(scene: SceneSpec, rng: np.random.Generator, band: Tuple[float, float], n: int,
            fps: float, direction: int) -> Tuple[dict, np.ndarray]:
    """A person standing about, shifting weight, turning and wandering slowly."""
    mean = rng.uniform(*LOITER_SPEED)
    period, phase = rng.uniform(4.0, 8.0), rng.uniform(0, 2 * np.pi)
    t = np.arange(n) / fps
    grid = np.sin(np.linspace(0, 2 * np.pi, 256, endpoint=False))
    norm = float(np.mean(np.maximum(0.0, 1 + 1.3 * grid)))
    speed = mean * np.maximum(0.0, 1 + 1.3 * np.sin(2 * np.pi * t / period + phase)) / norm
    x, y, scale, heading = _path(scene, rng, band, n, fps, speed, direction, 0.4)
    x = x + rng.uniform(0.15, 0.85) * scene.width
    dist = np.concatenate([[0.0], np.cumsum(speed[:-1]) / fps])
    psi = rng.uniform(0, 2 * np.pi) + np.pi * dist / 0.3  # steps of 0.3 person heights
    moving = np.clip(speed / 0.2, 0.0, 1.0)
    turn_amp, turn_period = rng.uniform(0.6, 1.4), rng.uniform(5.0, 9.0)
    turn_phase = rng.uniform(0, 2 * np.pi)
    turn = turn_amp * np.sin(2 * np.pi * t / turn_period + turn_phase)
    sway_period, sway_phase = rng.uniform(2.5, 5.0), rng.uniform(0, 2 * np.pi)
    sway_wave = np.sin(2 * np.pi * t / sway_period + sway_phase)
    amp = 0.3 * moving * np.abs(np.cos(turn))
    thigh, knee, arm, elbow = _gait(psi, amp, 0.8 * moving, 0.5 * amp, 0.06, 0.0, 0.25)
    relaxed = 0.15 * (1 - moving)
    knee = knee + relaxed[:, None] * np.clip(np.stack([sway_wave, -sway_wave], 1), 0, None)
    p = dict(x=x, y=y, scale=scale, heading=heading, thigh=thigh, knee=knee, arm=arm,
             elbow=elbow, lean=np.full(n, 0.02), lift=np.zeros(n),
             sway=0.025 * sway_wave, facing=_facing(direction, n) + turn)
    return p, np.ones(n, bool)


def _ride(scene: SceneSpec, rng: np.random.Generator, band: Tuple[float, float], n: int,
          fps: float, direction: int, width: int) -> Tuple[dict, np.ndarray, dict]:
    """A cyclist: the seated rider's keypoints and the bicycle."""
    speed = rng.uniform(*RIDE_SPEED)
    radius = rng.uniform(*WHEEL_RADIUS)
    crank0 = rng.uniform(0, 2 * np.pi)
    lean = rng.uniform(0.4, 0.55)
    x, y, scale, heading = _path(scene, rng, band, n, fps, np.full(n, speed), direction, 0.01)
    back, front = -0.34, 0.30
    hip_f, hip_u = -0.16, 2 * radius + 0.08
    bb_f, bb_u, crank = -0.04, 0.8 * radius, 0.09
    rate = speed / (2 * np.pi * radius * 2.4)  # crank turns per second (gear 2.4)
    q = crank0 + 2 * np.pi * rate * np.arange(n) / fps
    q2 = q[:, None] + np.array([0.0, np.pi])
    feet = np.stack([bb_f + crank * np.cos(q2), bb_u + crank * np.sin(q2) + 0.02], -1)
    bar = np.array([front - 0.06, 2 * radius + 0.22])
    hands = np.broadcast_to(bar, (n, 2, 2)).copy()
    zeros = np.zeros((n, 2))
    p = dict(x=x, y=y, scale=scale, heading=heading, thigh=zeros, knee=zeros, arm=zeros,
             elbow=zeros, lean=np.full(n, lean), pelvis=np.full(n, hip_u),
             pelvis_f=np.full(n, hip_f), feet=feet, hands=hands,
             facing=_facing(direction, n, 0.0))
    bike = np.stack([x + direction * back * scale, y, x + direction * front * scale,
                     radius * scale], -1)
    return p, np.ones(n, bool), dict(bicycle=bike)


def _push(scene: SceneSpec, rng: np.random.Generator, band: Tuple[float, float], n: int,
          fps: float, direction: int, width: int) -> Tuple[dict, np.ndarray, dict]:
    """A person walking behind a cart, hands on its handle."""
    speed = rng.uniform(*PUSH_SPEED)
    cadence = rng.uniform(1.6, 1.8)
    psi0 = rng.uniform(0, 2 * np.pi)
    length, top = rng.uniform(*CART_LENGTH), rng.uniform(*CART_HEIGHT)
    x, y, scale, heading = _path(scene, rng, band, n, fps, np.full(n, speed), direction, 0.02)
    psi = psi0 + np.pi * cadence * np.arange(n) / fps
    amp = np.full(n, 0.28)
    thigh, knee, _, _ = _gait(psi, amp, np.full(n, 0.9), np.zeros(n), 0.08, 0.0, 0.2)
    gap = 0.3
    hands = np.broadcast_to(np.array([gap, top + 0.03]), (n, 2, 2)).copy()
    zeros = np.zeros((n, 2))
    p = dict(x=x, y=y, scale=scale, heading=heading, thigh=thigh, knee=knee, arm=zeros,
             elbow=zeros, lean=np.full(n, 0.12), lift=np.zeros(n), hands=hands,
             facing=_facing(direction, n, 0.0))
    xa, xb = x + direction * gap * scale, x + direction * (gap + length) * scale
    cart = np.stack([np.minimum(xa, xb), y - (top + 0.03) * scale, np.maximum(xa, xb), y], -1)
    return p, np.ones(n, bool), dict(cart=cart)


def _drive(scene: SceneSpec, rng: np.random.Generator, band: Tuple[float, float], n: int,
           fps: float, direction: int, width: int) -> Tuple[dict, np.ndarray, dict]:
    """A car (no person drawn)."""
    speed = rng.uniform(*DRIVE_SPEED)
    length, tall = rng.uniform(*CAR_LENGTH), rng.uniform(*CAR_HEIGHT)
    x, y, scale, heading = _path(scene, rng, band, n, fps, np.full(n, speed), direction, 0.0)
    half = 0.5 * length * scale
    car = np.stack([x - half, y - tall * scale, x + half, y], -1)
    p = dict(x=x, y=y, scale=scale, heading=heading)
    return p, np.ones(n, bool), dict(car=car)


# --- the track -------------------------------------------------------------------------
_WALKER_ACTIONS = dict(walk=_walk, run=_walk, jump=_jump, fall=_fall, throw=_throw)
_VEHICLES = dict(ride=_ride, push=_push, drive=_drive)


def make_track(behaviour: str, scene: SceneSpec, rng: np.random.Generator, track_id: int,
               start_frame: int, num_frames: int, fps: float = 25.0,
               direction: Optional[int] = None) -> Optional[ActorTrack]:
    """Simulate one actor from ``start_frame`` until it leaves the frame or the video ends.

    Args:
        behaviour: One of :data:`BEHAVIOURS`.
        scene: The scene (geometry, flow, lanes, road, normal behaviours).
        rng: Random numbers; one generator state gives byte-identical arrays.
        track_id: Id of the track in its video.
        start_frame: Video frame at which the actor enters the frame (or, for loiterers,
            appears inside it).
        num_frames: Frames left in the video from ``start_frame`` on.
        fps: Frames per second (speeds are per second).
        direction: +1 to move along the scene's flow (its ``x`` sign), -1 against it;
            random when None, except for loiterers, who go against the flow.

    Returns:
        The track over its consecutive on-screen frames, or None when it would be on
        screen for fewer than :data:`MIN_FRAMES` frames.
    """
    if behaviour not in BEHAVIOURS:
        raise ValueError(f'unknown behaviour {behaviour!r}; choose from {BEHAVIOURS}')
    n = int(num_frames)
    if n < MIN_FRAMES:
        return None
    colors = _colors(rng, behaviour)
    if direction is None:
        direction = -1 if behaviour == 'loiter' else int(rng.choice([-1, 1]))
    flow_sign = -1 if scene.flow[0] < 0 else 1
    sign = flow_sign * (1 if direction >= 0 else -1)
    band = _band(scene, behaviour, rng)
    width, height = int(scene.width), int(scene.height)
    extra: Dict[str, np.ndarray] = {}
    release = None
    if behaviour in _WALKER_ACTIONS:
        walker = _Walker(scene, rng, band, n, fps, sign, run=behaviour == 'run')
        walker.shift_into_frame(width)
        p, acting, info = _WALKER_ACTIONS[behaviour](walker, rng, n, fps, width)
        release = info.get('_release')
        if behaviour == 'run':
            acting = np.ones(n, bool)
    elif behaviour == 'loiter':
        p, acting = _loiter(scene, rng, band, n, fps, sign)
    else:
        p, acting, extra = _VEHICLES[behaviour](scene, rng, band, n, fps, sign, width)
    keypoints = np.zeros((n, 17, 3))
    parts = []  # unclipped boxes of what is drawn: person, bicycle, cart, car
    if behaviour != 'drive':
        img = _project(_points(p), p['x'], p['y'], p['scale'], p['facing'])
        keypoints[..., :2] = img[:, :17]
        parts.append(_person_box(img, p['scale']))
        if release is not None:
            extra['object'] = _thrown_object(img, p, *release, fps, sign, width, height)
    if 'bicycle' in extra:
        bike = extra['bicycle']
        r = bike[:, 3]
        parts.append(np.stack([np.minimum(bike[:, 0], bike[:, 2]) - r, bike[:, 1] - 2 * r,
                               np.maximum(bike[:, 0], bike[:, 2]) + r, bike[:, 1]], -1))
    for key in ('cart', 'car'):
        if key in extra:
            parts.append(extra[key])
    if behaviour not in _WALKER_ACTIONS and behaviour != 'loiter':
        # entering actors: the leading edge one pixel inside the frame at the first frame
        whole = parts[0]
        for part in parts[1:]:
            whole = _union(whole, part)
        shift = _entry_shift(whole[0, 0], whole[0, 2], sign, width)
        parts = [part + np.array([shift, 0.0, shift, 0.0]) for part in parts]
        keypoints[..., 0] += shift * (behaviour != 'drive')
        for key in ('bicycle', 'cart', 'car'):
            if key in extra:
                extra[key][:, [0, 2]] += shift
    box, on = _clip_union(parts, width, height)
    if not on.any():
        return None
    first = int(np.argmax(on))
    off = np.flatnonzero(~on[first:])
    last = first + (int(off[0]) if len(off) else n - first)
    if last - first < MIN_FRAMES:
        return None
    keep = slice(first, last)
    if behaviour != 'drive':
        inside = ((keypoints[..., 0] >= 0) & (keypoints[..., 0] <= width - 1)
                  & (keypoints[..., 1] >= 0) & (keypoints[..., 1] <= height - 1))
        keypoints[..., 2] = np.where(inside, 2.0, 0.0)
    anomalous = np.zeros(n, bool) if behaviour in scene.normal_behaviours else acting
    return ActorTrack(
        track_id=int(track_id), behaviour=behaviour, category=CATEGORY_OF[behaviour],
        frames=np.arange(first, last, dtype=np.int64) + int(start_frame),
        keypoints=keypoints[keep], boxes=box[keep], anomalous=anomalous[keep].copy(),
        heading=np.asarray(p['heading'], np.float64)[keep].copy(), colors=colors,
        scale=np.asarray(p['scale'], np.float64)[keep].copy(),
        extra={k: v[keep].copy() for k, v in extra.items()})
