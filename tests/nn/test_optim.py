import math

import numpy as np
import pytest

from nn import Parameter
from nn.optim import GD, SGD, Adam, AdamW, RMSprop


def _scalar(value=1.0, dtype=np.float64):
    return Parameter(np.array([value], dtype))


def _steps(optimizer, param, grads):
    values = []
    for g in grads:
        param.grad[...] = g
        optimizer.step()
        values.append(float(param.data[0]))
    return values


def test_gd_step():
    p = Parameter(np.array([1.0, -2.0]))
    p.grad[...] = [0.5, 1.0]
    GD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 1.0])


def test_sgd_without_momentum_is_gd_and_weight_decay_adds_to_the_gradient():
    p = _scalar(1.0)
    assert _steps(SGD([p], lr=0.1), p, [2.0]) == pytest.approx([1.0 - 0.1 * 2.0])
    p = _scalar(1.0)
    assert _steps(SGD([p], lr=0.1, weight_decay=0.5), p, [2.0]) == pytest.approx(
        [1.0 - 0.1 * (2.0 + 0.5 * 1.0)]
    )


def test_sgd_momentum_two_steps():
    p = _scalar(1.0)
    values = _steps(SGD([p], lr=0.1, momentum=0.9), p, [2.0, 2.0])
    v1 = 2.0  # the first step sets v = g
    p1 = 1.0 - 0.1 * v1
    v2 = 0.9 * v1 + 2.0
    p2 = p1 - 0.1 * v2
    assert values == pytest.approx([p1, p2], rel=1e-15)


def test_sgd_dampening_skips_the_first_step():
    p = _scalar(1.0)
    values = _steps(SGD([p], lr=0.1, momentum=0.9, dampening=0.5), p, [2.0, 2.0])
    p1 = 1.0 - 0.1 * 2.0
    p2 = p1 - 0.1 * (0.9 * 2.0 + (1 - 0.5) * 2.0)
    assert values == pytest.approx([p1, p2], rel=1e-15)


def test_sgd_nesterov_two_steps():
    p = _scalar(1.0)
    values = _steps(SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [2.0, 2.0])
    v1 = 2.0
    p1 = 1.0 - 0.1 * (2.0 + 0.9 * v1)
    v2 = 0.9 * v1 + 2.0
    p2 = p1 - 0.1 * (2.0 + 0.9 * v2)
    assert values == pytest.approx([p1, p2], rel=1e-15)


def test_adam_two_steps():
    p = _scalar(1.0)
    values = _steps(Adam([p], lr=0.1), p, [2.0, -1.0])
    m1, v1 = 0.1 * 2.0, 0.001 * 2.0**2
    p1 = 1.0 - 0.1 * (m1 / (1 - 0.9)) / (math.sqrt(v1 / (1 - 0.999)) + 1e-8)
    m2, v2 = 0.9 * m1 + 0.1 * -1.0, 0.999 * v1 + 0.001 * 1.0
    p2 = p1 - 0.1 * (m2 / (1 - 0.9**2)) / (math.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    assert values == pytest.approx([p1, p2], rel=1e-14)


def test_adam_weight_decay_is_an_l2_gradient_term():
    p = _scalar(1.0)
    values = _steps(Adam([p], lr=0.1, weight_decay=0.5), p, [2.0])
    g = 2.0 + 0.5 * 1.0
    assert values == pytest.approx([1.0 - 0.1 * g / (abs(g) + 1e-8)], rel=1e-14)


def test_adamw_decays_before_the_step():
    p = _scalar(1.0)
    values = _steps(AdamW([p], lr=0.1, weight_decay=0.1), p, [2.0, 2.0])
    p1 = 1.0 * (1 - 0.1 * 0.1) - 0.1 * 2.0 / (2.0 + 1e-8)
    m2, v2 = 0.9 * 0.2 + 0.1 * 2.0, 0.999 * 0.004 + 0.001 * 4.0
    p2 = p1 * (1 - 0.1 * 0.1) - 0.1 * (m2 / (1 - 0.81)) / (
        math.sqrt(v2 / (1 - 0.999**2)) + 1e-8
    )
    assert values == pytest.approx([p1, p2], rel=1e-14)


def test_rmsprop_two_steps_with_and_without_momentum():
    p = _scalar(1.0)
    values = _steps(RMSprop([p], lr=0.01), p, [2.0, 2.0])
    s1 = 0.01 * 4.0
    p1 = 1.0 - 0.01 * 2.0 / (math.sqrt(s1) + 1e-8)
    s2 = 0.99 * s1 + 0.01 * 4.0
    p2 = p1 - 0.01 * 2.0 / (math.sqrt(s2) + 1e-8)
    assert values == pytest.approx([p1, p2], rel=1e-14)

    p = _scalar(1.0)
    values = _steps(RMSprop([p], lr=0.01, momentum=0.5), p, [2.0, 2.0])
    b1 = 2.0 / (math.sqrt(s1) + 1e-8)
    b2 = 0.5 * b1 + 2.0 / (math.sqrt(s2) + 1e-8)
    assert values == pytest.approx([1.0 - 0.01 * b1, 1.0 - 0.01 * b1 - 0.01 * b2], rel=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: GD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: Adam(ps, weight_decay=0.01),
        lambda ps: AdamW(ps),
        lambda ps: RMSprop(ps, momentum=0.9, weight_decay=0.01),
    ],
)
def test_updates_are_in_place_keep_float32_and_zero_grad_clears(make):
    p = Parameter(np.ones((2, 3), np.float32))
    data = p.data
    optimizer = make([p])
    for _ in range(3):
        p.grad[...] = 0.5
        optimizer.step()
    assert p.data is data and p.data.dtype == np.float32
    assert np.all(p.data < 1)
    optimizer.zero_grad()
    assert not p.grad.any()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: GD(ps, lr=-0.1), r"GD: expected lr >= 0 and finite, got lr=-0.1"),
        (lambda ps: SGD(ps, lr=float("nan")), "SGD: expected lr >= 0 and finite"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "momentum >= 0"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "nesterov needs momentum > 0"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"Adam: expected 0 <= beta2 < 1, got beta2=1.0"),
        (lambda ps: Adam(ps, eps=-1.0), "eps >= 0"),
        (lambda ps: AdamW(ps, weight_decay=-0.01), "AdamW: expected weight_decay >= 0"),
        (lambda ps: RMSprop(ps, alpha=1.5), "RMSprop: expected 0 <= alpha < 1"),
        (lambda ps: GD([], lr=0.1), "GD: got an empty parameter list"),
    ],
)
def test_bad_hyper_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make([_scalar()])


def test_non_parameters_are_rejected():
    with pytest.raises(TypeError, match="SGD: parameter 0 is a ndarray, not a Parameter"):
        SGD([np.zeros(3)], lr=0.1)
