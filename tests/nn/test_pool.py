"""MaxPool2d and AvgPool2d: fast paths against loop references, ties, padding, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.gradcheck import gradcheck
from nn.pool import (
    AvgPool2d,
    MaxPool2d,
    avg_pool2d_reference_backward,
    avg_pool2d_reference_forward,
    max_pool2d_reference_backward,
    max_pool2d_reference_forward,
)


@st.composite
def pool_geometry(draw: st.DrawFn, dilated: bool) -> dict:
    """Kernel, stride, padding (at most half the kernel) and dilation for a small pool."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    smallest = [max(1, e - 2 * p) for e, p in zip(extent, padding, strict=True)]
    size = tuple(draw(st.integers(low, low + 4)) for low in smallest)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    return {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
            "shape": shape}


def inputs_with_ties(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    # Few distinct values, so windows often hold several equal maxima.
    return np.random.default_rng(seed).integers(-3, 3, size=shape).astype(np.float64)


@settings(max_examples=60, deadline=None)
@given(pool_geometry(dilated=True), st.integers(0, 2**32 - 1), st.booleans())
def test_max_pool_matches_loop_reference(geometry: dict, seed: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    shape = geometry["shape"]
    x = inputs_with_ties(seed, shape) if ties else rng.standard_normal(shape)
    pool = MaxPool2d(geometry["kernel"], geometry["stride"], geometry["padding"],
                     geometry["dilation"])
    y = pool(x)
    expected, where = max_pool2d_reference_forward(
        x, pool.kernel_size, pool.stride, pool.padding, pool.dilation
    )
    np.testing.assert_array_equal(y, expected)
    grad_output = rng.standard_normal(y.shape)
    np.testing.assert_allclose(
        pool.backward(grad_output),
        max_pool2d_reference_backward(grad_output, x.shape, where),
        rtol=1e-12,
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(pool_geometry(dilated=False), st.integers(0, 2**32 - 1), st.booleans())
def test_avg_pool_matches_loop_reference(geometry: dict, seed: int, include_pad: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(geometry["shape"])
    kernel, stride, padding = geometry["kernel"], geometry["stride"], geometry["padding"]
    pool = AvgPool2d(kernel, stride, padding, count_include_pad=include_pad)
    y = pool(x)
    expected = avg_pool2d_reference_forward(x, kernel, stride, padding, include_pad)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    grad_output = rng.standard_normal(y.shape)
    np.testing.assert_allclose(
        pool.backward(grad_output),
        avg_pool2d_reference_backward(grad_output, x.shape, kernel, stride, padding, include_pad),
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize(
    "pool",
    [
        MaxPool2d(2),
        MaxPool2d(3, stride=2, padding=1),
        MaxPool2d((3, 2), stride=1, dilation=(1, 2)),
        AvgPool2d(2),
        AvgPool2d(3, stride=2, padding=1),
        AvgPool2d((2, 3), stride=1, padding=(1, 1), count_include_pad=False),
    ],
    ids=repr,
)
def test_gradients_match_finite_differences(pool) -> None:
    rng = np.random.default_rng(0)
    # Distinct values a long way apart compared with the step 1e-6: no argmax flips.
    x = rng.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) / 10.0
    weights_of_outputs = rng.standard_normal(pool.output_shape(x.shape))
    pool(x)
    analytic = pool.backward(weights_of_outputs)
    error = gradcheck(lambda x: float(np.sum(pool(x) * weights_of_outputs)), [x], [analytic])
    assert error < 1e-6


def test_max_pool_tie_sends_gradient_to_the_first_maximum() -> None:
    x = np.array([[[[1.0, 7.0, 7.0], [7.0, 7.0, 2.0], [0.0, 7.0, 7.0]]]])
    pool = MaxPool2d(2, stride=1)
    np.testing.assert_array_equal(pool(x), [[[[7.0, 7.0], [7.0, 7.0]]]])
    grad = pool.backward(np.ones((1, 1, 2, 2)))
    # Windows (row-major first max): (0,0)->x[0,1], (0,1)->x[0,1], (1,0)->x[1,0], (1,1)->x[1,1].
    np.testing.assert_array_equal(grad, [[[[0.0, 2.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]])


def test_max_pool_pads_with_minus_infinity() -> None:
    x = -1.0 - np.arange(16.0).reshape(1, 1, 4, 4)  # all negative: zero padding would win
    pool = MaxPool2d(3, stride=2, padding=1)
    y = pool(x)
    # Windows cover rows/cols {-1..1} and {1..3}; the largest of each is its top-left real
    # entry: x[0, 0], x[0, 1], x[1, 0], x[1, 1].
    np.testing.assert_array_equal(y, [[[[-1.0, -2.0], [-5.0, -6.0]]]])
    grad = pool.backward(np.ones_like(y))
    assert grad.sum() == 4.0  # nothing was lost into the padding


def test_max_pool_window_wholly_in_padding_gives_minus_inf_and_no_gradient() -> None:
    # Width 1 padded to 3, taps 0 and 2 (dilation 2): both are padding. PyTorch gives the same.
    pool = MaxPool2d((1, 2), stride=1, padding=(0, 1), dilation=(1, 2))
    y = pool(np.array([[[[0.5]]]]))
    np.testing.assert_array_equal(y, [[[[-np.inf]]]])
    np.testing.assert_array_equal(pool.backward(np.ones_like(y)), [[[[0.0]]]])


def test_avg_pool_count_include_pad() -> None:
    x = np.ones((1, 1, 3, 3))
    with_pad = AvgPool2d(3, stride=1, padding=1)(x)
    without_pad = AvgPool2d(3, stride=1, padding=1, count_include_pad=False)(x)
    np.testing.assert_allclose(with_pad[0, 0], [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9],
                                                [4 / 9, 6 / 9, 4 / 9]])
    np.testing.assert_allclose(without_pad, np.ones((1, 1, 3, 3)))


def test_stride_defaults_to_kernel_size() -> None:
    assert MaxPool2d(3).stride == (3, 3)
    assert AvgPool2d((2, 3)).stride == (2, 3)
    assert MaxPool2d(2)(np.zeros((2, 3, 28, 28))).shape == (2, 3, 14, 14)
    assert MaxPool2d(2)(np.zeros((1, 1, 7, 7))).shape == (1, 1, 3, 3)  # floor, like PyTorch


@pytest.mark.parametrize("pool", [MaxPool2d(2), AvgPool2d(3, 1, 1)], ids=repr)
def test_float32_stays_float32(pool) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    y = pool(x)
    assert y.dtype == np.float32
    assert pool.backward(np.ones_like(y)).dtype == np.float32


@pytest.mark.parametrize("pool_class", [MaxPool2d, AvgPool2d])
class TestBadInput:
    def test_padding_more_than_half_the_kernel(self, pool_class) -> None:
        with pytest.raises(ValueError, match=r"padding must be at most half the kernel size"):
            pool_class(3, padding=2)

    def test_wrong_rank(self, pool_class) -> None:
        with pytest.raises(ValueError, match=rf"{pool_class.__name__}.*4-D, got shape \(8, 8\)"):
            pool_class(2)(np.zeros((8, 8)))

    def test_kernel_larger_than_padded_input(self, pool_class) -> None:
        with pytest.raises(ValueError, match=r"kernel 3x3 is larger than the padded input 2x2"):
            pool_class(3)(np.zeros((1, 1, 2, 2)))

    @pytest.mark.parametrize("dtype", [np.int64, object])
    def test_non_float_dtype(self, pool_class, dtype) -> None:
        with pytest.raises(TypeError, match=rf"{pool_class.__name__}.*float32 or float64"):
            pool_class(2)(np.zeros((1, 1, 4, 4), dtype=dtype))

    def test_nan(self, pool_class) -> None:
        x = np.zeros((1, 1, 4, 4))
        x[0, 0, 1, 1] = np.nan
        with pytest.raises(ValueError, match="NaN or inf"):
            pool_class(2)(x)

    def test_backward_before_forward(self, pool_class) -> None:
        with pytest.raises(RuntimeError, match="backward called before forward"):
            pool_class(2).backward(np.zeros((1, 1, 1, 1)))

    def test_grad_output_of_wrong_shape(self, pool_class) -> None:
        pool = pool_class(2)
        pool(np.zeros((1, 2, 4, 4)))
        with pytest.raises(ValueError, match=r"expected grad_output of shape \(1, 2, 2, 2\)"):
            pool.backward(np.zeros((1, 2, 4, 4)))
