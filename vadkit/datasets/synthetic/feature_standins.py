"""Small generated stand-ins of the public pre-extracted feature releases, in their own
layouts, so that import, the benchmark configs and their evaluation run without the data.

:func:`write_feature_standin` writes, under one data root, what the corresponding
``configs/features/*.py`` import config expects and what the benchmark configs
(``configs/{gcl,sacrf}/*_i3d_*.py``) read:

- ``'ucf_crime'``: RTFM's 10-crop I3D layout (``<video>_i3d.npy`` of ``(T, 10, D)``, list
  files with another machine's paths), ``Anomaly_Train.txt`` and
  ``Temporal_Anomaly_Annotation.txt`` (1-based, end-inclusive intervals); and Sultani et
  al.'s layout of the same videos (``features/sultani_c3d/<class>/<video>.txt``, 32 rows
  each) with the ``frame_counts.txt`` it needs;
- ``'shanghaitech'``: the same layout for the weak split of Zhong et al.
  (``weak_split/SH_{Train,Test}.txt``), with ``testing/test_frame_mask/<video>.npy`` for
  the original test videos (anomalous training videos among them);
- ``'xd_violence'``: 5-crop I3D files ``<video>__<k>.npy`` of ``(T, D)``, the ``rgb.list``
  / ``rgbtest.list`` lists (one line per crop) and ``XD_Annotation.txt`` (0-based,
  end-exclusive intervals of the violent test videos only).

Features: a normal snippet is a point of a low-dimensional normal subspace plus noise;
an anomalous one adds a few standard deviations along one of a few anomaly directions
(one per class). Anomalous training videos hold anomalies at unlabelled places (weak
labels); test anomalies lie inside the annotated intervals. Each video has ``16 T + r``
frames (``0 <= r < 16``: the trailing frames snippet features drop), so the annotation
checks of the importer meet the real situation. Not a benchmark: a test of the plumbing
and of learnability.
"""
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

BENCHMARKS = ('ucf_crime', 'shanghaitech', 'xd_violence')
CLIP_LEN = 16


class _Features:
    """Snippet features of the stand-in world."""

    def __init__(self, dim: int, crops: int, rng: np.random.Generator,
                 strength: float = 3.0, num_classes: int = 3) -> None:
        self.rng, self.crops, self.strength = rng, crops, strength
        self.basis = rng.normal(0, 1, (4, dim)) / 2.0
        directions = rng.normal(0, 1, (num_classes, dim))
        self.directions = directions / np.linalg.norm(directions, axis=1, keepdims=True)
        self.scale = np.sqrt(dim)

    def video(self, t: int, anomalous: Tuple[int, int] = None, cls: int = 0) -> np.ndarray:
        """``float32[T, crops, D]``; snippets ``[a, b)`` of ``anomalous`` moved along the
        class's direction."""
        z = self.rng.normal(0, 1, (t, self.basis.shape[0]))
        x = z @ self.basis + 0.3 * self.rng.normal(0, 1, (t, self.basis.shape[1]))
        if anomalous is not None:
            a, b = anomalous
            x[a:b] += self.strength * self.directions[cls] * self.scale / 2.0
        crops = x[:, None] + 0.2 * self.rng.normal(0, 1, (t, self.crops, x.shape[1]))
        return crops.astype(np.float32)


def _interval(rng: np.random.Generator, t: int) -> Tuple[int, int]:
    """A run of snippets ``[a, b)``: 15-40 % of the video, at least two snippets."""
    n = int(np.clip(round(rng.uniform(0.15, 0.4) * t), 2, t - 1))
    a = int(rng.integers(0, t - n + 1))
    return a, a + n


