"""The small generated world the parsing tests run on."""
import json
import os
import os.path as osp
from typing import Optional, Tuple

from vadkit.datasets.synthetic import world_config, write_world


def write_tiny_world(root: str, test_videos: int = 1, num_frames: Tuple[int, int] = (48, 64),
                     seed: int = 5) -> str:
    """Write a 'tiny' generated world at 320 x 240 (one training video, ``test_videos``
    test videos of ``num_frames`` frames) into ``root``; returns ``root``."""
    write_world(str(root), world_config('tiny', width=320, height=240, train_videos=1,
                                        test_videos=test_videos, num_frames=num_frames),
                seed=seed, progress=False)
    return str(root)


def read_world_video(root: str, video: Optional[str] = None):
    """``(video id, frames, annotation)`` of a test video of a generated world (the first
    one when ``video`` is None): BGR frames as the parser reads them, and its JSON
    ground truth."""
    from vadkit.parsing import VideoSource
    folder = osp.join(str(root), 'testing', 'frames')
    video = video or sorted(os.listdir(folder))[0]
    with open(osp.join(str(root), 'annotations', f'{video}.json')) as f:
        annotation = json.load(f)
    return video, list(VideoSource(osp.join(folder, video))), annotation
