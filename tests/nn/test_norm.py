import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_gradcheck import check_module_gradients

from nn import BatchNorm1d, BatchNorm2d


def _with_random_affine(layer, seed=5):
    rng = np.random.default_rng(seed)
    layer.weight.data[...] = rng.standard_normal(layer.weight.shape)
    layer.bias.data[...] = rng.standard_normal(layer.bias.shape)
    return layer


@pytest.mark.parametrize(
    ("layer", "shape"),
    [(BatchNorm1d(3), (5, 3)), (BatchNorm1d(3), (4, 3, 2)), (BatchNorm2d(2), (3, 2, 2, 3))],
    ids=["1d-NC", "1d-NCL", "2d"],
)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradients_match_finite_differences(layer, shape, training):
    layer = _with_random_affine(layer)
    layer.running_mean[...] = 0.3
    layer.running_var[...] = 2.0
    layer.train(training)
    x = np.random.default_rng(0).standard_normal(shape) * 2 + 1
    assert check_module_gradients(layer, x) < 1e-6


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 6), c=st.integers(1, 4), h=st.integers(1, 3), w=st.integers(1, 3))
def test_train_output_is_normalised_per_channel(n, c, h, w):
    x = np.random.default_rng(n * 100 + c).standard_normal((n, c, h, w)) * 3 + 2
    y = BatchNorm2d(c)(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    var = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), var / (var + 1e-5), rtol=1e-10)


def test_running_statistics_follow_pytorch():
    layer = BatchNorm1d(2)
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    layer(x)
    # mean (3, 30); unbiased variances (4, 700); momentum 0.1 from (0, 1).
    np.testing.assert_allclose(layer.running_mean, [0.9 * 0 + 0.1 * 3, 0.1 * 30])
    np.testing.assert_allclose(layer.running_var, [0.9 * 1 + 0.1 * 4, 0.9 * 1 + 0.1 * 700])


def test_eval_uses_running_statistics():
    layer = BatchNorm1d(2).eval()
    layer.running_mean[...] = [1.0, -1.0]
    layer.running_var[...] = [4.0, 0.25]
    layer.weight.data[...] = [2.0, 1.0]
    layer.bias.data[...] = [0.5, 0.0]
    y = layer(np.array([[3.0, 0.0]]))
    np.testing.assert_allclose(
        y, [[2 * (3 - 1) / np.sqrt(4 + 1e-5) + 0.5, (0 + 1) / np.sqrt(0.25 + 1e-5)]]
    )
    np.testing.assert_array_equal(layer.running_mean, [1.0, -1.0])  # unchanged in eval


def test_float32_is_kept():
    layer = BatchNorm2d(2, dtype=np.float32)
    y = layer(np.ones((2, 2, 3, 3), np.float32))
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.running_var.dtype == np.float32


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3.*channels \(shape\[1\]\) = 3, got 4"):
        BatchNorm1d(3)(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3.*rank 4-D, got shape \(2, 3\)"):
        BatchNorm2d(3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d.*rank 2-D or 3-D"):
        BatchNorm1d(3)(np.ones((2, 3, 1, 1)))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        BatchNorm1d(3)(np.ones((1, 3)))
    with pytest.raises(TypeError, match="input dtype float32 does not match the layer's dtype"):
        BatchNorm1d(3)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="NaN or inf"):
        BatchNorm1d(1)(np.array([[np.inf], [0.0]]))
    BatchNorm1d(3).eval()(np.ones((1, 3)))  # a single example is fine in eval mode


def test_without_affine_there_are_no_parameters():
    layer = BatchNorm1d(3, affine=False)
    assert list(layer.parameters()) == []
    x = np.random.default_rng(0).standard_normal((4, 3))
    assert check_module_gradients(layer, x) < 1e-6
