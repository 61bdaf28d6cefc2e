import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_gradcheck import check_module_gradients

from nn import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh

ALL = [ReLU(), LeakyReLU(0.1), Sigmoid(), Tanh(), GELU(), GELU("tanh"), Softmax(), Softmax(0)]


def _input(shape=(3, 4), seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 2
    # Keep ReLU's kink out of the finite-difference step.
    return np.where(np.abs(x) < 1e-3, 0.5, x)


@pytest.mark.parametrize("activation", ALL, ids=repr)
def test_gradients_match_finite_differences(activation):
    assert check_module_gradients(activation, _input()) < 1e-6


@pytest.mark.parametrize("activation", ALL, ids=repr)
@settings(max_examples=10, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_shape_and_float32_dtype_are_kept(activation, shape):
    x = _input(tuple(shape)).astype(np.float32)
    y = activation(x)
    assert y.shape == x.shape and y.dtype == np.float32
    assert activation.backward(np.ones_like(y)).dtype == np.float32


def test_known_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(ReLU()(x), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(LeakyReLU()(x), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(Sigmoid()(x), [1 / (1 + math.exp(2)), 0.5, 1 / (1 + math.exp(-3))])
    np.testing.assert_allclose(Tanh()(x), [math.tanh(-2), 0.0, math.tanh(3)])
    phi = [0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    np.testing.assert_allclose(GELU()(x), x * phi, rtol=1e-14)
    approx = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))) for v in x]
    np.testing.assert_allclose(GELU("tanh")(x), approx, rtol=1e-15)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(Softmax()(np.array([1.0, 2.0, 3.0])), e / e.sum())


def test_relu_gradient_at_zero_is_zero_like_pytorch():
    relu = ReLU()
    relu(np.array([0.0]))
    assert relu.backward(np.array([1.0]))[0] == 0.0


def test_sigmoid_and_softmax_do_not_overflow():
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(Sigmoid()(np.array([-1000.0, 1000.0])), [0.0, 1.0])
        np.testing.assert_allclose(Softmax()(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


def test_gelu_negative_tail_keeps_relative_accuracy():
    x = np.array([-10.0, -20.0])
    expected = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    np.testing.assert_allclose(GELU()(x), expected, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 5), cols=st.integers(1, 6), shift=st.floats(-100, 100))
def test_softmax_rows_sum_to_one_and_ignore_shifts(rows, cols, shift):
    x = _input((rows, cols))
    y = Softmax()(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)
    np.testing.assert_allclose(Softmax()(x + shift), y, atol=1e-12)


def test_softmax_backward_equals_the_explicit_jacobian():
    x = _input((1, 5))[0]
    softmax = Softmax()
    y = softmax(x)
    g = np.arange(5.0)
    jacobian = np.diag(y) - np.outer(y, y)
    np.testing.assert_allclose(softmax.backward(g), jacobian.T @ g)


@pytest.mark.parametrize("activation", ALL, ids=repr)
def test_bad_inputs_name_the_activation(activation):
    name = type(activation).__name__
    with pytest.raises(TypeError, match=rf"^{name}\(.*float32 or float64, got int64"):
        activation(np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=rf"^{name}\(.*NaN or inf"):
        activation(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match="numpy.ndarray, got list"):
        activation([1.0])


def test_backward_checks():
    tanh = Tanh()
    with pytest.raises(RuntimeError, match=r"Tanh\(\): backward called before forward"):
        tanh.backward(np.ones(3))
    tanh(np.ones(3))
    with pytest.raises(ValueError, match=r"expected grad_output of shape \(3,\), got \(4,\)"):
        tanh.backward(np.ones(4))


def test_constructor_and_dim_validation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        GELU("fast")
    with pytest.raises(ValueError, match=r"dim 2 is out of range for input shape \(2, 3\)"):
        Softmax(dim=2)(np.ones((2, 3)))
