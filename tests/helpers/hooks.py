"""Hooks that tests inject with custom_imports (never part of vadkit itself)."""
import os
import os.path as osp
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vadkit.registry import HOOKS


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the training process after global iteration ``iteration`` (1-based): the
    harshest interruption, with no chance to save anything."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 >= self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    """Write each rank's final model weights to ``<work_dir>/rank<r>_weights.pth``."""

    def after_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        torch.save(model.state_dict(), osp.join(runner.work_dir, f'rank{get_rank()}_weights.pth'))
