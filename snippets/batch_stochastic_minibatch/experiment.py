"""Batch, stochastic and mini-batch gradient descent on the digits, measured with ``nn``.

Everything is seeded: the same initial weights for every method, and one
``numpy.random.Generator`` per run for the shuffling. Only the times vary between machines
and with their load; the losses, and the steps and examples it takes to reach them, do not.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

import nn
from nn.data import DataLoader, load_digits, split
from nn.trainer import evaluate, fit

SEED = 0
LEARNING_RATES = (0.03, 0.1, 0.3, 1.0, 3.0)  # the grid every method picks its step from


def load_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits, 64 pixels in [0, 1] per row: a stratified 80/20 train/test split."""
    x, y = load_digits()
    return split(x, y, test_fraction=0.2, rng=SEED)


def make_model() -> nn.Linear:
    """Softmax regression: one affine layer from 64 pixels to 10 logits, same start each run."""
    return nn.Linear(64, 10, rng=np.random.default_rng(SEED))


@dataclass(frozen=True)
class Method:
    name: str
    batch_size: int | None  # None: the whole training set
    lr: float
    epochs: int


@dataclass
class Run:
    method: Method
    batch_size: int
    epochs: np.ndarray  # passes over the training set at each record (fractional)
    seconds: np.ndarray  # training processor time at each record, evaluation excluded
    loss: np.ndarray  # mean cross-entropy over the whole training set at each record
    steps_per_epoch: int  # parameter updates per pass over the training set
    model: nn.Linear

    def seconds_per_epoch(self) -> float:
        return float(self.seconds[-1] / self.epochs[-1])

    def loss_at_epoch(self, epoch: float) -> float:
        """The recorded loss at the first record at or after ``epoch`` passes."""
        return float(self.loss[np.searchsorted(self.epochs, epoch - 1e-9)])

    def seconds_to_reach(self, target: float) -> float:
        """Training time until the loss first fell to ``target``; inf if it never did."""
        below = np.flatnonzero(self.loss <= target)
        return float(self.seconds[below[0]]) if len(below) else float("inf")

    def steps_to_reach(self, target: float) -> int | None:
        """Parameter updates until the loss first fell to ``target``; None if it never did."""
        below = np.flatnonzero(self.loss <= target)
        return round(self.epochs[below[0]] * self.steps_per_epoch) if len(below) else None

    def examples_in(self, steps: int) -> int:
        """Training rows the first ``steps`` updates looked at (an epoch's last batch may be
        short)."""
        n = len(load_problem()[0])
        epochs, rest = divmod(steps, self.steps_per_epoch)
        return epochs * n + min(rest * self.batch_size, n)

    def rises(self, second_half: bool = False) -> int:
        """How many times the recorded training loss went up from one record to the next
        (only among the records of the second half of the run, if ``second_half``)."""
        loss = self.loss[self.epochs >= self.epochs[-1] / 2] if second_half else self.loss
        return int(np.sum(np.diff(loss) > 0))


# --8<-- [start:train]
def train(method: Method, records_per_epoch: int = 8) -> Run:
    x, _, y, _ = load_problem()
    n = len(x)
    batch_size = method.batch_size or n  # batch GD: one batch of every row
    model, loss_fn = make_model(), nn.CrossEntropyLoss()
    if batch_size == n:
        optimizer = nn.optim.GD(model.parameters(), lr=method.lr)
    else:  # SGD without momentum: the same update, on a smaller batch
        optimizer = nn.optim.SGD(model.parameters(), lr=method.lr)
    rng = np.random.default_rng(SEED)
    loader = DataLoader(x, y, batch_size, shuffle=True, rng=rng)

    # Split each epoch's steps into records_per_epoch nearly equal chunks.
    steps_per_epoch = len(loader)
    cuts = np.linspace(0, steps_per_epoch, records_per_epoch + 1).round()
    chunks = np.diff(np.unique(cuts)).astype(int)
    steps, seconds = 0, 0.0
    record = [(0.0, 0.0, evaluate(model, loss_fn, x, y)[0])]
    with threadpool_limits(limits=1):  # one thread: time the algorithms
        for _ in range(method.epochs):
            batches = iter(loader)  # a fresh shuffle for every pass
            for size in chunks:
                start = time.thread_time()  # this thread's processor time
                fit(model, loss_fn, optimizer, itertools.islice(batches, size),
                    epochs=1, progress=False)
                seconds += time.thread_time() - start  # the steps, not the evaluation
                steps += size
                loss = evaluate(model, loss_fn, x, y)[0]  # on the whole set
                record.append((steps / steps_per_epoch, seconds, loss))
    epochs, times, losses = map(np.array, zip(*record, strict=True))
    return Run(method, batch_size, epochs, times, losses, steps_per_epoch,
               model)
# --8<-- [end:train]


BATCH_GD = Method("batch GD", batch_size=None, lr=3.0, epochs=200)
MINI_BATCH = Method("mini-batch GD", batch_size=32, lr=3.0, epochs=10)
SGD = Method("SGD", batch_size=1, lr=0.3, epochs=10)
METHODS = (BATCH_GD, MINI_BATCH, SGD)
