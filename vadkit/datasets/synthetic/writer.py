"""Write a synthetic world to disk in the public datasets' layout.

::

    DIR/world.json                              config, seed, scenes, what was written
    DIR/training/frames/<video>/NNNN.jpg        normal videos (one-class training set)
    DIR/testing/frames/<video>/NNNN.jpg
    DIR/testing/test_frame_mask/<video>.npy     0/1 per frame (as Avenue / ShanghaiTech)
    DIR/annotations/<video>.json                scene, label, tracks (boxes, keypoints,
                                                per-frame anomaly, colours), anomalous
                                                regions
    DIR/splits/{one_class,weak,unsupervised}.json
    DIR/videos/<video>.avi                      the same frames, MJPG, for OpenCV readers
    DIR/scenes/<scene>.png                      each scene's empty background

Each video is written to a temporary folder and moved into place, its annotation last, so
an interrupted run resumes where it stopped (``write_world`` skips videos already written
for the same config and seed) and never leaves a half-written video behind.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, Optional

import cv2
import numpy as np

from vadkit.utils.errors import DataError
from vadkit.utils.io import dump_json

from .types import COCO_KEYPOINTS, SceneSpec
from .world import (SimulatedVideo, VideoPlan, WorldConfig, WorldPlan, make_splits, plan_world,
                    simulate_video)

FORMAT_VERSION = 1


def world_hash(config: WorldConfig, seed: int) -> str:
    """Identity of a world: what the config and seed make, and the format version."""
    text = json.dumps(dict(config=config.to_dict(), seed=seed, version=FORMAT_VERSION),
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_video(video: SimulatedVideo, background: np.ndarray, noise_sigma: float):
    """Yield the rendered frames (uint8 BGR) of a simulated video."""
    from .render import render_frame
    for frame in range(video.plan.num_frames):
        yield render_frame(background, video.actors_at(frame), light=float(video.light[frame]),
                           noise_sigma=noise_sigma,
                           noise_seed=(video.plan.seed * 7919 + frame) % 2**32)


def annotation_of(video: SimulatedVideo) -> dict:
    """The JSON annotation of a video: scene, label, tracks and anomalous regions.

    A track's ``colors`` is ``{part: [b, g, r]}`` (``'shirt'``, ``'pants'``, ``'skin'`` of
    people, ``'body'`` of bicycles, carts and cars), as it is drawn before lighting."""
    tracks = []
    for t in video.tracks:
        entry = dict(track_id=int(t.track_id), category=t.category, behaviour=t.behaviour,
                     first_frame=int(t.frames[0]), num_frames=int(len(t.frames)),
                     boxes=np.round(t.boxes, 1).tolist(),
                     anomalous=t.anomalous.astype(int).tolist(),
                     colors={part: [int(round(float(c))) for c in bgr]
                             for part, bgr in sorted(t.colors.items())})
        if t.category != 'car':
            entry['keypoints'] = np.round(t.keypoints, 1).tolist()
        if 'object' in t.extra:
            entry['thrown_object'] = np.round(t.extra['object'], 1).tolist()
        tracks.append(entry)
    plan, scene = video.plan, video.scene
    return dict(video=plan.video, folder=plan.folder, scene_id=scene.scene_id,
                scene_kind=scene.kind, num_frames=plan.num_frames, width=scene.width,
                height=scene.height, label=video.label,
                anomalous_frames=int(video.frame_mask.sum()),
                behaviours=sorted({t.behaviour for t in video.tracks if t.anomalous.any()}),
                keypoint_names=list(COCO_KEYPOINTS),
                box_format='x1 y1 x2 y2 (pixels)',
                keypoint_format='x y visibility (2 visible, 1 occluded, 0 absent)',
                tracks=tracks,
                anomalous_regions=np.round(video.anomalous_regions(), 1).tolist())


def _write_video(root: str, plan: VideoPlan, scene: SceneSpec, config: WorldConfig,
                 background: np.ndarray) -> Dict[str, int]:
    video = simulate_video(plan, scene, config)
    frames_dir = osp.join(root, plan.folder, 'frames', plan.video)
    tmp_dir = frames_dir + '.partial'
    shutil.rmtree(tmp_dir, ignore_errors=True)
    os.makedirs(tmp_dir)
    writer = None
    if config.video_format == 'avi':
        os.makedirs(osp.join(root, 'videos'), exist_ok=True)
        avi_tmp = osp.join(root, 'videos', f'.{plan.video}.partial.avi')
        writer = cv2.VideoWriter(avi_tmp, cv2.VideoWriter_fourcc(*'MJPG'), config.fps,
                                 (scene.width, scene.height))
    params = [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality]
    for i, frame in enumerate(render_video(video, background, config.noise_sigma)):
        ok, data = cv2.imencode('.jpg', frame, params)
        if not ok:
            raise RuntimeError(f'video {plan.video}: JPEG encoding of frame {i} failed')
        data.tofile(osp.join(tmp_dir, f'{i:04d}.jpg'))
        if writer is not None:
            writer.write(frame)
    if writer is not None:
        writer.release()
        os.replace(avi_tmp, osp.join(root, 'videos', f'{plan.video}.avi'))
    shutil.rmtree(frames_dir, ignore_errors=True)
    os.replace(tmp_dir, frames_dir)
    if plan.folder == 'testing':
        mask_dir = osp.join(root, 'testing', 'test_frame_mask')
        os.makedirs(mask_dir, exist_ok=True)
        np.save(osp.join(mask_dir, f'{plan.video}.npy'), video.frame_mask)
    dump_json(annotation_of(video), osp.join(root, 'annotations', f'{plan.video}.json'))
    return dict(label=video.label, anomalous_frames=int(video.frame_mask.sum()),
                num_frames=plan.num_frames)


def _done(root: str, plan: VideoPlan) -> Optional[Dict[str, int]]:
    path = osp.join(root, 'annotations', f'{plan.video}.json')
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        ann = json.load(f)
    return dict(label=ann['label'], anomalous_frames=ann['anomalous_frames'],
                num_frames=ann['num_frames'])


def _task(args):
    return _write_video(*args)


def write_world(out_dir: str, config: WorldConfig, seed: int = 0, workers: int = 1,
                progress: bool = True) -> WorldPlan:
    """Generate the world of ``config`` and ``seed`` into ``out_dir``.

    Args:
        out_dir: Destination; created if needed. A folder holding a world of another
            config or seed is refused.
        config: What to generate.
        seed: Seed of everything (frames and annotations are byte-identical for one seed).
        workers: Processes rendering videos in parallel.
        progress: Show a progress bar.

    Returns:
        The plan that was written.
    """
    from .scenes import render_background
    identity = world_hash(config, seed)
    meta_path = osp.join(out_dir, 'world.json')
    if osp.isfile(meta_path):
        with open(meta_path, encoding='utf-8') as f:
            existing = json.load(f)
        if existing.get('hash') != identity:
            raise DataError(f'{out_dir} holds another synthetic world (hash '
                            f'{existing.get("hash")}, seed {existing.get("seed")}); '
                            'choose another --out or remove it')
    plan = plan_world(config, seed)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'scenes'), exist_ok=True)
    backgrounds = [render_background(scene) for scene in plan.scenes]
    for scene, background in zip(plan.scenes, backgrounds):
        cv2.imwrite(osp.join(out_dir, 'scenes', f'{scene.scene_id}.png'), background)
    meta = dict(hash=identity, seed=seed, format_version=FORMAT_VERSION,
                config=config.to_dict(),
                scenes=[dict(scene_id=s.scene_id, kind=s.kind,
                             normal_behaviours=list(s.normal_behaviours)) for s in plan.scenes],
                complete=False)
    dump_json(meta, meta_path)

    results: Dict[str, Dict[str, int]] = {}
    todo = []
    for video in plan.videos:
        done = _done(out_dir, video)
        if done is not None:
            results[video.video] = done
        else:
            todo.append((out_dir, video, plan.scenes[video.scene_index], config,
                         backgrounds[video.scene_index]))
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc='synthetic videos', unit='video')
    if workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(workers) as pool:
            for args, result in zip(todo, pool.map(_task, todo)):
                results[args[1].video] = result
                bar and bar.update()
    else:
        for args in todo:
            results[args[1].video] = _task(args)
            bar and bar.update()
    if bar is not None:
        bar.close()

    labels = {v: r['label'] for v, r in results.items()}
    for name, split in make_splits(plan, labels).items():
        dump_json(split, osp.join(out_dir, 'splits', f'{name}.json'))
    meta.update(complete=True,
                videos={v.video: dict(folder=v.folder, scene_id=plan.scenes[v.scene_index]
                                      .scene_id, **results[v.video]) for v in plan.videos})
    dump_json(meta, meta_path)
    return plan
