"""Figures and numbers for "Gradient descent and the gradient", computed at build time."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from snippets.gradient_descent.descend import descend, grad_loss, loss

START = np.array([-2.0, 0.9])
LEARNING_RATES = {"too small (0.01)": 0.01, "good (2/11)": 2 / 11, "too large (0.21)": 0.21}


def loss_curve(learning_rate: float, steps: int = 40) -> np.ndarray:
    path = descend(grad_loss, START, learning_rate, steps)
    return np.array([loss(theta) for theta in path])


# --8<-- [start:contour]
def plot_descent_path(learning_rate: float = 2 / 11, steps: int = 15) -> plt.Figure:
    path = descend(grad_loss, START, learning_rate, steps)
    t1, t2 = np.meshgrid(np.linspace(-2.5, 2.5, 200), np.linspace(-1.2, 1.2, 200))
    figure, axes = plt.subplots(
        figsize=(6.4, 3.4),
        label=f"Contour lines of the loss, an elongated bowl, with the path of {steps} "
        f"gradient-descent steps zig-zagging from ({START[0]:g}, {START[1]:g}) to the "
        "minimum at the origin",
    )
    axes.contour(t1, t2, loss(np.stack([t1, t2])), levels=15, cmap="viridis")
    axes.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3)
    axes.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$", aspect="equal")
    return figure
# --8<-- [end:contour]


# --8<-- [start:curves]
def plot_loss_curves() -> plt.Figure:
    figure, axes = plt.subplots(
        figsize=(6.4, 3.2),
        label="Loss against step for three learning rates on a log scale: the small rate "
        "falls slowly, the good rate falls fastest, the large rate grows without bound",
    )
    for name, learning_rate in LEARNING_RATES.items():
        axes.semilogy(loss_curve(learning_rate), label=name)
    axes.set(xlabel="step", ylabel="loss")
    axes.legend()
    return figure
# --8<-- [end:curves]


# --8<-- [start:table]
def print_loss_table(steps: int = 40) -> None:
    print("| learning rate | loss after 0 steps | loss after", steps, "steps |")
    print("| --- | --- | --- |")
    for name, learning_rate in LEARNING_RATES.items():
        curve = loss_curve(learning_rate, steps)
        print(f"| {name} | {curve[0]:.3g} | {curve[-1]:.3g} |")
# --8<-- [end:table]
