"""The worked example of the post "Gradient descent and the gradient".

f(x, y) = x^2 sin(y), its two partial derivatives, and the gradient that stacks them.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:function]
def f(x: float, y: float) -> float:
    return x**2 * np.sin(y)
# --8<-- [end:function]


# --8<-- [start:partials]
def df_dx(x: float, y: float) -> float:
    # y is held constant, so sin(y) is just a coefficient of x^2.
    return 2 * x * np.sin(y)


def df_dy(x: float, y: float) -> float:
    # x is held constant, so x^2 is just a coefficient of sin(y).
    return x**2 * np.cos(y)
# --8<-- [end:partials]


# --8<-- [start:gradient]
def grad_f(x: float, y: float) -> np.ndarray:
    """The gradient: one partial derivative per input, stacked into a vector."""
    return np.array([df_dx(x, y), df_dy(x, y)])
# --8<-- [end:gradient]
