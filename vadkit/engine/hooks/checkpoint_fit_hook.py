"""Refuse checkpoints that belong to another model instead of loading them half-way."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vadkit.registry import HOOKS
from vadkit.utils.checkpoint import check_state_dict_fits, extract_state_dict


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Check a checkpoint against the model before the Runner loads it.

    mmengine loads ``load_from`` and ``resume`` checkpoints non-strictly: the weights of
    another model are skipped with a warning and the run goes on with random weights. This
    hook raises :class:`~vadkit.utils.errors.CheckpointMismatchError` instead, naming the
    file and what does not fit. ``tools/train.py`` and ``tools/test.py`` add it.

    Args:
        strict: Every key must match (testing). When False, a resumed run is still
            checked strictly, while ``load_from`` (fine-tuning from partly matching weights)
            only fails on shape mismatches or when no key matches at all.
    """

    priority = 'VERY_HIGH'

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        strict = self.strict or bool(getattr(runner, '_resume', False))
        source = runner.cfg.get('load_from') or _saved_path(checkpoint)
        for warning in check_state_dict_fits(
                model, extract_state_dict(checkpoint), source=str(source), strict=strict):
            runner.logger.warning(f'checkpoint {source}: {warning}')


def _saved_path(checkpoint) -> str:
    """Where the Runner saved ``checkpoint`` (its message hub records it)."""
    try:
        return str(checkpoint['message_hub']['runtime_info']['last_ckpt'])
    except (KeyError, TypeError):
        return 'checkpoint'
