"""HSC's motion augmentation (Sun & Gong, CVPR 2023, Sec. 3.4-3.5; supplement Sec. 1).

    python tools/misc/augment_motion.py CONFIG CHECKPOINT --out DIR [--copies K]
        [--t-norm 0.2] [--t-abn 0.8] [--epochs 50] [--lr 1e-3] [--balanced] [--seed 0]
        [--cfg-options k=v ...] [--no-progress]

Builds CONFIG's training set and model (weights from CHECKPOINT, a trained HSC), augments
the skeleton clip of every motion-valid training object K times (rotation about parent
keypoints, Eq. 7, and temporal cutting: ``motion_augmentation.augmenter`` of the config, by
default ``SpatioTemporalAugmentation`` with P_st = P_tc = 0.5), re-encodes them with the
motion extractor of the store's parsing config, scores them with the motion stream (Eq. 11),
normalises the errors (``--normalise``: rank in the set by default, min-max, or
none) and splits them (``<= T_norm`` normal, ``>= T_abn`` abnormal,
between: dropped). Writes, atomically:

- ``DIR/augmented.npz``: ``motion float32[M, D]``, ``source int64[M]`` (the dataset index
  of each sample's object), ``error float32[M]`` (raw) and ``label int8[M]`` (0 / 1 / -1);
  samples the extractor could not describe (an all-zero vector: too few posed frames
  left) are left out and counted;
- ``DIR/summary.json``: counts per label, thresholds, error quantiles, the classifier's
  training, the config and checkpoint;
- ``DIR/errors.png``: the histogram of the normalised errors with the two thresholds;
- ``DIR/hsc_ma.pth``: CHECKPOINT with the trained ``MotionAugClassifier`` (512-32-2,
  cross-entropy on the normal / abnormal samples) as ``motion_classifier.*`` weights and
  ``meta['motion_augmentation']`` = the summary; ``DIR/config_ma.py``: CONFIG with
  ``model.motion_score='classifier'`` and the classifier (MA+).

MA- (paper Table 5) adds the normal samples to the motion stream's training set instead:
``--cfg-options train_dataloader.dataset.augmented=DIR/augmented.npz``.
"""
import argparse
import os
import os.path as osp
import sys
import warnings

import numpy as np

from vadkit.utils.cli import load_config, run_tool
from vadkit.utils.errors import CheckpointError, ConfigError, DataError
from vadkit.utils.io import to_jsonable

#: The paper's augmentation (P_st = P_tc = 0.5); at least 4 frames stay, the fewest the
#: kinematic extractor describes.
DEFAULT_AUGMENTER = dict(type='SpatioTemporalAugmentation', rotation=dict(p=0.5),
                         cutting=dict(p=0.5, min_frames=4))
#: The supplement's classifier.
DEFAULT_CLASSIFIER = dict(type='MotionAugClassifier', hidden_channels=32, num_classes=2,
                          dropout=0.6)
CLASSIFIER_MODULE = 'vadkit.models.components.motion_classifier'
QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='HSC motion augmentation: augment, re-encode, split, train the '
        'normal / abnormal classifier')
    parser.add_argument('config', help='the HSC training config')
    parser.add_argument('checkpoint', help='the trained HSC checkpoint')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--copies', type=int, default=1,
                        help='augmented copies per motion-valid object (default 1)')
    parser.add_argument('--t-norm', type=float, default=0.2,
                        help='T_norm: normalised errors <= it are normal (default 0.2)')
    parser.add_argument('--t-abn', type=float, default=0.8,
                        help='T_abn: normalised errors >= it are abnormal (default 0.8)')
    parser.add_argument('--normalise', default='quantile',
                        choices=['quantile', 'minmax', 'none'],
                        help='scale of the errors the thresholds apply to: rank in the set '
                        '(default), min-max, or raw errors')
    parser.add_argument('--epochs', type=int, default=50,
                        help='classifier training epochs (default 50)')
    parser.add_argument('--lr', type=float, default=1e-3,
                        help="classifier Adam learning rate (default 1e-3)")
    parser.add_argument('--batch-size', type=int, default=128,
                        help='classifier batch size (default 128)')
    parser.add_argument('--balanced', action='store_true',
                        help='class-balanced cross-entropy weights')
    parser.add_argument('--seed', type=int, default=0, help='augmentation and training seed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of CONFIG, xxx=yyy style')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def _check_args(args) -> None:
    if args.copies < 1:
        raise ConfigError(f'--copies must be at least 1, got {args.copies}')
    if not (0.0 <= args.t_norm < args.t_abn <= 1.0 or args.normalise == 'none'
            and args.t_norm < args.t_abn):
        raise ConfigError(f'thresholds must satisfy 0 <= --t-norm < --t-abn <= 1, got '
                          f'{args.t_norm} and {args.t_abn}')
    if args.epochs < 1 or args.batch_size < 1 or not args.lr > 0:
        raise ConfigError('--epochs and --batch-size must be at least 1 and --lr positive')
    if args.seed < 0:
        raise ConfigError(f'--seed must be non-negative, got {args.seed}')
    if not osp.isfile(args.checkpoint):
        raise CheckpointError(f'checkpoint {args.checkpoint} does not exist')


