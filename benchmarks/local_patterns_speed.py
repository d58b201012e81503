"""Speed and memory of the local-patterns method (ITAM + SMM): spatial part, SMM, both stages.

    python benchmarks/local_patterns_speed.py [--config small|paper|both] [--device cpu|cuda]
        [--repeats 5] [--paper-repeats N] [--paper-tubes N] [--paper-images N] [--json OUT]

Configs: ``small`` is ``configs/local_patterns/local_patterns_synthetic.py`` (64 x 64 crops,
SmallConvNet, N_q = 8, E_d = 32: N = 256), ``paper`` is
``configs/local_patterns/local_patterns_shanghaitech.py`` (224 x 224 crops, ResNet-18's first
two stages, V_d = 1408, S_d = 257, N_q = 32, H_d = 768, E_d = 256; SMM of order 64 over a
window of 5: N = 8192). Random weights and random uint8 crops (the speed does not depend
on them); captions from the templates of ``configs/_base_/captions/words_en.py``. Cases:

- ``spatial inference``: ``model.local_patterns(tubes)`` of tubes of 6 crops (both branches
  and the fusion), eval mode, no gradients, in tubes/s; ``backbones`` and ``attention +
  fusion`` split it (the two branches' CNN + 1x1 projection; their image-attention modules
  and the fusion on the tokens);
- ``spatial train step``: the spatial stage's loss (Eq. 1 for both branches, text side
  included) + backward + AdamW step on single crops with captions, in ms/step and images/s;
- ``smm step B=64`` / ``B=256``: the temporal stage's trainable core alone: ``model.smm`` on
  precomputed ``v [B, 5, N]``, MSE to a target ``[B, N]``, backward, Adamax step (SMM's
  parameters); also per tube in us; and at the temporal step's batch, when that is another;
- ``temporal train step``: the whole temporal-stage step (``mode='loss'``: frozen branches,
  fusion, SMM, backward, Adamax on fusion + SMM) on tubes of 6 crops; ``smm_share`` is the
  SMM step of the same batch over it;
- ``temporal predict``: ``mode='predict'`` (the test-time score of each tube), tubes/s.

Each case is warmed up (1 call; 2 for the spatial train step and the SMM steps), then timed
with ``time.perf_counter`` (CUDA: synchronised); the median of ``--repeats`` is reported
(SMM steps: of ``max(repeats, 20)``, they take milliseconds), and the best one too. With
``--config both`` each config runs in its own Python process, so that its peak resident
size (``ru_maxrss``, cumulative over its cases in the order printed; CUDA:
``max_memory_allocated`` per case) is its own. Batches: ``small`` 64 tubes, 120 crops (the
config's spatial batch), 64 tubes for the temporal step; ``paper`` on the CPU 1 tube, 4
crops, 1 tube and at most 3 repeats (``--paper-*``: a paper-size spatial step costs
0.5 s or more per crop on 2 cores, several times that on a loaded machine), on CUDA 8
tubes, 120 crops, 64 tubes.

Targets (``small``, the config meant for training on the CPU, 2 cores): a spatial train
step of 120 crops under 1 s (the config's 1,500 steps in under 25 min) and a temporal
train step of 64 tubes under 1 s (its 20 epochs over about a thousand tubes in minutes).
``paper``: recorded, no target set.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional

import torch

CONFIGS = dict(small='configs/local_patterns/local_patterns_synthetic.py',
               paper='configs/local_patterns/local_patterns_shanghaitech.py')
TUBE_LENGTH = 6  # SMM's window of 5 steps and the step it predicts
SMM_BATCHES = (64, 256)
TARGET_SPATIAL_S = 1.0
TARGET_TEMPORAL_S = 1.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def sizes_for(name: str, device: str, args: argparse.Namespace) -> dict:
    if name == 'small':
        return dict(tubes=64, images=120, temporal_tubes=64, repeats=args.repeats)
    if device == 'cuda':
        sizes = dict(tubes=8, images=120, temporal_tubes=64, repeats=args.repeats)
    else:
        sizes = dict(tubes=1, images=4, temporal_tubes=1, repeats=min(args.repeats, 3))
    for key, value in (('tubes', args.paper_tubes), ('images', args.paper_images),
                       ('temporal_tubes', args.paper_tubes),
                       ('repeats', args.paper_repeats)):
        if value is not None:
            sizes[key] = value
    return sizes


def build(path: str, stage: str, device: str):
    from vadkit.registry import MODELS
    from vadkit.utils import register_all_modules
    from vadkit.utils.cli import load_config
    register_all_modules()
    cfg = load_config(path)
    model = MODELS.build(dict(cfg.model.to_dict(), stage=stage)).to(device)
    return cfg, model


def captions(cfg, n: int) -> List[dict]:
    """One caption per kind for each of ``n`` crops, cycling through the word lists."""
    templates, words = cfg.caption_templates, cfg.caption_words
    out = []
    for i in range(n):
        out.append({kind: templates[kind].format(subject='person',
                                                 word=words[kind][i % len(words[kind])])
                    for kind in templates})
    return out


def samples(cfg, n: int) -> list:
    from vadkit.structures import VADDataSample
    return [VADDataSample(metainfo=dict(video_id='v', end_frame=i, captions=c))
            for i, c in enumerate(captions(cfg, n))]


def crops(shape, device: str) -> torch.Tensor:
    return torch.randint(0, 256, shape, dtype=torch.uint8, device=device)


def count(module: torch.nn.Module, trainable: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable)


class Timer:
    """Median seconds of ``work`` over ``repeats`` calls after ``warmup`` calls; the best
    one is kept in ``best``."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.best = float('nan')

    def sync(self) -> None:
        if self.device == 'cuda':
            torch.cuda.synchronize()

    def __call__(self, work: Callable[[], object], repeats: int, warmup: int = 1) -> float:
        for _ in range(warmup):
            work()
        self.sync()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            work()
            self.sync()
            times.append(time.perf_counter() - start)
        self.best = min(times)
        return statistics.median(times)


