"""Score one raw video with a trained model, as ``mmdet.apis.inference_detector`` does an
image.

    from vadkit.apis import init_model, score_video
    model = init_model('configs/hsc/hsc_synthetic.py', 'work_dirs/hsc_synthetic')
    result = score_video(model, 'street.mp4', out_dir='work_dirs/street')
    result['alarms']   # [{'start': 120, 'end': 188, 'peak_frame': 151, ...}, ...]

The video is parsed with the parsing config the model's features came from (its test
dataset's ``extract.config``, or the config's ``parsing``), into a feature store of its own
(``<out_dir>/features``: parsing the same video again is skipped), then scored item by item
and turned into frame scores by the config's scorer pipeline, fitted on the normal training
videos (:mod:`vadkit.scoring.deploy`): test-set statistics do not exist for one video. An
alarm threshold is calibrated on the same training frames at a chosen false-alarm rate
(:func:`calibrate`). The training frames were fitted by the model, so their scores are
lower than those of new normal video: the rate on new video is higher than the one asked
for; calibrate on held-out normal videos (``videos=``) where there are some.
"""
import glob
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch

from vadkit.scoring import alarm_events, build_scorer_pipeline, calibrate_threshold
from vadkit.scoring.deploy import fit_pipeline, object_scores, pipeline_from_stats
from vadkit.utils.errors import ConfigError, DataError
from vadkit.utils.io import dump_json

#: Dataset options that point at a split's ground truth or at how it was built; a single
#: video's dataset has none of them.
_SPLIT_KEYS = ('extract', 'ground_truth', 'video_scenes', 'holdout', 'pseudo_anomalies')
CALIBRATION_VERSION = 1


def _vad_metric_cfg(cfg) -> dict:
    evaluators = cfg.get('test_evaluator')
    items = evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
    for item in items:
        if isinstance(item, dict) and item.get('type') == 'VADMetric':
            return dict(item)
    raise ConfigError(f'{cfg.filename or "the config"}: test_evaluator has no VADMetric, so '
                      'it does not say how item scores become frame scores')


def _split_free(dataset: dict, **options) -> dict:
    """A dataset config without what points at its split's ground truth or at how it was
    built (:data:`_SPLIT_KEYS`), with ``options`` set."""
    out = {k: v for k, v in dataset.items() if k not in _SPLIT_KEYS}
    out.update(options)
    return out


def _dataset_cfg(cfg, which: str) -> dict:
    loader = cfg.get(f'{which}_dataloader')
    if not loader or 'dataset' not in loader:
        raise ConfigError(f'{cfg.filename or "the config"} has no {which}_dataloader.dataset')
    dataset = loader['dataset']
    dataset = dataset.to_dict() if hasattr(dataset, 'to_dict') else dict(dataset)
    if 'feature_root' not in dataset:
        raise ConfigError(f'{cfg.filename or "the config"}: {which}_dataloader.dataset '
                          f'({dataset.get("type")}) reads no feature store (no feature_root); '
                          'score_video needs a dataset of stored features')
    return dataset


def parsing_config_of(cfg, parsing: Optional[str] = None) -> str:
    """The parsing config the model's features come from: ``parsing`` when given, else
    the test dataset's ``extract.config``, else the config's ``parsing``."""
    if parsing:
        return parsing
    extract = _dataset_cfg(cfg, 'test').get('extract') or {}
    found = extract.get('config') or cfg.get('parsing')
    if not found:
        raise ConfigError(f'{cfg.filename or "the config"} does not say which parsing config '
                          'made its features (no test_dataloader.dataset.extract.config and no '
                          '`parsing`); pass the parsing config (--parsing)')
    return found


def _run(model, cfg, dataset: dict, progress: str = '') -> tuple:
    """Item records of a dataset (``VADMetric.process``'s), its metainfo and the dataset."""
    from mmengine.runner import Runner

    from vadkit.evaluation import VADMetric
    loader_cfg = cfg.test_dataloader.to_dict() if hasattr(cfg.test_dataloader, 'to_dict') \
        else dict(cfg.test_dataloader)
    loader_cfg.update(dataset=dataset, num_workers=0, persistent_workers=False,
                      sampler=dict(type='DefaultSampler', shuffle=False))
    loader = Runner.build_dataloader(loader_cfg)
    collector = VADMetric()
    batches = loader
    if progress:
        from tqdm import tqdm
        batches = tqdm(loader, desc=progress, unit='batch', leave=False)
    model.eval()
    with torch.no_grad():
        for batch in batches:
            collector.process(batch, model.test_step(batch))
    records: Dict[str, list] = {}
    for record in collector.results:
        records.setdefault(record['video_id'], []).append(record)
    return records, dict(loader.dataset.metainfo), loader.dataset


