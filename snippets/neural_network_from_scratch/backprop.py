"""Shapes traced through the MLP, and a float64 gradient check of its backward pass."""

from __future__ import annotations

import numpy as np

import nn
from nn.gradcheck import gradcheck
from snippets.neural_network_from_scratch.mlp import make_mlp


def trace_shapes(model: nn.Sequential, xb: np.ndarray, yb: np.ndarray) -> list[tuple[str, str,
                                                                                    tuple]]:
    """Run one forward and backward pass layer by layer; return (name, formula, shape) rows."""
    first, relu, second = model.layers
    loss_fn = nn.CrossEntropyLoss()
    model.zero_grad()
    z1 = first(xb)
    a1 = relu(z1)
    z2 = second(a1)
    loss = loss_fn(z2, yb)
    g2 = loss_fn.backward()
    g_a1 = second.backward(g2)
    g1 = relu.backward(g_a1)
    g_x = first.backward(g1)
    return [
        ("X", "input batch", xb.shape),
        ("W1", "first weight", first.weight.shape),
        ("b1", "first bias", first.bias.shape),
        ("Z1", "X W1ᵀ + b1", z1.shape),
        ("A1", "ReLU(Z1)", a1.shape),
        ("W2", "second weight", second.weight.shape),
        ("b2", "second bias", second.bias.shape),
        ("Z2", "A1 W2ᵀ + b2, the logits", z2.shape),
        ("L", "cross-entropy, a scalar", np.shape(loss)),
        ("dL/dZ2", "(softmax(Z2) − onehot(y)) / N", g2.shape),
        ("dL/dW2", "(dL/dZ2)ᵀ A1", second.weight.grad.shape),
        ("dL/db2", "sum of dL/dZ2 over the batch", second.bias.grad.shape),
        ("dL/dA1", "(dL/dZ2) W2", g_a1.shape),
        ("dL/dZ1", "dL/dA1 ⊙ [Z1 > 0]", g1.shape),
        ("dL/dW1", "(dL/dZ1)ᵀ X", first.weight.grad.shape),
        ("dL/db1", "sum of dL/dZ1 over the batch", first.bias.grad.shape),
        ("dL/dX", "(dL/dZ1) W1", g_x.shape),
    ]


# --8<-- [start:shape_table]
def print_shape_table(model: nn.Sequential, xb: np.ndarray, yb: np.ndarray) -> None:
    print("| quantity | what it is | shape |")
    print("| --- | --- | --- |")
    for name, formula, shape in trace_shapes(model, xb, yb):
        print(f"| `{name}` | {formula} | `{shape}` |")
# --8<-- [end:shape_table]


# --8<-- [start:gradcheck]
def check_gradients(batch: int = 8, seed: int = 1) -> dict[str, float]:
    """Relative error of backprop against finite differences."""
    x, y = nn.data.load_digits()  # float64, for accurate differences
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(x), size=batch, replace=False)
    model, loss_fn = make_mlp(seed=seed), nn.CrossEntropyLoss()

    def loss(*_: np.ndarray) -> float:  # reads the parameters anew
        return loss_fn(model(x[rows]), y[rows])

    model.zero_grad()
    loss()
    model.backward(loss_fn.backward())  # analytic gradients in p.grad
    return {name: gradcheck(loss, [p.data], [p.grad.copy()],
                            raise_on_failure=False)
            for name, p in model.named_parameters()}
# --8<-- [end:gradcheck]
