"""``Sequential``: layers applied in order, and their gradients in reverse order."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from nn.module import Module, Parameter


class Sequential(Module):
    """A chain of modules: :math:`y = f_k(\\cdots f_2(f_1(x)))`.

    ``backward`` applies the chain rule from the last layer to the first, passing each
    layer's input gradient to the layer before it. Parameters are named ``"<index>.<name>"``
    as in PyTorch (``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ...).

    Shapes: those of the first layer's input and the last layer's output.
    """

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} must be an nn.Module, got {type(layer).__name__}"
                )
        self.layers = list(layers)

    # --8<-- [start:forward]
    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer(x)
        return x
    # --8<-- [end:forward]

    # --8<-- [start:backward]
    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output
    # --8<-- [end:backward]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for name, layer in self.named_children():
            yield from layer.named_parameters(f"{prefix}{name}.")

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        if not self.layers:
            return "Sequential()"
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"
