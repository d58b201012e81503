"""Reading videos: frame folders and files, one frame normaliser, finding videos."""
import os

import cv2
import numpy as np
import pytest

from vadkit.parsing import VideoSource, find_videos
from vadkit.parsing.video_io import as_uint8_frame
from vadkit.utils.errors import DataError


def test_as_uint8_frame_normalises_every_layout():
    grey = np.full((4, 5), 300.0)
    out = as_uint8_frame(grey, 'X')
    assert out.dtype == np.uint8 and out.shape == (4, 5) and (out == 255).all()
    bgr = as_uint8_frame(np.full((4, 5, 1), 7, np.uint8), 'X', 'bgr')
    assert bgr.shape == (4, 5, 3) and (bgr == 7).all()
    colour = np.zeros((4, 5, 3), np.uint8)
    colour[..., 2] = 255  # pure red: grey level 0.299 * 255
    assert as_uint8_frame(colour, 'X', 'grey')[0, 0] == 76
    with pytest.raises(DataError, match=r'Reader: video v: a frame has shape \(4, 5, 4\)'):
        as_uint8_frame(np.zeros((4, 5, 4)), 'Reader: video v')


def _frames(folder, count, size=(32, 24)):
    os.makedirs(folder)
    for i in range(count):
        cv2.imwrite(os.path.join(folder, f'{i:03d}.png'), np.full((size[1], size[0], 3), i,
                                                                 np.uint8))


def test_find_videos_keeps_equal_names_apart_with_a_prefix(tmp_path):
    for split in ('training', 'testing'):
        _frames(str(tmp_path / split / 'frames' / '01'), 2)
    with pytest.raises(DataError, match='video 01 found twice.*prefix'):
        find_videos(str(tmp_path), ['training/frames/*', 'testing/frames/*'])
    found = find_videos(str(tmp_path), [dict(glob='training/frames/*', prefix='train_'),
                                        'testing/frames/*'])
    assert [v for v, _ in found] == ['01', 'train_01']
    assert found[1][1].endswith(os.path.join('training', 'frames', '01'))
    with pytest.raises(DataError, match='a video pattern must be'):
        find_videos(str(tmp_path), [dict(pattern='*')])


def test_video_source_reads_folders_and_files_again_and_again(tmp_path):
    folder = str(tmp_path / 'v')
    _frames(folder, 5)
    source = VideoSource(folder)
    assert (source.video_id, len(source), source.width, source.height) == ('v', 5, 32, 24)
    assert [int(f[0, 0, 0]) for f in source] == [0, 1, 2, 3, 4]
    assert len(list(source)) == 5  # iterating again starts from the first frame
    path = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 10, (32, 24))
    for i in range(6):
        writer.write(np.full((24, 32, 3), 40 * i, np.uint8))
    writer.release()
    video = VideoSource(path)
    assert video.video_id == 'clip' and len(list(video)) == 6 and video.num_frames == 6
    broken = str(tmp_path / 'broken.avi')
    with open(broken, 'wb') as f:
        f.write(b'RIFF not a video')
    with pytest.raises(DataError, match='video broken: .*broken.avi cannot be decoded'):
        VideoSource(broken)
    with pytest.raises(DataError, match='does not exist'):
        VideoSource(str(tmp_path / 'nothing'))