def _motion_extractor(store, extractors):
    """The motion extractor of the store's parsing config, checked for re-encoding."""
    from vadkit.apis.motion_augmentation import extractor_needs_frames
    parsing = store.manifest.get('config', {})
    motion_cfg = (parsing.get('object_extractors') or {}).get('motion')
    if motion_cfg is None:
        raise ConfigError(f'feature store {store.root}: its parsing config has no '
                          'object_extractors.motion, so augmented skeletons cannot be '
                          'encoded')
    extractor = extractors.build(dict(motion_cfg))
    path = getattr(extractor, 'checkpoint', None)
    if isinstance(path, str) and '://' not in path and not osp.isfile(osp.expanduser(path)):
        raise CheckpointError(f'feature store {store.root}: the motion extractor '
                              f'{type(extractor).__name__} needs its weights '
                              f'(parser.object_extractors.motion.checkpoint={path}), which '
                              'are not there')
    if extractor_needs_frames(extractor):
        from vadkit.apis.motion_augmentation import FRAME_FREE_EXTRACTORS
        raise ConfigError(f'feature store {store.root}: the motion extractor '
                          f'{type(extractor).__name__} reads the clip frames, which augmented '
                          f'skeletons do not have; use {" or ".join(FRAME_FREE_EXTRACTORS)}')
    return motion_cfg, extractor


def _reencode_check(store, dataset, valid, extractor, limit: int = 16) -> dict:
    """Re-encode a few unaugmented objects: they should give the stored features back."""
    from vadkit.apis.motion_augmentation import encode_motion, read_store_clips
    rows = dataset.rows
    video = str(rows['video_id'][valid[0]])
    picked = valid[rows['video_id'][valid] == video][:limit]
    clips = read_store_clips(store, video, rows['row'][picked])
    motion = encode_motion(extractor, clips['keypoints'], clips['mask'], clips['boxes'],
                           clips['info'], clips['starts'], clips['track_lengths'],
                           clips['track_ids'])
    stored = np.asarray(store.read(video, ['objects_motion'])['objects_motion'])[
        rows['row'][picked]]
    diff = float(np.abs(motion - stored).max()) if stored.size else 0.0
    scale = float(np.abs(stored).max()) if stored.size else 0.0
    if diff > 1e-4 * (1.0 + scale):
        warnings.warn(f're-encoding {len(picked)} unaugmented objects of video {video} '
                      f'differs from the stored objects_motion by up to {diff:.3g}: the motion '
                      'extractor is not the one that made the store (other weights?)',
                      stacklevel=2)
    return dict(video=video, objects=int(len(picked)), max_abs_diff=diff)


