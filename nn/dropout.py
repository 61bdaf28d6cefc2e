"""Inverted dropout, ``torch.nn.Dropout``."""

from __future__ import annotations

import numpy as np

from nn.checks import check_array
from nn.init import as_generator
from nn.module import Module


class Dropout(Module):
    """Zero each entry with probability ``p`` in training, and scale the survivors by
    :math:`1/(1-p)`, so the expected output equals the input:

    .. math:: y = \\frac{m \\odot x}{1 - p}, \\qquad m_i \\sim \\text{Bernoulli}(1 - p).

    In eval mode (``model.eval()``) it is the identity. The backward pass multiplies by the
    same mask and scale. Shapes: any; output like input, same dtype.

    Parameters
    ----------
    p : float
        Drop probability, ``0 <= p < 1``.
    rng : numpy.random.Generator, int or None
        Source of the masks; an int is a seed.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | int | None = None) -> None:
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: expected 0 <= p < 1, got p={p}")
        self.p = float(p)
        self.rng = as_generator(rng)
        self._scaled_mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(x, repr(self))
        if not self.training or self.p == 0.0:
            self._scaled_mask = None
            return x
        # --8<-- [start:forward]
        keep = self.rng.random(x.shape) >= self.p
        self._scaled_mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._scaled_mask
        # --8<-- [end:forward]

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        if self._scaled_mask is None:
            return grad_output
        return grad_output * self._scaled_mask

    def extra_repr(self) -> str:
        return f"p={self.p}"
