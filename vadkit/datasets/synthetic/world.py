"""What the synthetic world holds: scenes, videos, actors and anomalies, from one seed.

:func:`plan_world` decides everything (scenes, which videos, which actors enter when, which
anomalies happen where) from a :class:`WorldConfig`; :func:`simulate_video` turns one
planned video into actor tracks and per-frame ground truth. Rendering and writing live in
``render.py`` and ``writer.py``.

Splits mirror the public datasets. ``training/`` holds normal videos only and ``testing/``
normal and anomalous ones (the one-class regime, like ShanghaiTech and Avenue). The weakly
supervised split moves part of the anomalous and normal test videos into training with
video-level labels (as Zhong et al. reorganised ShanghaiTech); the unsupervised split is
the same videos with the labels withheld. Anomalies are scene-dependent: a behaviour that
is normal in one scene kind (cyclists on a road) is an anomaly in another (a walkway).
"""
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .types import BEHAVIOURS, SCENE_KINDS, ActorTrack, SceneSpec

#: Anomalous behaviours the generator may inject (each only where it is not normal).
ANOMALY_BEHAVIOURS = ('run', 'jump', 'fall', 'throw', 'loiter', 'ride', 'push', 'drive')


@dataclass
class WorldConfig:
    """Size and content of a synthetic world.

    Args:
        scene_kinds: Kind of each scene (:data:`SCENE_KINDS`), one scene per entry.
        width: Frame width.
        height: Frame height.
        fps: Frames per second (motion speeds are in seconds).
        train_videos: Training videos per scene (all normal).
        test_videos: Test videos per scene.
        num_frames: ``(min, max)`` frames per video.
        anomaly_rate: Fraction of test videos with at least one anomaly.
        anomalies_per_video: ``(min, max)`` anomalous events in an anomalous video.
        anomaly_behaviours: Behaviours that may be injected as anomalies.
        crowd: ``(min, max)`` mean number of walkers on screen, drawn per video (varying
            density keeps pixel statistics from telling anomalies apart).
        extra_normal_rate: Per-second rate of scene-normal non-walking actors (cyclists on
            roads, joggers on lawns, loiterers on plazas).
        weak_train_fraction: Fraction of the anomalous (and of the normal) test videos that
            the weakly supervised split moves into its training set.
        light_amplitude: Amplitude of global light changes (0.1 = +-10%).
        cloud_every: Mean seconds between sudden light changes (passing clouds).
        noise_sigma: Sensor noise (grey levels).
        jpeg_quality: Quality of the written frames.
        video_format: ``'avi'`` (MJPG, readable by any OpenCV build) or ``'none'``.
    """

    scene_kinds: Tuple[str, ...] = ('walkway', 'road')
    width: int = 320
    height: int = 240
    fps: float = 25.0
    train_videos: int = 5
    test_videos: int = 10
    num_frames: Tuple[int, int] = (120, 200)
    anomaly_rate: float = 0.6
    anomalies_per_video: Tuple[int, int] = (1, 2)
    anomaly_behaviours: Tuple[str, ...] = ANOMALY_BEHAVIOURS
    crowd: Tuple[float, float] = (1.0, 5.0)
    extra_normal_rate: float = 0.15
    weak_train_fraction: float = 0.5
    light_amplitude: float = 0.15
    cloud_every: float = 2.5
    noise_sigma: float = 2.5
    jpeg_quality: int = 92
    video_format: str = 'avi'

    def __post_init__(self) -> None:
        unknown = sorted(set(self.scene_kinds) - set(SCENE_KINDS))
        if unknown:
            raise ValueError(f'unknown scene kinds {unknown}; choose from {SCENE_KINDS}')
        bad = sorted(set(self.anomaly_behaviours) - set(BEHAVIOURS) - {'walk'})
        if bad or 'walk' in self.anomaly_behaviours:
            raise ValueError(f'anomaly_behaviours must be among {ANOMALY_BEHAVIOURS}, got '
                             f'{list(self.anomaly_behaviours)}')
        if not 0 <= self.anomaly_rate <= 1 or not 0 <= self.weak_train_fraction < 1:
            raise ValueError('anomaly_rate must be in [0, 1] and weak_train_fraction in '
                             '[0, 1)')
        if self.num_frames[0] < 32 or self.num_frames[1] < self.num_frames[0]:
            raise ValueError(f'num_frames must be (min >= 32, max >= min), got '
                             f'{self.num_frames}')
        self.scene_kinds = tuple(self.scene_kinds)
        self.num_frames = tuple(self.num_frames)
        self.anomalies_per_video = tuple(self.anomalies_per_video)
        self.anomaly_behaviours = tuple(self.anomaly_behaviours)
        self.crowd = tuple(self.crowd)

    def to_dict(self) -> dict:
        return asdict(self)


