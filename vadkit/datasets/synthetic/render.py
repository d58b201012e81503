"""Drawing actors onto a scene background, and annotated previews of the result.

:func:`render_frame` draws one frame: drop shadows, then the actors from back to front
(people as limbs, torso and head from their COCO keypoints; cyclists, carts, cars and
thrown objects from their track's ``extra`` geometry), then the global light level and
sensor noise. All drawing is OpenCV on ``uint8`` images with sub-pixel (``shift``)
coordinates, so a 320x240 frame with a handful of actors takes about a millisecond, and
the same inputs always give the same bytes.

:func:`draw_annotations` overlays the ground truth (boxes, categories, skeletons) and
:func:`contact_sheet` tiles images with captions, for looking at a generated dataset.
"""
import functools
import math
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .types import COCO_SKELETON, ActorTrack

Actor = Tuple[ActorTrack, int]
_Colour = Tuple[int, int, int]

_SHIFT = 4
_ONE = 1 << _SHIFT
_AA = cv2.LINE_AA

_DEFAULT_COLOURS: Dict[str, _Colour] = dict(
    shirt=(160, 90, 50), pants=(70, 55, 45), skin=(120, 160, 210), hair=(35, 45, 60),
    shoes=(35, 35, 40), body=(50, 50, 170), object=(40, 200, 235))
_SHADOW_ALPHA = 0.4
_TYRE = (30, 30, 32)
_GLASS = (95, 70, 50)

# COCO indices
_NOSE, _L_SH, _R_SH, _L_EL, _R_EL, _L_WR, _R_WR = 0, 5, 6, 7, 8, 9, 10
_L_HIP, _R_HIP, _L_KN, _R_KN, _L_AN, _R_AN = 11, 12, 13, 14, 15, 16
_HEAD = (0, 1, 2, 3, 4)

#: Colours of :func:`draw_annotations` (BGR).
NORMAL_COLOUR: _Colour = (0, 255, 0)
ANOMALY_COLOUR: _Colour = (0, 0, 255)


def _fixed(xy: np.ndarray) -> List[List[int]]:
    """Points in OpenCV fixed point (``_SHIFT`` fractional bits), as Python ints."""
    return np.round(np.asarray(xy, np.float64) * _ONE).astype(np.int64).tolist()


def _colours(track: ActorTrack) -> Dict[str, _Colour]:
    out = dict(_DEFAULT_COLOURS)
    for key, value in (track.colors or {}).items():
        out[key] = tuple(int(c) for c in value)[:3]
    return out


def _shade(colour: _Colour, factor: float) -> _Colour:
    return tuple(min(int(c * factor), 255) for c in colour)


def _line(img: np.ndarray, p: Sequence[int], q: Sequence[int], colour: _Colour,
          thickness: int) -> None:
    cv2.line(img, tuple(p), tuple(q), colour, thickness, _AA, _SHIFT)


