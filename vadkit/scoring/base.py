"""Base class and pipeline of scorers."""
from typing import Dict, List, Mapping, Sequence, Union

import numpy as np

from vadkit.registry import SCORERS
from vadkit.utils.errors import ConfigError

FrameScores = Dict[str, np.ndarray]


class BaseScorer:
    """A step of the scorer pipeline.

    Subclasses implement :meth:`__call__`; ``expects_records`` says whether the step
    consumes per-item records (an expander, first in a pipeline) or per-frame scores.
    """

    expects_records: bool = False

    def __call__(self, scores: Mapping, num_frames: Mapping[str, int]) -> FrameScores:
        raise NotImplementedError

    def describe(self) -> dict:
        """The step's type and arguments, written next to results."""
        args = {k: v for k, v in vars(self).items() if not k.startswith('_')}
        return dict(type=type(self).__name__, **args)


class ScorerPipeline:
    """Run scorers in order: an expander first, then per-frame steps.

    Args:
        steps: Built scorers.
    """

    def __init__(self, steps: Sequence[BaseScorer]) -> None:
        if not steps or not steps[0].expects_records:
            raise ConfigError('a scorer pipeline must start with an expander that turns item '
                              f'records into frame scores (e.g. ExpandToFrames), got '
                              f'{[type(s).__name__ for s in steps]}')
        late = [type(s).__name__ for s in steps[1:] if s.expects_records]
        if late:
            raise ConfigError(f'only the first scorer may read item records; {late} come later')
        self.steps = list(steps)

    def __call__(self, records: Mapping[str, list], num_frames: Mapping[str, int]) -> FrameScores:
        scores = records
        for step in self.steps:
            scores = step(scores, num_frames)
        return scores

    def describe(self) -> List[dict]:
        return [step.describe() for step in self.steps]


def build_scorer_pipeline(cfgs: Union[Sequence[dict], ScorerPipeline]) -> ScorerPipeline:
    """Build a :class:`ScorerPipeline` from a list of SCORERS configs."""
    if isinstance(cfgs, ScorerPipeline):
        return cfgs
    return ScorerPipeline([c if isinstance(c, BaseScorer) else SCORERS.build(c) for c in cfgs])
