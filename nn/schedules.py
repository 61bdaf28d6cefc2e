"""Learning-rate schedules with PyTorch's names and closed-form values.

A schedule remembers the optimiser's learning rate at construction, :math:`\\eta_0`, and
after its ``e``-th call of ``step()`` (one per epoch) sets ``optimizer.lr`` to
:math:`\\eta_e`. ``get_last_lr()`` returns the current value as a one-element list, like
PyTorch (which has one value per parameter group).
"""

from __future__ import annotations

import math

from nn.optim import Optimizer


class LRScheduler:
    """Base class: subclasses give the closed form :meth:`lr_at` of epoch ``e``."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an nn.optim.Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:  # pragma: no cover - abstract
        """The learning rate for epoch ``epoch`` (0 is the optimizer's initial rate)."""
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        return [self.optimizer.lr]


class StepLR(LRScheduler):
    """:math:`\\eta_e = \\eta_0\\, \\gamma^{\\lfloor e / \\text{step\\_size} \\rfloor}`."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1 or gamma <= 0:
            raise ValueError(f"StepLR: expected step_size >= 1 and gamma > 0, "
                             f"got step_size={step_size}, gamma={gamma}")
        super().__init__(optimizer)
        self.step_size = step_size
        self.gamma = gamma

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """:math:`\\eta_e = \\eta_0\\, \\gamma^e`."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        if gamma <= 0:
            raise ValueError(f"ExponentialLR: expected gamma > 0, got gamma={gamma}")
        super().__init__(optimizer)
        self.gamma = gamma

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from :math:`\\eta_0` down to :math:`\\eta_{\\min}` over ``T_max`` epochs:

    .. math:: \\eta_e = \\eta_{\\min} + \\tfrac12 (\\eta_0 - \\eta_{\\min})
              \\big(1 + \\cos(\\pi e / T_{\\max})\\big).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if T_max < 1 or eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: expected T_max >= 1 and eta_min >= 0, "
                             f"got T_max={T_max}, eta_min={eta_min}")
        super().__init__(optimizer)
        self.T_max = T_max
        self.eta_min = eta_min

    def lr_at(self, epoch: int) -> float:
        cosine = 1 + math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * cosine / 2
