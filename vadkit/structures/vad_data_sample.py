"""The sample and prediction container of vadkit."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement

LabelType = Union[torch.Tensor, np.ndarray, Sequence[int], int]


def _to_tensor(value, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(dtype)
    return torch.as_tensor(np.asarray(value), dtype=dtype)


class VADDataSample(BaseDataElement):
    """One dataset item of video anomaly detection and what a model says about it.

    An item is a segment, an object clip (one track in one clip) or a whole video; it
    always says which frames it speaks for, so scoring never loses track of time.

    Meta information (set with ``metainfo=`` or :meth:`set_metainfo`):

    - ``video_id`` (str): the video the item comes from.
    - ``start``, ``end`` (int): the frame span ``[start, end)`` in that video.
    - ``frame_inds`` (np.ndarray, optional): the frames actually sampled inside the span.
    - ``track_id`` (int, optional): the tracked object of an object clip.
    - ``num_frames`` (int, optional): length of the whole video.

    Data fields:

    - ``gt_label`` (Tensor, scalar long): item or video-level label, 1 = anomalous.
    - ``gt_frame_labels`` (Tensor, ``(end - start,)`` long): per-frame labels of the span.
    - ``pred_scores`` (:obj:`BaseDataElement`): one field per stream (``appearance``,
      ``motion``, ``final``, ...), each a scalar tensor for the item or a ``(end -
      start,)`` tensor of per-frame scores.

    Examples:
        >>> import torch
        >>> from vadkit.structures import VADDataSample
        >>> sample = VADDataSample(metainfo=dict(video_id='01_0014', start=16, end=32,
        ...                                      track_id=3))
        >>> sample.frame_span
        (16, 32)
        >>> sample.num_span_frames
        16
        >>> sample.gt_label = 1
        >>> sample.gt_label
        tensor(1)
        >>> sample.set_pred_score('appearance', 0.25)
        >>> sample.set_pred_score('motion', torch.tensor(0.75))
        >>> sorted(sample.pred_scores.keys())
        ['appearance', 'motion']
        >>> float(sample.pred_scores.motion)
        0.75
        >>> sample.gt_frame_labels = [0] * 8 + [1] * 8
        >>> int(sample.gt_frame_labels.sum())
        8
        >>> sample.gt_frame_labels = [0, 1]
        Traceback (most recent call last):
        ...
        ValueError: gt_frame_labels of video 01_0014 has 2 entries for the 16 frames of ...
    """

    @property
    def frame_span(self) -> Tuple[int, int]:
        """``(start, end)`` of the item; ``end`` is exclusive."""
        if 'start' not in self or 'end' not in self:
            raise AttributeError(
                f'sample of video {self.get("video_id", "?")} has no frame span '
                '(metainfo start/end)')
        return int(self.start), int(self.end)

    @property
    def num_span_frames(self) -> int:
        """Number of frames in ``[start, end)``."""
        start, end = self.frame_span
        return end - start

    @property
    def gt_label(self) -> torch.Tensor:
        return self._gt_label

    @gt_label.setter
    def gt_label(self, value: LabelType) -> None:
        self.set_field(_to_tensor(value, torch.long), '_gt_label', dtype=torch.Tensor)

    @gt_label.deleter
    def gt_label(self) -> None:
        del self._gt_label

    @property
    def gt_frame_labels(self) -> torch.Tensor:
        return self._gt_frame_labels

    @gt_frame_labels.setter
    def gt_frame_labels(self, value: LabelType) -> None:
        labels = _to_tensor(value, torch.long).reshape(-1)
        if 'start' in self and 'end' in self and len(labels) != self.num_span_frames:
            start, end = self.frame_span
            raise ValueError(
                f'gt_frame_labels of video {self.get("video_id", "?")} has {len(labels)} '
                f'entries for the {end - start} frames of span [{start}, {end})')
        self.set_field(labels, '_gt_frame_labels', dtype=torch.Tensor)

    @gt_frame_labels.deleter
    def gt_frame_labels(self) -> None:
        del self._gt_frame_labels

    @property
    def pred_scores(self) -> BaseDataElement:
        return self._pred_scores

    @pred_scores.setter
    def pred_scores(self, value: BaseDataElement) -> None:
        self.set_field(value, '_pred_scores', dtype=BaseDataElement)

    @pred_scores.deleter
    def pred_scores(self) -> None:
        del self._pred_scores

    def set_pred_score(self, stream: str, value: Union[torch.Tensor, float, np.ndarray],
                       ) -> None:
        """Store the score of one stream, creating ``pred_scores`` if needed."""
        if 'pred_scores' not in self:
            self.pred_scores = BaseDataElement()
        score = _to_tensor(value, torch.float32).detach().cpu()
        self.pred_scores.set_field(score, stream)

    def get_pred_score(self, stream: str, default: Optional[float] = None):
        """The score of ``stream``, or ``default`` when the stream is absent."""
        if 'pred_scores' not in self or stream not in self.pred_scores:
            return default
        return self.pred_scores.get(stream)
