"""Optimisers with PyTorch's names, defaults and update formulas.

Each holds a list of :class:`~nn.module.Parameter` and updates ``p.data`` **in place** from
``p.grad`` in ``step()``; ``zero_grad()`` clears the gradients. Updates keep the parameters'
dtype (float32 stays float32). The learning rate is the attribute ``lr``, which the schedules
in :mod:`nn.schedules` set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from nn.module import Parameter


class Optimizer:
    """Base class: validates and stores the parameters and the learning rate."""

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Parameter")
        _check_nonnegative(name, lr=lr)
        self.lr = float(lr)
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr}, params={len(self.params)})"


def _check_nonnegative(owner: str, **values: float) -> None:
    for key, value in values.items():
        if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value)
                and value >= 0):
            raise ValueError(f"{owner}: expected {key} >= 0 and finite, got {key}={value!r}")


def _check_fraction(owner: str, **values: float) -> None:
    for key, value in values.items():
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{owner}: expected 0 <= {key} < 1, got {key}={value!r}")


class GD(Optimizer):
    """Plain (full-batch) gradient descent: :math:`p \\leftarrow p - \\eta\\,\\nabla_p L`."""

    def step(self) -> None:
        lr = self.lr
        for p in self.params:
            # --8<-- [start:gd_step]
            p.data -= lr * p.grad
            # --8<-- [end:gd_step]


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, exactly as ``torch.optim.SGD``:

    .. math::
        g &\\leftarrow \\nabla_p L + \\lambda p \\\\
        v &\\leftarrow \\mu v + (1 - \\tau) g \\quad (v = g \\text{ at the first step}) \\\\
        g &\\leftarrow g + \\mu v \\text{ if nesterov, else } v \\\\
        p &\\leftarrow p - \\eta g

    with :math:`\\eta` = ``lr``, :math:`\\mu` = ``momentum``, :math:`\\tau` = ``dampening``,
    :math:`\\lambda` = ``weight_decay``. With ``momentum=0`` it is
    :math:`p \\leftarrow p - \\eta g`.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        _check_nonnegative("SGD", momentum=momentum, dampening=dampening,
                           weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: nesterov needs momentum > 0 and dampening = 0, "
                             f"got momentum={momentum}, dampening={dampening}")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weight_decay = weight_decay

    def step(self) -> None:
        lr, mu, tau, wd = self.lr, self.momentum, self.dampening, self.weight_decay
        for p, state in zip(self.params, self.state, strict=True):
            g = p.grad
            # --8<-- [start:sgd_step]
            if wd != 0:
                g = g + wd * p.data
            if mu != 0:
                if "velocity" not in state:
                    state["velocity"] = g.copy()
                else:
                    state["velocity"] *= mu
                    state["velocity"] += (1 - tau) * g
                v = state["velocity"]
                g = g + mu * v if self.nesterov else v
            p.data -= lr * g
            # --8<-- [end:sgd_step]


class Adam(Optimizer):
    """Adam (Kingma & Ba), exactly as ``torch.optim.Adam``: at step :math:`t = 1, 2, \\ldots`

    .. math::
        g &\\leftarrow \\nabla_p L + \\lambda p \\\\
        m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2 \\\\
        \\hat m &= m / (1 - \\beta_1^t), \\qquad \\hat v = v / (1 - \\beta_2^t) \\\\
        p &\\leftarrow p - \\eta\\, \\hat m / (\\sqrt{\\hat v} + \\epsilon)

    with :math:`m = v = 0` initially. ``weight_decay`` :math:`\\lambda` is the L2 penalty
    added to the gradient; for decoupled decay use :class:`AdamW`.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        _check_fraction(name, beta1=betas[0], beta2=betas[1])
        _check_nonnegative(name, eps=eps, weight_decay=weight_decay)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0

    def _gradient(self, p: Parameter) -> np.ndarray:
        if self.weight_decay != 0:
            return p.grad + self.weight_decay * p.data
        return p.grad

    def step(self) -> None:
        self.t += 1
        t, lr, eps = self.t, self.lr, self.eps
        beta1, beta2 = self.betas
        for p, state in zip(self.params, self.state, strict=True):
            g = self._gradient(p)
            if not state:
                state["m"] = np.zeros_like(p.data)
                state["v"] = np.zeros_like(p.data)
            m, v = state["m"], state["v"]
            # --8<-- [start:adam_step]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)
            # --8<-- [end:adam_step]


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``:
    before the Adam step (which then sees the plain gradient),

    .. math:: p \\leftarrow p\\,(1 - \\eta \\lambda).

    The default ``weight_decay`` is 0.01, as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _gradient(self, p: Parameter) -> np.ndarray:
        # --8<-- [start:adamw_decay]
        p.data *= 1 - self.lr * self.weight_decay
        # --8<-- [end:adamw_decay]
        return p.grad


class RMSprop(Optimizer):
    """RMSprop (Hinton), as ``torch.optim.RMSprop`` (not centred):

    .. math::
        g &\\leftarrow \\nabla_p L + \\lambda p \\\\
        s &\\leftarrow \\alpha s + (1 - \\alpha) g^2 \\\\
        b &\\leftarrow \\mu b + g / (\\sqrt s + \\epsilon), \\quad
        p \\leftarrow p - \\eta b \\qquad (\\mu > 0) \\\\
        p &\\leftarrow p - \\eta\\, g / (\\sqrt s + \\epsilon) \\qquad (\\mu = 0)

    with :math:`s = b = 0` initially.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        _check_fraction("RMSprop", alpha=alpha)
        _check_nonnegative("RMSprop", eps=eps, weight_decay=weight_decay, momentum=momentum)
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum

    def step(self) -> None:
        lr, alpha, eps, mu = self.lr, self.alpha, self.eps, self.momentum
        for p, state in zip(self.params, self.state, strict=True):
            g = p.grad
            if self.weight_decay != 0:
                g = g + self.weight_decay * p.data
            if not state:
                state["square_avg"] = np.zeros_like(p.data)
                state["buffer"] = np.zeros_like(p.data)
            s = state["square_avg"]
            # --8<-- [start:rmsprop_step]
            s *= alpha
            s += (1 - alpha) * g * g
            step = g / (np.sqrt(s) + eps)
            if mu > 0:
                b = state["buffer"]
                b *= mu
                b += step
                step = b
            p.data -= lr * step
            # --8<-- [end:rmsprop_step]