def _disc(img: np.ndarray, c: Sequence[float], radius: float, colour: _Colour,
          thickness: int = -1) -> None:
    cv2.circle(img, (int(round(c[0] * _ONE)), int(round(c[1] * _ONE))),
               max(int(round(radius * _ONE)), _ONE // 2), colour, thickness, _AA, _SHIFT)


def _poly(img: np.ndarray, pts: np.ndarray, colour: _Colour) -> None:
    cv2.fillPoly(img, [np.round(np.asarray(pts) * _ONE).astype(np.int32)], colour, _AA,
                 _SHIFT)


# ------------------------------------------------------------------ geometry of an actor


def _feet_y(track: ActorTrack, i: int) -> float:
    """Row of the actor's contact with the ground (its depth order)."""
    candidates = [y for _, y, v in track.keypoints[i][[_L_AN, _R_AN]].tolist() if v > 0]
    extra = track.extra or {}
    if 'bicycle' in extra:
        candidates.append(float(extra['bicycle'][i][1]))
    for key in ('cart', 'car'):
        if key in extra:
            candidates.append(float(extra[key][i][3]))
    if not candidates:
        return float(track.boxes[i][3])
    return max(candidates)


def _shadow_ellipse(track: ActorTrack, i: int, feet: float
                    ) -> Optional[Tuple[float, float, float, float]]:
    """``(cx, cy, ax, ay)`` of the actor's drop shadow."""
    x1, y1, x2, y2 = (float(v) for v in track.boxes[i])
    scale = float(track.scale[i])
    extra = track.extra or {}
    if 'car' in extra:
        cx1, _, cx2, cy2 = (float(v) for v in extra['car'][i])
        return (cx1 + cx2) / 2, cy2, 0.55 * (cx2 - cx1), max(0.06 * scale, 1.0)
    if x2 <= x1 or scale <= 0:
        return None
    if 'bicycle' in extra:
        xb, yg, xf, r = (float(v) for v in extra['bicycle'][i])
        return (xb + xf) / 2, yg, 0.5 * abs(xf - xb) + r, max(0.05 * scale, 1.0)
    return (x1 + x2) / 2, feet, max(0.5 * (x2 - x1), 0.12 * scale), max(0.045 * scale, 1.0)


def _cast_shadow(img: np.ndarray, ellipse: Tuple[float, float, float, float]) -> None:
    cx, cy, ax, ay = ellipse
    h, w = img.shape[:2]
    x0, x1 = max(int(cx - ax) - 1, 0), min(int(cx + ax) + 3, w)
    y0, y1 = max(int(cy - ay) - 1, 0), min(int(cy + ay) + 3, h)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.ellipse(mask, (int(round((cx - x0) * _ONE)), int(round((cy - y0) * _ONE))),
                (max(int(ax * _ONE), 1), max(int(ay * _ONE), 1)), 0, 0, 360,
                int(255 * _SHADOW_ALPHA), -1, _AA, _SHIFT)
    roi = img[y0:y1, x0:x1]
    dark = cv2.multiply(roi, cv2.cvtColor(255 - mask, cv2.COLOR_GRAY2BGR), scale=1 / 255)
    img[y0:y1, x0:x1] = dark


# ------------------------------------------------------------------ people and vehicles


def _pt(x: float, y: float) -> Tuple[int, int]:
    return int(round(x * _ONE)), int(round(y * _ONE))


def _mean(points: Sequence[Tuple[float, float]]) -> Tuple[float, float]:
    n = len(points)
    return sum(p[0] for p in points) / n, sum(p[1] for p in points) / n


def _draw_person(img: np.ndarray, kp: np.ndarray, scale: float, heading: float,
                 colours: Dict[str, _Colour]) -> None:
    rows = kp.tolist()
    vis = [v > 0 and math.isfinite(x) and math.isfinite(y) for x, y, v in rows]
    if not any(vis):
        return
    xy = [(r[0], r[1]) for r in rows]
    pts = [_pt(x, y) if seen else None for (x, y), seen in zip(xy, vis)]
    limb = max(int(round(0.07 * scale)), 1)
    arm = max(int(round(0.06 * scale)), 1)
    shirt, pants, skin = colours['shirt'], colours['pants'], colours['skin']

    def seg(a: int, b: int, colour: _Colour, thickness: int) -> None:
        if vis[a] and vis[b]:
            cv2.line(img, pts[a], pts[b], colour, thickness, _AA, _SHIFT)

    def leg(side: Tuple[int, ...], factor: float) -> None:
        hip, knee, ankle = side[3:]
        colour = _shade(pants, factor) if factor != 1 else pants
        seg(hip, knee, colour, limb)
        seg(knee, ankle, colour, limb)
        if vis[ankle]:
            _disc(img, xy[ankle], 0.55 * limb, _shade(colours['shoes'], factor))

    def arm_(side: Tuple[int, ...], factor: float) -> None:
        shoulder, elbow, wrist = side[:3]
        seg(shoulder, elbow, _shade(shirt, factor) if factor != 1 else shirt, arm)
        seg(elbow, wrist, _shade(skin, factor) if factor != 1 else skin, arm)

    # walking right, the person's left side is away from the camera (and the other way)
    left = (_L_SH, _L_EL, _L_WR, _L_HIP, _L_KN, _L_AN)
    right = (_R_SH, _R_EL, _R_WR, _R_HIP, _R_KN, _R_AN)
    far, near = (left, right) if math.cos(heading) >= 0 else (right, left)
    arm_(far, 0.8)
    leg(far, 0.8)
    # torso: the shoulder-hip quadrilateral, thickened along its spine (a side view)
    if vis[_L_SH] and vis[_R_SH] and vis[_L_HIP] and vis[_R_HIP]:
        cv2.fillPoly(img, [np.array([pts[_L_SH], pts[_R_SH], pts[_R_HIP], pts[_L_HIP]],
                                    np.int32)], shirt, _AA, _SHIFT)
    shoulders = [xy[j] for j in (_L_SH, _R_SH) if vis[j]]
    hips = [xy[j] for j in (_L_HIP, _R_HIP) if vis[j]]
    neck = _mean(shoulders) if shoulders else None
    if neck is not None and hips:
        cv2.line(img, _pt(*neck), _pt(*_mean(hips)), shirt,
                 max(int(round(0.13 * scale)), 1), _AA, _SHIFT)
    seg(_L_HIP, _R_HIP, pants, limb)
    leg(near, 1.0)
    head = [xy[j] for j in _HEAD if vis[j]]
    if head:
        centre = _mean(head)
        radius = max(0.07 * scale, 1.0)
        if neck is not None:
            cv2.line(img, _pt(*neck), _pt(*centre), skin, limb, _AA, _SHIFT)
        _disc(img, centre, radius, skin)
        if radius >= 2.5:
            r = int(radius * _ONE)
            cv2.ellipse(img, _pt(*centre), (r, r), 0, 180, 360, colours['hair'], -1, _AA,
                        _SHIFT)
    arm_(near, 1.0)


def _draw_bicycle(img: np.ndarray, geometry: np.ndarray, colour: _Colour) -> None:
    xb, yg, xf, r = (float(v) for v in geometry)
    if r <= 0:
        return
    hub = yg - r
    length = xf - xb
    tyre = max(int(round(0.16 * r)), 1)
    tube = max(int(round(0.11 * r)), 1)
    rear, front = (xb, hub), (xf, hub)
    crank = (xb + 0.45 * length, hub + 0.1 * r)
    seat = (xb + 0.3 * length, hub - 1.25 * r)
    head = (xb + 0.86 * length, hub - 1.3 * r)
    bars = (xb + 0.8 * length, hub - 1.6 * r)
    _disc(img, rear, r, _TYRE, tyre)
    _disc(img, front, r, _TYRE, tyre)
    p = _fixed([rear, crank, seat, head, front, bars])
    for a, b in ((0, 1), (0, 2), (1, 2), (2, 3), (1, 3), (3, 4), (3, 5)):
        _line(img, p[a], p[b], colour, tube)
    saddle = _fixed([(seat[0] - 0.25 * r * np.sign(length), seat[1] - 0.1 * r),
                     (seat[0] + 0.2 * r * np.sign(length), seat[1] - 0.1 * r)])
    _line(img, saddle[0], saddle[1], _TYRE, max(tube, 2))
    _disc(img, crank, max(0.15 * r, 1.0), (90, 90, 90))


def _draw_cart(img: np.ndarray, box: np.ndarray, colour: _Colour,
               hands: Optional[np.ndarray]) -> None:
    x1, y1, x2, y2 = (float(v) for v in box)
    if x2 <= x1 or y2 <= y1:
        return
    w, h = x2 - x1, y2 - y1
    r = max(0.12 * h, 1.0)
    basket_bottom = y2 - 2 * r
    _poly(img, np.array([[x1, y1], [x2, y1], [x2 - 0.08 * w, basket_bottom],
                         [x1 + 0.08 * w, basket_bottom]]), colour)
    dark = _shade(colour, 0.6)
    grid = _fixed([[x1 + f * w, y1] for f in (0.25, 0.5, 0.75)]
                  + [[x1 + 0.08 * w + f * 0.84 * w, basket_bottom] for f in (0.25, 0.5, 0.75)])
    for k in range(3):
        _line(img, grid[k], grid[k + 3], dark, 1)
    rim = _fixed([[x1, y1], [x2, y1]])
    _line(img, rim[0], rim[1], dark, max(int(round(0.05 * h)), 1))
    axle = _fixed([[x1 + 0.12 * w, basket_bottom], [x2 - 0.12 * w, basket_bottom]])
    _line(img, axle[0], axle[1], dark, 1)
    for x in (x1 + 0.2 * w, x2 - 0.2 * w):
        _disc(img, (x, y2 - r), r, _TYRE)
    if hands is not None:
        back = x1 if hands[0] < (x1 + x2) / 2 else x2
        q = _fixed([[back, y1], hands])
        _line(img, q[0], q[1], dark, max(int(round(0.04 * h)), 1))


# side view of a car facing right: (u along its length, v down from its roof), in [0, 1]
_CAR_BODY = np.array([[0.0, 0.52], [0.03, 0.44], [0.22, 0.40], [0.30, 0.06], [0.64, 0.04],
                      [0.78, 0.38], [0.96, 0.44], [1.0, 0.56], [1.0, 0.78], [0.97, 0.84],
                      [0.03, 0.84], [0.0, 0.76]])
_CAR_WINDOWS = (np.array([[0.27, 0.39], [0.325, 0.11], [0.47, 0.10], [0.47, 0.39]]),
                np.array([[0.50, 0.39], [0.50, 0.10], [0.62, 0.09], [0.73, 0.39]]))


def _draw_car(img: np.ndarray, box: np.ndarray, heading: float, colour: _Colour) -> None:
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    if w <= 0 or h <= 0:
        return
    right = math.cos(heading) >= 0

    def place(uv: np.ndarray) -> np.ndarray:
        u = uv[:, 0] if right else 1 - uv[:, 0]
        return np.stack([x1 + u * w, y1 + uv[:, 1] * h], 1)

    r = 0.19 * h
    wheels = [place(np.array([[u, 1 - r / h]]))[0] for u in (0.19, 0.81)]
    for c in wheels:
        _disc(img, c, 1.15 * r, (25, 25, 25))
    _poly(img, place(_CAR_BODY), colour)
    _poly(img, place(np.array([[0.02, 0.62], [0.98, 0.62], [0.97, 0.84], [0.03, 0.84]])),
          _shade(colour, 0.75))
    for window in _CAR_WINDOWS:
        _poly(img, place(window), _GLASS)
    door = _fixed(place(np.array([[0.49, 0.40], [0.49, 0.80]])))
    _line(img, door[0], door[1], _shade(colour, 0.6), 1)
    _poly(img, place(np.array([[0.955, 0.48], [1.0, 0.50], [1.0, 0.58], [0.96, 0.58]])),
          (200, 240, 250))
    _poly(img, place(np.array([[0.0, 0.50], [0.035, 0.48], [0.035, 0.58], [0.0, 0.58]])),
          (40, 40, 210))
    for c in wheels:
        _disc(img, c, r, _TYRE)
        _disc(img, c, 0.5 * r, (150, 150, 155))


def _draw_actor(img: np.ndarray, track: ActorTrack, i: int) -> None:
    colours = _colours(track)
    extra = track.extra or {}
    scale = float(track.scale[i])
    heading = float(track.heading[i])
    kp = np.asarray(track.keypoints[i], np.float64)
    if 'car' in extra:
        _draw_car(img, np.asarray(extra['car'][i]), heading, colours['body'])
    else:
        if 'bicycle' in extra:
            _draw_bicycle(img, np.asarray(extra['bicycle'][i]), colours['body'])
        _draw_person(img, kp, scale, heading, colours)
        if 'cart' in extra:
            wrists = kp[[_L_WR, _R_WR]]
            seen = wrists[:, 2] > 0
            hands = wrists[seen, :2].mean(0) if seen.any() else None
            _draw_cart(img, np.asarray(extra['cart'][i]), colours['body'], hands)
    if 'object' in extra:
        x, y, shown = (float(v) for v in extra['object'][i])
        if shown > 0:
            _disc(img, (x, y), max(0.04 * scale, 1.5), colours['object'])


def _depth_order(actors: Sequence[Actor]) -> List[Tuple[float, ActorTrack, int]]:
    order = [(_feet_y(t, int(i)), t, int(i)) for t, i in actors]
    order.sort(key=lambda e: (e[0], e[1].track_id, e[2]))
    return order


def render_frame(background: np.ndarray, actors: Sequence[Actor], light: float = 1.0,
                 noise_sigma: float = 2.0, noise_seed: int = 0) -> np.ndarray:
    """Draw one frame: the actors over the background, then light and sensor noise.

    Actors are drawn from back to front by the row of their feet (the lowest ankle, the
    wheels or the car's bottom), each over the drop shadows of all actors. Only keypoints
    with visibility > 0 are drawn (an occluded keypoint, visibility 1, is still drawn:
    the renderer paints no occluders).

    Args:
        background: ``uint8[H, W, 3]`` BGR image of the empty scene (not modified).
        actors: ``(track, index)`` pairs: the actors on screen and the index into each
            track's arrays for this frame.
        light: Global light level; the image is multiplied by it.
        noise_sigma: Standard deviation of the Gaussian sensor noise (grey levels); 0
            adds none.
        noise_seed: Seed of the noise (``np.random.default_rng(noise_seed)``).

    Returns:
        ``uint8[H, W, 3]`` BGR frame; with ``light=1`` and ``noise_sigma=0`` pixels
        away from every actor and shadow equal the background's.
    """
    if background.dtype != np.uint8 or background.ndim != 3 or background.shape[2] != 3:
        raise ValueError(f'background must be uint8 HxWx3, got {background.dtype} '
                         f'{background.shape}')
    img = background.copy()
    order = _depth_order(actors)
    for feet, track, i in order:
        ellipse = _shadow_ellipse(track, i, feet)
        if ellipse is not None:
            _cast_shadow(img, ellipse)
    for _, track, i in order:
        _draw_actor(img, track, i)
    if light == 1.0 and noise_sigma <= 0:
        return img
    out = img.astype(np.float32)
    if light != 1.0:
        out *= np.float32(light)
    if noise_sigma > 0:
        out += _sensor_noise(out.shape, noise_sigma, noise_seed)
    np.clip(out, 0, 255, out=out)
    np.rint(out, out=out)
    return out.astype(np.uint8)


@functools.lru_cache(maxsize=1)
def _normal_quantiles() -> np.ndarray:
    """The 256 midpoint quantiles of N(0, 1), rescaled to unit variance."""
    z = np.linspace(-4.0, 4.0, 4001)
    cdf = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in z]))
    q = np.interp((np.arange(256) + 0.5) / 256, cdf, z)
    q = (q - q.mean()) / q.std()
    return q.astype(np.float32)


