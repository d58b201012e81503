"""SA-CRF inference time per video against its length T (segments) and patches G.

    python benchmarks/sacrf_meanfield.py [--lengths 32 64 128 256] [--patches 1 5 14]
        [--channels 2048] [--width 512] [--iterations 5] [--repeat 3] [--json OUT]

For each (T, G): one video's clique self-attention (Eq. 1, 3, 4 over the localities
{1, 2, 4, 6, 8}) and its CRF mean-field inference (Algorithm 1, ``--iterations`` updates,
halting off so every video runs them all), best of ``--repeat``, in eval mode without
gradients, with the paper's sizes (2048-d patch features, 512-d embeddings). Both
``pairwise`` readings are timed: ``features`` (Eq. 7's ``f_p(H) U``) and ``marginals``
(``(P_hat Q) U``, one ``[TG, TG] x [TG, 2]`` product per update). The attention's
``|K| x (TG)^2`` weights dominate memory: peak resident size is reported per case.
"""
import argparse
import json
import os
import platform
import resource
import time

import torch

from vadkit.models.components.sacrf import CliqueSelfAttention, SelfAttentionCRF


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(work, repeat: int) -> float:
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--lengths', type=int, nargs='+', default=[32, 64, 128, 256])
    parser.add_argument('--patches', type=int, nargs='+', default=[1, 5, 14])
    parser.add_argument('--channels', type=int, default=2048)
    parser.add_argument('--width', type=int, default=512)
    parser.add_argument('--iterations', type=int, default=5)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--json', help='write the results here')
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    attention = CliqueSelfAttention(args.channels, args.width, args.width).eval()
    crfs = {mode: SelfAttentionCRF(args.channels, args.width, pairwise=mode,
                                   max_iter=args.iterations, halt_tol=0.0).eval()
            for mode in ('features', 'marginals')}
    rows = []
    print(f'{"T":>5} {"G":>3} {"nodes":>6} {"attention s":>12} {"crf features s":>15} '
          f'{"crf marginals s":>16} {"peak MB":>8}')
    for t in args.lengths:
        for g in args.patches:
            b = torch.randn(1, t, g, args.channels)
            with torch.no_grad():
                seconds = best_of(lambda: attention(b), args.repeat)
                h, p_hat = attention(b)
                crf = {mode: best_of(lambda: model(b, h, p_hat), args.repeat)
                       for mode, model in crfs.items()}
            row = dict(T=t, G=g, nodes=t * g, attention_s=round(seconds, 4),
                       crf_features_s=round(crf['features'], 4),
                       crf_marginals_s=round(crf['marginals'], 4),
                       peak_rss_mb=round(peak_mb()))
            rows.append(row)
            print(f'{t:5d} {g:3d} {t * g:6d} {seconds:12.4f} {crf["features"]:15.4f} '
                  f'{crf["marginals"]:16.4f} {row["peak_rss_mb"]:8d}', flush=True)
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(dict(machine=dict(cpus=os.cpu_count(), platform=platform.platform()),
                           sizes=vars(args), rows=rows), f, indent=2)


if __name__ == '__main__':
    main()