def run_config(name: str, device: str, sizes: dict) -> dict:
    """Every case of one config, printed as it goes."""
    torch.manual_seed(0)
    timer, repeats = Timer(device), sizes['repeats']
    rows: List[dict] = []
    side = 64 if name == 'small' else 224

    def record(case: str, batch: int, seconds: float, unit: str, per: float,
               **extra) -> dict:
        row = dict(case=case, batch=batch, ms=round(seconds * 1e3, 3),
                   best_ms=round(timer.best * 1e3, 3), rate=round(per / seconds, 2),
                   unit=unit, peak_rss_mb=round(peak_mb()))
        if device == 'cuda':
            row['peak_cuda_mb'] = round(torch.cuda.max_memory_allocated() / 2 ** 20)
            torch.cuda.reset_peak_memory_stats()
        row.update(extra)
        rows.append(row)
        mem = (f'cuda {row["peak_cuda_mb"]:6d} MB' if device == 'cuda'
               else f'peak {row["peak_rss_mb"]:6d} MB')
        more = ''.join(f'  {k} {v}' for k, v in extra.items())
        print(f'  {case:<22} {batch:5d} {row["ms"]:10.2f} ms {row["best_ms"]:10.2f} ms '
              f'{row["rate"]:10.2f} {unit:<9} {mem}{more}', flush=True)
        return row

    start_rss = rss_mb()
    cfg, model = build(CONFIGS[name], 'spatial', device)
    params = dict(total=count(model), smm=count(model.smm), fusion=count(model.fusion))
    for bname, branch in model.branches.items():
        params[f'{bname}.backbone'] = count(branch.backbone)
        params[f'{bname}.image'] = count(branch.image)
        params[f'{bname}.text'] = count(branch.text)
    print(f'{name}: {CONFIGS[name]}, {side} x {side} crops, N = {model.smm.encoder.in_features}'
          f', {device}, {torch.get_num_threads()} threads; batches: {sizes["tubes"]} tubes, '
          f'{sizes["images"]} crops, {sizes["temporal_tubes"]} tubes (temporal step); median of'
          f' {repeats} (SMM: {max(repeats, 20)})', flush=True)
    print('  parameters: ' + ', '.join(f'{k} {v:,}' for k, v in params.items()))
    print(f'  {"case":<22} {"batch":>5} {"median":>13} {"best":>13} {"rate (median)":>20}',
          flush=True)

    # 1. spatial inference: both branches and the fusion
    model.eval()
    tubes = crops((sizes['tubes'], TUBE_LENGTH, side, side, 3), device)
    n_tubes = sizes['tubes']
    with torch.no_grad():
        seconds = timer(lambda: model.local_patterns(tubes), repeats)
        record('spatial inference', n_tubes, seconds, 'tubes/s', n_tubes,
               crops_per_s=round(n_tubes * TUBE_LENGTH / seconds, 1))
        images = model.images(tubes)

        def backbones() -> list:
            return [branch.backbone(images) for branch in model.branches.values()]

        record('  backbones', n_tubes, timer(backbones, repeats), 'tubes/s', n_tubes)
        tokens = backbones()

        def attention() -> torch.Tensor:
            return model.fusion([branch.image(h) for branch, h in
                                 zip(model.branches.values(), tokens)])

        record('  attention + fusion', n_tubes, timer(attention, repeats), 'tubes/s', n_tubes)
        del tubes

    # 2. spatial training step: Eq. 1 of both branches, backward, AdamW
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=1e-4, weight_decay=0.05)
    n_images = sizes['images']
    single = crops((n_images, side, side, 3), device)
    data = samples(cfg, n_images)

    def spatial_step() -> None:
        losses = model(single, data, mode='loss')
        optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        optimizer.step()

    seconds = timer(spatial_step, repeats, warmup=2)  # the first also builds AdamW's state
    spatial_row = record('spatial train step', n_images, seconds, 'images/s', n_images)
    del model, optimizer

    # 3. SMM alone, then the whole temporal step
    cfg, model = build(CONFIGS[name], 'temporal', device)
    model.train()
    params['trainable_temporal'] = count(model, trainable=True)
    smm, width, window = model.smm, model.smm.encoder.in_features, model.smm.window
    opt_cfg = cfg.optim_wrapper.optimizer
    smm_opt = torch.optim.Adamax(smm.parameters(), lr=opt_cfg.lr,
                                 weight_decay=opt_cfg.weight_decay)
    n_temporal = sizes['temporal_tubes']
    smm_rows = {}
    for b in sorted(set(SMM_BATCHES) | {n_temporal}):
        v = torch.randn(b, window, width, device=device)
        target = torch.randn(b, width, device=device)

        def smm_step() -> None:
            loss = torch.nn.functional.mse_loss(smm(v), target)
            smm_opt.zero_grad(set_to_none=True)
            loss.backward()
            smm_opt.step()

        seconds = timer(smm_step, max(repeats, 20), warmup=2)
        smm_rows[b] = record(f'smm step B={b}', b, seconds, 'tubes/s', b,
                             us_per_tube=round(seconds / b * 1e6, 2))
    optimizer = torch.optim.Adamax([p for p in model.parameters() if p.requires_grad],
                                   lr=opt_cfg.lr, weight_decay=opt_cfg.weight_decay)
    tubes = crops((n_temporal, TUBE_LENGTH, side, side, 3), device)
    data = samples(cfg, n_temporal)

    def temporal_step() -> None:
        losses = model(tubes, data, mode='loss')
        optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        optimizer.step()

    seconds = timer(temporal_step, repeats)
    smm_share = smm_rows[n_temporal]['ms'] / 1e3 / seconds
    temporal_row = record('temporal train step', n_temporal, seconds, 'tubes/s', n_temporal,
                          smm_share=f'{100 * smm_share:.2f}%')
    model.eval()
    seconds = timer(lambda: model(tubes, data, mode='predict'), repeats)
    record('temporal predict', n_temporal, seconds, 'tubes/s', n_temporal)
    result = dict(config=name, path=CONFIGS[name], device=device, side=side, N=width,
                  sizes=sizes, parameters=params, rows=rows, start_rss_mb=round(start_rss))
    if name == 'small':
        verdicts = [('spatial train step of 120 crops', spatial_row['ms'] / 1e3,
                     TARGET_SPATIAL_S, n_images == 120),
                    ('temporal train step of 64 tubes', temporal_row['ms'] / 1e3,
                     TARGET_TEMPORAL_S, n_temporal == 64)]
        result['targets'] = {}
        for what, got, limit, applies in verdicts:
            if not applies:
                continue
            ok = got < limit
            result['targets'][what] = dict(seconds=got, limit=limit, meets=ok)
            print(f'  target: {what} under {limit:.1f} s: {"meets" if ok else "misses"} '
                  f'({got:.3f} s)')
    return result


