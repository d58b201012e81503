from .checkpoint_fit_hook import CheckpointFitHook
from .prepare_model_hook import PrepareModelHook

__all__ = ['CheckpointFitHook', 'PrepareModelHook']
