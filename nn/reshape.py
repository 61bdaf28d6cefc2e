"""``Flatten``: merge trailing dimensions, e.g. images ``(N, C, H, W)`` into rows ``(N, C*H*W)``."""

from __future__ import annotations

import numpy as np

from nn.checks import check_array
from nn.module import Module


class Flatten(Module):
    """Merge dimensions ``start_dim`` .. ``end_dim`` (inclusive) into one, as ``torch.nn.Flatten``.

    Shapes: ``(N, C, H, W)`` -> ``(N, C*H*W)`` with the defaults ``start_dim=1, end_dim=-1``.
    The backward pass reshapes the gradient back to the input's shape.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim = start_dim
        self.end_dim = end_dim
        self._input_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(x, repr(self))
        start = self.start_dim % x.ndim if -x.ndim <= self.start_dim < x.ndim else None
        end = self.end_dim % x.ndim if -x.ndim <= self.end_dim < x.ndim else None
        if start is None or end is None or start > end:
            raise ValueError(
                f"{self!r}: dimensions {self.start_dim}..{self.end_dim} do not fit input "
                f"shape {x.shape} ({x.ndim}-D)"
            )
        self._input_shape = x.shape
        return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1 :])

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        if self._input_shape is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        return grad_output.reshape(self._input_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
