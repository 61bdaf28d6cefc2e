"""Figures and printed numbers of the post, computed when the site is built."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import nn
from snippets.neural_network_from_scratch.mlp import Digits, accuracy_on_test


# --8<-- [start:curves]
def plot_training_curves(history: nn.trainer.History) -> plt.Figure:
    epochs = np.arange(1, history.epochs + 1)
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(8.0, 3.2),
        label="Two panels against epoch. Left: training and validation "
        "loss on a log scale, both falling steeply in the first epochs "
        "and then slowly, validation ending above training. Right: "
        "validation accuracy, rising quickly and levelling off near 1",
    )
    left.plot(epochs, history.train_loss, label="training")
    left.plot(epochs, history.val_loss, label="validation")
    left.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log")
    left.legend()
    right.plot(epochs, history.val_accuracy, color="tab:green")
    right.set(xlabel="epoch", ylabel="validation accuracy",
              ylim=(0.7, 1.0))
    figure.tight_layout()
    return figure
# --8<-- [end:curves]


def misclassified(model: nn.Sequential, data: Digits) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the test set of the wrongly classified digits, and all predictions."""
    predicted = nn.trainer.predict(model, data.x_test).argmax(axis=1)
    return np.flatnonzero(predicted != data.y_test), predicted


# --8<-- [start:misclassified]
def plot_misclassified(model: nn.Sequential, data: Digits,
                       count: int = 8) -> plt.Figure:
    wrong, predicted = misclassified(model, data)
    shown = wrong[:count]
    figure, axes = plt.subplots(
        1, count, figsize=(1.2 * count, 1.9), squeeze=False,
        label=f"{len(shown)} handwritten 8 by 8 test digits that the "
        "network got wrong, each titled with its true label and the "
        "network's prediction",
    )
    for ax in axes[0]:
        ax.set_axis_off()
    for ax, i in zip(axes[0], shown, strict=False):
        image = data.x_test[i].reshape(8, 8)
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"true {data.y_test[i]}\nsaid {predicted[i]}")
    return figure
# --8<-- [end:misclassified]


def print_test_result(model: nn.Sequential, data: Digits) -> None:
    wrong, _ = misclassified(model, data)
    n = len(data.y_test)
    print(f"test accuracy: {accuracy_on_test(model, data):.4f}")
    print(f"{n - len(wrong)} of {n} test digits right, {len(wrong)} wrong")


def print_history(history: nn.trainer.History) -> None:
    print(f"epochs: {history.epochs}")
    for epoch in sorted({1, 5, 10, 25, history.epochs}):
        if epoch <= history.epochs:
            i = epoch - 1
            print(f"epoch {epoch:>2}: loss {history.train_loss[i]:.4f} (train), "
                  f"{history.val_loss[i]:.4f} (val); "
                  f"val accuracy {history.val_accuracy[i]:.4f}")


def print_splits(data: Digits) -> None:
    for part in ("train", "val", "test"):
        x, y = getattr(data, f"x_{part}"), getattr(data, f"y_{part}")
        print(f"{part:>5}: x {x.shape}, y {y.shape}")
    print("test images per digit 0-9:", np.bincount(data.y_test, minlength=10).tolist())