def _sensor_noise(shape: Tuple[int, ...], sigma: float, seed: int) -> np.ndarray:
    """Gaussian noise of standard deviation ``sigma``, drawn by inverse CDF from bytes of
    ``np.random.default_rng(seed)`` (256 levels within +-2.9 sigma; several times faster
    than ``standard_normal`` and the same on every platform)."""
    size = int(np.prod(shape))
    codes = np.frombuffer(np.random.default_rng(seed).bytes(size), np.uint8)
    table = _normal_quantiles() * np.float32(sigma)
    return cv2.LUT(codes.reshape(shape[0], -1), table).reshape(shape)


def draw_annotations(frame: np.ndarray, actors: Sequence[Actor],
                     anomalous_only: bool = False) -> np.ndarray:
    """Overlay the ground truth of a frame: skeletons, boxes and ``category#track_id``.

    Boxes are green (:data:`NORMAL_COLOUR`) for actors behaving normally at that frame and
    red (:data:`ANOMALY_COLOUR`) for anomalous ones; boxes are drawn last, one pixel wide,
    without anti-aliasing, so their edges have exactly those colours.

    Args:
        frame: ``uint8[H, W, 3]`` image (not modified).
        actors: ``(track, index)`` pairs of the frame.
        anomalous_only: Annotate only the actors anomalous at that frame.

    Returns:
        An annotated copy of ``frame``.
    """
    out = frame.copy()
    chosen = []
    for track, i in actors:
        i = int(i)
        bad = bool(track.anomalous[i])
        if anomalous_only and not bad:
            continue
        chosen.append((track, i, bad))
    for track, i, bad in chosen:
        kp = np.asarray(track.keypoints[i], np.float64)
        vis = (kp[:, 2] > 0) & np.isfinite(kp[:, :2]).all(1)
        if not vis.any():
            continue
        pts = _fixed(np.nan_to_num(kp[:, :2]))
        limb = (80, 80, 255) if bad else (80, 255, 80)
        for a, b in COCO_SKELETON:
            if vis[a] and vis[b]:
                _line(out, pts[a], pts[b], limb, 1)
        for j in np.flatnonzero(vis):
            _disc(out, kp[j, :2], 1.2, (0, 255, 255))
    for track, i, bad in chosen:
        colour = ANOMALY_COLOUR if bad else NORMAL_COLOUR
        x1, y1, x2, y2 = (int(round(float(v))) for v in track.boxes[i])
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, 1, cv2.LINE_8)
        label = f'{track.category}#{track.track_id}'
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.3, 1)
        ty = y1 - 2 if y1 - th - 2 >= 0 else y2 + th + 2
        cv2.putText(out, label, (x1, ty), cv2.FONT_HERSHEY_SIMPLEX, 0.3, colour, 1, _AA)
    return out


