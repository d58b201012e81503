"""Scene pseudo-labels of a config's clips: fit (or load) the scene clusterer, label every
clip of the requested splits, report how the clusters match the true scenes.

    python tools/cluster_scenes.py CONFIG [--checkpoint CKPT] [--out DIR]
                                   [--split train test] [--cfg-options k=v ...]

CONFIG's model must have a ``clusterer`` (a ``SceneClusterer`` config, as HSC's). Without
``--checkpoint`` the clusterer is fitted on the scene features of the training clips, as
``HSC.prepare`` does before training (same config, same seed, so the same clusters), and
the fit is reported: clusters, clips per cluster, clips DBSCAN called noise (before the
noise policy) and, when the dataset knows each video's true scene
(``metainfo['video_groups']['scene']``), the true-scene x cluster contingency table, its
purity and adjusted Rand index. With ``--checkpoint`` (a file, or a work dir whose
``last_checkpoint`` is taken) the trained model's fitted clusterer is used, never refitted.

Every clip of each split in ``--split`` is then labelled with the clusterer's ``predict``
(the nearest core sample in scene-feature space, the label HSC gives test clips). Written
to ``--out`` (default ``work_dirs/<config name>/scenes``), never into the feature store:

- ``scene_labels.json``: ``{split: {video: [label of each clip, in clip order]}}`` and
  ``settings`` (config, checkpoint, clusterer, number of scenes).
- ``summary.json``: the numbers printed, per split.
- ``clusters.png``: the training clips in the 2-D space DBSCAN ran in (t-SNE), coloured by
  cluster, one marker per true scene; a PCA-2 view when the projection is not 2-D.
- ``contingency.png``: true scene x cluster of the training clips (when true scenes exist).

The datasets are built with ``extract=None`` and without ``generate``: the tool only reads
an existing world and feature store (``tools/extract_features.py`` makes the store).
"""
import argparse
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from vadkit.utils import CheckpointError, ConfigError, DataError
from vadkit.utils.cli import load_config, resolve_checkpoint, run_tool
from vadkit.utils.io import dump_json
from vadkit.utils.setup_env import default_work_dir, register_all_modules

#: The dataloader of each split.
SPLITS = dict(train='train_dataloader', test='test_dataloader')


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Fit or load the scene clusterer of a config and label its clips')
    parser.add_argument('config', help='config file whose model has a `clusterer`')
    parser.add_argument('--checkpoint',
                        help='trained checkpoint (or work dir): use its fitted clusterer')
    parser.add_argument('--out', help='output folder (default work_dirs/<config>/scenes)')
    parser.add_argument('--split', nargs='+', choices=sorted(SPLITS), default=['train', 'test'],
                        help='splits whose clips are labelled (default: train test)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, xxx=yyy style')
    return parser.parse_args(argv)


# -- inputs ------------------------------------------------------------------------------
def split_dataset_cfg(cfg, split: str, config: str) -> dict:
    """The dataset config of ``split``, made read-only: no feature extraction, no world
    generation."""
    key = SPLITS[split]
    loader = cfg.get(key)
    if not loader or 'dataset' not in loader:
        raise ConfigError(f'{config} has no {key}.dataset for the {split} split')
    dataset = copy.deepcopy(loader['dataset'])
    dataset = dataset.to_dict() if hasattr(dataset, 'to_dict') else dict(dataset)
    if 'extract' in dataset:
        dataset['extract'] = None
    videos = dataset.get('videos')
    if isinstance(videos, dict):
        videos.pop('generate', None)
    return dataset


def build_split(cfg, split: str, config: str):
    """The ``split`` dataset of ``config``, checked to have clip scene features."""
    from vadkit.registry import DATASETS
    dataset = DATASETS.build(split_dataset_cfg(cfg, split, config))
    for attribute in ('scenes', 'feature_root', 'metainfo'):
        if not hasattr(dataset, attribute):
            raise ConfigError(f'{config}: the {split} dataset ({type(dataset).__name__}) has '
                              f'no `{attribute}`; the tool needs an ObjectClipDataset')
    if not getattr(dataset, 'scene_key', None) or dataset.scenes.size == 0:
        raise DataError(f'{split} split of {dataset.feature_root}: no clip scene features '
                        '(the dataset has scene=None, or the store has no scene array)')
    return dataset


