"""SA-CRF inference time per video against its length T (segments) and patches G.

    python benchmarks/sacrf_meanfield.py [--lengths 32 64 128 256 1024 4096]
        [--patches 1 5 14] [--channels 2048] [--width 512] [--iterations 5] [--repeat 3]
        [--dense-limit 3584] [--json OUT]

For each (T, G): one video's clique self-attention (Eq. 1, 3, 4 over the localities
{1, 2, 4, 6, 8}) and its CRF mean-field inference (Algorithm 1, ``--iterations`` updates,
halting off so every video runs them all), best of ``--repeat``, in eval mode without
gradients, with the paper's sizes (2048-d patch features, 512-d embeddings). Both
``pairwise`` readings are timed: ``features`` (Eq. 7's ``f_p(H) U``) and ``marginals``
(``(P_hat Q) U``, one product per update). Both attention implementations are timed:
``band`` (only the frames within ``max(K) - 1 = 7`` of each frame: ``P_hat`` holds
``T G x 15 G`` weights, linear in ``T``) and ``dense`` (``|K|`` masked ``(TG)^2`` logit
matrices, quadratic; run up to ``--dense-limit`` nodes). ``P_hat MB`` is the size of the
combined weights; peak resident size (cumulative over the run) is reported too.
"""
import argparse
import json
import os
import platform
import resource
import time

import torch

from vadkit.models.components.sacrf import BandWeights, CliqueSelfAttention, SelfAttentionCRF


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
    parser.add_argument('--lengths', type=int, nargs='+',
                        default=[32, 64, 128, 256, 1024, 4096])
    parser.add_argument('--patches', type=int, nargs='+', default=[1, 5, 14])
    parser.add_argument('--channels', type=int, default=2048)
    parser.add_argument('--width', type=int, default=512)
    parser.add_argument('--iterations', type=int, default=5)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--dense-limit', type=int, default=3584,
                        help='largest T x G run with the dense implementation')
    parser.add_argument('--json', help='write the results here')
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    attentions = {impl: CliqueSelfAttention(args.channels, args.width, args.width,
                                            implementation=impl).eval()
                  for impl in ('band', 'dense')}
    attentions['dense'].load_state_dict(attentions['band'].state_dict())
    crfs = {mode: SelfAttentionCRF(args.channels, args.width, pairwise=mode,
                                   max_iter=args.iterations, halt_tol=0.0).eval()
            for mode in ('features', 'marginals')}
    rows = []
    print(f'{"T":>5} {"G":>3} {"nodes":>6} {"impl":>5} {"attention s":>12} '
          f'{"crf features s":>15} {"crf marginals s":>16} {"P_hat MB":>9} {"peak MB":>8}')
    for t in args.lengths:
        for g in args.patches:
            b = torch.randn(1, t, g, args.channels)
            for impl, attention in attentions.items():
                if impl == 'dense' and t * g > args.dense_limit:
                    continue
                with torch.no_grad():
                    seconds = best_of(lambda: attention(b), args.repeat)
                    h, p_hat = attention(b)
                    crf = {mode: best_of(lambda: model(b, h, p_hat), args.repeat)
                           for mode, model in crfs.items()}
                weights = p_hat.weights if isinstance(p_hat, BandWeights) else p_hat
                row = dict(T=t, G=g, nodes=t * g, implementation=impl,
                           attention_s=round(seconds, 4),
                           crf_features_s=round(crf['features'], 4),
                           crf_marginals_s=round(crf['marginals'], 4),
                           p_hat_mb=round(weights.numel() * 4 / 2 ** 20, 1),
                           peak_rss_mb=round(peak_mb()))
                rows.append(row)
                print(f'{t:5d} {g:3d} {t * g:6d} {impl:>5} {seconds:12.4f} '
                      f'{crf["features"]:15.4f} {crf["marginals"]:16.4f} '
                      f'{row["p_hat_mb"]:9.1f} {row["peak_rss_mb"]:8d}', flush=True)
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(dict(machine=dict(cpus=os.cpu_count(), platform=platform.platform()),
                           sizes=vars(args), rows=rows), f, indent=2)


if __name__ == '__main__':
    main()