def calibrate(model, false_alarm_rate: float = 0.01, videos=None,
              progress: bool = True) -> dict:
    """Fit the scorer pipeline and an alarm threshold on normal videos.

    Args:
        model: From :func:`~vadkit.apis.init_model` (``model.cfg`` is read).
        false_alarm_rate: Fraction of the normal frames allowed above the threshold.
        videos: The normal videos, as the dataset's ``videos`` option takes them; None:
            the training split's. Videos the split labels anomalous (weak supervision)
            are left out; an unlabelled split counts as normal.

    Returns:
        A JSON-ready dict: ``threshold``, ``false_alarm_rate``, the fitted ``stats``,
        ``normal_median`` (the median normal frame score), the videos and frame count.
    """
    cfg = model.cfg
    train = _dataset_cfg(cfg, 'train')
    dataset = _split_free(_dataset_cfg(cfg, 'test'), split='train',
                          feature_root=train['feature_root'],
                          videos=train.get('videos') if videos is None else videos)
    if videos is None and train.get('extract'):
        dataset['extract'] = train['extract']
    if videos is None and train.get('holdout'):
        dataset['holdout'] = train['holdout']
    records, meta, built = _run(model, cfg, dataset, 'calibration' if progress else '')
    labels = getattr(getattr(built, 'store_split', None), 'video_labels', {}) or {}
    anomalous = sorted(v for v, y in labels.items() if y)
    records = {v: r for v, r in records.items() if v not in set(anomalous)}
    if not records:
        raise DataError(f'{cfg.filename or "the config"}: no normal video to calibrate on')
    num_frames = {v: int(meta['num_frames'][v]) for v in records}
    scorers = _vad_metric_cfg(cfg).get('scorers', [dict(type='ExpandToFrames')])
    _, stats, result = fit_pipeline(build_scorer_pipeline(list(scorers)), records,
                                    num_frames)
    evaluated = result.evaluated()
    pooled = np.concatenate([scores[evaluated[video_id]]
                             for video_id, scores in result.frame_scores().items()])
    threshold = calibrate_threshold(pooled, false_alarm_rate)
    return dict(version=CALIBRATION_VERSION, threshold=threshold,
                false_alarm_rate=float(false_alarm_rate),
                measured_false_alarm_rate=float(np.mean(pooled > threshold)),
                normal_median=float(np.median(pooled)), stats=stats,
                scorers=[dict(s) for s in scorers], videos=sorted(records),
                left_out_anomalous=anomalous, frames=int(pooled.size),
                checkpoint=getattr(model, 'checkpoint_file', None),
                config=cfg.filename)


def load_calibration(calibration: Union[str, dict]) -> dict:
    if isinstance(calibration, dict):
        return calibration
    import json
    try:
        with open(calibration, encoding='utf-8') as f:
            out = json.load(f)
    except (OSError, ValueError) as exc:
        raise DataError(f'calibration file {calibration}: {exc}') from None
    missing = [k for k in ('threshold', 'stats', 'scorers') if k not in out]
    if missing:
        raise DataError(f'calibration file {calibration} has no {missing}; make it with '
                        'vadkit.apis.calibrate or tools/demo/score_video.py')
    return out


def _annotation_of(video_id: str, path: str, pattern: Optional[str]) -> Optional[str]:
    """The annotation file a parsing config's ``videos.annotations`` pattern names for a
    video, looked for beside it and up to three folders above (a generated world's
    ``videos/<id>.avi`` or ``testing/frames/<id>/`` and its ``annotations/<id>.json``)."""
    if not pattern:
        return None
    root = osp.dirname(osp.abspath(path))
    for _ in range(4):
        candidate = osp.join(root, pattern.format(video=video_id))
        if osp.isfile(candidate):
            return candidate
        root = osp.dirname(root)
    return None


