"""One GCL training epoch over a million memory-mapped 2048-d segments: time, peak memory,
and whether data loading keeps up.

    python benchmarks/gcl_epoch.py [--root /tmp/vadkit_gcl_bench] [--segments 1000000]
        [--videos 1600] [--dim 2048] [--batch 8192] [--workers 2] [--phase cooperative]
        [--only build loader epoch] [--json OUT]

The paper's sizes: UCF-Crime's 1,610 training videos give about a million 16-frame
segments of 2048-d ResNeXt3D features, batches of 8,192 (Zaheer et al., Sec. 4.1). The
store is generated once (random ReLU'd features, ``float32``, one ``clips.npy`` per video
as the parsing tools write them: 8.2 GB at full size) and reused. Cases, each in a fresh
process so that its peak resident memory (``ru_maxrss``, the process and its loader
workers) is its own:

- ``build``: write the store (skipped when it is complete);
- ``loader``: one epoch of :class:`~vadkit.datasets.SegmentDataset` batches through the
  torch DataLoader alone (shuffled, ``__getitems__`` gathers, ``--workers`` processes):
  the rate data can be delivered at;
- ``epoch``: one epoch of ``configs/gcl/gcl_ucf_crime.py`` through the mmengine Runner in
  the ``--phase`` (``cooperative``: D and G both trained every iteration, the heaviest;
  ``pretrain_g``), with the Runner's own split of each iteration into data wait
  (``data_time``) and the whole (``time``).

Target: data loading not the bottleneck (data wait under 10 % of the epoch).
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024.0


def build(args) -> dict:
    from vadkit.parsing import FeatureStore
    store = FeatureStore(args.root, dict(benchmark='gcl_epoch', dim=args.dim))
    store.create()
    per_video = np.full(args.videos, args.segments // args.videos)
    per_video[:args.segments % args.videos] += 1
    have = set(store.videos())
    start = time.perf_counter()
    written = 0
    for v, n in enumerate(per_video):
        name = f'v{v:05d}'
        if name in have:
            continue
        rng = np.random.default_rng(v)
        clips = np.maximum(rng.standard_normal((int(n), 1, args.dim), np.float32), 0)
        spans = np.stack([np.arange(n) * 16, np.arange(n) * 16 + 16], 1).astype(np.int64)
        store.write(name, dict(clips=clips, clip_spans=spans),
                    dict(num_frames=int(16 * n), counts=dict(clips=int(n))))
        written += 1
    return dict(videos=int(args.videos), segments=int(per_video.sum()), written=written,
                seconds=round(time.perf_counter() - start, 1),
                gigabytes=round(float(per_video.sum()) * args.dim * 4 / 1e9, 2))


def loader(args) -> dict:
    import torch
    from torch.utils.data import DataLoader

    from vadkit.datasets import SegmentDataset, batch_collate
    start = time.perf_counter()
    data = SegmentDataset(args.root, with_temporal_difference=args.phase == 'pretrain_g')
    opened = time.perf_counter() - start
    sampler = torch.utils.data.RandomSampler(data, generator=torch.Generator().manual_seed(0))
    batches = DataLoader(data, batch_size=args.batch, sampler=sampler,
                         collate_fn=batch_collate, num_workers=args.workers)
    start, count, rows = time.perf_counter(), 0, 0
    for batch in batches:
        count += 1
        rows += len(batch['inputs']['feature'])
    seconds = time.perf_counter() - start
    return dict(open_seconds=round(opened, 1), batches=count, segments=rows,
                seconds=round(seconds, 1), batches_per_second=round(count / seconds, 2),
                segments_per_second=round(rows / seconds))


def epoch(args) -> dict:
    import torch
    from mmengine.runner import Runner

    from vadkit.utils import register_all_modules
    from vadkit.utils.cli import load_config
    register_all_modules()
    torch.set_num_threads(os.cpu_count() or 1)
    cfg = load_config(osp.join(REPO, 'configs', 'gcl', 'gcl_ucf_crime.py'))
    pretrain = 1 if args.phase == 'pretrain_g' else 0
    cfg.model.update(pretrain_g_epochs=pretrain, pretrain_d_epochs=0)
    data = dict(type='SegmentDataset', feature_root=args.root, split='train', patches='whole',
                with_temporal_difference=bool(pretrain))
    cfg.train_dataloader.update(batch_size=args.batch, num_workers=args.workers,
                                persistent_workers=args.workers > 0)
    cfg.train_dataloader.dataset = data  # replaced, not merged: no split file
    cfg.train_cfg.max_epochs = 1
    for key in ('test_dataloader', 'test_evaluator', 'test_cfg', 'val_dataloader',
                'val_evaluator', 'val_cfg'):
        cfg.pop(key, None)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, save_last=False,
                                        save_begin=2)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.work_dir = osp.join(args.root + '_work')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    hub = runner.message_hub
    data_time = hub.get_scalar('train/data_time')
    iter_time = hub.get_scalar('train/time')
    data_total, time_total = float(np.sum(data_time.data[0])), float(np.sum(iter_time.data[0]))
    iters = len(iter_time.data[0])
    return dict(phase=args.phase, iterations=iters, seconds=round(seconds, 1),
                seconds_per_iteration=round(time_total / max(iters, 1), 2),
                data_wait_share=round(data_total / max(time_total, 1e-9), 4),
                segments_per_second=round(iters * args.batch / max(time_total, 1e-9)))


CASES = dict(build=build, loader=loader, epoch=epoch)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default='/tmp/vadkit_gcl_bench')
    parser.add_argument('--segments', type=int, default=1_000_000)
    parser.add_argument('--videos', type=int, default=1600)
    parser.add_argument('--dim', type=int, default=2048)
    parser.add_argument('--batch', type=int, default=8192)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--phase', default='cooperative', choices=['cooperative', 'pretrain_g'])
    parser.add_argument('--only', nargs='+', choices=list(CASES), default=list(CASES))
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--case', choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # one case, in this process
        result = CASES[args.case](args)
        result['peak_rss_mb'] = round(peak_mb())
        print(json.dumps(result))
        return
    passed = [a for a in (argv if argv is not None else sys.argv[1:])
              if not a.startswith('--only') and a not in CASES]
    results = dict(machine=dict(cpus=os.cpu_count(), platform=platform.platform()),
                   sizes=dict(segments=args.segments, videos=args.videos, dim=args.dim,
                              batch=args.batch, workers=args.workers))
    for name in args.only:
        proc = subprocess.run([sys.executable, osp.abspath(__file__), *passed, '--case', name],
                              capture_output=True, text=True)
        if proc.returncode:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f'case {name} failed')
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f'{name:8s}', json.dumps(results[name]), flush=True)
    if 'epoch' in results and 'loader' in results:
        results['verdict'] = dict(
            data_wait_under_10_percent=results['epoch']['data_wait_share'] < 0.10,
            loader_faster_than_training=results['loader']['segments_per_second'] >
            results['epoch']['segments_per_second'])
        print('verdict ', json.dumps(results['verdict']))
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