def machine() -> dict:
    return dict(cpus=os.cpu_count(), platform=platform.platform(),
                python=platform.python_version(), torch=torch.__version__,
                threads=torch.get_num_threads(),
                omp_num_threads=os.environ.get('OMP_NUM_THREADS'),
                load_average=[round(x, 2) for x in os.getloadavg()])


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', choices=('small', 'paper', 'both'), default='both')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--paper-repeats', type=int,
                        help='repeats of the paper-size cases (default: --repeats on CUDA, '
                             'at most 3 on the CPU; SMM steps always at least 20)')
    parser.add_argument('--paper-tubes', type=int,
                        help='paper-size tubes per batch (default 1 on the CPU, 8 on CUDA)')
    parser.add_argument('--paper-images', type=int,
                        help='paper-size crops per spatial step (default 4 on the CPU)')
    parser.add_argument('--json', help='write the results here')
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device')
    names = ['small', 'paper'] if args.config == 'both' else [args.config]
    start = time.perf_counter()
    info = machine()
    results: Dict[str, dict] = {}
    if len(names) == 1:
        results[names[0]] = run_config(names[0], args.device,
                                       sizes_for(names[0], args.device, args))
        results[names[0]]['wall_s'] = round(time.perf_counter() - start, 1)
    else:  # one process per config: peak memory of its own
        for name in names:
            begun = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, f'{name}.json')
                command = [sys.executable, os.path.abspath(__file__), '--config', name,
                           '--device', args.device, '--repeats', str(args.repeats),
                           '--json', out]
                for flag in ('paper_repeats', 'paper_tubes', 'paper_images'):
                    if getattr(args, flag) is not None:
                        command += ['--' + flag.replace('_', '-'), str(getattr(args, flag))]
                subprocess.run(command, check=True)
                with open(out, encoding='utf-8') as f:
                    results[name] = json.load(f)['configs'][name]
            print(f'  ({name}: {time.perf_counter() - begun:.1f} s in all)', flush=True)
    info['load_average_end'] = [round(x, 2) for x in os.getloadavg()]
    print(f'machine: {info["cpus"]} cpus, torch {info["torch"]}, {info["threads"]} threads, '
          f'load average {info["load_average"][0]} at start, '
          f'{info["load_average_end"][0]} at end; {time.perf_counter() - start:.1f} s')
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(dict(machine=info, configs=results), f, indent=2)


if __name__ == '__main__':
    main()
