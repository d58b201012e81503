from .checkpoint_fit_hook import CheckpointFitHook

__all__ = ['CheckpointFitHook']
