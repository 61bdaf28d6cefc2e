"""Code of the notebook post "Learning-rate schedules, explored"."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import nn
from nn.data import DataLoader, load_digits, split
from nn.optim import SGD
from nn.schedules import CosineAnnealingLR, ExponentialLR, StepLR
from nn.trainer import evaluate, fit

EPOCHS = 30
BASE_LR = 0.5


# --8<-- [start:schedules]
def make_schedule(name: str, optimizer: SGD):
    """One of the four schedules compared in the post (None keeps the rate constant)."""
    if name == "constant":
        return None
    if name == "step":
        return StepLR(optimizer, step_size=10, gamma=0.3)
    if name == "exponential":
        return ExponentialLR(optimizer, gamma=0.9)
    if name == "cosine":
        return CosineAnnealingLR(optimizer, T_max=EPOCHS)
    raise ValueError(f"unknown schedule {name!r}")
# --8<-- [end:schedules]


NAMES = ("constant", "step", "exponential", "cosine")


def learning_rates(name: str, epochs: int = EPOCHS) -> np.ndarray:
    """The rate each schedule sets for epochs 1..epochs, read back from the optimiser."""
    optimizer = SGD([nn.Parameter(np.zeros(1))], lr=BASE_LR)
    schedule = make_schedule(name, optimizer)
    rates = []
    for _ in range(epochs):
        rates.append(optimizer.lr)
        if schedule:
            schedule.step()
    return np.array(rates)


# --8<-- [start:train]
def train(name: str, seed: int = 0) -> tuple[list[float], float]:
    """Softmax regression on the 8x8 digits with mini-batch SGD under one schedule.

    Returns the training loss of each epoch and the final test accuracy.
    """
    x, y = load_digits()
    x_train, x_test, y_train, y_test = split(x, y, test_fraction=0.25, rng=seed)
    model = nn.Linear(64, 10, rng=seed)
    optimizer = SGD(model.parameters(), lr=BASE_LR, momentum=0.9)
    loader = DataLoader(x_train, y_train, batch_size=32, shuffle=True, rng=seed)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, EPOCHS,
                  scheduler=make_schedule(name, optimizer), progress=False)
    _, accuracy = evaluate(model, nn.CrossEntropyLoss(), x_test, y_test)
    return history.train_loss, accuracy
# --8<-- [end:train]


def plot_rates() -> plt.Figure:
    figure, axes = plt.subplots(
        figsize=(6.4, 3.0),
        label="Learning rate against epoch for four schedules: constant stays at its start, "
        "step drops in stairs every ten epochs, exponential decays smoothly, cosine follows "
        "half a cosine down to zero",
    )
    epochs = np.arange(1, EPOCHS + 1)
    for name in NAMES:
        axes.plot(epochs, learning_rates(name), label=name)
    axes.set(xlabel="epoch", ylabel="learning rate")
    axes.legend()
    return figure


SEEDS = (0, 1, 2)


def compare(seeds: tuple[int, ...] = SEEDS) -> dict[str, list[tuple[list[float], float]]]:
    """For each schedule, one (losses, test accuracy) pair per seed."""
    return {name: [train(name, seed) for seed in seeds] for name in NAMES}


def plot_losses(results: dict[str, list[tuple[list[float], float]]]) -> plt.Figure:
    figure, axes = plt.subplots(
        figsize=(6.4, 3.2),
        label="Training loss against epoch for the four schedules with seed 0, on a log "
        "scale; the constant rate keeps falling and ends lowest, the decaying schedules "
        "flatten out as their rates shrink",
    )
    for name, runs in results.items():
        losses = runs[0][0]
        axes.semilogy(np.arange(1, len(losses) + 1), losses, label=name)
    axes.set(xlabel="epoch", ylabel="training loss")
    axes.legend()
    return figure


def print_table(results: dict[str, list[tuple[list[float], float]]]) -> None:
    seeds = ", ".join(str(s) for s in SEEDS)
    print(f"| schedule | last learning rate | final training loss (seeds {seeds}) "
          f"| test accuracy (seeds {seeds}) |")
    print("| --- | --- | --- | --- |")
    for name, runs in results.items():
        losses = " / ".join(f"{r[0][-1]:.4f}" for r in runs)
        accuracies = " / ".join(f"{r[1]:.1%}" for r in runs)
        print(f"| {name} | {learning_rates(name)[-1]:.3g} | {losses} | {accuracies} |")