def parse_video(cfg, video: str, out: str, parsing: Optional[str] = None,
                annotation: Optional[str] = None, progress: bool = True) -> tuple:
    """Parse one video (a file or a frame folder) into the feature store ``out``.

    Args:
        cfg: The model's config (it names the parsing config).
        video: The video file or frame folder.
        out: The feature store.
        parsing: A parsing config instead of the model's.
        annotation: A ground-truth JSON for the oracle backends of the generated world
            (``OraclePose``); None: the parsing config's ``videos.annotations`` pattern,
            looked for near the video.

    Returns:
        ``(video_id, store)``.
    """
    from mmengine.config import Config

    from vadkit.datasets.store_split import resolve_path
    from vadkit.parsing.extract import extract_features
    from vadkit.parsing.video_io import find_videos
    path = osp.normpath(video)
    if not osp.exists(path):
        raise DataError(f'video {video} does not exist')
    config = resolve_path(parsing_config_of(cfg, parsing))
    try:
        parsing_cfg = Config.fromfile(config)
    except Exception as exc:  # noqa: BLE001 - any unreadable config, named
        raise ConfigError(f'parsing config {config}: {exc}') from None
    if 'parser' not in parsing_cfg:
        raise ConfigError(f'parsing config {config} has no `parser`')
    root, name = osp.dirname(osp.abspath(path)), osp.basename(path)
    found = find_videos(root, [glob.escape(name)])
    if not found:
        raise DataError(f'{video} is neither a video file nor a folder of frames')
    video_id = found[0][0]
    if annotation is not None and not osp.isfile(annotation):
        raise DataError(f'annotation {annotation} of video {video} does not exist')
    pattern = (parsing_cfg.get('videos') or {}).get('annotations')
    annotation = annotation or _annotation_of(video_id, path, pattern)
    videos_cfg = dict(patterns=[glob.escape(name)])
    if annotation:
        videos_cfg['annotations'] = osp.abspath(annotation)
    _forget_if_changed(out, video_id, path)
    store, failed = extract_features(parsing_cfg.parser.to_dict(), videos_cfg, root, out,
                                     videos=[video_id], progress=progress, source=config)
    if failed:
        hint = '' if annotation else (' (a generated world\'s video: pass its annotation '
                                      'JSON, --annotation)')
        raise DataError(f'video {video}: {failed[0][1]}{hint}')
    return video_id, store


def _forget_if_changed(out: str, video_id: str, path: str) -> None:
    """Features are kept by video name: drop the stored ones of ``video_id`` when they
    came from another file (path, size or modification time differ)."""
    import json
    import shutil
    index = osp.join(out, 'sources.json')
    sources = {}
    if osp.isfile(index):
        with open(index, encoding='utf-8') as f:
            sources = json.load(f)
    stat = os.stat(path)
    now = dict(path=osp.abspath(path), size=int(stat.st_size), mtime=float(stat.st_mtime))
    if sources.get(video_id) != now:
        stored = osp.join(out, 'videos', video_id)
        if osp.isdir(stored):
            shutil.rmtree(stored)
        sources[video_id] = now
        os.makedirs(out, exist_ok=True)
        dump_json(sources, index)


