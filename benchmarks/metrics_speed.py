"""Speed of the frame and region metrics at UCF-Crime scale.

    python benchmarks/metrics_speed.py [--videos 1900] [--frames 1200000] [--repeat 3]
                                       [--json OUT]

Generates per-video scores and labels (seeded), then times micro AUC + AP + macro AUC
together (target: under 2 s for 1.2 million frames in 1,900 videos on 2 CPU cores), each
metric alone, a per-video sklearn loop for comparison, and RBDC/TBDC over 100,000 predicted
regions in 10,000 frames. Prints a table; ``--json`` saves it.
"""
import argparse
import json
import platform
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from vadkit.evaluation import average_precision, macro_auc, micro_auc, region_track_detection

TARGET_S = 2.0


def generate(num_videos: int, num_frames: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    lengths = rng.multinomial(num_frames - 16 * num_videos, np.ones(num_videos) / num_videos)
    lengths += 16
    scores, labels = {}, {}
    for i, n in enumerate(lengths):
        y = np.zeros(n, np.uint8)
        if i % 2:  # half the videos hold one anomalous interval
            start = rng.integers(0, n - n // 4)
            y[start:start + n // 4] = 1
        scores[f'video_{i:04d}'] = (y + rng.normal(0, 1.0, n)).astype(np.float32)
        labels[f'video_{i:04d}'] = y
    return scores, labels


def region_case(seed: int = 1):
    rng = np.random.default_rng(seed)
    frames = {f'v{i}': 1000 for i in range(10)}
    preds, truth = {}, {}
    for video in frames:
        f = rng.integers(0, 1000, size=10_000)
        xy = rng.uniform(0, 200, size=(10_000, 2))
        wh = rng.uniform(5, 40, size=(10_000, 2))
        preds[video] = np.column_stack([f, xy, xy + wh, rng.random(10_000)])
        gf = np.arange(500) + 200
        gxy = rng.uniform(0, 200, size=(500, 2))
        truth[video] = np.column_stack([gf, gf // 50, gxy, gxy + 20])
    return preds, truth, frames


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', type=int, default=1900)
    parser.add_argument('--frames', type=int, default=1_200_000)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--json', help='save the timings here')
    args = parser.parse_args()

    scores, labels = generate(args.videos, args.frames)
    preds, truth, frames = region_case()

    def together():
        micro_auc(scores, labels)
        average_precision(scores, labels)
        macro_auc(scores, labels)

    def sklearn_loop():
        for k, y in labels.items():
            if y.min() != y.max():
                roc_auc_score(y, scores[k])

    rows = {
        'micro_auc + ap + macro_auc': best_of(together, args.repeat),
        'micro_auc': best_of(lambda: micro_auc(scores, labels), args.repeat),
        'ap': best_of(lambda: average_precision(scores, labels), args.repeat),
        'macro_auc': best_of(lambda: macro_auc(scores, labels), args.repeat),
        'per-video sklearn roc_auc_score loop (reference)': best_of(sklearn_loop, 1),
        'rbdc + tbdc (100k regions, 10k frames)':
            best_of(lambda: region_track_detection(preds, truth, frames), args.repeat),
    }
    width = max(len(k) for k in rows)
    print(f'{args.frames} frames in {args.videos} videos, best of {args.repeat}, '
          f'{platform.processor() or platform.machine()}')
    for name, seconds in rows.items():
        print(f'{name:<{width}}  {seconds:7.3f} s')
    total = rows['micro_auc + ap + macro_auc']
    verdict = 'meets' if total < TARGET_S else 'MISSES'
    print(f'target: micro_auc + ap + macro_auc under {TARGET_S} s: {verdict} ({total:.2f} s)')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(frames=args.frames, videos=args.videos, seconds=rows,
                           target_s=TARGET_S), f, indent=2)


if __name__ == '__main__':
    main()
