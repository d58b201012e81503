"""Fit what a model needs from its training set before the first training step."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vadkit.registry import HOOKS


def _bare(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class PrepareModelHook(Hook):
    """Call ``model.prepare(train_dataset)`` once before training and
    ``model.set_epoch(epoch)`` before every training epoch, where the model has them.

    ``prepare`` fits what depends on the whole training set rather than on a batch (HSC:
    scene clusters, memory banks of one slot per training object); the model keeps it in
    its state, so a resumed run brings it back from the checkpoint and ``prepare`` leaves
    it alone. ``set_epoch`` lets a loss change with the epoch (HSC's contrasts start after
    the first one).
    """

    priority = 'HIGH'

    def before_train(self, runner) -> None:
        model = _bare(runner.model)
        if hasattr(model, 'prepare'):
            model.prepare(runner.train_dataloader.dataset)

    def before_train_epoch(self, runner) -> None:
        model = _bare(runner.model)
        if hasattr(model, 'set_epoch'):
            model.set_epoch(runner.epoch)
