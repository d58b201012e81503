from .checkpoint_fit_hook import CheckpointFitHook
from .model_selection_hook import ModelSelectionHook
from .prepare_model_hook import PrepareModelHook

__all__ = ['CheckpointFitHook', 'ModelSelectionHook', 'PrepareModelHook']
