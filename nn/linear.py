"""The fully connected (affine) layer, ``torch.nn.Linear``."""

from __future__ import annotations

import math

import numpy as np

from nn.checks import check_array, check_dim, float_dtype
from nn.init import as_generator, kaiming_uniform_, uniform_
from nn.module import Module, Parameter


class Linear(Module):
    """An affine map of each row: :math:`y = x W^\\top + b`.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of an input row and of an output row.
    bias : bool
        Whether to add the learned bias :math:`b`.
    dtype : numpy dtype
        float32 or float64, fixed at construction for the parameters. Inputs must have the
        same dtype: a mismatch is a ``TypeError``, never a silent cast, so float32 in gives
        float32 out.
    rng : numpy.random.Generator, int or None
        Source of the initial weights; an int is a seed, ``None`` fresh entropy.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
        Initialised like PyTorch: ``kaiming_uniform_(a=sqrt(5))``, that is
        :math:`U(-1/\\sqrt{\\text{in}}, 1/\\sqrt{\\text{in}})`.
    bias : Parameter or None, shape (out_features,)
        :math:`U(-1/\\sqrt{\\text{in}}, 1/\\sqrt{\\text{in}})`.

    Shapes
    ------
    input ``(N, in_features)`` -> output ``(N, out_features)``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: type | np.dtype = np.float64,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        if in_features < 1 or out_features < 1:
            raise ValueError(
                f"Linear: in_features and out_features must be positive, "
                f"got {in_features} and {out_features}"
            )
        dtype = float_dtype(dtype, "Linear")
        self.in_features = in_features
        self.out_features = out_features
        rng = as_generator(rng)
        self.weight = Parameter(np.empty((out_features, in_features), dtype), "weight")
        kaiming_uniform_(self.weight, rng, a=math.sqrt(5))
        self.bias = None
        if bias:
            bound = 1.0 / math.sqrt(in_features)
            self.bias = Parameter(np.empty(out_features, dtype), "bias")
            uniform_(self.bias, rng, -bound, bound)
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x`` of shape ``(N, in_features)`` -> ``x @ W.T + b`` of shape ``(N, out_features)``."""
        # One cheap combined test on the fast path; the detailed checks only to explain a failure.
        if not (
            isinstance(x, np.ndarray)
            and x.ndim == 2
            and x.shape[1] == self.in_features
            and x.dtype == self.weight.data.dtype
            and np.isfinite(x).all()
        ):
            self._explain_bad_input(x)
        # --8<-- [start:forward]
        self._x = x  # kept for the weight gradient
        y = x @ self.weight.data.T
        if self.bias is not None:
            y += self.bias.data
        return y
        # --8<-- [end:forward]

    def _explain_bad_input(self, x: object) -> None:
        owner = repr(self)
        check_array(x, owner, ndim=2)
        check_dim(x, 1, self.in_features, owner, "input features (shape[1])")
        raise TypeError(
            f"{owner}: input dtype {x.dtype} does not match the parameters' dtype "
            f"{self.weight.data.dtype}; cast the input or build the layer with dtype={x.dtype}"
        )

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Given :math:`G = \\partial L / \\partial y` of shape ``(N, out_features)``,
        accumulate

        .. math:: \\frac{\\partial L}{\\partial W} \\mathrel{+}= G^\\top x, \\qquad
                  \\frac{\\partial L}{\\partial b} \\mathrel{+}= \\textstyle\\sum_n G_n,

        and return :math:`\\partial L / \\partial x = G W`, of shape ``(N, in_features)``.
        """
        x = self._x
        if x is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        if grad_output.shape != (x.shape[0], self.out_features):
            raise ValueError(
                f"{self!r}: expected grad_output of shape {(x.shape[0], self.out_features)}, "
                f"got {grad_output.shape}"
            )
        g = grad_output
        # --8<-- [start:backward]
        self.weight.grad += g.T @ x
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        return g @ self.weight.data
        # --8<-- [end:backward]

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
