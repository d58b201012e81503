"""Scenes of the synthetic surveillance world: layout and procedural backgrounds.

A scene is a fixed camera looking down at a ground plane. :func:`make_scene` draws its
layout from a seed (where the ground starts, how tall people look near and far, the bands
where people walk, a road) and :func:`render_background` paints it: a ground texture in
perspective (paving, tiles, asphalt or grass, whose joints converge towards the vanishing
line and shrink with distance), buildings or trees and sky above the ground, and street
furniture (lamp posts, benches, a fountain, trees).

The ground is a plane seen by a pinhole camera. A standing person is ``PERSON_M`` metres
tall, so the person heights of the scene fix the camera: a person whose feet are on row
``y`` is ``k * (y - y_v)`` pixels tall, with ``y_v`` the vanishing line (above the frame
for a camera looking down). Ground textures are computed per pixel from the ground point
``(X, Z)`` (metres across and in depth) the pixel sees, with vectorised numpy, at twice the
resolution and then downsampled; upright objects are drawn with OpenCV at the size their
depth gives.

Which behaviours are normal depends on the kind of scene (:data:`NORMAL_BEHAVIOURS`), like
the scene-dependent anomalies of the ShanghaiTech mixture splits: a cyclist is normal on a
road and an anomaly on a walkway.
"""
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .types import SCENE_KINDS, SceneSpec

#: Behaviours that are normal in each scene kind; every other behaviour is an anomaly there.
NORMAL_BEHAVIOURS: Dict[str, Tuple[str, ...]] = dict(
    walkway=('walk',),
    plaza=('walk', 'loiter'),
    road=('walk', 'ride', 'drive'),
    lawn=('walk', 'run'),
)

#: Height of a standing person in metres (sets the size of everything in a scene).
PERSON_M = 1.7

# fraction of the ground height between a lane's edge and the edge of its paving / path
_INSET = 0.03
# supersampling factor of the ground texture
_SS = 2
_Colour = Tuple[float, float, float]


def _rng(seed: int, *salt: int) -> np.random.Generator:
    """A generator seeded by ``seed`` (any int) and a few non-negative salts."""
    return np.random.default_rng(np.random.SeedSequence([int(seed) % 2**63, *salt]))


def make_scene(kind: str, scene_id: str, width: int = 320, height: int = 240,
               seed: int = 0) -> SceneSpec:
    """Draw the layout of a scene of kind ``kind`` from ``seed``.

    Args:
        kind: One of :data:`SCENE_KINDS`: ``'walkway'`` (a paved path between grass
            strips), ``'plaza'`` (a tiled square with a fountain), ``'road'`` (sidewalks
            on both sides of a road) or ``'lawn'`` (a dirt path across a park).
        scene_id: Name of the scene, e.g. ``'s00_walkway'``.
        width: Frame width in pixels.
        height: Frame height in pixels.
        seed: Seed of the layout and of the background drawing.

    Returns:
        The scene: ground start (``horizon``) at 25-35% of the height, standing people
        12-16% of the height at the horizon and 35-42% at the bottom, walking lanes
        between the horizon and the bottom, a road band for ``'road'`` only, a main
        walking direction within about 6 degrees of horizontal, and the kind's
        :data:`NORMAL_BEHAVIOURS`.

    Raises:
        ValueError: For an unknown kind or a frame smaller than 32x32.
    """
    if kind not in SCENE_KINDS:
        raise ValueError(f'unknown scene kind {kind!r}; choose from {SCENE_KINDS}')
    if width < 32 or height < 32:
        raise ValueError(f'a scene needs at least 32x32 pixels, got {width}x{height}')
    rng = _rng(seed, 0, SCENE_KINDS.index(kind))
    horizon = height * rng.uniform(0.25, 0.35)
    near_height = height * rng.uniform(0.35, 0.42)
    far_height = height * rng.uniform(0.12, 0.16)
    span = height - horizon

    def band(lo: float, hi: float) -> Tuple[float, float]:
        return round(horizon + lo * span, 2), round(horizon + hi * span, 2)

    road = None
    if kind == 'walkway':
        top, bottom = rng.uniform(0.12, 0.22), rng.uniform(0.80, 0.90)
        mid = (top + bottom) / 2 + rng.uniform(-0.05, 0.05)
        lanes = [band(top + _INSET, mid), band(mid, bottom - _INSET)]
    elif kind == 'plaza':
        top, mid = rng.uniform(0.30, 0.40), rng.uniform(0.60, 0.70)
        lanes = [band(top, mid), band(mid, 0.96)]
    elif kind == 'road':
        sidewalk = rng.uniform(0.16, 0.24)
        road_top = sidewalk + 0.03
        road_bottom = road_top + rng.uniform(0.36, 0.44)
        road = band(road_top, road_bottom)
        lanes = [band(0.05, sidewalk - 0.01), band(road_bottom + 0.06, 0.96)]
    else:  # lawn
        top = rng.uniform(0.30, 0.45)
        bottom = top + rng.uniform(0.14, 0.20)
        lanes = [band(top + _INSET, bottom - _INSET), band(bottom + 0.10, 0.95)]
    angle = rng.uniform(-0.1, 0.1)
    sign = 1.0 if rng.random() < 0.5 else -1.0
    flow = (round(sign * float(np.cos(angle)), 4), round(float(np.sin(angle)), 4))
    return SceneSpec(scene_id=scene_id, kind=kind, width=int(width), height=int(height),
                     seed=int(seed), horizon=round(float(horizon), 2),
                     near_height=round(float(near_height), 2),
                     far_height=round(float(far_height), 2), flow=flow,
                     lanes=[(float(a), float(b)) for a, b in lanes],
                     road=None if road is None else (float(road[0]), float(road[1])),
                     normal_behaviours=NORMAL_BEHAVIOURS[kind])


