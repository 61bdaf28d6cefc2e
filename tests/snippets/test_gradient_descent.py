"""Every claim of docs/blog/posts/2026-11-18-gradient-descent.md, checked numerically."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.gradient_descent.descend import descend, grad_loss, loss
from snippets.gradient_descent.gradient import df_dx, df_dy, f, grad_f

coordinate = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)


def centred_difference(g, x: float, h: float = 1e-6) -> float:
    return (g(x + h) - g(x - h)) / (2 * h)


@given(coordinate, coordinate)
def test_partial_derivatives_match_finite_differences(x: float, y: float) -> None:
    assert df_dx(x, y) == pytest.approx(centred_difference(lambda t: f(t, y), x), abs=1e-7)
    assert df_dy(x, y) == pytest.approx(centred_difference(lambda t: f(x, t), y), abs=1e-7)


@given(coordinate, coordinate)
def test_gradient_stacks_the_two_scalar_partials(x: float, y: float) -> None:
    gradient = grad_f(x, y)
    assert gradient.shape == (2,)  # one scalar per input, not a vector per input
    expected = [2 * x * np.sin(y), x**2 * np.cos(y)]
    np.testing.assert_allclose(gradient, expected, rtol=1e-12, atol=1e-12)


def test_gradient_is_the_direction_of_steepest_ascent() -> None:
    point = np.array([1.3, 0.4])
    gradient = grad_f(*point)
    epsilon = 1e-4
    angles = np.linspace(0, 2 * np.pi, 3600, endpoint=False)
    steps = epsilon * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    gains = [f(*(point + step)) - f(*point) for step in steps]
    best = steps[int(np.argmax(gains))]
    cosine = best @ gradient / (np.linalg.norm(best) * np.linalg.norm(gradient))
    assert cosine > 0.9999


def test_loss_gradient_matches_finite_differences() -> None:
    theta = np.array([0.7, -1.2])
    for i in range(2):
        e = np.eye(2)[i] * 1e-6
        numeric = (loss(theta + e) - loss(theta - e)) / 2e-6
        assert grad_loss(theta)[i] == pytest.approx(numeric, rel=1e-8)


def test_each_step_multiplies_coordinates_by_the_stated_factors() -> None:
    eta = 0.07
    path = descend(grad_loss, np.array([2.0, 1.0]), eta, steps=1)
    np.testing.assert_allclose(path[1], [(1 - eta) * 2.0, (1 - 10 * eta) * 1.0])


def final_loss(eta: float, steps: int = 200) -> float:
    return loss(descend(grad_loss, np.array([2.0, 1.0]), eta, steps)[-1])


def test_stability_limit_is_two_tenths() -> None:
    assert final_loss(0.21) > 1e6  # diverges just above 2/10
    assert final_loss(0.19) < 1e-6  # converges just below


def test_best_constant_step_is_two_elevenths() -> None:
    eta_star = 2 / 11
    contraction = np.abs([1 - eta_star, 1 - 10 * eta_star])
    np.testing.assert_allclose(contraction, [9 / 11, 9 / 11])
    for neighbour in (eta_star - 0.02, eta_star + 0.01):
        assert final_loss(eta_star, 40) < final_loss(neighbour, 40)
