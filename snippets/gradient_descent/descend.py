"""Gradient descent on a two-parameter loss, as shown in "Gradient descent and the gradient"."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


# --8<-- [start:loss]
def loss(theta: np.ndarray) -> float:
    """An elongated bowl: steep along theta[1], shallow along theta[0]."""
    return 0.5 * (theta[0] ** 2 + 10.0 * theta[1] ** 2)


def grad_loss(theta: np.ndarray) -> np.ndarray:
    return np.array([theta[0], 10.0 * theta[1]])
# --8<-- [end:loss]


# --8<-- [start:update_rule]
def descend(
    grad: Callable[[np.ndarray], np.ndarray],
    theta0: np.ndarray,
    learning_rate: float,
    steps: int,
) -> np.ndarray:
    """Return the path theta_0, theta_1, ..., theta_steps, shape (steps + 1, dim)."""
    path = [np.asarray(theta0, dtype=np.float64)]
    for _ in range(steps):
        theta = path[-1]
        path.append(theta - learning_rate * grad(theta))  # step downhill
    return np.array(path)
# --8<-- [end:update_rule]