def clip_videos(dataset) -> List[Tuple[str, int]]:
    """``[(video, number of clips)]`` in the order of ``dataset.scenes``' rows."""
    from vadkit.parsing import FeatureStore
    store = FeatureStore(dataset.feature_root)
    out = [(str(v), len(store.read(v, [dataset.scene_key])[dataset.scene_key]))
           for v in dataset.metainfo['videos']]
    total = sum(n for _, n in out)
    if total != len(dataset.scenes):
        raise DataError(f'feature store {dataset.feature_root}: the videos hold {total} '
                        f'{dataset.scene_key} rows but the dataset has {len(dataset.scenes)}')
    return out


def true_scenes(dataset, videos: Sequence[Tuple[str, int]]) -> Optional[np.ndarray]:
    """The true scene of every clip (``video_groups['scene']``), '' where unknown; None
    when the dataset knows no scene of any of its videos."""
    groups = ((dataset.metainfo.get('video_groups') or {}).get('scene')) or {}
    if not any(v in groups for v, _ in videos):
        return None
    return np.array([str(groups.get(v, '')) for v, n in videos for _ in range(n)], dtype=object)


def load_clusterer(cfg, path: str):
    """The fitted clusterer of a trained checkpoint of ``cfg.model``, and the model's
    number of scenes."""
    from mmengine.runner import load_checkpoint

    from vadkit.registry import MODELS
    model = MODELS.build(copy.deepcopy(cfg.model))
    load_checkpoint(model, path, map_location='cpu', logger='current')
    clusterer = getattr(model, 'clusterer', None)
    if clusterer is None or not clusterer.fitted:
        raise CheckpointError(f'checkpoint {path} holds no fitted scene clusterer (no '
                              'clusterer.* state): it was saved before training fitted it, '
                              'or by a model without scene clusters')
    scenes = getattr(model, 'num_scenes', None)
    return clusterer, (None if scenes is None else int(scenes))


