"""The digits, a one-hidden-layer MLP and its training loop, written with ``nn`` pieces.

Shown sections are kept under 72 characters a line, the width of the post's column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nn

HIDDEN = 128
EPOCHS = 50
LEARNING_RATE = 0.1
BATCH_SIZE = 32
TEST_FRACTION = 0.2
SEED = 0


@dataclass
class Digits:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


# --8<-- [start:data]
def load_splits(seed: int = SEED) -> Digits:
    x, y = nn.data.load_digits()  # x (1797, 64) in [0, 1], y (1797,)
    # A fifth for the final test, then a fifth of the rest to validate.
    x_rest, x_test, y_rest, y_test = nn.data.split(
        x, y, test_fraction=TEST_FRACTION, rng=seed)
    x_train, x_val, y_train, y_val = nn.data.split(
        x_rest, y_rest, test_fraction=TEST_FRACTION, rng=seed + 1)
    return Digits(x_train, y_train, x_val, y_val, x_test, y_test)
# --8<-- [end:data]


# --8<-- [start:model]
def make_mlp(hidden: int = HIDDEN, seed: int = SEED) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(64, hidden, rng=rng),  # (N, 64)  -> (N, 128)
        nn.ReLU(),                       # (N, 128) -> (N, 128)
        nn.Linear(hidden, 10, rng=rng),  # (N, 128) -> (N, 10), logits
    )
# --8<-- [end:model]


# --8<-- [start:loop]
def train(model: nn.Sequential, data: Digits, epochs: int = EPOCHS,
          lr: float = LEARNING_RATE, batch_size: int = BATCH_SIZE,
          seed: int = SEED) -> nn.trainer.History:
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    batches = nn.data.DataLoader(data.x_train, data.y_train, batch_size,
                                 shuffle=True, rng=seed)
    history = nn.trainer.History()
    for _ in range(epochs):                     # (5) repeat
        losses = []
        for xb, yb in batches:                  # xb (32, 64), yb (32,)
            optimizer.zero_grad()               # .grad accumulates
            logits = model(xb)                  # (1), (2): (32, 10)
            loss = loss_fn(logits, yb)          # (3) one number
            model.backward(loss_fn.backward())  # dL/dp for every p
            optimizer.step()                    # (4) p -= lr * dL/dp
            losses.append(loss)
        history.train_loss.append(float(np.mean(losses)))
        val_loss, val_accuracy = nn.trainer.evaluate(
            model, loss_fn, data.x_val, data.y_val)
        history.val_loss.append(val_loss)
        history.val_accuracy.append(val_accuracy)
    return history
# --8<-- [end:loop]


# --8<-- [start:test]
def accuracy_on_test(model: nn.Sequential, data: Digits) -> float:
    logits = nn.trainer.predict(model, data.x_test)  # (359, 10)
    predicted = logits.argmax(axis=1)                # the largest logit
    return float(np.mean(predicted == data.y_test))
# --8<-- [end:test]
