"""Time and disk of generating the synthetic world.

    python benchmarks/synthetic_speed.py [--preset small] [--workers 2] [--json OUT]

Target: the ``small`` preset (2 scenes, 30 videos at 320x240) in under a minute on 2 CPU
cores. Also times the parts of one video (simulation, rendering, JPEG encoding).
"""
import argparse
import json
import os
import tempfile
import time

import cv2
import numpy as np

from vadkit.datasets.synthetic import plan_world, simulate_video, world_config, write_world
from vadkit.datasets.synthetic.scenes import render_background
from vadkit.datasets.synthetic.writer import render_video

TARGET_S = 60.0


def disk_usage(root: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', default='small')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--json', help='save the figures here')
    args = parser.parse_args()
    config = world_config(args.preset)

    plan = plan_world(config, seed=0)
    video = plan.videos[0]
    scene = plan.scenes[video.scene_index]
    start = time.perf_counter()
    sim = simulate_video(video, scene, config)
    t_sim = time.perf_counter() - start
    background = render_background(scene)
    start = time.perf_counter()
    frames = list(render_video(sim, background, config.noise_sigma))
    t_render = (time.perf_counter() - start) / len(frames)
    start = time.perf_counter()
    for frame in frames:
        cv2.imencode('.jpg', frame, [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality])
    t_jpeg = (time.perf_counter() - start) / len(frames)

    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        plan = write_world(root, config, seed=0, workers=args.workers, progress=False)
        total = time.perf_counter() - start
        size = disk_usage(root)
    num_frames = sum(v.num_frames for v in plan.videos)
    rows = {'world (s)': total, 'frames': num_frames, 'disk (MB)': size / 2**20,
            'simulate one video (ms)': 1e3 * t_sim,
            'render one frame (ms)': 1e3 * t_render, 'encode one frame (ms)': 1e3 * t_jpeg,
            'actors per frame (mean)': float(np.mean([len(sim.actors_at(f))
                                                       for f in range(video.num_frames)]))}
    print(f'preset {args.preset}: {len(plan.videos)} videos, {args.workers} workers')
    for name, value in rows.items():
        print(f'{name:<26} {value:10.2f}')
    if args.preset == 'small':
        print(f'target: small world under {TARGET_S:.0f} s: '
              f'{"meets" if total < TARGET_S else "MISSES"} ({total:.1f} s)')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(preset=args.preset, workers=args.workers, **rows), f, indent=2)


if __name__ == '__main__':
    main()
