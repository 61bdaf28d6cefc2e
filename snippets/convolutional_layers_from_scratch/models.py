"""The CNN of the post and the MLP it is compared with, trained the same way on the digits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nn
from nn.data import DataLoader, load_digits, split
from nn.schedules import CosineAnnealingLR
from nn.trainer import fit

EPOCHS, BATCH_SIZE, LEARNING_RATE = 10, 32, 1e-2


# --8<-- [start:models]
def make_cnn(seed: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1, rng=seed),  # -> (N,16,8,8)
        nn.ReLU(),
        nn.MaxPool2d(2),                                        # -> (N,16,4,4)
        nn.Flatten(),                                           # -> (N,256)
        nn.Linear(16 * 4 * 4, 10, rng=seed + 100),              # -> (N,10)
    )


def make_mlp(seed: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),                                           # -> (N,64)
        nn.Linear(64, 128, rng=seed),                           # -> (N,128)
        nn.ReLU(),
        nn.Linear(128, 10, rng=seed + 100),                     # -> (N,10)
    )
# --8<-- [end:models]


def count_parameters(model: nn.Module) -> int:
    return sum(p.data.size for p in model.parameters())


def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits as (N, 1, 8, 8) images: x_train, x_test, y_train, y_test."""
    x, y = load_digits(image=True)
    return split(x, y, test_fraction=0.2, rng=0)


@dataclass
class Run:
    model: nn.Sequential
    test_accuracy: list[float]  # after each epoch

    @property
    def final_accuracy(self) -> float:
        return self.test_accuracy[-1]


# --8<-- [start:train]
def train(model: nn.Sequential, seed: int) -> Run:
    """Adam, a cosine-decaying step, the same batches for any model."""
    x_train, x_test, y_train, y_test = digits()
    optimizer = nn.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = CosineAnnealingLR(optimizer, T_max=EPOCHS)
    loader = DataLoader(x_train, y_train, BATCH_SIZE, shuffle=True, rng=seed)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, EPOCHS,
                  val_data=(x_test, y_test), scheduler=schedule,
                  progress=False)
    return Run(model, history.val_accuracy)
# --8<-- [end:train]


def compare(seeds: tuple[int, ...] = (0, 1, 2)) -> dict[str, list[Run]]:
    """Train both networks once per seed (initial weights and batch order)."""
    return {"CNN": [train(make_cnn(seed), seed) for seed in seeds],
            "MLP": [train(make_mlp(seed), seed) for seed in seeds]}
