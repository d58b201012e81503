"""Contact sheets of a written synthetic world: sample frames with boxes and skeletons."""
import json
import os.path as osp
from typing import List, Optional

import cv2
import numpy as np

from vadkit.utils.errors import DataError

from .annotation import read_annotation, tracks_from_annotation


def sample_frames(world_dir: str, per_scene: int = 3) -> List[tuple]:
    """``(video, frame, caption)`` picks: per scene a normal training frame and frames in
    the middle of anomalous intervals of test videos."""
    with open(osp.join(world_dir, 'world.json'), encoding='utf-8') as f:
        meta = json.load(f)
    picks = []
    for scene in meta['scenes']:
        videos = {k: v for k, v in meta['videos'].items() if v['scene_id'] == scene['scene_id']}
        train = sorted(k for k, v in videos.items() if v['folder'] == 'training')
        if train:
            picks.append((train[0], videos[train[0]]['num_frames'] // 2,
                          f'{scene["scene_id"]} normal ({train[0]})'))
        anomalous = sorted(k for k, v in videos.items() if v['anomalous_frames'])
        for video in anomalous[:max(per_scene - 1, 0)]:
            mask = np.load(osp.join(world_dir, 'testing', 'test_frame_mask', f'{video}.npy'))
            edges = np.flatnonzero(np.diff(np.r_[0, mask, 0]))
            start, stop = edges[0], edges[1]
            ann = read_annotation(osp.join(world_dir, 'annotations', f'{video}.json'))
            picks.append((video, int((start + stop) // 2),
                          f'{video} {"/".join(ann["behaviours"])} (anomalous)'))
    return picks


def write_contact_sheet(world_dir: str, out_path: str, per_scene: int = 3,
                        columns: Optional[int] = None) -> str:
    """Write a PNG of sample frames, each next to its annotated copy (boxes green for
    normal and red for anomalous actors, COCO skeletons)."""
    from .render import contact_sheet, draw_annotations
    picks = sample_frames(world_dir, per_scene)
    if not picks:
        raise DataError(f'{world_dir}: no videos to show')
    images, captions = [], []
    for video, frame, caption in picks:
        ann = read_annotation(osp.join(world_dir, 'annotations', f'{video}.json'))
        folder = ann.get('folder', 'testing')
        path = osp.join(world_dir, folder, 'frames', video, f'{frame:04d}.jpg')
        image = cv2.imread(path)
        if image is None:
            raise DataError(f'cannot read frame {path}')
        actors = [(t, frame - int(t.frames[0])) for t in tracks_from_annotation(ann)
                  if t.frames[0] <= frame <= t.frames[-1]]
        images += [image, draw_annotations(image, actors)]
        captions += [f'{caption} frame {frame}', 'ground truth']
    sheet = contact_sheet(images, captions, columns=columns or 4)
    cv2.imwrite(out_path, sheet)
    return out_path
