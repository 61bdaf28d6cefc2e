import math

import numpy as np
import pytest

from nn import Parameter
from nn.optim import SGD
from nn.schedules import CosineAnnealingLR, ExponentialLR, StepLR


def _optimizer(lr=1.0):
    return SGD([Parameter(np.zeros(1))], lr=lr)


def _lrs(scheduler, epochs):
    values = [scheduler.get_last_lr()[0]]
    for _ in range(epochs):
        scheduler.step()
        values.append(scheduler.get_last_lr()[0])
    return values


def test_step_lr():
    optimizer = _optimizer(0.8)
    values = _lrs(StepLR(optimizer, step_size=2, gamma=0.5), 5)
    assert values == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2, 0.2])
    assert optimizer.lr == pytest.approx(0.2)


def test_exponential_lr():
    values = _lrs(ExponentialLR(_optimizer(0.5), gamma=0.9), 3)
    assert values == pytest.approx([0.5, 0.5 * 0.9, 0.5 * 0.81, 0.5 * 0.729])


def test_cosine_annealing_lr():
    values = _lrs(CosineAnnealingLR(_optimizer(1.0), T_max=4, eta_min=0.1), 4)
    quarter = 0.1 + 0.9 * (1 + math.cos(math.pi / 4)) / 2
    three_quarters = 0.1 + 0.9 * (1 + math.cos(3 * math.pi / 4)) / 2
    assert values == pytest.approx([1.0, quarter, 0.55, three_quarters, 0.1])


def test_validation():
    with pytest.raises(ValueError, match="StepLR: expected step_size >= 1"):
        StepLR(_optimizer(), step_size=0)
    with pytest.raises(ValueError, match="ExponentialLR: expected gamma > 0, got gamma=0"):
        ExponentialLR(_optimizer(), gamma=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: expected T_max >= 1"):
        CosineAnnealingLR(_optimizer(), T_max=0)
    with pytest.raises(TypeError, match="expected an nn.optim.Optimizer, got list"):
        StepLR([], step_size=1)
