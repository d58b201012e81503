"""Reading videos: a folder of frame images or a video file, one frame at a time."""
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Union

import cv2
import numpy as np

from vadkit.utils.errors import DataError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')
VIDEO_EXTENSIONS = ('.avi', '.mp4', '.mkv', '.mov', '.mpg', '.mpeg', '.webm', '.m4v')


def as_uint8_frame(frame: np.ndarray, who: str, mode: str = 'any') -> np.ndarray:
    """A frame as a contiguous ``uint8`` image, whatever it was given as.

    Args:
        frame: ``H x W`` grey, ``H x W x 1`` or ``H x W x 3`` BGR, any numeric dtype (values
            clipped to ``[0, 255]``).
        who: What is reading it (and where), for the error message.
        mode: ``'any'`` keeps grey grey and BGR BGR; ``'bgr'`` makes grey frames BGR;
            ``'grey'`` makes BGR frames grey.

    Returns:
        ``uint8[H, W]`` or ``uint8[H, W, 3]``.

    Raises:
        DataError: When ``frame`` is none of these; the message starts with ``who``.
    """
    image = np.asarray(frame)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3) \
            or image.shape[0] < 1 or image.shape[1] < 1:
        raise DataError(f'{who}: a frame has shape {image.shape}; expected H x W x 3 BGR or '
                        'H x W grey')
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if mode == 'bgr' and image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif mode == 'grey' and image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(image)


class VideoSource:
    """Frames of one video, read lazily in order (BGR ``uint8``), from a frame folder
    (images sorted by name) or a video file; iterating again starts from the first frame.

    Args:
        path: Frame folder or video file.
        video_id: Name used in messages; the folder or file stem by default.
    """

    def __init__(self, path: str, video_id: Optional[str] = None) -> None:
        self.path = path
        self.video_id = video_id or osp.splitext(osp.basename(osp.normpath(path)))[0]
        self._files: Optional[List[str]] = None
        if osp.isdir(path):
            self._files = sorted(f for f in os.listdir(path)
                                 if f.lower().endswith(IMAGE_EXTENSIONS))
            if not self._files:
                raise DataError(f'video {self.video_id}: no frame images in {path}')
            first = cv2.imread(osp.join(path, self._files[0]))
            if first is None:
                raise DataError(f'video {self.video_id}: cannot read frame {self._files[0]} '
                                f'in {path}')
            self.num_frames = len(self._files)
            self.height, self.width = first.shape[:2]
            self.fps = 25.0
        elif osp.isfile(path):
            cap = cv2.VideoCapture(path)
            ok, first = cap.read() if cap.isOpened() else (False, None)
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if ok else 0
            self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 25.0) if ok else 25.0
            cap.release()
            if not ok:
                raise DataError(f'video {self.video_id}: {path} cannot be decoded')
            self.num_frames = count
            self.height, self.width = first.shape[:2]
        else:
            raise DataError(f'video {self.video_id}: {path} does not exist')

    def __len__(self) -> int:
        return self.num_frames

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._files is not None:
            for name in self._files:
                frame = cv2.imread(osp.join(self.path, name))
                if frame is None:
                    raise DataError(f'video {self.video_id}: cannot read frame {name} in '
                                    f'{self.path}')
                if frame.shape[:2] != (self.height, self.width):
                    raise DataError(f'video {self.video_id}: frame {name} is '
                                    f'{frame.shape[1]}x{frame.shape[0]}, the first frame '
                                    f'{self.width}x{self.height}')
                yield frame
            return
        cap = cv2.VideoCapture(self.path)
        read = 0
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                read += 1
                yield frame
        finally:
            cap.release()
        if read == 0:
            raise DataError(f'video {self.video_id}: {self.path} yielded no frames')
        self.num_frames = read  # container frame counts can be wrong; trust the decode

    def frames_at(self, indices: Sequence[int]) -> List[np.ndarray]:
        """The frames at ``indices`` (any order, repeats allowed), BGR ``uint8``; a frame
        folder reads only those images, a video file is decoded up to the last one."""
        wanted = [int(i) for i in indices]
        if wanted and (min(wanted) < 0 or (self._files is not None
                                            and max(wanted) >= len(self._files))):
            raise DataError(f'video {self.video_id}: frames {min(wanted)}..{max(wanted)} '
                            f'asked, it has {self.num_frames}')
        if self._files is not None:
            out = []
            for i in wanted:
                frame = cv2.imread(osp.join(self.path, self._files[i]))
                if frame is None:
                    raise DataError(f'video {self.video_id}: cannot read frame '
                                    f'{self._files[i]} in {self.path}')
                out.append(frame)
            return out
        found: Dict[int, np.ndarray] = {}
        last, keep = max(wanted, default=-1), set(wanted)
        for i, frame in enumerate(self):
            if i in keep:
                found[i] = frame
            if i >= last:
                break
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise DataError(f'video {self.video_id}: {self.path} has no frame {missing[0]} '
                            f'(it decoded {len(found)} of those asked)')
        return [found[i] for i in wanted]


