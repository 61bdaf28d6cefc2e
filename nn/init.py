"""Weight initialisation, with PyTorch's names (``torch.nn.init``) and formulas.

Every function fills its array **in place** and returns it. Randomness comes only from the
``numpy.random.Generator`` passed in, so a seed fixes the result.

Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)`` (``Linear`` is
``(out, in)``, ``Conv2d`` is ``(out, in, kh, kw)``)

.. math:: \\text{fan\\_in} = \\text{in} \\cdot \\prod \\text{kernel}, \\qquad
          \\text{fan\\_out} = \\text{out} \\cdot \\prod \\text{kernel}.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from nn.module import Parameter

Array = np.ndarray | Parameter
FanMode = Literal["fan_in", "fan_out"]


def _data(tensor: Array) -> np.ndarray:
    data = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(data, np.ndarray) or data.dtype not in (np.float32, np.float64):
        raise TypeError(f"nn.init: expected a float32/float64 array or Parameter, got {tensor!r}")
    return data


def calculate_fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)``."""
    if len(shape) < 2:
        raise ValueError(f"nn.init: fans need a weight of rank >= 2, got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance steady through ``nonlinearity``.

    ``linear``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: :math:`\\sqrt 2`;
    ``leaky_relu`` with slope ``a``: :math:`\\sqrt{2 / (1 + a^2)}` (``a`` defaults to 0.01).
    """
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ValueError(f"nn.init.calculate_gain: unknown nonlinearity {nonlinearity!r}")


def _fan(shape: tuple[int, ...], mode: FanMode) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"nn.init: mode must be 'fan_in' or 'fan_out', got {mode!r}")


def uniform_(tensor: Array, rng: np.random.Generator, a: float = 0.0, b: float = 1.0) -> Array:
    """Fill with samples of :math:`U(a, b)`."""
    data = _data(tensor)
    data[...] = rng.uniform(a, b, size=data.shape)
    return tensor


def normal_(tensor: Array, rng: np.random.Generator, mean: float = 0.0, std: float = 1.0) -> Array:
    """Fill with samples of :math:`\\mathcal N(\\text{mean}, \\text{std}^2)`."""
    data = _data(tensor)
    data[...] = rng.normal(mean, std, size=data.shape)
    return tensor


def zeros_(tensor: Array) -> Array:
    """Fill with zeros."""
    _data(tensor)[...] = 0
    return tensor


def kaiming_uniform_(
    tensor: Array,
    rng: np.random.Generator,
    a: float = 0.0,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
) -> Array:
    """He initialisation, uniform: :math:`U(-b, b)` with
    :math:`b = \\text{gain} \\sqrt{3 / \\text{fan}}`, so the variance is
    :math:`\\text{gain}^2 / \\text{fan}`.

    ``a`` is the leaky-ReLU slope used in the gain. ``Linear``'s default,
    ``a = sqrt(5)``, gives :math:`b = 1 / \\sqrt{\\text{fan\\_in}}`.
    """
    data = _data(tensor)
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(data.shape, mode))
    return uniform_(tensor, rng, -bound, bound)


def kaiming_normal_(
    tensor: Array,
    rng: np.random.Generator,
    a: float = 0.0,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
) -> Array:
    """He initialisation, normal: :math:`\\mathcal N(0, \\sigma^2)` with
    :math:`\\sigma = \\text{gain} / \\sqrt{\\text{fan}}`."""
    data = _data(tensor)
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(data.shape, mode))
    return normal_(tensor, rng, 0.0, std)


def xavier_uniform_(tensor: Array, rng: np.random.Generator, gain: float = 1.0) -> Array:
    """Glorot initialisation, uniform: :math:`U(-b, b)` with
    :math:`b = \\text{gain}\\sqrt{6 / (\\text{fan\\_in} + \\text{fan\\_out})}`."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(_data(tensor).shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, rng, -bound, bound)


def xavier_normal_(tensor: Array, rng: np.random.Generator, gain: float = 1.0) -> Array:
    """Glorot initialisation, normal: :math:`\\mathcal N(0, \\sigma^2)` with
    :math:`\\sigma = \\text{gain}\\sqrt{2 / (\\text{fan\\_in} + \\text{fan\\_out})}`."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(_data(tensor).shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, rng, 0.0, std)


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A ``Generator`` from a generator (returned as is), a seed, or ``None`` (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"expected rng to be a numpy.random.Generator, an int seed or None, got {rng!r}"
    )
