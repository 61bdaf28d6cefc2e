"""The training loop: ``fit``, ``evaluate`` and ``predict``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from nn.module import Module
from nn.optim import Optimizer
from nn.schedules import LRScheduler


class TrainingDiverged(ValueError):
    """The loss or the parameters became NaN or infinite during training."""


@dataclass
class History:
    """Per-epoch records of :func:`fit`; every list has one entry per finished epoch.

    ``val_loss`` and ``val_accuracy`` stay empty without validation data.
    """

    train_loss: list[float] = field(default_factory=list)  # mean over the epoch's batches
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)  # the learning rate used in the epoch
    seconds: list[float] = field(default_factory=list)  # wall time of the epoch

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


Callback = Callable[[int, History], object]


def fit(
    model: Module,
    loss_fn: Module,
    optimizer: Optimizer,
    loader: Iterable[tuple[np.ndarray, np.ndarray]],
    epochs: int,
    *,
    val_data: tuple[np.ndarray, np.ndarray] | None = None,
    scheduler: LRScheduler | None = None,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> History:
    """Train ``model`` for ``epochs`` passes over ``loader``; return the :class:`History`.

    Each step: clear the gradients, run forward and the loss, run backward from the loss
    through the model, let the optimiser update. After each epoch: evaluate on ``val_data``
    (in eval mode), step the ``scheduler``, call each ``callback(epoch, history)``; a callback
    returning ``True`` stops training.

    Raises
    ------
    TrainingDiverged
        If the loss (or, through a layer's input check, an activation) becomes NaN or inf;
        the message names the epoch and the step.
    """
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    history = History()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        lr = optimizer.lr
        model.train()
        batches = tqdm(loader, desc=f"epoch {epoch}/{epochs}", leave=False, disable=not progress)
        total, steps = 0.0, 0
        for step, (xb, yb) in enumerate(batches, start=1):
            loss = _train_step(model, loss_fn, optimizer, xb, yb, epoch, step)
            total += loss
            steps += 1
            if progress:
                batches.set_postfix(loss=f"{loss:.4f}")
        history.train_loss.append(total / max(steps, 1))
        history.lr.append(lr)
        if val_data is not None:
            val_loss, val_accuracy = evaluate(model, loss_fn, *val_data)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
        if scheduler is not None:
            scheduler.step()
        history.seconds.append(time.perf_counter() - start)
        if any(callback(epoch, history) is True for callback in callbacks):
            break
    model.train()
    return history


# --8<-- [start:train_step]
def _train_step(model, loss_fn, optimizer, xb, yb, epoch: int, step: int) -> float:
    optimizer.zero_grad()
    try:
        loss = loss_fn(model(xb), yb)
    except ValueError as error:
        # A layer's input check saw NaN/inf. If the batch itself is finite, the values blew
        # up inside the model: the training diverged. Otherwise the data is at fault.
        if "NaN or inf" not in str(error) or not _all_finite(xb):
            raise
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}, step {step}: {error}; "
            f"try a smaller learning rate"
        ) from error
    if not math.isfinite(loss):
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}, step {step}: loss is {loss}; "
            f"try a smaller learning rate"
        )
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss
# --8<-- [end:train_step]


def _all_finite(x: np.ndarray) -> bool:
    return not np.issubdtype(x.dtype, np.inexact) or bool(np.isfinite(x).all())


def predict(model: Module, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for ``x`` (shape ``(N, ...)``), in eval mode, batch by batch.

    The model's train/eval mode is restored afterwards.
    """
    if batch_size < 1:
        raise ValueError(f"predict: batch_size must be positive, got {batch_size}")
    was_training = model.training
    model.eval()
    try:
        outputs = [model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outputs) if outputs else np.empty((0,))


def evaluate(
    model: Module, loss_fn: Module, x: np.ndarray, y: np.ndarray, batch_size: int = 256
) -> tuple[float, float]:
    """``(mean loss, accuracy)`` of the model on ``x`` with integer labels ``y``, eval mode.

    The loss is averaged per example (batch means weighted by batch size); the accuracy is
    the fraction of rows whose largest output is at the label.
    """
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"evaluate: need the same, non-zero number of rows in x and y, "
                         f"got {len(x)} and {len(y)}")
    outputs = predict(model, x, batch_size)
    total = 0.0
    for i in range(0, len(x), batch_size):
        rows = slice(i, i + batch_size)
        total += loss_fn(outputs[rows], y[rows]) * len(y[rows])
    accuracy = float(np.mean(outputs.argmax(axis=1) == y))
    return total / len(x), accuracy
