import numpy as np
import pytest
from layer_gradcheck import check_module_gradients

from nn import Dropout


def test_drops_about_p_and_scales_survivors():
    dropout = Dropout(0.25, rng=0)
    y = dropout(np.ones((200, 200)))
    kept = y != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert y.mean() == pytest.approx(1.0, abs=0.02)  # inverted dropout keeps the expectation


def test_backward_uses_the_same_mask():
    dropout = Dropout(0.5, rng=1)
    x = np.random.default_rng(0).standard_normal((5, 6))
    y = dropout(x)
    g = dropout.backward(np.ones_like(x))
    np.testing.assert_array_equal(g != 0, y != 0)
    np.testing.assert_allclose(g[g != 0], 2.0)


def test_gradients_match_finite_differences_with_a_fixed_mask():
    dropout = Dropout(0.3)
    x = np.random.default_rng(0).standard_normal((4, 5))

    def reseed():
        dropout.rng = np.random.default_rng(3)

    assert check_module_gradients(dropout, x, before_forward=reseed) < 1e-6


def test_eval_mode_is_the_identity():
    dropout = Dropout(0.9, rng=0).eval()
    x = np.arange(6.0).reshape(2, 3)
    assert dropout(x) is x
    g = np.ones((2, 3))
    assert dropout.backward(g) is g


def test_seeded_masks_repeat_and_float32_is_kept():
    a = Dropout(0.5, rng=42)(np.ones((10, 10), np.float32))
    b = Dropout(0.5, rng=42)(np.ones((10, 10), np.float32))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_probability_must_be_in_zero_one(p):
    with pytest.raises(ValueError, match=rf"Dropout: expected 0 <= p < 1, got p={p}"):
        Dropout(p)


def test_bad_input():
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\): input contains NaN"):
        Dropout(0.5, rng=0)(np.array([np.nan]))
