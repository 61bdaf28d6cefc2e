"""Element-wise activations and softmax, with PyTorch's names and defaults.

Each accepts a float32 or float64 array of any shape and returns the same shape and dtype.
``backward(grad_output)`` returns :math:`\\partial L / \\partial x` given
:math:`\\partial L / \\partial y`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from nn.checks import check_array
from nn.module import Module
from nn.special import erfc


class _Activation(Module):
    """Shared input and ``grad_output`` checks; subclasses cache what backward needs."""

    _cache: np.ndarray | None = None

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        return check_array(x, repr(self))

    def _check_grad(self, grad_output: np.ndarray) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        if grad_output.shape != self._cache.shape:
            raise ValueError(
                f"{self!r}: expected grad_output of shape {self._cache.shape}, "
                f"got {grad_output.shape}"
            )
        return self._cache


class ReLU(_Activation):
    """:math:`y = \\max(x, 0)`; :math:`\\partial y / \\partial x = [x > 0]`."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        # --8<-- [start:relu_forward]
        self._cache = x
        return np.maximum(x, 0)
        # --8<-- [end:relu_forward]

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._check_grad(grad_output)
        # --8<-- [start:relu_backward]
        return grad_output * (x > 0)
        # --8<-- [end:relu_backward]


class LeakyReLU(_Activation):
    """:math:`y = x` for :math:`x > 0`, else :math:`a x` with ``a = negative_slope``."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        self._cache = x
        return np.where(x > 0, x, x * self.negative_slope)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._check_grad(grad_output)
        return np.where(x > 0, grad_output, grad_output * self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Activation):
    """:math:`\\sigma(x) = 1 / (1 + e^{-x})`; :math:`\\sigma' = \\sigma (1 - \\sigma)`.

    Computed from :math:`e^{-|x|} \\in (0, 1]`, which never overflows:
    :math:`\\sigma(x) = 1/(1+e^{-|x|})` for :math:`x \\ge 0` and
    :math:`e^{-|x|}/(1+e^{-|x|})` otherwise.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        # --8<-- [start:sigmoid_forward]
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1, e) / (1 + e)
        # --8<-- [end:sigmoid_forward]
        self._cache = y
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._check_grad(grad_output)
        # --8<-- [start:sigmoid_backward]
        return grad_output * y * (1 - y)
        # --8<-- [end:sigmoid_backward]


class Tanh(_Activation):
    """:math:`y = \\tanh x`; :math:`\\partial y / \\partial x = 1 - y^2`."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        y = np.tanh(x)
        self._cache = y
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._check_grad(grad_output)
        return grad_output * (1 - y * y)


class GELU(_Activation):
    """Gaussian error linear unit :math:`y = x\\,\\Phi(x)`, :math:`\\Phi` the normal CDF.

    ``approximate='none'`` (PyTorch's default) uses
    :math:`\\Phi(x) = \\tfrac12 \\operatorname{erfc}(-x/\\sqrt2)` from :mod:`nn.special`;
    its derivative is :math:`\\Phi(x) + x\\,\\varphi(x)`,
    :math:`\\varphi(x) = e^{-x^2/2}/\\sqrt{2\\pi}`.
    ``approximate='tanh'`` uses
    :math:`y = \\tfrac12 x (1 + \\tanh u)`, :math:`u = \\sqrt{2/\\pi}\\,(x + 0.044715 x^3)`.
    Float32 inputs are evaluated in float64 and the result cast back to float32.
    """

    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        self._cache = x
        x64 = x.astype(np.float64, copy=False)
        if self.approximate == "tanh":
            y = 0.5 * x64 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64**3)))
        else:
            y = x64 * (0.5 * erfc(-x64 / math.sqrt(2)))
        return y.astype(x.dtype, copy=False)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._check_grad(grad_output).astype(np.float64, copy=False)
        if self.approximate == "tanh":
            c = math.sqrt(2 / math.pi)
            t = np.tanh(c * (x + 0.044715 * x**3))
            dy = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * erfc(-x / math.sqrt(2))
            dy = cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return (grad_output * dy).astype(grad_output.dtype, copy=False)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(_Activation):
    """:math:`y_i = e^{x_i} / \\sum_j e^{x_j}` along ``dim``.

    The maximum is subtracted first (softmax is shift-invariant), so no exponent overflows.
    The Jacobian :math:`\\partial y_i/\\partial x_j = y_i(\\delta_{ij} - y_j)` is never formed:
    its product with :math:`g = \\partial L/\\partial y` is
    :math:`y \\odot (g - \\langle g, y \\rangle)`, the inner product taken along ``dim``.
    """

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        if not -x.ndim <= self.dim < max(x.ndim, 1):
            raise ValueError(f"{self!r}: dim {self.dim} is out of range for input shape {x.shape}")
        # --8<-- [start:softmax_forward]
        e = np.exp(x - x.max(axis=self.dim, keepdims=True))
        y = e / e.sum(axis=self.dim, keepdims=True)
        # --8<-- [end:softmax_forward]
        self._cache = y
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._check_grad(grad_output)
        g = grad_output
        # --8<-- [start:softmax_backward]
        return y * (g - (g * y).sum(axis=self.dim, keepdims=True))
        # --8<-- [end:softmax_backward]

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