def segment_frame_indices(num_frames: int, per_segment: int) -> np.ndarray:
    """``per_segment`` evenly spaced frames of a segment of ``num_frames`` (first and last
    included), the frames SA-CRF's end-to-end training and its store extractor both take."""
    if num_frames < 1:
        raise DataError('a segment has no frames')
    return np.linspace(0, num_frames - 1, int(per_segment)).round().astype(np.int64)


def rgb_frames(images: Sequence[np.ndarray], size: Sequence[int], who: str) -> np.ndarray:
    """``uint8[n, h, w, 3]`` RGB: BGR (or grey) frames resized to ``size = (h, w)``
    (``INTER_AREA``), as SA-CRF's end-to-end training and its store extractor see them."""
    h, w = int(size[0]), int(size[1])
    out = np.empty((len(images), h, w, 3), np.uint8)
    for i, image in enumerate(images):
        image = as_uint8_frame(image, f'{who} (frame {i})', 'bgr')
        if image.shape[:2] != (h, w):
            image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        out[i] = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return out


def find_videos(root: str, patterns: Sequence[Union[str, dict]]) -> List[tuple]:
    """``(video_id, path)`` of the videos under ``root`` (frame folders or video files),
    sorted by id.

    Args:
        root: Folder the patterns are relative to.
        patterns: Globs, or ``dict(glob=..., prefix=...)`` whose videos get ``prefix``
            before their name: ``dict(glob='training/frames/*', prefix='train_')`` keeps
            Ped2's or Avenue's training video ``01`` apart from test video ``01``.

    Raises:
        DataError: When two videos get the same id, or a pattern is malformed.
    """
    import glob
    found: Dict[str, str] = {}
    for pattern in patterns:
        prefix = ''
        if isinstance(pattern, dict):
            unknown = sorted(set(pattern) - {'glob', 'prefix'})
            if 'glob' not in pattern or unknown:
                raise DataError(f"a video pattern must be a glob or dict(glob=..., prefix=...), "
                                f"got {dict(pattern)}")
            pattern, prefix = pattern['glob'], str(pattern.get('prefix', ''))
        for path in sorted(glob.glob(osp.join(root, pattern))):
            if osp.isdir(path) or path.lower().endswith(VIDEO_EXTENSIONS):
                video_id = prefix + osp.splitext(osp.basename(osp.normpath(path)))[0]
                if video_id.endswith('.partial'):
                    continue
                if video_id in found and found[video_id] != path:
                    raise DataError(f'video {video_id} found twice: {found[video_id]} and '
                                    f'{path}; give one of the patterns a prefix '
                                    "(dict(glob='training/frames/*', prefix='train_'))")
                found[video_id] = path
    return sorted(found.items())
