import math

import numpy as np
import pytest

from nn import Parameter, init


def _rng():
    return np.random.default_rng(0)


def test_fans_of_linear_and_conv_weights():
    assert init.calculate_fan_in_and_fan_out((30, 20)) == (20, 30)
    assert init.calculate_fan_in_and_fan_out((8, 3, 5, 5)) == (3 * 25, 8 * 25)
    with pytest.raises(ValueError, match=r"rank >= 2, got shape \(5,\)"):
        init.calculate_fan_in_and_fan_out((5,))


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_kaiming_uniform_bound_and_variance():
    w = np.empty((500, 200))
    assert init.kaiming_uniform_(w, _rng(), nonlinearity="relu") is w
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.var() == pytest.approx(2 / 200, rel=0.02)


def test_kaiming_normal_std_uses_the_chosen_fan():
    w = np.empty((16, 8, 3, 3))
    init.kaiming_normal_(w, _rng(), mode="fan_out", nonlinearity="relu")
    assert w.std() == pytest.approx(math.sqrt(2 / (16 * 9)), rel=0.03)
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan'"):
        init.kaiming_normal_(w, _rng(), mode="fan")


def test_xavier_uniform_and_normal():
    w = np.empty((300, 100))
    init.xavier_uniform_(w, _rng())
    bound = math.sqrt(6 / 400)
    assert np.abs(w).max() <= bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.02)
    init.xavier_normal_(w, _rng(), gain=2.0)
    assert w.std() == pytest.approx(2 * math.sqrt(2 / 400), rel=0.02)


def test_zeros_parameters_dtype_and_seeding():
    p = Parameter(np.ones((3, 2), np.float32))
    init.zeros_(p)
    assert not p.data.any()
    init.kaiming_uniform_(p, _rng())
    assert p.data.dtype == np.float32 and p.data.any()
    a = init.xavier_normal_(np.empty((4, 4)), _rng())
    b = init.xavier_normal_(np.empty((4, 4)), _rng())
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="float32/float64 array or Parameter"):
        init.zeros_(np.zeros(3, dtype=int))


def test_as_generator():
    g = np.random.default_rng(1)
    assert init.as_generator(g) is g
    assert init.as_generator(5).random() == np.random.default_rng(5).random()
    with pytest.raises(TypeError, match="Generator, an int seed or None, got 'x'"):
        init.as_generator("x")
