"""Loss functions with PyTorch's names and mean reduction.

``loss = criterion(input, target)`` returns a Python ``float``; ``criterion.backward()``
returns :math:`\\partial\\,\\text{loss} / \\partial\\,\\text{input}` (times ``grad_output``,
default 1), with the input's shape and dtype. Targets are never differentiated. Float targets
are cast to the input's dtype.
"""

from __future__ import annotations

import numpy as np

from nn.checks import check_array
from nn.module import Module


class _Loss(Module):
    _grad: np.ndarray | None = None  # d(loss)/d(input), computed in forward

    def __call__(self, input: np.ndarray, target: np.ndarray) -> float:
        return self.forward(input, target)

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        if self._grad is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        if grad_output == 1.0:
            return self._grad
        return self._grad * np.asarray(grad_output, dtype=self._grad.dtype)

    def _float_target(self, input: np.ndarray, target: np.ndarray) -> np.ndarray:
        owner = repr(self)
        check_array(target, owner, name="target")
        if target.shape != input.shape:
            raise ValueError(
                f"{owner}: expected target of the input's shape {input.shape}, "
                f"got {target.shape}"
            )
        return target.astype(input.dtype, copy=False)


class MSELoss(_Loss):
    """Mean squared error :math:`\\frac1n \\sum_i (x_i - t_i)^2` over all ``n`` entries.

    Gradient: :math:`\\frac2n (x - t)`. Shapes: input and target any equal shape.
    """

    def forward(self, input: np.ndarray, target: np.ndarray) -> float:
        check_array(input, repr(self))
        target = self._float_target(input, target)
        diff = input - target
        self._grad = diff * (2.0 / diff.size)
        return float(np.mean(diff * diff))


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits against class indices, averaged over the batch.

    .. math:: \\ell = \\frac1N \\sum_n \\Big(\\log \\sum_c e^{x_{nc}} - x_{n, t_n}\\Big)

    The log-sum-exp is computed after subtracting each row's maximum, so large logits do not
    overflow. The softmax and the loss are fused, so the gradient is simply

    .. math:: \\frac{\\partial \\ell}{\\partial x_{nc}} = \\frac{p_{nc} - [c = t_n]}{N},
              \\qquad p = \\operatorname{softmax}(x).

    Shapes: logits ``(N, C)`` float; target ``(N,)`` integer class indices in ``[0, C)``.
    """

    def forward(self, input: np.ndarray, target: np.ndarray) -> float:
        owner = repr(self)
        check_array(input, owner, ndim=2, name="logits")
        _check_class_indices(target, input.shape, owner)
        logits, labels = input, target
        # --8<-- [start:forward]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(len(labels))
        loss = -log_probs[rows, labels].mean()
        # --8<-- [end:forward]
        # --8<-- [start:backward]
        grad = np.exp(log_probs)  # the softmax probabilities
        grad[rows, labels] -= 1
        grad /= len(labels)
        # --8<-- [end:backward]
        self._grad = grad
        return float(loss)


def _check_class_indices(target: object, logits_shape: tuple[int, ...], owner: str) -> None:
    if not isinstance(target, np.ndarray):
        raise TypeError(
            f"{owner}: expected target to be a numpy.ndarray of class indices, "
            f"got {type(target).__name__}"
        )
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(
            f"{owner}: expected target of integer class indices, got dtype {target.dtype}"
        )
    n, classes = logits_shape
    if target.shape != (n,):
        raise ValueError(
            f"{owner}: expected target of shape ({n},) for logits of shape {logits_shape}, "
            f"got {target.shape}"
        )
    if n == 0:
        raise ValueError(f"{owner}: the batch is empty (logits shape {logits_shape})")
    low, high = int(target.min()), int(target.max())
    if low < 0 or high >= classes:
        bad = low if low < 0 else high
        raise ValueError(
            f"{owner}: expected class indices in [0, {classes - 1}] for {classes} classes, "
            f"got {bad}"
        )


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, averaged over all ``n`` entries:

    .. math:: \\ell = \\frac1n \\sum_i \\big(\\max(x_i, 0) - x_i t_i
              + \\log(1 + e^{-|x_i|})\\big),

    which equals :math:`-t\\log\\sigma(x) - (1-t)\\log(1-\\sigma(x))` but never takes the
    logarithm of 0 nor overflows the exponential. Gradient:
    :math:`(\\sigma(x) - t)/n`. Shapes: input and target any equal shape, target in [0, 1].
    """

    def forward(self, input: np.ndarray, target: np.ndarray) -> float:
        check_array(input, repr(self))
        x, t = input, self._float_target(input, target)
        if t.size and (t.min() < 0 or t.max() > 1):
            raise ValueError(f"{self!r}: expected targets in [0, 1], got range "
                             f"[{t.min()}, {t.max()}]")
        e = np.exp(-np.abs(x))
        loss = np.mean(np.maximum(x, 0) - x * t + np.log1p(e))
        sigmoid = np.where(x >= 0, 1, e) / (1 + e)
        self._grad = (sigmoid - t) / x.size
        return float(loss)
