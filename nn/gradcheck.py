"""Centred finite differences in float64, to check analytic gradients.

The analytic gradient of a scalar function ``f`` is compared with

.. math:: \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + h e_i) - f(x - h e_i)}{2h},

whose error is :math:`O(h^2)`, coordinate by coordinate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar ``f()`` with respect to ``x`` by centred differences.

    ``x`` is perturbed in place, one entry at a time, and restored, so ``f`` must read ``x``
    when called. Shapes: returns an array shaped like ``x``.
    """
    if x.dtype != np.float64:
        raise TypeError(
            f"numerical_gradient: x must be float64 for a reliable check, got {x.dtype}"
        )
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)  # a view: writes go to x
    flat_g = grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + eps
        f_plus = float(f())
        flat_x[i] = old - eps
        f_minus = float(f())
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / max(||a||, ||b||)`` in the Euclidean norm over all entries.

    A norm-wise error is used rather than an entry-wise one because entries whose true
    gradient is near zero carry finite-difference round-off of about ``1e-10`` that would
    dominate an entry-wise ratio without saying anything about the code.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b)) / scale


def gradcheck(
    fn: Callable[..., float],
    inputs: Sequence[np.ndarray],
    analytic: Sequence[np.ndarray],
    *,
    eps: float = 1e-6,
    rtol: float = 1e-6,
    atol: float = 0.0,
    raise_on_failure: bool = True,
) -> float:
    """Compare analytic gradients of ``fn(*inputs)`` with centred finite differences.

    Parameters
    ----------
    fn : callable
        Returns a scalar; called as ``fn(*inputs)``.
    inputs : sequence of float64 arrays
        Perturbed in place one entry at a time (and restored).
    analytic : sequence of arrays
        ``analytic[k]`` is the claimed gradient of ``fn`` with respect to ``inputs[k]``.
    rtol : float
        Largest acceptable relative error.
    atol : float
        An absolute error (norm of the difference) accepted whatever the relative error,
        as PyTorch's ``gradcheck`` also has: a gradient near zero is drowned by the
        finite differences' round-off (about ``ulp(fn) / eps``), not by the code. The check
        passes when ``||analytic - numeric|| <= atol + rtol * max(||analytic||, ||numeric||)``.

    Returns
    -------
    float
        The largest relative error over all inputs.
    """
    if len(inputs) != len(analytic):
        raise ValueError(
            f"gradcheck: got {len(inputs)} inputs but {len(analytic)} analytic gradients"
        )
    worst = 0.0
    for k, (x, g) in enumerate(zip(inputs, analytic, strict=True)):
        if g.shape != x.shape:
            raise ValueError(f"gradcheck: gradient {k} has shape {g.shape}, input has {x.shape}")
        numeric = numerical_gradient(lambda: fn(*inputs), x, eps)
        err = relative_error(g, numeric)
        worst = max(worst, err)
        if raise_on_failure and err > rtol:
            absolute = float(np.linalg.norm(np.asarray(g, np.float64) - numeric))
            scale = max(float(np.linalg.norm(g)), float(np.linalg.norm(numeric)))
            if absolute > atol + rtol * scale:
                raise AssertionError(
                    f"gradcheck: input {k} (shape {x.shape}) relative error {err:.3e} > "
                    f"{rtol:.0e}" + (f" (absolute {absolute:.3e} > {atol:.0e})" if atol else "")
                )
    return worst