# ------------------------------------------------------------------ camera and ground


class _Camera:
    """Pinhole geometry of a scene: image rows <-> ground depth, pixels per metre."""

    def __init__(self, scene: SceneSpec, vx: float) -> None:
        span = max(scene.height - scene.horizon, 1.0)
        far = max(scene.far_height, 1.0)
        near = max(scene.near_height, far + 1.0)
        self.k = (near - far) / span
        self.yv = scene.horizon - far / self.k
        self.focal = float(scene.width)
        self.vx = vx
        self.width = scene.width
        self.height = scene.height

    def ppm(self, y):
        """Pixels per metre at image row ``y`` (on the ground)."""
        return self.k * (np.asarray(y, np.float64) - self.yv) / PERSON_M

    def depth(self, y):
        """Depth ``Z`` (metres) of the ground seen at row ``y``."""
        return self.focal / self.ppm(y)

    def row(self, z):
        """Image row of the ground at depth ``z``."""
        return self.yv + self.focal * PERSON_M / (self.k * np.asarray(z, np.float64))

    def col(self, x_m, y):
        """Image column of the ground point ``x_m`` metres across, seen at row ``y``."""
        return self.vx + np.asarray(x_m, np.float64) * self.ppm(y)

    def x_range(self, y, margin: float = 0.0) -> Tuple[float, float]:
        """Ground ``X`` (metres) seen at the left and right frame edges at row ``y``."""
        p = float(self.ppm(y))
        return (-self.vx - margin) / p, (self.width - self.vx + margin) / p


