from .submodule_constructor import SubmoduleOptimWrapperConstructor

__all__ = ['SubmoduleOptimWrapperConstructor']