def _plot(normalised: np.ndarray, labels: np.ndarray, t_norm: float, t_abn: float,
          path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from vadkit.apis.motion_augmentation import label_counts
    from vadkit.utils.io import atomic_path
    counts = label_counts(labels)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.hist(normalised, bins=50, color='0.45')
    ax.axvspan(0.0, t_norm, color='tab:green', alpha=0.15, label=f'normal ({counts["normal"]})')
    ax.axvspan(t_abn, 1.0, color='tab:red', alpha=0.15,
               label=f'abnormal ({counts["abnormal"]})')
    ax.axvline(t_norm, color='tab:green', linestyle='--', label=f'T_norm = {t_norm:g}')
    ax.axvline(t_abn, color='tab:red', linestyle='--', label=f'T_abn = {t_abn:g}')
    ax.set_xlabel('normalised motion reconstruction error (Eq. 11)')
    ax.set_ylabel('augmented samples')
    ax.set_title(f'{len(normalised)} augmented samples, {counts["dropped"]} dropped')
    ax.legend(fontsize='small')
    fig.tight_layout()
    with atomic_path(path, suffix='.png') as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def _save_checkpoint(source: str, classifier, summary: dict, path: str) -> None:
    """``source`` with ``motion_classifier.*`` weights and the summary in its meta."""
    import torch

    from vadkit.utils.checkpoint import safe_torch_load
    from vadkit.utils.io import atomic_path
    checkpoint = safe_torch_load(source, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'checkpoint {source} is not a dict of weights')
    if not isinstance(checkpoint.get('state_dict'), dict):
        checkpoint = dict(state_dict=checkpoint, meta={})
    state = dict(checkpoint['state_dict'])
    prefix = 'module.' if any(k.startswith('module.') for k in state) else ''
    state = {k: v for k, v in state.items()
             if not k.startswith(f'{prefix}motion_classifier.')}
    for key, value in classifier.state_dict().items():
        state[f'{prefix}motion_classifier.{key}'] = value.detach().cpu().clone()
    checkpoint['state_dict'] = state
    meta = dict(checkpoint.get('meta') or {})
    meta['motion_augmentation'] = to_jsonable(summary)
    checkpoint['meta'] = meta
    with atomic_path(path, suffix='.pth') as tmp:
        torch.save(checkpoint, tmp)


@run_tool
def main(argv=None):
    args = parse_args(argv)
    _check_args(args)
    import importlib

    import torch

    from vadkit.apis.motion_augmentation import (augment_store_video, build_augmenter,
                                                 label_counts, normalise_errors, score_motion,
                                                 split_by_error, train_classifier)
    from vadkit.parsing import FeatureStore
    from vadkit.registry import DATASETS, EXTRACTORS, MODELS
    from vadkit.utils.io import dump_json, save_npz
    from vadkit.utils.setup_env import register_all_modules
    register_all_modules()
    importlib.import_module(CLASSIFIER_MODULE)  # registers MotionAugClassifier
    cfg = load_config(args.config, args.cfg_options)
    for key in ('model', 'train_dataloader'):
        if key not in cfg:
            raise ConfigError(f'{args.config} has no {key}')

    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    store = FeatureStore(dataset.feature_root)
    rows = dataset.rows
    original = rows['source'] < 0 if 'source' in rows.dtype.names else np.ones(len(rows), bool)
    videos = list(dict.fromkeys(str(v) for v in rows['video_id'][original]))
    for video in videos[:1]:
        if 'objects_keypoints' not in store.meta(video).get('arrays', {}):
            raise DataError(f'feature store {store.root} (video {video}) has no '
                            'objects_keypoints: its parsing config has no pose estimator '
                            '(parser.pose), so there are no skeletons to augment')
    valid = np.flatnonzero(original & rows['motion_valid'].astype(bool))
    if not valid.size:
        raise DataError(f'the training set of {args.config} ({int(original.sum())} objects in '
                        f'{store.root}) has no motion-valid object (a tracklet longer than '
                        "the parser's min_track_length)")
    motion_cfg, extractor = _motion_extractor(store, EXTRACTORS)
    augmenter_cfg = to_jsonable((cfg.get('motion_augmentation') or {}).get('augmenter')
                           or DEFAULT_AUGMENTER)
    augmenter = build_augmenter(augmenter_cfg)

    from mmengine.runner import load_checkpoint
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    if not callable(getattr(model, 'stream_errors', None)):
        raise ConfigError(f'{args.config}: model {type(model).__name__} has no stream_errors '
                          '(motion augmentation needs an HSC model)')
    check = _reencode_check(store, dataset, valid, extractor)

    bar = None
    if not args.no_progress:
        from tqdm import tqdm
        bar = tqdm(total=int(valid.size) * args.copies, desc='augmenting and re-encoding',
                   unit='sample')
    motions, sources = [], []
    video_of = rows['video_id'][valid]
    for video in dict.fromkeys(video_of):
        picked = valid[video_of == video]
        motion, source = augment_store_video(store, str(video), rows['row'][picked], picked,
                                             augmenter, extractor, args.copies, args.seed)
        motions.append(motion)
        sources.append(source)
        if bar is not None:
            bar.update(len(source))
    if bar is not None:
        bar.close()
    motion = np.concatenate(motions)
    source = np.concatenate(sources)
    described = np.abs(motion).sum(axis=1) > 0
    unencoded = int((~described).sum())
    motion, source = motion[described], source[described]
    if not len(motion):
        raise DataError(f'none of the {len(described)} augmented samples could be encoded by '
                        f'{type(extractor).__name__} (all-zero features: too few posed '
                        'frames); check the poses in the store or the augmenter')

    scene = dataset.scenes[rows['scene_row'][source]] if dataset.scenes.size else \
        np.zeros((len(source), 0), np.float32)
    try:
        errors = score_motion(model, scene, motion)
    except RuntimeError as exc:  # an untrained model (empty memory) cannot score
        raise CheckpointError(f'checkpoint {args.checkpoint} cannot score motion: {exc}') \
            from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        labels = split_by_error(errors, args.t_norm, args.t_abn, args.normalise)
    for item in caught:
        print(f'warning: {item.message}', file=sys.stderr)
    normalised = normalise_errors(errors, args.normalise)
    counts = label_counts(labels)

    os.makedirs(args.out, exist_ok=True)
    save_npz(dict(motion=motion.astype(np.float32), source=source.astype(np.int64),
                  error=errors.astype(np.float32), label=labels.astype(np.int8)),
             osp.join(args.out, 'augmented.npz'))
    summary = dict(
        config=osp.abspath(args.config), checkpoint=osp.abspath(args.checkpoint),
        feature_root=osp.abspath(store.root), motion_extractor=motion_cfg,
        augmenter=augmenter_cfg, copies=args.copies, seed=args.seed,
        objects=int(valid.size), samples=int(len(labels)), unencoded=unencoded,
        counts=counts,
        thresholds=dict(t_norm=args.t_norm, t_abn=args.t_abn, normalise=args.normalise),
        error_quantiles={f'{q:g}': float(np.quantile(errors, q)) for q in QUANTILES},
        reencode_check=check)
    dump_json(summary, osp.join(args.out, 'summary.json'))
    _plot(normalised, labels, args.t_norm, args.t_abn, osp.join(args.out, 'errors.png'))
    print(f'{valid.size} motion-valid objects x {args.copies} copies: {len(labels)} samples '
          f'({unencoded} not encodable), normal {counts["normal"]}, abnormal '
          f'{counts["abnormal"]}, dropped {counts["dropped"]}; written to '
          f'{osp.join(args.out, "augmented.npz")}')

    classifier_cfg = dict(DEFAULT_CLASSIFIER, in_channels=int(motion.shape[1]))
    classifier_cfg.update(to_jsonable(cfg.model.get('motion_classifier') or {}))
    if int(classifier_cfg['in_channels']) != motion.shape[1]:
        raise ConfigError(f'model.motion_classifier.in_channels is '
                          f'{classifier_cfg["in_channels"]}, the motion features are '
                          f'{motion.shape[1]}-d')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny network: more threads only wait on each other
    try:
        torch.manual_seed(args.seed)
        classifier = MODELS.build(classifier_cfg)
        losses = train_classifier(classifier, motion, labels, epochs=args.epochs, lr=args.lr,
                                  batch_size=args.batch_size, seed=args.seed,
                                  balanced=args.balanced)
        kept = labels >= 0
        predicted = (classifier.anomaly_probability(motion[kept]) > 0.5).numpy()
    finally:
        torch.set_num_threads(threads)
    summary['classifier'] = dict(
        config=classifier_cfg, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        balanced=args.balanced, first_loss=losses[0], last_loss=losses[-1],
        train_accuracy=float((predicted == labels[kept]).mean()))
    dump_json(summary, osp.join(args.out, 'summary.json'))
    _save_checkpoint(args.checkpoint, classifier, summary, osp.join(args.out, 'hsc_ma.pth'))
    cfg.model.motion_classifier = classifier_cfg
    cfg.model.motion_score = 'classifier'
    # the classifier's module is imported by the config while vadkit.models does not
    imports = list((cfg.get('custom_imports') or {}).get('imports', []))
    cfg.custom_imports = dict(imports=list(dict.fromkeys(imports + [CLASSIFIER_MODULE])),
                              allow_failed_imports=False)
    cfg.dump(osp.join(args.out, 'config_ma.py'))

    print(f'classifier: loss {losses[0]:.4f} -> {losses[-1]:.4f} in {args.epochs} epochs, '
          f'training accuracy {summary["classifier"]["train_accuracy"]:.3f}; '
          f'{osp.join(args.out, "hsc_ma.pth")}')
    print('MA+ (the classifier replaces the motion error):\n'
          f'  python tools/test.py {osp.join(args.out, "config_ma.py")} '
          f'{osp.join(args.out, "hsc_ma.pth")}')
    if hasattr(importlib.import_module('vadkit.models.components'), 'MotionAugClassifier'):
        options = ' '.join(f'model.motion_classifier.{k}={v}'
                           for k, v in classifier_cfg.items())
        print(f'  or: python tools/test.py {args.config} {osp.join(args.out, "hsc_ma.pth")} '
              f'--cfg-options model.motion_score=classifier {options}')
    print('MA- (the normal samples join the motion training set):\n'
          f'  python tools/train.py {args.config} --cfg-options '
          f'train_dataloader.dataset.augmented={osp.join(args.out, "augmented.npz")}')


if __name__ == '__main__':
    main()
