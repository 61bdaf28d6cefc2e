"""Parameters and the base class every layer derives from.

The API mirrors PyTorch's ``torch.nn.Module`` so that a reader's knowledge transfers:
``forward`` / ``__call__``, ``backward``, ``parameters()``, ``zero_grad()``,
``train()`` / ``eval()``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    Parameters
    ----------
    data : numpy.ndarray
        The values, float32 or float64. ``grad`` has the same shape and dtype.
    name : str, optional
        A label used in error messages and in saved files.
    """

    def __init__(self, data: np.ndarray, name: str = "") -> None:
        data = np.asarray(data)
        if data.dtype not in (np.float32, np.float64):
            raise TypeError(
                f"Parameter {name!r}: expected dtype float32 or float64, got {data.dtype}"
            )
        self.data = data
        self.grad = np.zeros_like(data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of layers, activations, losses and containers.

    Subclasses implement ``forward(x)``, which caches whatever ``backward`` needs, and
    ``backward(grad_output)``, which returns the gradient with respect to the input and
    *accumulates* (``+=``) the gradients of the module's parameters.
    """

    training: bool = True

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad_output: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # Parameters are found by walking attributes in definition order, so the order is fixed
    # and matches the order in which a subclass's __init__ assigned them.
    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            full = f"{prefix}{name}"
            if isinstance(value, Parameter):
                yield full, value
            elif isinstance(value, Module):
                yield from value.named_parameters(full + ".")
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield from item.named_parameters(f"{full}.{i}.")
                    elif isinstance(item, Parameter):
                        yield f"{full}.{i}", item

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def modules(self) -> Iterator[Module]:
        yield self
        for value in vars(self).values():
            if isinstance(value, Module):
                yield from value.modules()
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, Module):
                        yield from item.modules()

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"
