"""How noisy is a mini-batch gradient? Per-example gradients from ``nn``, then batches."""

from __future__ import annotations

import numpy as np

import nn


def flat_gradient(model: nn.Module) -> np.ndarray:
    return np.concatenate([p.grad.ravel() for p in model.parameters()])


def batch_gradient(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of the mean cross-entropy over the rows of ``x``, by nn's backward."""
    loss_fn = nn.CrossEntropyLoss()
    model.zero_grad()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    return flat_gradient(model)


def per_example_gradients(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row i: the gradient of example i's own loss; shape (N, number of parameters)."""
    return np.stack([batch_gradient(model, x[i : i + 1], y[i : i + 1]) for i in range(len(x))])


# --8<-- [start:variance]
def gradient_variance(grads: np.ndarray, batch_size: int, draws: int,
                      replace: bool, rng: np.random.Generator) -> float:
    """E||g_B - g||^2 estimated from ``draws`` random batches B."""
    full = grads.mean(axis=0)
    errors = np.empty(draws)
    for k in range(draws):
        rows = rng.choice(len(grads), size=batch_size, replace=replace)
        errors[k] = np.sum((grads[rows].mean(axis=0) - full) ** 2)
    return float(errors.mean())


def predicted_variance(grads: np.ndarray, batch_size: int,
                       replace: bool) -> float:
    """sigma^2 / b with replacement; times (N - b) / (N - 1) without."""
    n, b = len(grads), batch_size
    sigma2 = np.mean(np.sum((grads - grads.mean(axis=0)) ** 2, axis=1))
    correction = 1.0 if replace else (n - b) / (n - 1)
    return float(sigma2 / b * correction)
# --8<-- [end:variance]
