"""Draw an HSC model's memory bank: a t-SNE of its normal patterns, one colour per scene
(the HSC paper's Fig. 4), one PNG per stream.

    python tools/analysis/show_memory.py CONFIG CHECKPOINT_OR_WORK_DIR [--out-dir DIR]
        [--max-points N] [--perplexity P] [--seed S]

Each filled memory slot is one training object's latent pattern; it is coloured by the
scene pseudo-label it was stored with. Tight single-colour groups mean the encoder
separates scenes, as HSC's scene-level contrast asks. PNGs go to ``<out-dir>/memory_<stream>.png``
(default: the work dir of CHECKPOINT, or the folder of the checkpoint file).
"""
import argparse
import os.path as osp

import numpy as np

from vadkit.utils import ConfigError
from vadkit.utils.cli import run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="t-SNE of an HSC model's memory bank")
    parser.add_argument('config', help='the model config')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir to take its latest')
    parser.add_argument('--out-dir', help='where memory_<stream>.png go')
    parser.add_argument('--max-points', type=int, default=3000,
                        help='slots drawn per stream, sampled evenly (t-SNE is quadratic)')
    parser.add_argument('--perplexity', type=float, default=30.0)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def memory_patterns(model):
    """``{stream name: (slots float[N, D], scene int[N])}`` of the filled slots of every
    :class:`HSCStream` in ``model``."""
    from vadkit.models.components.hsc_stream import HSCStream
    found = {}
    for name, module in model.named_modules():
        if isinstance(module, HSCStream):
            filled = module.memory.filled.cpu().numpy().astype(bool)
            slots = module.memory.slots.detach().cpu().numpy()[filled]
            found[name.split('.')[-1] or 'stream'] = (
                slots, module.slot_scene.cpu().numpy()[filled])
    return found


def embed(points: np.ndarray, perplexity: float, seed: int) -> np.ndarray:
    """2-D t-SNE of ``points`` (perplexity capped below the number of points)."""
    from sklearn.manifold import TSNE
    perplexity = min(perplexity, max(1.0, (len(points) - 1) / 3.0))
    return TSNE(n_components=2, perplexity=perplexity, init='pca', random_state=seed
                ).fit_transform(points.astype(np.float64))


@run_tool
def main(argv=None):
    from vadkit.apis import init_model
    from vadkit.visualization import plot_scene_embedding
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint)
    streams = memory_patterns(model)
    if not streams:
        raise ConfigError(f'{args.config}: the model {type(model).__name__} has no HSC memory '
                          'bank to draw')
    out_dir = args.out_dir or (args.checkpoint if osp.isdir(args.checkpoint)
                               else osp.dirname(osp.abspath(args.checkpoint)))
    rng = np.random.default_rng(args.seed)
    for name, (slots, scenes) in streams.items():
        if len(slots) < 3:
            print(f'{name}: {len(slots)} filled memory slots, too few to draw')
            continue
        if len(slots) > args.max_points:
            keep = np.sort(rng.choice(len(slots), args.max_points, replace=False))
            slots, scenes = slots[keep], scenes[keep]
        path = plot_scene_embedding(
            embed(slots, args.perplexity, args.seed), scenes,
            osp.join(out_dir, f'memory_{name}.png'),
            title=f'{name} memory: {len(slots)} normal patterns, coloured by scene',
            xlabel='t-SNE 1', ylabel='t-SNE 2')
        print(f'{name}: {len(slots)} slots of {len(np.unique(scenes))} scenes -> {path}')


if __name__ == '__main__':
    main()