def score_video(model, video: str, out_dir: Optional[str] = None,
                calibration: Union[None, str, dict] = None, false_alarm_rate: float = 0.01,
                parsing: Optional[str] = None, annotation: Optional[str] = None,
                ground_truth=None, min_frames: int = 5, merge_gap: int = 10,
                write_video: bool = True, progress: bool = True) -> dict:
    """Parse and score one video; with ``out_dir``, write what a person looks at.

    Args:
        model: From :func:`~vadkit.apis.init_model`.
        video: A video file or a folder of frames.
        out_dir: Where the feature store (``features/``), ``<video>_scores.json``,
            ``<video>_scores.png``, ``<video>_annotated.mp4`` and ``calibration.json``
            go; None: a temporary store, nothing written.
        calibration: What :func:`calibrate` returned, or its JSON file; None: calibrate
            on the training videos at ``false_alarm_rate``.
        false_alarm_rate: Used when calibrating here.
        parsing: The parsing config, when the model's config does not name it.
        annotation: Ground-truth JSON for oracle parsing backends (:func:`parse_video`).
        ground_truth: Known anomalous frames (a 0/1 array or its ``.npy`` file), shaded on
            the plot; the frame count must match.
        min_frames, merge_gap: Of the alarm events (:func:`~vadkit.scoring.alarm_events`).
        write_video: Write the annotated video (with ``out_dir``).
        progress: Progress bars.

    Returns:
        ``video_id``, ``num_frames``, ``fps``, ``frame_scores`` (float[num_frames]),
        ``raw_scores`` (``{stream: float[num_frames]}``, after the expander),
        ``threshold``, ``alarms`` (events), ``objects`` (per object clip: track id, span,
        score on the frame-score scale), ``calibration`` and ``files`` (what was written).
    """
    import tempfile
    cfg = model.cfg
    calib = load_calibration(calibration) if calibration is not None else \
        calibrate(model, false_alarm_rate, progress=progress)
    temp = None
    if out_dir is None:
        temp = tempfile.TemporaryDirectory(prefix='vadkit_score_')
        store_dir = osp.join(temp.name, 'features')
    else:
        os.makedirs(out_dir, exist_ok=True)
        store_dir = osp.join(out_dir, 'features')
    try:
        video_id, store = parse_video(cfg, video, store_dir, parsing, annotation, progress)
        dataset = _split_free(_dataset_cfg(cfg, 'test'), split='test',
                              feature_root=store_dir, videos=[video_id])
        records, _, _ = _run(model, cfg, dataset, 'scoring' if progress else '')
        meta_video = store.meta(video_id)
        num_frames = int(meta_video['num_frames'])
        tracks = np.asarray(store.read(video_id, ['tracks'])['tracks'])
    finally:
        if temp is not None:
            temp.cleanup()
    items = records.get(video_id, [])
    pipeline = pipeline_from_stats(calib['scorers'], calib['stats'])
    if items:
        result = pipeline({video_id: items}, {video_id: num_frames})
        frames = result.frame_scores()[video_id]
        raw = {k: np.asarray(v) for k, v in result.raw[video_id].streams.items()}
    else:  # nothing scored (no object was ever seen): the lowest normal score throughout
        frames = np.full(num_frames, float(calib.get('normal_median', 0.0)))
        raw = {}
    labels = None
    if ground_truth is not None:
        labels = np.load(ground_truth) if isinstance(ground_truth, str) else ground_truth
        labels = np.asarray(labels).ravel()
        if labels.size != num_frames:
            where = f' {ground_truth}' if isinstance(ground_truth, str) else ''
            raise DataError(f'ground truth{where} of video {video_id} has {labels.size} '
                            f'frames, the video {num_frames}')
    threshold = float(calib['threshold'])
    alarms = alarm_events(frames, threshold, min_frames=min_frames, merge_gap=merge_gap)
    fps = float(meta_video.get('fps') or 25.0)
    for event in alarms:
        event.update(start_s=round(event['start'] / fps, 3), end_s=round(event['end'] / fps, 3))
    objects = [dict(track_id=None if r['track_id'] is None else int(r['track_id']),
                    start=int(r['start']), end=int(r['end']), score=s)
               for r, s in zip(items, object_scores(pipeline, items))]
    out = dict(video_id=video_id, video=osp.abspath(video), num_frames=num_frames, fps=fps,
               frame_scores=np.asarray(frames, np.float64), raw_scores=raw,
               threshold=threshold, alarms=alarms, objects=objects, calibration=calib,
               ground_truth=labels, files={})
    if out_dir is not None:
        out['files'] = write_outputs(out, tracks, list(meta_video.get('labels', [])),
                                     out_dir, write_video, progress)
    return out


def write_outputs(result: dict, tracks: np.ndarray, labels: Sequence[str], out_dir: str,
                  write_video: bool = True, progress: bool = True) -> Dict[str, str]:
    """``<video>_scores.json``, ``<video>_scores.png``, ``calibration.json`` and (with
    ``write_video``) ``<video>_annotated.mp4`` of a :func:`score_video` result."""
    from vadkit.visualization.score_curves import plot_score_curves
    video_id = result['video_id']
    files = {}
    calib_path = osp.join(out_dir, 'calibration.json')
    dump_json(result['calibration'], calib_path)
    files['calibration'] = calib_path
    json_path = osp.join(out_dir, f'{video_id}_scores.json')
    dump_json(dict(video_id=video_id, video=result['video'], num_frames=result['num_frames'],
                   fps=result['fps'], threshold=result['threshold'],
                   false_alarm_rate=result['calibration']['false_alarm_rate'],
                   alarms=result['alarms'],
                   frame_scores=[float(v) for v in result['frame_scores']],
                   objects=[dict(o, score=None if not np.isfinite(o['score']) else o['score'])
                            for o in result['objects']]), json_path)
    files['json'] = json_path
    png = plot_score_curves(
        {video_id: result['frame_scores']}, out_dir, videos=[video_id],
        labels=None if result.get('ground_truth') is None else {
            video_id: result['ground_truth']},
        thresholds={video_id: result['threshold']},
        alarms={video_id: result['alarms']}, suffix='_scores')[video_id]
    files['plot'] = png
    if write_video:
        from vadkit.visualization.scored_video import write_annotated_video
        files['video'] = write_annotated_video(
            result['video'], osp.join(out_dir, f'{video_id}_annotated.mp4'), tracks, labels,
            result['objects'], result['frame_scores'], result['threshold'],
            result['alarms'], float(result['calibration'].get('normal_median', 0.0)),
            fps=result['fps'], progress=progress)
    return files
