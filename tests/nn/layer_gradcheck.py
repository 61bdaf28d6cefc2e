"""Finite-difference checks of a module's backward pass, shared by the tests of nn/, and
the memory a repeated pass allocates.

The scalar checked is ``L = sum(module(x) * w)`` with fixed random weights ``w``, so
``dL/d(output) = w`` and every output entry matters to the check.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np

from nn.gradcheck import gradcheck
from nn.module import Module


def check_module_gradients(
    module: Module,
    x: np.ndarray,
    *,
    seed: int = 12345,
    rtol: float = 1e-6,
    before_forward: Callable[[], None] = lambda: None,
) -> float:
    """Assert that ``module.backward`` matches centred differences for the input and every
    parameter (float64); return the worst relative error. ``before_forward`` runs before each
    forward pass (e.g. to re-seed dropout so every pass uses the same mask)."""
    assert x.dtype == np.float64
    before_forward()
    out = module(x)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    module.zero_grad()
    grad_x = module.backward(w)
    params = list(module.parameters())
    analytic = [grad_x] + [p.grad.copy() for p in params]

    def loss(*_: np.ndarray) -> float:
        before_forward()
        return float(np.sum(module(x) * w))

    return gradcheck(loss, [x] + [p.data for p in params], analytic, rtol=rtol)


def check_loss_gradients(
    criterion: Module, x: np.ndarray, target: np.ndarray, *, rtol: float = 1e-6,
    atol: float = 0.0,
) -> float:
    """Assert that ``criterion.backward()`` matches centred differences of the loss; return
    the relative error (which ``atol`` may let exceed ``rtol``: see ``nn.gradcheck``)."""
    criterion(x, target)
    analytic = criterion.backward()
    return gradcheck(lambda *_: criterion(x, target), [x], [analytic.copy()], rtol=rtol,
                     atol=atol)


def repeated_pass_peak(module: Module, x: np.ndarray) -> tuple[int, int]:
    """Peak bytes that a second forward+backward on ``x`` allocates (NumPy reports to
    tracemalloc), and the bytes it must return (the output and the input gradient). A layer
    that reuses its buffers allocates little more than the second number."""
    g = np.ones(module.output_shape(x.shape), x.dtype)
    module(x)
    module.backward(g)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        module(x)
        module.backward(g)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, x.nbytes + g.nbytes