# -- numbers -----------------------------------------------------------------------------
def contingency(truth: np.ndarray, labels: np.ndarray, num_clusters: int) -> dict:
    """True scene x cluster counts of the clips whose true scene is known, with purity
    (each cluster counted as its most frequent true scene), inverse purity (each true
    scene counted in its largest cluster) and sklearn's adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score
    known = truth != ''
    t, y = truth[known], np.asarray(labels)[known]
    scenes = sorted(set(t.tolist()))
    counts = np.zeros((len(scenes), num_clusters), np.int64)
    np.add.at(counts, (np.searchsorted(scenes, t), y), 1)
    n = max(int(counts.sum()), 1)
    return dict(rows=scenes, cols=list(range(num_clusters)), counts=counts.tolist(),
                num_clips=int(known.sum()), purity=float(counts.max(axis=0).sum() / n),
                inverse_purity=float(counts.max(axis=1).sum() / n),
                adjusted_rand=float(adjusted_rand_score(t, y)))


def plot_view(clusterer, scenes: np.ndarray, fitted: bool) -> Tuple[np.ndarray, str]:
    """2-D points of the training clips: the fit's t-SNE / PCA embedding when 2-D, else a
    PCA-2 view of the scene features; and the name of the view."""
    name = {'tsne': 't-SNE', 'pca': 'PCA'}.get(clusterer.projection or '', '')
    if name and clusterer.n_components == 2:
        if fitted and clusterer.embedding is not None:
            return clusterer.embedding, name
        print(f'projecting {len(scenes)} training clips with {name} for the plot '
              '(a view only, the clusters are the checkpoint\'s)')
        return _two_columns(clusterer.project(np.asarray(scenes, np.float64))), name
    from sklearn.decomposition import PCA
    x = np.asarray(scenes, np.float64)
    k = min(2, x.shape[1], len(x))
    return _two_columns(PCA(n_components=k, random_state=0).fit_transform(x)), 'PCA'


def _two_columns(points: np.ndarray) -> np.ndarray:
    if points.shape[1] >= 2:
        return points[:, :2]
    return np.concatenate([points, np.zeros((len(points), 2 - points.shape[1]))], axis=1)


def split_summary(labels: np.ndarray, videos, truth, num_clusters: int) -> dict:
    out = dict(num_videos=len(videos), num_clips=int(len(labels)),
               clips_per_cluster=np.bincount(labels, minlength=num_clusters).tolist())
    if truth is not None:
        out['contingency'] = contingency(truth, labels, num_clusters)
    return out


def per_video(labels: np.ndarray, videos) -> Dict[str, List[int]]:
    out, start = {}, 0
    for video, n in videos:
        out[video] = labels[start:start + n].tolist()
        start += n
    return out


# -- report ------------------------------------------------------------------------------
def format_table(summary: dict) -> str:
    """Clips per cluster (fit and splits), the contingency of the training clips, and the
    purity / adjusted Rand of every split with true scenes."""
    k = summary['num_clusters']
    columns = ([('fit', summary['fit']['clips_per_cluster'])] if summary.get('fit') else [])
    columns += [(s, v['clips_per_cluster']) for s, v in summary['splits'].items()]
    lines = ['cluster' + ''.join(f'{name:>8}' for name, _ in columns)]
    lines += [f'{c:>7}' + ''.join(f'{counts[c]:>8}' for _, counts in columns)
              for c in range(k)]
    table = (summary.get('fit') or summary['splits'].get('train') or {}).get('contingency')
    if table:
        width = max(len('true scene'), *(len(r) for r in table['rows']))
        lines.append('')
        lines.append(f'{"true scene":<{width}}' + ''.join(f'{c:>6}' for c in table['cols']))
        lines += [f'{r:<{width}}' + ''.join(f'{x:>6}' for x in row)
                  for r, row in zip(table['rows'], table['counts'])]
    for name, entry in ([('fit', summary['fit'])] if summary.get('fit') else []) + \
            list(summary['splits'].items()):
        if entry.get('contingency'):
            c = entry['contingency']
            lines.append(f'{name}: purity {c["purity"]:.3f}, inverse purity '
                         f'{c["inverse_purity"]:.3f}, adjusted Rand {c["adjusted_rand"]:.3f} '
                         f'({c["num_clips"]} clips)')
    return '\n'.join(lines)


def _inside(path: str, folder: str) -> bool:
    path, folder = osp.realpath(path), osp.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(osp.sep) + osp.sep)


def fit_clusterer(clusterer_cfg: dict, train, truth: Optional[np.ndarray]):
    """A clusterer fitted on the training clips as ``HSC.prepare`` fits it, its labels of
    those clips and the report of the fit."""
    from vadkit.registry import MODELS
    clusterer = MODELS.build(copy.deepcopy(clusterer_cfg))
    print(f'fitting the scene clusterer (projection {clusterer.projection}, eps '
          f'{clusterer.eps}, min_samples {clusterer.min_samples}) on '
          f'{len(train.scenes)} training clips of {train.feature_root}')
    labels = clusterer.fit(train.scenes)
    k = int(clusterer.num_scenes)
    raw = clusterer.dbscan_labels
    fit = dict(num_clips=int(len(labels)),
               clips_per_cluster=np.bincount(labels, minlength=k).tolist(),
               noise_clips=int((raw < 0).sum()), dbscan_clusters=int(raw.max() + 1),
               noise_policy=clusterer.noise)
    if truth is not None:
        fit['contingency'] = contingency(truth, labels, k)
    return clusterer, labels, fit


def write_plots(clusterer, train, labels: np.ndarray, truth: Optional[np.ndarray],
                table: Optional[dict], fitted: bool, files: Dict[str, str]) -> None:
    """``clusters.png`` (and ``contingency.png`` when ``table``) of the training clips;
    adds the paths to ``files``."""
    from vadkit.visualization.scenes import plot_confusion_matrix, plot_scene_embedding
    points, view = plot_view(clusterer, train.scenes, fitted=fitted)
    k = int(clusterer.num_scenes)
    plot_scene_embedding(
        points, labels, files['clusters'],
        title=f'{len(labels)} training clips in {view} space, {k} cluster{"s" * (k != 1)} '
              f'({"fitted" if fitted else "of the checkpoint"})',
        true_scenes=None if truth is None else np.where(truth == '', 'unknown', truth),
        xlabel=f'{view} 1', ylabel=f'{view} 2')
    if table:
        files['contingency'] = osp.join(osp.dirname(files['clusters']), 'contingency.png')
        plot_confusion_matrix(
            table['counts'], table['rows'], files['contingency'], normalize='row',
            col_labels=[str(c) for c in table['cols']], xlabel='cluster',
            ylabel='true scene',
            title=f'training clips: purity {table["purity"]:.3f}, adjusted Rand '
                  f'{table["adjusted_rand"]:.3f}')


def noise_line(fit: Optional[dict], noise_policy: str) -> str:
    if fit is None:
        return ''
    if fit['dbscan_clusters'] == 0:
        return '; DBSCAN found no cluster: all clips are one scene'
    if not fit['noise_clips']:
        return '; no DBSCAN noise'
    policy = ('joined the nearest core sample\'s scene' if noise_policy == 'nearest'
              else 'formed a scene of their own')
    return f'; DBSCAN noise: {fit["noise_clips"]} clips ({policy})'


@run_tool
def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    model_cfg = cfg.get('model') or {}
    clusterer_cfg = model_cfg.get('clusterer')
    if clusterer_cfg is None:
        raise ConfigError(f'{args.config}: model.clusterer is '
                          f'{"None" if "clusterer" in model_cfg else "not set"} (model type '
                          f'{model_cfg.get("type")}): its clips are all one scene, there is '
                          'no scene clusterer to fit or apply')
    clusterer_cfg = clusterer_cfg.to_dict() if hasattr(clusterer_cfg, 'to_dict') \
        else dict(clusterer_cfg)
    checkpoint = resolve_checkpoint(args.checkpoint) if args.checkpoint else None
    out_dir = args.out or osp.join(default_work_dir(args.config), 'scenes')

    datasets = {'train': build_split(cfg, 'train', args.config)}
    for split in args.split:
        if split not in datasets:
            datasets[split] = build_split(cfg, split, args.config)
    for dataset in datasets.values():
        if _inside(out_dir, dataset.feature_root):
            raise ConfigError(f'--out {out_dir} is inside the feature store '
                              f'{dataset.feature_root}; the tool never writes there')
    train = datasets['train']
    videos = {s: clip_videos(d) for s, d in datasets.items()}
    truth = {s: true_scenes(d, videos[s]) for s, d in datasets.items()}

    fit, fit_labels, model_scenes = None, None, None
    if checkpoint is None:
        clusterer, fit_labels, fit = fit_clusterer(clusterer_cfg, train, truth['train'])
    else:
        clusterer, model_scenes = load_clusterer(cfg, checkpoint)
        print(f'scene clusterer of {checkpoint}: {int(clusterer.num_scenes)} scenes, '
              f'{len(clusterer.core_labels)} core samples')
    k = int(clusterer.num_scenes)
    dim = int(clusterer.core_features.shape[1])
    labels = {}
    for split, dataset in datasets.items():
        if dataset.scenes.shape[1] != dim:
            raise DataError(f'{split} split of {dataset.feature_root}: '
                            f'{dataset.scenes.shape[1]}-d scene features, but the clusterer '
                            f'was fitted on {dim}-d ones')
        labels[split] = clusterer.predict(dataset.scenes).astype(np.int64)
    if fit is not None:
        fit['predict_agreement'] = float((labels['train'] == fit_labels).mean())

    settings = dict(config=args.config, checkpoint=checkpoint,
                    source='checkpoint' if checkpoint else 'fit', clusterer=clusterer_cfg,
                    num_scenes=k, model_num_scenes=model_scenes,
                    num_core_samples=int(len(clusterer.core_labels)), scene_dim=dim,
                    labels='SceneClusterer.predict: the label of the nearest core sample '
                           'in scene-feature space, per clip in clip order',
                    feature_root={s: d.feature_root for s, d in datasets.items()})
    if checkpoint:
        settings['note'] = ('the clusterer settings are the config\'s; the clusters are '
                            'the checkpoint\'s fitted state')
    summary = dict(settings, num_clusters=k,
                   clips_per_cluster=(fit or {}).get('clips_per_cluster'),
                   noise_clips=(fit or {}).get('noise_clips'), fit=fit,
                   splits={s: split_summary(labels[s], videos[s], truth[s], k)
                           for s in args.split})
    scene_labels = {s: per_video(labels[s], videos[s]) for s in args.split}
    scene_labels['settings'] = settings

    files = dict(scene_labels=osp.join(out_dir, 'scene_labels.json'),
                 summary=osp.join(out_dir, 'summary.json'),
                 clusters=osp.join(out_dir, 'clusters.png'))
    table = (fit or {}).get('contingency')
    if table is None and truth['train'] is not None:
        table = contingency(truth['train'], labels['train'], k)
    write_plots(clusterer, train, fit_labels if fit is not None else labels['train'],
                truth['train'], table, fit is not None, files)
    summary['files'] = files
    dump_json(scene_labels, files['scene_labels'])
    dump_json(summary, files['summary'])

    print(f'{k} scene cluster(s){noise_line(fit, clusterer.noise)}')
    print(format_table(summary))
    print(f'written to {out_dir}: ' + ', '.join(osp.basename(p) for p in files.values()))


if __name__ == '__main__':
    main()