def _write_list(path: str, lines: List[str]) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def write_feature_standin(benchmark: str, root: str, num_train: Tuple[int, int] = (16, 8),
                          num_test: Tuple[int, int] = (8, 8), dim: int = 32,
                          segments: Tuple[int, int] = (20, 40), strength: float = 1.5,
                          seed: int = 0) -> Dict:
    """Write a stand-in of ``benchmark``'s feature release and annotations under ``root``.

    Args:
        benchmark: One of :data:`BENCHMARKS`.
        root: The data root (``data/ucf_crime`` of the configs).
        num_train: ``(normal, anomalous)`` training videos.
        num_test: ``(normal, anomalous)`` test videos.
        dim: Feature width (2048 in the I3D releases of UCF-Crime / ShanghaiTech, 1024 in
            XD-Violence's).
        segments: Range of the number of snippets ``T`` of a video.
        strength: How far anomalous snippets move (in units of the normal spread).
        seed: Seed of everything (each benchmark draws its own world from it).

    Returns:
        ``dict(train=[...], test=[...], labels={video: 0/1}, num_frames={video: n},
        intervals={video: (first frame, end frame)})`` (frame intervals 0-based,
        end-exclusive, whatever the file's convention).
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f'benchmark must be one of {BENCHMARKS}, got {benchmark!r}')
    rng = np.random.default_rng([seed, BENCHMARKS.index(benchmark)])
    crops = 5 if benchmark == 'xd_violence' else 10
    features = _Features(dim, crops, rng, strength)
    names = _names(benchmark, num_train, num_test)
    out = dict(train=[], test=[], labels={}, num_frames={}, intervals={})
    arrays = {}
    for split in ('train', 'test'):
        for video, label, cls in names[split]:
            t = int(rng.integers(segments[0], segments[1] + 1))
            run = _interval(rng, t) if label else None
            arrays[video] = features.video(t, run, cls)
            n = CLIP_LEN * t + int(rng.integers(0, CLIP_LEN))
            out[split].append(video)
            out['labels'][video] = label
            out['num_frames'][video] = n
            if run is not None:
                # the anomalous frames: the run's snippets, the last one's trailing frames
                # included when it is the video's last
                end = n if run[1] == t else CLIP_LEN * run[1]
                out['intervals'][video] = (CLIP_LEN * run[0], end)
    writer = dict(ucf_crime=_write_ucf, shanghaitech=_write_sht, xd_violence=_write_xd)
    writer[benchmark](root, out, arrays, names)
    return out


def _names(benchmark: str, num_train, num_test) -> Dict[str, List[Tuple[str, int, int]]]:
    """``{split: [(video, label, class index)]}`` named as the release names them."""
    out = dict(train=[], test=[])
    if benchmark == 'ucf_crime':
        classes = ('Abuse', 'Burglary', 'Fighting')
        for split, (normal, anomalous), offset in (('train', num_train, 1),
                                                   ('test', num_test, 500)):
            out[split] += [(f'{classes[i % 3]}{offset + i:03d}_x264', 1, i % 3)
                           for i in range(anomalous)]
            stem = 'Normal_Videos' if split == 'train' else 'Normal_Videos_'
            out[split] += [(f'{stem}{offset + i:03d}_x264', 0, 0) for i in range(normal)]
    elif benchmark == 'shanghaitech':
        # anomalous videos are original test videos (dd_dddd, with masks); normal training
        # videos are original training ones (dd_ddd); normal test videos of both kinds
        for split, (normal, anomalous), offset in (('train', num_train, 0),
                                                   ('test', num_test, 100)):
            out[split] += [(f'{1 + i % 3:02d}_{offset + i + 1:04d}', 1, i % 3)
                           for i in range(anomalous)]
            out[split] += [(f'{1 + i % 3:02d}_{offset + i + 1:03d}' if i % 2 == 0 or
                            split == 'train' else f'{1 + i % 3:02d}_{offset + 50 + i:04d}', 0, 0)
                           for i in range(normal)]
    else:
        codes = ('B1', 'B2', 'G')
        for split, (normal, anomalous), offset in (('train', num_train, 0),
                                                   ('test', num_test, 500)):
            out[split] += [(f'Film.{offset + i:03d}__#1_label_{codes[i % 3]}-0-0', 1, i % 3)
                           for i in range(anomalous)]
            out[split] += [(f'v=Clip{offset + i:03d}__#1_label_A', 0, 0) for i in range(normal)]
    return out


def _save(folder: str, name: str, array: np.ndarray) -> str:
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, name)
    np.save(path, array)
    return path


def _write_ucf(root: str, out: dict, arrays: dict, names: dict) -> None:
    feature_dir = osp.join(root, 'features', 'rtfm_i3d')
    train_dir = osp.join(feature_dir, 'UCF_Train_ten_crop_i3d')
    test_dir = osp.join(feature_dir, 'UCF_Test_ten_crop_i3d')
    lists = dict(train=[], test=[])
    for split, folder, remote in (('train', train_dir, '/data/UCF_Train_ten_crop_i3d'),
                                  ('test', test_dir, '/data/UCF_Test_ten_crop_i3d')):
        for video in out[split]:
            _save(folder, f'{video}_i3d.npy', arrays[video])
            lists[split].append(f'{remote}/{video}_i3d.npy')  # another machine's paths
    _write_list(osp.join(feature_dir, 'ucf-i3d.list'), lists['train'])
    _write_list(osp.join(feature_dir, 'ucf-i3d-test.list'), lists['test'])
    train_lines = []
    for video, label, _ in names['train']:
        folder = 'Training_Normal_Videos_Anomaly' if not label else video[:-8].rstrip('0123456789')
        train_lines.append(f'{folder}/{video}.mp4')
    _write_list(osp.join(root, 'Anomaly_Train.txt'), train_lines)
    rows = []
    for video, label, _ in names['test']:
        if label:
            start, end = out['intervals'][video]  # 0-based end-exclusive -> 1-based inclusive
            cls = video[:-8].rstrip('0123456789')
            rows.append(f'{video}.mp4  {cls}  {start + 1}  {end}  -1  -1')
        else:
            rows.append(f'{video}.mp4  Normal  -1  -1  -1  -1')
    _write_list(osp.join(root, 'Temporal_Anomaly_Annotation.txt'), rows)
    # Sultani et al.'s layout of the same videos: 32 segment features per video (each the
    # mean of its C3D clips, here the snippets) as text, and the frame counts it needs
    from vadkit.scoring.expand import sultani_segment_clips
    counts = []
    for video, label, _ in names['train'] + names['test']:
        x = arrays[video].mean(axis=1)
        clips = sultani_segment_clips(out['num_frames'][video] // CLIP_LEN, 32)
        rows32 = np.stack([x[a:b + 1].mean(axis=0) for a, b in clips])
        folder = osp.join(root, 'features', 'sultani_c3d',
                          'Normal' if not label else video[:-8].rstrip('0123456789'))
        os.makedirs(folder, exist_ok=True)
        np.savetxt(osp.join(folder, f'{video}.txt'), rows32, fmt='%.6f')
        counts.append(f'{video} {out["num_frames"][video]}')
    _write_list(osp.join(root, 'frame_counts.txt'), counts)


def _write_sht(root: str, out: dict, arrays: dict, names: dict) -> None:
    feature_dir = osp.join(root, 'features', 'rtfm_i3d')
    for split, folder, listed in (('train', 'SH_Train_ten_crop_i3d',
                                   'shanghai-i3d-train-10crop.list'),
                                  ('test', 'SH_Test_ten_crop_i3d',
                                   'shanghai-i3d-test-10crop.list')):
        lines = []
        for video in out[split]:
            _save(osp.join(feature_dir, folder), f'{video}_i3d.npy', arrays[video])
            lines.append(f'/data/{folder}/{video}_i3d.npy')
        _write_list(osp.join(feature_dir, listed), lines)
    _write_list(osp.join(root, 'weak_split', 'SH_Train.txt'), out['train'])
    _write_list(osp.join(root, 'weak_split', 'SH_Test.txt'), out['test'])
    mask_dir = osp.join(root, 'testing', 'test_frame_mask')
    for video in out['train'] + out['test']:
        if len(video.split('_')[1]) == 4:  # an original test video: it has a mask
            mask = np.zeros(out['num_frames'][video], np.uint8)
            if video in out['intervals']:
                start, end = out['intervals'][video]
                mask[start:end] = 1
            _save(mask_dir, f'{video}.npy', mask)


def _write_xd(root: str, out: dict, arrays: dict, names: dict) -> None:
    feature_dir = osp.join(root, 'features', 'i3d')
    for split, folder, listed in (('train', 'RGB', 'rgb.list'),
                                  ('test', 'RGBTest', 'rgbtest.list')):
        lines = []
        for video in out[split]:
            for k in range(arrays[video].shape[1]):
                _save(osp.join(feature_dir, folder), f'{video}__{k}.npy', arrays[video][:, k])
                lines.append(f'/data/xd/{folder}/{video}__{k}.npy')
        _write_list(osp.join(root, 'list', listed), lines)
    rows = []
    for video in out['test']:
        if video in out['intervals']:
            start, end = out['intervals'][video]  # already 0-based, end-exclusive
            rows.append(f'{video} {start} {end}')
    _write_list(osp.join(root, 'XD_Annotation.txt'), rows)
