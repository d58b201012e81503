from .toy_autoencoder import ToyAutoEncoder

__all__ = ['ToyAutoEncoder']