class _Ground:
    """The ground seen by each (supersampled) pixel at or below row ``y_start``."""

    def __init__(self, cam: _Camera, y_start: float) -> None:
        ys = (np.arange(cam.height * _SS) + 0.5) / _SS - 0.5
        xs = (np.arange(cam.width * _SS) + 0.5) / _SS - 0.5
        self.r0 = int(np.searchsorted(ys, y_start))
        y = ys[self.r0:]
        ppm = cam.ppm(y)[:, None]
        shape = (len(y), len(xs))
        self.shape = shape
        self.y = np.broadcast_to(y[:, None], shape)
        self.X = (xs[None, :] - cam.vx) / ppm
        self.Z = np.broadcast_to(cam.focal / ppm, shape)
        # size of a (supersampled) pixel on the ground, across and in depth (metres)
        self.fpx = np.broadcast_to(1.0 / (ppm * _SS), shape)
        self.fpz = np.broadcast_to(cam.focal * cam.k / (PERSON_M * ppm ** 2 * _SS), shape)
        self.cam = cam

    def noise(self, rng: np.random.Generator, cell: float) -> np.ndarray:
        """Smooth value noise in about ``[-1, 1]`` with features of ``cell`` metres, fixed
        to the ground (so it shrinks with distance) and faded where a pixel is larger
        than a feature (no aliasing far away)."""
        x0, z0 = float(self.X.min()), float(self.Z.min())
        nx = int((float(self.X.max()) - x0) / cell) + 4
        nz = int((float(self.Z.max()) - z0) / cell) + 4
        grid = rng.random((nz, nx), dtype=np.float32) * 2 - 1
        mapx = ((self.X - x0) / cell + 1).astype(np.float32)
        mapy = ((self.Z - z0) / cell + 1).astype(np.float32)
        out = cv2.remap(grid, mapx, mapy, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        fade = np.clip(cell / (3.0 * np.maximum(self.fpx, self.fpz)), 0.0, 1.0)
        return out * fade.astype(np.float32)

    def between(self, z_near: float, z_far: float) -> np.ndarray:
        """Anti-aliased coverage of the depth band ``[z_near, z_far]``."""
        fp = self.fpz
        inside = np.minimum(self.Z + fp / 2, z_far) - np.maximum(self.Z - fp / 2, z_near)
        return np.clip(inside / fp, 0.0, 1.0).astype(np.float32)


def _lines(u: np.ndarray, period: float, half: float, fp: np.ndarray) -> np.ndarray:
    """Coverage of a pixel of footprint ``fp`` by lines of half-width ``half`` repeated
    every ``period`` (all in metres along ``u``): joints of tiles, box-filtered."""
    t = u / period
    d = np.abs(t - np.round(t)) * period
    cover = np.minimum(d + fp / 2, half) - np.maximum(d - fp / 2, -half)
    return np.clip(cover / fp, 0.0, 1.0).astype(np.float32)


def _tile_values(rng: np.random.Generator, ix: np.ndarray, iz: np.ndarray,
                 spread: float) -> np.ndarray:
    """A random value in ``[-spread, spread]`` per tile ``(ix, iz)``."""
    table = (rng.random(4096, dtype=np.float32) * 2 - 1) * spread
    h = (ix.astype(np.int64) * 73856093) ^ (iz.astype(np.int64) * 19349663)
    return table[h & 4095]


def _paint(base: Sequence[float], shade: np.ndarray) -> np.ndarray:
    """``base`` colour (BGR) times ``shade`` (per pixel)."""
    return shade[..., None] * np.asarray(base, np.float32)


def _mix(under: np.ndarray, over: np.ndarray, cover: np.ndarray) -> np.ndarray:
    c = cover[..., None]
    return under * (1 - c) + over * c


def _jitter(rng: np.random.Generator, colour: Sequence[float], amount: float = 0.08
            ) -> Tuple[float, float, float]:
    c = np.asarray(colour, np.float64) * rng.uniform(1 - amount, 1 + amount, 3)
    return tuple(float(v) for v in np.clip(c, 0, 255))


def _grass(g: _Ground, rng: np.random.Generator, base: _Colour) -> np.ndarray:
    dry = _jitter(rng, (70, 150, 160), 0.1)
    low, mid = g.noise(rng, 1.8), g.noise(rng, 0.4)
    fine, blade = g.noise(rng, 0.08), g.noise(rng, 0.035)
    shade = 1 + 0.12 * low + 0.08 * mid + 0.14 * fine + 0.10 * blade
    out = _paint(base, shade)
    patches = np.clip(g.noise(rng, 3.0) * 1.5 - 0.3, 0, 1) * 0.5
    return _mix(out, _paint(dry, shade), patches)


def _paving(g: _Ground, rng: np.random.Generator, base: _Colour, tile_x: float,
            tile_z: float, bond: bool, joint: float = 0.012, spread: float = 0.07,
            two_tone: Sequence[float] = ()) -> np.ndarray:
    """Rectangular tiles ``tile_x`` by ``tile_z`` metres, rows offset by half a tile when
    ``bond``; ``two_tone`` colours alternate in a checkerboard."""
    iz = np.floor(g.Z / tile_z)
    shift = (0.5 * (iz % 2) if bond else 0.0) * tile_x
    ix = np.floor((g.X + shift) / tile_x)
    tone = 1 + _tile_values(rng, ix, iz, spread)
    shade = tone + 0.05 * g.noise(rng, 0.07) + 0.06 * g.noise(rng, 1.2)
    out = _paint(base, shade)
    if len(two_tone):
        checker = ((ix + iz) % 2).astype(np.float32)
        out = _mix(out, _paint(two_tone, shade), checker)
    joints = np.maximum(_lines(g.X + shift, tile_x, joint, g.fpx),
                        _lines(g.Z, tile_z, joint, g.fpz))
    return _mix(out, out * 0.55, joints)


# ------------------------------------------------------------------ upper part (far away)


def _sky(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    top = np.asarray(_jitter(rng, (205, 160, 110), 0.1), np.float32)
    low = np.asarray(_jitter(rng, (235, 215, 195), 0.05), np.float32)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    sky = top * (1 - t) + low * t
    clouds = _smooth_noise(rng, height, width, max(width // 40, 2), max(height // 30, 2))
    clouds += 0.4 * _smooth_noise(rng, height, width, max(width // 12, 2),
                                  max(height // 10, 2))
    cover = np.clip((clouds - rng.uniform(0.0, 0.5)) * 1.6, 0, 0.85)[..., None]
    return np.broadcast_to(sky, (height, width, 3)) * (1 - cover) + 245.0 * cover


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cols: int,
                  rows: int) -> np.ndarray:
    """Noise in about ``[-1, 1]``: a ``rows`` x ``cols`` random grid resized to the image."""
    grid = rng.random((rows + 1, cols + 1), dtype=np.float32) * 2 - 1
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)


_WALLS = ((170, 190, 210), (80, 100, 160), (150, 150, 150), (185, 185, 180),
          (120, 150, 185), (95, 110, 130), (200, 205, 215), (140, 160, 150))


def _buildings(img: np.ndarray, cam: _Camera, rng: np.random.Generator, y_base: float,
               shops: bool) -> None:
    """A row of buildings standing on row ``y_base``: walls, windows, doors, shops."""
    ppm = float(cam.ppm(y_base))
    x = -rng.uniform(0, 10) * ppm
    while x < cam.width:
        if rng.random() < 0.12:  # a gap between buildings shows the sky
            x += rng.uniform(1.5, 5.0) * ppm
            continue
        w, h = rng.uniform(7, 20) * ppm, rng.uniform(5, 28) * ppm
        x1, top = x + w, y_base - h
        wall = _jitter(rng, _WALLS[int(rng.integers(len(_WALLS)))], 0.08)
        cv2.rectangle(img, (int(x), int(top)), (int(x1), int(np.ceil(y_base))), wall, -1)
        cv2.rectangle(img, (int(x), int(top)), (int(x1), int(top + 0.4 * ppm)),
                      tuple(0.7 * c for c in wall), -1)
        storey = rng.uniform(3.0, 3.6) * ppm
        pitch = rng.uniform(2.3, 3.4) * ppm
        win_w, win_h = rng.uniform(0.35, 0.55) * pitch, rng.uniform(0.4, 0.55) * storey
        glass = _jitter(rng, (95, 75, 60), 0.15)
        cols = max(int((w - 0.5 * pitch) // pitch), 1)
        margin = (w - cols * pitch) / 2
        level = 1
        while y_base - level * storey > top + 0.3 * storey:
            y_win = y_base - level * storey + 0.35 * storey
            for c in range(cols):
                xw = x + margin + c * pitch + (pitch - win_w) / 2
                tone = tuple(float(v) * rng.uniform(0.8, 1.35) for v in glass)
                p1 = (int(round(xw)), int(round(y_win)))
                p2 = (int(round(xw + win_w)), int(round(y_win + win_h)))
                cv2.rectangle(img, p1, p2, tone, -1)
                if win_w > 5:
                    cv2.rectangle(img, p1, p2, tuple(0.85 * v for v in wall), 1)
            level += 1
        # ground floor: a shop front or a door and small windows
        if shops and w > 4 * ppm:
            sx0, sx1 = x + 0.08 * w, x1 - 0.08 * w
            cv2.rectangle(img, (int(sx0), int(y_base - 2.6 * ppm)),
                          (int(sx1), int(y_base)), tuple(0.75 * v for v in glass), -1)
            awning = _jitter(rng, ((60, 60, 180), (160, 90, 40), (50, 140, 60),
                                   (40, 160, 200))[int(rng.integers(4))], 0.1)
            pts = np.array([[sx0 - 0.2 * ppm, y_base - 2.7 * ppm],
                            [sx1 + 0.2 * ppm, y_base - 2.7 * ppm],
                            [sx1 + 0.4 * ppm, y_base - 2.1 * ppm],
                            [sx0 - 0.4 * ppm, y_base - 2.1 * ppm]])
            cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], awning, cv2.LINE_AA,
                         shift=4)
        else:
            dx = x + rng.uniform(0.2, 0.7) * w
            cv2.rectangle(img, (int(dx), int(y_base - 2.2 * ppm)),
                          (int(dx + 1.2 * ppm), int(y_base)), (50, 60, 75), -1)
        x = x1


def _treeline(img: np.ndarray, cam: _Camera, rng: np.random.Generator,
              y_base: float) -> None:
    """Distant hills and a belt of trees standing on row ``y_base``."""
    width = cam.width
    ppm = float(cam.ppm(y_base))
    hill = _jitter(rng, (120, 140, 110), 0.08)
    xs = np.arange(-1, width + 2, max(width // 64, 1), dtype=np.float64)
    ridge = y_base - ppm * (6 + 5 * _smooth_noise(rng, 1, len(xs), 4, 1)[0])
    poly = np.concatenate([np.stack([xs, ridge], 1),
                           [[width + 2, y_base + 2], [-1, y_base + 2]]])
    cv2.fillPoly(img, [np.round(poly * 16).astype(np.int32)], hill, cv2.LINE_AA, shift=4)
    x = -2 * ppm
    while x < width + 2 * ppm:
        r = rng.uniform(1.5, 3.5) * ppm
        green = _jitter(rng, (45, 95, 55), 0.2)
        cy = y_base - rng.uniform(1.0, 3.5) * ppm - r * 0.5
        cv2.rectangle(img, (int(x - 0.15 * ppm), int(cy)), (int(x + 0.15 * ppm), int(y_base)),
                      (40, 55, 70), -1)
        _circle(img, (x, cy), r, green)
        _circle(img, (x - 0.3 * r, cy - 0.3 * r), 0.6 * r, tuple(1.15 * v for v in green))
        x += rng.uniform(0.6, 1.4) * r


# ------------------------------------------------------------------ upright objects


def _circle(img: np.ndarray, centre: Sequence[float], radius: float, colour: Sequence[float],
            thickness: int = -1) -> None:
    c = (int(round(centre[0] * 16)), int(round(centre[1] * 16)))
    cv2.circle(img, c, max(int(round(radius * 16)), 8), tuple(colour), thickness, cv2.LINE_AA,
               shift=4)


def _ellipse(img: np.ndarray, centre: Sequence[float], axes: Sequence[float],
             colour: Sequence[float], thickness: int = -1) -> None:
    c = (int(round(centre[0] * 16)), int(round(centre[1] * 16)))
    a = (max(int(round(axes[0] * 16)), 8), max(int(round(axes[1] * 16)), 8))
    cv2.ellipse(img, c, a, 0, 0, 360, tuple(colour), thickness, cv2.LINE_AA, shift=4)


def _box(img: np.ndarray, x0: float, y0: float, x1: float, y1: float,
         colour: Sequence[float]) -> None:
    pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    cv2.fillConvexPoly(img, np.round(pts * 16).astype(np.int32), tuple(colour), cv2.LINE_AA,
                       shift=4)


def _ground_shadow(img: np.ndarray, centre: Sequence[float], axes: Sequence[float],
                   alpha: float) -> None:
    """Darken an ellipse of the image by ``alpha`` (soft edge)."""
    h, w = img.shape[:2]
    x0, x1 = int(max(centre[0] - axes[0] - 2, 0)), int(min(centre[0] + axes[0] + 3, w))
    y0, y1 = int(max(centre[1] - axes[1] - 2, 0)), int(min(centre[1] + axes[1] + 3, h))
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    _ellipse(mask, (centre[0] - x0, centre[1] - y0), axes, (255,))
    mask = cv2.GaussianBlur(mask, (0, 0), max(axes[1] * 0.3, 0.6))
    roi = img[y0:y1, x0:x1].astype(np.float32)
    roi *= 1 - alpha * mask[..., None].astype(np.float32) / 255
    img[y0:y1, x0:x1] = np.clip(roi + 0.5, 0, 255).astype(np.uint8)


def _lamp(img: np.ndarray, x: float, y: float, ppm: float, colour: _Colour) -> None:
    height, half = 4.5 * ppm, max(0.07 * ppm, 0.5)
    _box(img, x - 1.8 * half, y - 0.4 * ppm, x + 1.8 * half, y, colour)
    _box(img, x - half, y - height, x + half, y, colour)
    _box(img, x - half, y - height, x + 0.7 * ppm, y - height + 1.6 * half, colour)
    _ellipse(img, (x + 0.7 * ppm, y - height + 2 * half), (0.3 * ppm, 0.12 * ppm), colour)
    _ellipse(img, (x + 0.7 * ppm, y - height + 2.6 * half), (0.2 * ppm, 0.06 * ppm),
             (170, 235, 250))


def _bench(img: np.ndarray, x: float, y: float, ppm: float, wood: _Colour) -> None:
    metal = (55, 55, 60)
    length, seat = 1.8 * ppm, 0.45 * ppm
    for end in (-0.42, 0.42):
        _box(img, x + end * length - 0.04 * ppm, y - 0.85 * ppm, x + end * length + 0.04 * ppm,
             y, metal)
    _box(img, x - length / 2, y - seat - 0.1 * ppm, x + length / 2, y - seat, wood)
    dark = tuple(0.8 * c for c in wood)
    _box(img, x - length / 2, y - 0.62 * ppm, x + length / 2, y - 0.54 * ppm, dark)
    _box(img, x - length / 2, y - 0.80 * ppm, x + length / 2, y - 0.70 * ppm, dark)


def _tree(img: np.ndarray, x: float, y: float, ppm: float, rng: np.random.Generator) -> None:
    size = rng.uniform(0.8, 1.3)
    trunk_h, r = 2.2 * ppm * size, 1.3 * ppm * size
    _ground_shadow(img, (x + 0.4 * r, y), (1.3 * r, 0.3 * r), 0.35)
    _box(img, x - 0.14 * ppm, y - trunk_h - 0.5 * r, x + 0.14 * ppm, y,
         _jitter(rng, (45, 65, 90), 0.15))
    green = _jitter(rng, (50, 115, 60), 0.15)
    cy = y - trunk_h - 0.8 * r
    for i in range(9):
        dx, dy = rng.uniform(-0.8, 0.8) * r, rng.uniform(-0.7, 0.5) * r
        tone = 0.75 + 0.06 * i + rng.uniform(-0.05, 0.05)
        _circle(img, (x + dx, cy + dy), rng.uniform(0.5, 0.8) * r,
                tuple(min(tone * c, 255) for c in green))


def _bush(img: np.ndarray, x: float, y: float, ppm: float, rng: np.random.Generator) -> None:
    green = _jitter(rng, (45, 110, 55), 0.15)
    _ground_shadow(img, (x, y), (0.9 * ppm, 0.2 * ppm), 0.3)
    for i in range(5):
        r = rng.uniform(0.3, 0.5) * ppm
        _circle(img, (x + rng.uniform(-0.5, 0.5) * ppm, y - r * rng.uniform(0.6, 1.2)), r,
                tuple(min((0.8 + 0.07 * i) * c, 255) for c in green))


def _fountain(img: np.ndarray, cam: _Camera, xc: float, zc: float, radius: float,
              stone: _Colour) -> None:
    """A round basin with a raised rim and a jet, centred ``(xc, zc)`` metres."""
    y_far, y_near = float(cam.row(zc + radius)), float(cam.row(zc - radius))
    cy = (y_far + y_near) / 2
    ppm = float(cam.ppm(cy))
    cx = float(cam.col(xc, cy))
    ax, ay = radius * ppm, (y_near - y_far) / 2
    rim = 0.45 * ppm
    _ground_shadow(img, (cx, cy + 0.1 * ay), (1.05 * ax, 1.1 * ay), 0.3)
    side = tuple(0.7 * c for c in stone)
    _ellipse(img, (cx, cy), (ax, ay), side)
    _box(img, cx - ax, cy - rim, cx + ax, cy, side)
    _ellipse(img, (cx, cy - rim), (ax, ay), stone)
    inner = 1 - 0.35 / max(radius, 0.5)
    _ellipse(img, (cx, cy - rim), (ax * inner, ay * inner), (150, 115, 70))
    for f in (0.45, 0.7):
        _ellipse(img, (cx, cy - rim), (ax * inner * f, ay * inner * f), (185, 155, 110), 1)
    _box(img, cx - 0.2 * ppm, cy - rim - 1.1 * ppm, cx + 0.2 * ppm, cy - rim, stone)
    _ellipse(img, (cx, cy - rim - 1.1 * ppm), (0.6 * ppm, 0.15 * ppm), stone)
    spray = (235, 225, 210)
    for dx in (-0.45, -0.2, 0.0, 0.2, 0.45):
        pts = np.array([[cx, cy - rim - 1.2 * ppm], [cx + dx * ppm, cy - rim - 1.9 * ppm],
                        [cx + 2.2 * dx * ppm, cy - rim - 1.15 * ppm]])
        cv2.polylines(img, [np.round(pts * 16).astype(np.int32)], False, spray, 1,
                      cv2.LINE_AA, shift=4)


def _planter(img: np.ndarray, x: float, y: float, ppm: float, rng: np.random.Generator,
             stone: _Colour) -> None:
    _ground_shadow(img, (x, y), (0.8 * ppm, 0.15 * ppm), 0.3)
    _box(img, x - 0.6 * ppm, y - 0.5 * ppm, x + 0.6 * ppm, y, tuple(0.8 * c for c in stone))
    _box(img, x - 0.6 * ppm, y - 0.58 * ppm, x + 0.6 * ppm, y - 0.48 * ppm, stone)
    _bush(img, x, y - 0.5 * ppm, 0.8 * ppm, rng)


def _fence(img: np.ndarray, cam: _Camera, y: float, colour: _Colour) -> None:
    ppm = float(cam.ppm(y))
    _box(img, -1, y - 1.0 * ppm, cam.width + 1, y - 0.9 * ppm, colour)
    _box(img, -1, y - 0.5 * ppm, cam.width + 1, y - 0.42 * ppm, colour)
    x0, x1 = cam.x_range(y, 2 * ppm)
    for xm in np.arange(np.floor(x0 / 2) * 2, x1, 2.0):
        x = float(cam.col(xm, y))
        _box(img, x - 0.05 * ppm, y - 1.1 * ppm, x + 0.05 * ppm, y, colour)


def _hedge(img: np.ndarray, cam: _Camera, y: float, rng: np.random.Generator) -> None:
    ppm = float(cam.ppm(y))
    green = _jitter(rng, (40, 90, 45), 0.1)
    _box(img, -1, y - 0.9 * ppm, cam.width + 1, y, green)
    x = -ppm
    while x < cam.width + ppm:
        r = rng.uniform(0.25, 0.45) * ppm
        _circle(img, (x, y - 0.9 * ppm), r,
                tuple(min(c * rng.uniform(0.85, 1.2), 255) for c in green))
        x += r


def _spots(cam: _Camera, rng: np.random.Generator, y: float, spacing: float,
           jitter: float = 0.0) -> List[float]:
    """Image columns of ground points every ``spacing`` metres along row ``y``."""
    ppm = float(cam.ppm(y))
    x0, x1 = cam.x_range(y, 2 * ppm)
    start = x0 - rng.uniform(0, spacing)
    xs = np.arange(start, x1 + spacing, spacing)
    xs = xs + rng.uniform(-jitter, jitter, len(xs))
    return [float(cam.col(xm, y)) for xm in xs]


# ------------------------------------------------------------------ the four kinds


def _walkway(scene: SceneSpec, cam: _Camera, rng: np.random.Generator) -> np.ndarray:
    span = scene.height - scene.horizon
    pave0 = scene.lanes[0][0] - _INSET * span
    pave1 = scene.lanes[-1][1] + _INSET * span
    y_base = float(cam.row(cam.depth(scene.horizon) * rng.uniform(1.15, 1.5)))
    upper = _sky(scene.height, scene.width, rng).astype(np.uint8)
    _buildings(upper, cam, rng, y_base, shops=False)
    g = _Ground(cam, y_base)
    grass = _grass(g, rng, _jitter(rng, (55, 130, 70), 0.1))
    stone = _jitter(rng, ((150, 160, 170), (110, 125, 165), (140, 140, 140),
                          (120, 150, 175))[int(rng.integers(4))], 0.06)
    along = rng.uniform(0.3, 0.7)
    pave = _paving(g, rng, stone, along, along * rng.choice([0.5, 0.67, 1.0]),
                   bond=bool(rng.random() < 0.6))
    z_near, z_far = float(cam.depth(pave1)), float(cam.depth(pave0))
    ground = _mix(grass, pave, g.between(z_near, z_far))
    kerb = _paint(_jitter(rng, (185, 190, 195), 0.05), 1 + 0.05 * g.noise(rng, 0.1))
    ground = _mix(ground, kerb, np.maximum(g.between(z_far, z_far + 0.12),
                                           g.between(z_near - 0.12, z_near)))
    img = _compose(upper, ground, g)
    if rng.random() < 0.5:
        _hedge(img, cam, scene.horizon, rng)
    else:
        _fence(img, cam, scene.horizon, _jitter(rng, (60, 70, 60), 0.2))
    y_strip = (scene.horizon + pave0) / 2
    ppm = float(cam.ppm(y_strip))
    props = [(x, 'lamp') for x in _spots(cam, rng, y_strip, rng.uniform(8, 12))]
    props += [(x, 'bench') for x in _spots(cam, rng, y_strip + 0.2 * (pave0 - y_strip),
                                           rng.uniform(12, 20), 2.0)]
    lamp = _jitter(rng, (60, 65, 60), 0.2)
    wood = _jitter(rng, (60, 100, 140), 0.15)
    for x, what in props:
        if what == 'lamp':
            _lamp(img, x, y_strip, ppm, lamp)
        else:
            _bench(img, x, y_strip + 0.2 * (pave0 - y_strip), ppm, wood)
    return img


def _plaza(scene: SceneSpec, cam: _Camera, rng: np.random.Generator) -> np.ndarray:
    y_base = float(cam.row(cam.depth(scene.horizon) * rng.uniform(1.0, 1.2)))
    upper = _sky(scene.height, scene.width, rng).astype(np.uint8)
    _buildings(upper, cam, rng, y_base, shops=bool(rng.random() < 0.5))
    g = _Ground(cam, y_base)
    light = _jitter(rng, ((195, 200, 205), (170, 185, 200), (185, 185, 180))[
        int(rng.integers(3))], 0.05)
    dark = tuple(c * rng.uniform(0.7, 0.85) for c in light)
    tile = rng.uniform(0.9, 1.6)
    ground = _paving(g, rng, light, tile, tile, bond=False, joint=0.015, spread=0.04,
                     two_tone=dark if rng.random() < 0.6 else ())
    # the fountain stands in the band between the horizon and the first lane
    top, bottom = scene.horizon, scene.lanes[0][0]
    z_far = float(cam.depth(top + 0.1 * (bottom - top)))
    z_near = float(cam.depth(bottom - 0.12 * (bottom - top)))
    zc, radius = (z_far + z_near) / 2, (z_far - z_near) / 2
    yc = float(cam.row(zc))
    x_lo, x_hi = cam.x_range(yc)
    xc = (x_lo + x_hi) / 2 + rng.uniform(-0.25, 0.25) * (x_hi - x_lo)
    dist = np.sqrt((g.X - xc) ** 2 + (g.Z - zc) ** 2)
    ring = _lines(dist - radius - 0.9, 1e3, 0.25, np.maximum(g.fpx, g.fpz))
    ground = _mix(ground, _paint(dark, 0.85 + 0.05 * g.noise(rng, 0.1)), ring)
    img = _compose(upper, ground, g)
    stone = _jitter(rng, (175, 185, 195), 0.06)
    ppm = float(cam.ppm(yc))
    props = []
    for side in (-1, 1):
        xb = xc + side * (radius + rng.uniform(2.0, 3.5))
        props.append((zc + rng.uniform(-0.3, 0.3) * radius, xb, 'bench'))
        xp = xb + side * rng.uniform(2.5, 4.0)
        props.append((z_far - 0.3, xp, 'planter'))
    for x in _spots(cam, rng, yc, rng.uniform(10, 14)):
        xm = (x - cam.vx) / ppm
        if abs(xm - xc) > radius + 1.0:
            props.append((z_far, xm, 'lamp'))
    props.append((zc, xc, 'fountain'))
    wood = _jitter(rng, (70, 95, 120), 0.15)
    for z, xm, what in sorted(props, key=lambda p: -p[0]):
        y = float(cam.row(z))
        p = float(cam.ppm(y))
        x = float(cam.col(xm, y))
        if what == 'bench':
            _bench(img, x, y, p, wood)
        elif what == 'planter':
            _planter(img, x, y, p, rng, stone)
        elif what == 'lamp':
            _lamp(img, x, y, p, (50, 50, 50))
        else:
            _fountain(img, cam, xc, zc, radius, stone)
    return img


def _road(scene: SceneSpec, cam: _Camera, rng: np.random.Generator) -> np.ndarray:
    y_base = scene.horizon
    upper = _sky(scene.height, scene.width, rng).astype(np.uint8)
    _buildings(upper, cam, rng, y_base, shops=True)
    g = _Ground(cam, y_base)
    z_road_far, z_road_near = float(cam.depth(scene.road[0])), float(cam.depth(scene.road[1]))
    curb = 0.25
    slab = rng.uniform(0.45, 0.7)
    side_colour = _jitter(rng, (160, 165, 170), 0.06)
    ground = _paving(g, rng, side_colour, slab, slab, bond=bool(rng.random() < 0.3),
                     joint=0.01, spread=0.05)
    asphalt = _paint(_jitter(rng, (72, 72, 76), 0.08),
                     1 + 0.10 * g.noise(rng, 0.05) + 0.08 * g.noise(rng, 0.5)
                     + 0.07 * g.noise(rng, 3.0))
    paint = _paint((215, 220, 220), 1 + 0.06 * g.noise(rng, 0.1))
    width = z_road_far - z_road_near
    marks = g.between(z_road_near + width / 2 - 0.06, z_road_near + width / 2 + 0.06)
    dash = rng.uniform(2.0, 3.5)
    phase = rng.uniform(0, 2 * dash)
    marks *= (((g.X + phase) % (2 * dash)) < dash).astype(np.float32)
    for edge in (z_road_near + 0.3, z_road_far - 0.3):
        marks = np.maximum(marks, g.between(edge - 0.06, edge + 0.06))
    if rng.random() < 0.5:  # a zebra crossing
        x_lo, x_hi = cam.x_range(scene.road[1])
        x0 = rng.uniform(x_lo + 1.0, max(x_hi - 4.0, x_lo + 1.5))
        # bars along the traffic, repeated across the road
        stripes = _lines(g.Z - z_road_near - 0.5, 0.8, 0.2, g.fpz)
        stripes *= np.clip((np.minimum(g.X + g.fpx / 2, x0 + 3.0)
                            - np.maximum(g.X - g.fpx / 2, x0)) / g.fpx, 0, 1)
        marks = np.maximum(marks, stripes * g.between(z_road_near + 0.4, z_road_far - 0.4))
    asphalt = _mix(asphalt, paint, marks)
    ground = _mix(ground, asphalt, g.between(z_road_near, z_road_far))
    kerb = _paint(_jitter(rng, (175, 178, 180), 0.05),
                  (1 + 0.05 * g.noise(rng, 0.1)) * (1 - 0.3 * _lines(g.X, 1.0, 0.01, g.fpx)))
    ground = _mix(ground, kerb, np.maximum(g.between(z_road_far, z_road_far + curb),
                                           g.between(z_road_near - curb, z_road_near)))
    img = _compose(upper, ground, g)
    # the near kerb's upright face, seen below its top edge
    y_kerb = float(cam.row(z_road_near))
    face = 0.12 * float(cam.ppm(y_kerb))
    _ground_shadow(img, (scene.width / 2, y_kerb + face / 2), (scene.width, face / 2 + 0.5),
                   0.25)
    y_lamp = (scene.horizon + scene.lanes[0][0]) / 2
    lamp = _jitter(rng, (60, 60, 60), 0.2)
    ppm = float(cam.ppm(y_lamp))
    trees = rng.random() < 0.5
    for i, x in enumerate(_spots(cam, rng, y_lamp, rng.uniform(7, 10))):
        if trees and i % 2:
            _tree(img, x, y_lamp, ppm * 0.9, rng)
        else:
            _lamp(img, x, y_lamp, ppm, lamp)
    return img


def _lawn(scene: SceneSpec, cam: _Camera, rng: np.random.Generator) -> np.ndarray:
    span = scene.height - scene.horizon
    y_base = float(cam.row(cam.depth(scene.horizon) * rng.uniform(1.3, 2.0)))
    upper = _sky(scene.height, scene.width, rng).astype(np.uint8)
    _treeline(upper, cam, rng, y_base)
    g = _Ground(cam, y_base)
    ground = _grass(g, rng, _jitter(rng, (50, 135, 75), 0.12))
    z_far = float(cam.depth(scene.lanes[0][0] - _INSET * span))
    z_near = float(cam.depth(scene.lanes[0][1] + _INSET * span))
    wobble = 0.12 * (np.sin(g.X / rng.uniform(2, 4) + rng.uniform(0, 6))
                     + 0.5 * g.noise(rng, 1.0))
    dist = np.abs(g.Z - (z_far + z_near) / 2 + wobble)
    half = (z_far - z_near) / 2
    path = np.clip((half - dist) / g.fpz + 0.5, 0, 1).astype(np.float32)
    dirt = _paint(_jitter(rng, (80, 120, 150), 0.1),
                  1 + 0.10 * g.noise(rng, 0.06) + 0.08 * g.noise(rng, 0.6))
    ground = _mix(ground, dirt, path)
    pebbles = np.clip(g.noise(rng, 0.05) * 4 - 3, 0, 1) * path
    ground = _mix(ground, _paint((170, 180, 185), np.ones_like(path)), pebbles)
    flowers = np.clip(g.noise(rng, 0.06) * 5 - 4.2, 0, 1) * (1 - path)
    petals = _jitter(rng, ((60, 220, 240), (235, 235, 240), (180, 120, 230))[
        int(rng.integers(3))], 0.05)
    ground = _mix(ground, _paint(petals, np.ones_like(path)), flowers)
    img = _compose(upper, ground, g)
    top = scene.lanes[0][0] - _INSET * span
    spots = []
    for _ in range(int(rng.integers(3, 8))):
        y = rng.uniform(scene.horizon, top - 0.05 * span)
        x_lo, x_hi = cam.x_range(y)
        spots.append((y, rng.uniform(x_lo, x_hi), 'tree' if rng.random() < 0.6 else 'bush'))
    for y, xm, what in sorted(spots):
        ppm = float(cam.ppm(y))
        (_tree if what == 'tree' else _bush)(img, float(cam.col(xm, y)), y, ppm, rng)
    return img


def _compose(upper: np.ndarray, ground: np.ndarray, g: _Ground) -> np.ndarray:
    """The upper image with the (supersampled) ground pasted from its first row."""
    h, w = upper.shape[:2]
    canvas = np.zeros((h * _SS, w * _SS, 3), np.float32)
    cover = np.zeros((h * _SS, w * _SS), np.float32)
    canvas[g.r0:] = ground
    cover[g.r0:] = 1
    canvas = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)
    cover = cv2.resize(cover, (w, h), interpolation=cv2.INTER_AREA)[..., None]
    out = upper.astype(np.float32) * (1 - cover) + canvas
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


_PAINTERS = dict(walkway=_walkway, plaza=_plaza, road=_road, lawn=_lawn)


def render_background(scene: SceneSpec) -> np.ndarray:
    """Paint the empty scene: ground, far scenery and street furniture.

    The result depends only on ``scene`` (its kind, size, layout and ``seed``); it takes
    tens of milliseconds, so callers draw it once per scene and keep it.

    Args:
        scene: The scene, usually from :func:`make_scene`.

    Returns:
        ``uint8[height, width, 3]`` BGR image.

    Raises:
        ValueError: For an unknown scene kind, or a road scene without a road band.
    """
    if scene.kind not in _PAINTERS:
        raise ValueError(f'unknown scene kind {scene.kind!r}; choose from {SCENE_KINDS}')
    if scene.kind == 'road' and scene.road is None:
        raise ValueError(f'scene {scene.scene_id}: a road scene needs a road band')
    rng = _rng(scene.seed, 1, SCENE_KINDS.index(scene.kind))
    cam = _Camera(scene, scene.width * (0.5 + rng.uniform(-0.15, 0.15)))
    img = _PAINTERS[scene.kind](scene, cam, rng)
    grain = _smooth_noise(rng, scene.height, scene.width, scene.width // 2, scene.height // 2)
    out = img.astype(np.float32) * (1 + 0.02 * grain[..., None])
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


__all__ = ['NORMAL_BEHAVIOURS', 'PERSON_M', 'make_scene', 'render_background']
