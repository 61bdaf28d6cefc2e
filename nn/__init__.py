"""nn: a small NumPy neural-network library with PyTorch's conventions."""

from nn.module import Module, Parameter

__all__ = ["Module", "Parameter"]