#: Named sizes. ``small``: 2 scenes, 30 short videos at 320x240 (under a minute on 2
#: cores); ``medium``: 4 scenes (all kinds), enough segments and bags for GCL batches and
#: MIL training; ``tiny``: for tests.
PRESETS: Dict[str, dict] = dict(
    tiny=dict(scene_kinds=('walkway', 'road'), width=160, height=120, train_videos=2,
              test_videos=4, num_frames=(64, 96)),
    small=dict(scene_kinds=('walkway', 'road'), train_videos=5, test_videos=10,
               num_frames=(120, 200)),
    medium=dict(scene_kinds=('walkway', 'road', 'plaza', 'lawn'), train_videos=12,
                test_videos=16, num_frames=(240, 400)),
)


def world_config(preset: str = 'small', **overrides) -> WorldConfig:
    """A preset's :class:`WorldConfig`, with ``overrides`` applied."""
    if preset not in PRESETS:
        raise ValueError(f'unknown preset {preset!r}; choose from {sorted(PRESETS)}')
    return WorldConfig(**{**PRESETS[preset], **overrides})


@dataclass
class ActorPlan:
    """An actor to simulate: behaviour, first frame, seed, direction."""
    behaviour: str
    start_frame: int
    seed: int
    direction: int
    injected: bool = False  # an anomaly event the plan asked for


@dataclass
class VideoPlan:
    """One video: its name, folder, scene, length, light and actors."""
    video: str
    folder: str  # 'training' or 'testing'
    scene_index: int
    num_frames: int
    seed: int
    anomalous: bool
    actors: List[ActorPlan] = field(default_factory=list)


@dataclass
class WorldPlan:
    """Everything the generator will write."""
    config: WorldConfig
    seed: int
    scenes: List[SceneSpec]
    videos: List[VideoPlan]


def _scene_normals(scene: SceneSpec) -> Tuple[str, ...]:
    return tuple(b for b in scene.normal_behaviours if b != 'walk')


def plan_world(config: WorldConfig, seed: int) -> WorldPlan:
    """Decide scenes, videos and actors from ``seed``."""
    from .scenes import make_scene
    rng = np.random.default_rng(seed)
    scenes = [make_scene(kind, f's{i:02d}_{kind}', config.width, config.height,
                         int(rng.integers(2**31)))
              for i, kind in enumerate(config.scene_kinds)]
    videos = []
    for s, scene in enumerate(scenes):
        for folder, count in (('training', config.train_videos),
                              ('testing', config.test_videos)):
            num_anomalous = int(round(count * config.anomaly_rate)) if folder == 'testing' \
                else 0
            flags = np.zeros(count, bool)
            flags[rng.permutation(count)[:num_anomalous]] = True
            for i in range(count):
                name = f'{s + 1:02d}_{i + 1:03d}' if folder == 'training' \
                    else f'{s + 1:02d}_{i + 1:04d}'
                videos.append(_plan_video(config, scene, s, name, folder, bool(flags[i]),
                                          int(rng.integers(2**31))))
    return WorldPlan(config, seed, scenes, videos)


