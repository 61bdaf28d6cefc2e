"""Winograd's F(2, 3) written out, nested into F(2x2, 3x3), and the direct correlation."""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

Multiply = Callable[[object, object], object]


class CountingMultiply:
    """Multiplies numbers and counts how many times it was called."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, a: float, b: float) -> float:
        self.count += 1
        return a * b


# --8<-- [start:direct]
def correlate_direct(d, g, multiply: Multiply = operator.mul) -> np.ndarray:
    """Two outputs of the correlation of d (4 inputs) with g (3 taps): six products."""
    return np.array([
        multiply(d[0], g[0]) + multiply(d[1], g[1]) + multiply(d[2], g[2]),
        multiply(d[1], g[0]) + multiply(d[2], g[1]) + multiply(d[3], g[2]),
    ])
# --8<-- [end:direct]


# --8<-- [start:f23]
def f23(d, g, multiply: Multiply = operator.mul) -> np.ndarray:
    """The same two outputs from four products, Winograd's F(2, 3)."""
    m1 = multiply(d[0] - d[2], g[0])
    m2 = multiply(d[1] + d[2], (g[0] + g[1] + g[2]) / 2)
    m3 = multiply(d[2] - d[1], (g[0] - g[1] + g[2]) / 2)
    m4 = multiply(d[1] - d[3], g[2])
    return np.array([m1 + m2 + m3, m2 - m3 - m4])
# --8<-- [end:f23]


# --8<-- [start:nested]
def f2x2_3x3(d, g, multiply: Multiply = operator.mul) -> np.ndarray:
    """A 2x2 tile of the correlation of d (4x4) with g (3x3): F(2, 3) down the rows, whose
    four "products" of a row of inputs with a row of taps are F(2, 3) along the row."""
    return f23(d, g, lambda d_row, g_row: f23(d_row, g_row, multiply))


def tile_direct(d, g, multiply: Multiply = operator.mul) -> np.ndarray:
    """The same tile directly: nine products for each of the four outputs."""
    return np.array([[sum(multiply(d[i + u][j + v], g[u][v]) for u in range(3)
                          for v in range(3)) for j in range(2)] for i in range(2)])
# --8<-- [end:nested]


def count_multiplications(function: Callable, d, g) -> tuple[np.ndarray, int]:
    """``function(d, g)``'s result and the number of multiplications it made."""
    counter = CountingMultiply()
    return function(d, g, counter), counter.count


class Counted:
    """A number that counts the additions, subtractions and multiplications it takes part
    in (in ``counts``, shared by every number made from it)."""

    def __init__(self, value: float, counts: dict[str, int]) -> None:
        self.value, self.counts = value, counts

    def _record(self, kind: str, value: float) -> Counted:
        self.counts[kind] += 1
        return Counted(value, self.counts)

    def __add__(self, other: Counted) -> Counted:
        return self._record("additions", self.value + other.value)

    def __sub__(self, other: Counted) -> Counted:
        return self._record("additions", self.value - other.value)

    def __mul__(self, other: float) -> Counted:
        return self._record("multiplications", self.value * other)


def count_operations(function: Callable, d, g) -> dict[str, int]:
    """Operations ``function`` does on the inputs ``d`` (the taps ``g`` are plain numbers:
    their combinations belong to the kernel and are made once per layer)."""
    counts = {"additions": 0, "multiplications": 0}
    function([Counted(value, counts) for value in d], list(g))
    return counts
