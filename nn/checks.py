"""Input validation shared by layers: clear errors naming the layer, expected and actual."""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def check_array(
    x: object,
    owner: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    name: str = "input",
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` unchanged if it is a finite float32/float64 array of the right rank.

    Raises
    ------
    TypeError
        If ``x`` is not a NumPy array of float32 or float64 (integers, objects, lists).
    ValueError
        If the rank is wrong or the array holds NaN or inf.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{owner}: expected {name} to be a numpy.ndarray, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{owner}: expected {name} dtype float32 or float64, got {x.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{owner}: expected {name} of rank {want}, got shape {x.shape} ({x.ndim}-D)"
            )
    if finite and not np.isfinite(x).all():
        raise ValueError(f"{owner}: {name} contains NaN or inf")
    return x


def float_dtype(dtype: object, owner: str) -> np.dtype:
    """``np.dtype(dtype)`` if it is float32 or float64, else a ``TypeError`` naming ``owner``."""
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"{owner}: dtype must be float32 or float64, got {dtype}")
    return dtype


def check_dim(x: np.ndarray, axis: int, expected: int, owner: str, what: str) -> None:
    """Raise ``ValueError`` unless ``x.shape[axis] == expected``."""
    if x.shape[axis] != expected:
        raise ValueError(
            f"{owner}: expected {what} = {expected}, got {x.shape[axis]} (input shape {x.shape})"
        )
