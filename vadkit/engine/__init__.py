"""Hooks and loops of vadkit's training and testing on the mmengine Runner."""
from .hooks import CheckpointFitHook, PrepareModelHook

__all__ = ['CheckpointFitHook', 'PrepareModelHook']