def _plan_video(config: WorldConfig, scene: SceneSpec, scene_index: int, name: str,
                folder: str, anomalous: bool, seed: int) -> VideoPlan:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(config.num_frames[0], config.num_frames[1] + 1))
    plan = VideoPlan(name, folder, scene_index, n, seed, anomalous)
    # walkers: a Poisson stream whose rate keeps about `crowd` people on screen; a person
    # crosses the frame in about width / (0.85 * scale) seconds
    crowd = rng.uniform(*config.crowd)
    crossing = config.width / (0.85 * float(scene.person_height(
        (scene.horizon + scene.height) / 2))) * config.fps
    rate = crowd / max(crossing, 1.0)
    # start with people already on screen: arrivals from before the first frame
    t = -crossing
    while True:
        t += rng.exponential(1.0 / rate)
        if t >= n - 8:
            break
        plan.actors.append(ActorPlan('walk', int(t), int(rng.integers(2**31)),
                                     int(rng.choice([-1, 1]))))
    normals = _scene_normals(scene)
    if normals and config.extra_normal_rate > 0:
        t = 0.0
        while True:
            t += rng.exponential(config.fps / config.extra_normal_rate)
            if t >= n - 16:
                break
            plan.actors.append(ActorPlan(str(rng.choice(normals)), int(t),
                                         int(rng.integers(2**31)),
                                         int(rng.choice([-1, 1]))))
    if anomalous:
        choices = [b for b in config.anomaly_behaviours if b not in scene.normal_behaviours]
        if not choices:
            raise ValueError(f'scene {scene.scene_id}: none of the anomaly behaviours '
                             f'{config.anomaly_behaviours} is abnormal there')
        events = int(rng.integers(config.anomalies_per_video[0],
                                  config.anomalies_per_video[1] + 1))
        for _ in range(events):
            plan.actors.append(ActorPlan(str(rng.choice(choices)),
                                         int(rng.integers(0, max(1, n - n // 3))),
                                         int(rng.integers(2**31)),
                                         int(rng.choice([-1, 1])), injected=True))
    plan.actors.sort(key=lambda a: (a.start_frame, a.seed))
    return plan


@dataclass
class SimulatedVideo:
    """Actor tracks and per-frame ground truth of one video."""
    plan: VideoPlan
    scene: SceneSpec
    tracks: List[ActorTrack]
    frame_mask: np.ndarray  # uint8[num_frames]
    light: np.ndarray  # float[num_frames]

    @property
    def label(self) -> int:
        return int(self.frame_mask.any())

    def actors_at(self, frame: int) -> List[Tuple[ActorTrack, int]]:
        """``(track, index)`` of the actors on screen at ``frame``."""
        out = []
        for track in self.tracks:
            i = frame - int(track.frames[0])
            if 0 <= i < len(track.frames):
                out.append((track, i))
        return out

    def anomalous_regions(self) -> np.ndarray:
        """``float[M, 6]`` rows ``(frame, track_id, x1, y1, x2, y2)`` of anomalous actors:
        the region ground truth of RBDC / TBDC."""
        rows = [np.column_stack([t.frames[t.anomalous], np.full(t.anomalous.sum(), t.track_id),
                                 t.boxes[t.anomalous]])
                for t in self.tracks if t.anomalous.any()]
        return np.concatenate(rows) if rows else np.zeros((0, 6))


def simulate_video(plan: VideoPlan, scene: SceneSpec, config: WorldConfig,
                   max_tries: int = 20) -> SimulatedVideo:
    """Simulate the actors of ``plan``; an injected anomaly that would not show (its actor
    leaves the frame before acting) is drawn again with a new seed, up to ``max_tries``.
    A video planned normal never holds an anomalous frame."""
    from .motion import make_track
    rng = np.random.default_rng(plan.seed)
    tracks: List[ActorTrack] = []
    for actor in plan.actors:
        start = max(actor.start_frame, 0)
        seed = actor.seed
        for attempt in range(max_tries if actor.injected else 1):
            track = make_track(actor.behaviour, scene, np.random.default_rng(seed),
                               len(tracks), start, plan.num_frames - start, config.fps,
                               direction=actor.direction)
            if actor.start_frame < 0 and track is not None:
                track = _advance(track, -actor.start_frame)
            shows = track is not None and (not actor.injected or track.anomalous.any())
            if shows:
                break
            seed = int(np.random.default_rng(seed).integers(2**31))
            start = int(rng.integers(0, max(1, plan.num_frames - plan.num_frames // 3)))
        if track is None:
            continue
        if not plan.anomalous and track.anomalous.any():
            continue  # a normal video holds only actors normal for its scene
        tracks.append(track)
    mask = np.zeros(plan.num_frames, np.uint8)
    for track in tracks:
        mask[track.frames[track.anomalous]] = 1
    t = np.arange(plan.num_frames) / config.fps
    return SimulatedVideo(plan, scene, tracks, mask, _light(rng, t, config))


def _light(rng: np.random.Generator, t: np.ndarray, config: WorldConfig) -> np.ndarray:
    """Global light over time: a slow swing, a random drift and passing clouds (steps
    of up to ``light_amplitude`` over 0.3-0.8 s, about one every ``cloud_every``
    seconds), so that frame differences are not a cue for anomalies."""
    n = len(t)
    phase, period = rng.uniform(0, 2 * np.pi), rng.uniform(4.0, 12.0)
    light = 1.0 + 0.5 * config.light_amplitude * np.sin(2 * np.pi * t / period + phase)
    light += np.cumsum(rng.normal(0, 0.003, n))
    duration = t[-1] + 1.0 / config.fps
    for _ in range(int(rng.poisson(duration / config.cloud_every))):
        start, ramp = rng.uniform(0, duration), rng.uniform(0.3, 0.8)
        step = rng.uniform(-1, 1) * config.light_amplitude
        light += step * np.clip((t - start) / ramp, 0, 1)
    return np.clip(light, 0.6, 1.4)


def _advance(track: ActorTrack, skip: int) -> Optional[ActorTrack]:
    """The track of an actor that entered ``skip`` frames before the video began: its
    first ``skip`` frames cut and the rest shifted to start at frame 0."""
    keep = int(len(track.frames)) - skip
    if keep < 8:
        return None
    sliced = {k: v[skip:] for k, v in track.extra.items()}
    return ActorTrack(track.track_id, track.behaviour, track.category,
                      np.arange(keep) + int(track.frames[0]), track.keypoints[skip:],
                      track.boxes[skip:], track.anomalous[skip:], track.heading[skip:],
                      track.colors, track.scale[skip:], sliced)


def make_splits(plan: WorldPlan, labels: Dict[str, int]) -> Dict[str, dict]:
    """The three supervision regimes' splits, as written to ``splits/*.json``.

    - ``one_class``: train = the ``training/`` videos (all normal), test = ``testing/``.
    - ``weak``: every training video plus ``weak_train_fraction`` of the anomalous and of
      the normal test videos in training, each with its video-level label.
    - ``unsupervised``: the weak split's videos with the labels withheld.

    Args:
        plan: The world plan.
        labels: ``{video: 0/1}`` from the simulated ground truth (an anomaly that was
            planned but never showed does not make a video anomalous).
    """
    rng = np.random.default_rng(plan.seed + 1)
    order = {v.video: i for i, v in enumerate(plan.videos)}
    train = [dict(video=v.video, label=labels[v.video]) for v in plan.videos
             if v.folder == 'training']
    test = []
    for label in (1, 0):
        pool = [v.video for v in plan.videos if v.folder == 'testing' and labels[v.video] == label]
        moved = set(rng.permutation(len(pool))[:int(round(len(pool)
                                                          * plan.config.weak_train_fraction))])
        for i, video in enumerate(pool):
            (train if i in moved else test).append(dict(video=video, label=label))
    weak = dict(train=sorted(train, key=lambda d: order[d['video']]),
                test=sorted(test, key=lambda d: order[d['video']]))
    return dict(
        one_class=dict(train=[v.video for v in plan.videos if v.folder == 'training'],
                       test=[v.video for v in plan.videos if v.folder == 'testing']),
        weak=weak,
        unsupervised=dict(train=[d['video'] for d in weak['train']],
                          test=[d['video'] for d in weak['test']]))
