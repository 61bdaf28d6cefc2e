import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_gradcheck import check_module_gradients

from nn import Linear


def test_forward_is_x_times_weight_transposed_plus_bias():
    layer = Linear(3, 2, rng=0)
    layer.weight.data[...] = [[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]]
    layer.bias.data[...] = [0.5, -2.0]
    x = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, -2.0]])
    expected = np.array([[1 + 2 + 3 + 0.5, -1 + 0 + 0.5 - 2.0], [2 - 6 + 0.5, -2 - 1 - 2.0]])
    np.testing.assert_allclose(layer(x), expected)


def test_backward_by_hand():
    layer = Linear(2, 1, rng=0)
    layer.weight.data[...] = [[3.0, -1.0]]
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    layer(x)
    g = np.array([[1.0], [2.0]])
    grad_x = layer.backward(g)
    np.testing.assert_allclose(grad_x, [[3.0, -1.0], [6.0, -2.0]])
    np.testing.assert_allclose(layer.weight.grad, [[1 * 1 + 2 * 0.5, 1 * 2 + 2 * -1]])
    np.testing.assert_allclose(layer.bias.grad, [3.0])


def test_backward_accumulates_parameter_gradients():
    layer = Linear(3, 2, rng=0)
    x = np.ones((4, 3))
    g = np.ones((4, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)


@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(1, 5),
    in_features=st.integers(1, 5),
    out_features=st.integers(1, 4),
    bias=st.booleans(),
)
def test_gradients_match_finite_differences(batch, in_features, out_features, bias):
    layer = Linear(in_features, out_features, bias, rng=1)
    x = np.random.default_rng(2).standard_normal((batch, in_features))
    assert check_module_gradients(layer, x) < 1e-6
    assert len(list(layer.parameters())) == (2 if bias else 1)


def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = Linear(400, 300, rng=0)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.95 * bound  # spread over the whole interval
    # The variance of U(-b, b) is b^2 / 3.
    assert layer.weight.data.var() == pytest.approx(bound**2 / 3, rel=0.02)


def test_same_seed_same_weights_and_different_seeds_differ():
    a, b, c = Linear(5, 4, rng=7), Linear(5, 4, rng=7), Linear(5, 4, rng=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_float32_in_float32_out_and_float32_gradients():
    layer = Linear(4, 3, dtype=np.float32, rng=0)
    assert layer.weight.data.dtype == np.float32 and layer.bias.data.dtype == np.float32
    x = np.ones((2, 4), np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.weight.grad.dtype == np.float32


def test_shape_and_repr():
    layer = Linear(4, 3, bias=False, rng=0)
    assert layer.weight.shape == (3, 4) and layer.bias is None
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=False)"
    assert layer(np.zeros((5, 4))).shape == (5, 3)


def test_wrong_feature_count_names_the_layer_expected_and_actual():
    layer = Linear(4, 3, rng=0)
    message = r"Linear\(in_features=4, out_features=3.*4, got 5.*\(2, 5\)"
    with pytest.raises(ValueError, match=message):
        layer(np.zeros((2, 5)))


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros(4), ValueError, r"rank 2-D, got shape \(4,\)"),
        (np.zeros((1, 2, 4)), ValueError, "rank 2-D"),
        (np.zeros((2, 4), dtype=np.int64), TypeError, "float32 or float64, got int64"),
        (np.zeros((2, 4), dtype=object), TypeError, "got object"),
        ([[0.0] * 4], TypeError, "numpy.ndarray, got list"),
        (np.array([[0.0, np.nan, 0.0, 0.0]]), ValueError, "NaN or inf"),
        (np.array([[0.0, np.inf, 0.0, 0.0]]), ValueError, "NaN or inf"),
        (np.zeros((2, 4), dtype=np.float32), TypeError, "dtype float32 does not match.*float64"),
    ],
)
def test_bad_input_is_rejected_with_the_layer_named(x, error, message):
    with pytest.raises(error, match=message) as info:
        Linear(4, 3, rng=0)(x)
    assert str(info.value).startswith("Linear(in_features=4")


def test_backward_checks():
    layer = Linear(4, 3, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((2, 3)))
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"grad_output of shape \(2, 3\), got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))


def test_constructor_validation():
    with pytest.raises(ValueError, match="positive"):
        Linear(0, 3)
    with pytest.raises(TypeError, match="float32 or float64, got int32"):
        Linear(2, 3, dtype=np.int32)