def contact_sheet(images: Sequence[np.ndarray], captions: Sequence[str],
                  columns: int = 4) -> np.ndarray:
    """Tile images in a grid, each with a caption bar above it.

    Args:
        images: ``uint8`` images (BGR or grey), any sizes; each cell is as large as the
            largest image, smaller images sit in its top-left corner.
        captions: One caption per image (shortened to fit its cell).
        columns: Cells per row (fewer when there are fewer images).

    Returns:
        ``uint8[rows * (cell_h + 14), cols * cell_w, 3]`` BGR sheet, with ``cell_h`` and
        ``cell_w`` the largest image height and width and 14 px caption bars.

    Raises:
        ValueError: With no images, a caption count that differs from the image count, or
            ``columns < 1``.
    """
    if not len(images):
        raise ValueError('contact_sheet needs at least one image')
    if len(captions) != len(images):
        raise ValueError(f'{len(images)} images but {len(captions)} captions')
    if columns < 1:
        raise ValueError(f'columns must be >= 1, got {columns}')
    tiles = []
    for im in images:
        im = np.asarray(im)
        if im.dtype != np.uint8:
            im = np.clip(im, 0, 255).astype(np.uint8)
        if im.ndim == 2:
            im = cv2.cvtColor(im, cv2.COLOR_GRAY2BGR)
        elif im.shape[2] == 4:
            im = cv2.cvtColor(im, cv2.COLOR_BGRA2BGR)
        tiles.append(im)
    bar = 14
    cell_h = max(t.shape[0] for t in tiles)
    cell_w = max(t.shape[1] for t in tiles)
    cols = min(columns, len(tiles))
    rows = -(-len(tiles) // cols)
    sheet = np.full((rows * (cell_h + bar), cols * cell_w, 3), 32, np.uint8)
    for k, (im, text) in enumerate(zip(tiles, captions)):
        y0, x0 = (k // cols) * (cell_h + bar), (k % cols) * cell_w
        sheet[y0 + bar:y0 + bar + im.shape[0], x0:x0 + im.shape[1]] = im
        text = str(text)
        while text and cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.35, 1)[0][0] \
                > cell_w - 4:
            text = text[:-1]
        cv2.putText(sheet, text, (x0 + 2, y0 + bar - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (235, 235, 235), 1, _AA)
    return sheet


__all__ = ['ANOMALY_COLOUR', 'NORMAL_COLOUR', 'contact_sheet', 'draw_annotations',
           'render_frame']
