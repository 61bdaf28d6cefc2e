import math

import numpy as np

from nn.special import erf, erfc


def _relative(a, b):
    a, b = np.asarray(a), np.asarray(b)
    scale = np.abs(b)
    ok = scale > 1e-300  # erfc underflows to subnormals past x ~ 26.5
    return np.max(np.abs(a - b)[ok] / scale[ok])


def test_erf_matches_math_erf_to_1e_15_relative():
    x = np.concatenate([np.linspace(-8, 8, 40001), np.geomspace(1e-300, 1, 200)])
    assert _relative(erf(x), [math.erf(v) for v in x]) < 2e-15


def test_erfc_matches_math_erfc_including_the_far_tails():
    x = np.linspace(-6, 27, 66001)
    assert _relative(erfc(x), [math.erfc(v) for v in x]) < 5e-13


def test_special_values_and_shape():
    x = np.array([[0.0, np.inf], [-np.inf, np.nan]])
    np.testing.assert_array_equal(erf(x), [[0.0, 1.0], [-1.0, np.nan]])
    np.testing.assert_array_equal(erfc(x), [[1.0, 0.0], [2.0, np.nan]])


def test_erf_is_odd_and_erf_plus_erfc_is_one():
    x = np.linspace(0, 5, 1001)
    np.testing.assert_array_equal(erf(-x), -erf(x))
    np.testing.assert_allclose(erf(x) + erfc(x), 1.0, rtol=0, atol=2e-16)
