"""Hooks, loops and optimiser constructors of vadkit's training and testing on the
mmengine Runner."""
from .hooks import CheckpointFitHook, ModelSelectionHook, PrepareModelHook
from .optim import SubmoduleOptimWrapperConstructor

__all__ = ['CheckpointFitHook', 'ModelSelectionHook', 'PrepareModelHook',
           'SubmoduleOptimWrapperConstructor']
