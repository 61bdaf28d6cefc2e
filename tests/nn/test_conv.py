"""Conv2d: the im2col path against the loop reference, finite differences, and PyTorch's rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_gradcheck import repeated_pass_peak

from nn.conv import (
    Conv2d,
    conv2d_output_size,
    conv2d_reference_backward,
    conv2d_reference_forward,
    same_padding,
)
from nn.gradcheck import gradcheck
from nn.im2col import col2im, im2col


def reference_args(layer: Conv2d) -> dict:
    return {"stride": layer.stride, "padding": layer._padding4, "dilation": layer.dilation}


@st.composite
def conv_cases(draw: st.DrawFn) -> tuple[Conv2d, np.ndarray, np.ndarray]:
    """A small layer, an input it accepts, and an upstream gradient, all float64."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding_kind = draw(st.sampled_from(["pair", "same", "valid"]))
    if padding_kind == "same":
        stride = (1, 1)
        padding: object = "same"
        pad_total = tuple(d * (k - 1) for k, d in zip(kernel, dilation, strict=True))
    elif padding_kind == "valid":
        padding, pad_total = "valid", (0, 0)
    else:
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        pad_total = (2 * padding[0], 2 * padding[1])
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    smallest = [max(1, e - p) for e, p in zip(extent, pad_total, strict=True)]
    h, w = (draw(st.integers(low, low + 4)) for low in smallest)
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    layer = Conv2d(c, o, kernel, stride, padding, dilation, bias=bias, rng=seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    grad_output = rng.standard_normal(layer.output_shape(x.shape))
    return layer, x, grad_output


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_forward_matches_loop_reference(case: tuple[Conv2d, np.ndarray, np.ndarray]) -> None:
    layer, x, _ = case
    bias = None if layer.bias is None else layer.bias.data
    expected = conv2d_reference_forward(x, layer.weight.data, bias, **reference_args(layer))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_backward_matches_loop_reference(case: tuple[Conv2d, np.ndarray, np.ndarray]) -> None:
    layer, x, grad_output = case
    layer(x)
    grad_x = layer.backward(grad_output)
    ref_x, ref_weight, ref_bias = conv2d_reference_backward(
        grad_output, x, layer.weight.data, **reference_args(layer)
    )
    np.testing.assert_allclose(grad_x, ref_x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, ref_weight, rtol=1e-12, atol=1e-12)
    if layer.bias is not None:
        np.testing.assert_allclose(layer.bias.grad, ref_bias, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(conv_cases(), st.integers(0, 2**32 - 1))
def test_col2im_is_the_adjoint_of_im2col(
    case: tuple[Conv2d, np.ndarray, np.ndarray], seed: int
) -> None:
    # <im2col(x), C> = <x, col2im(C)> for every x and C: col2im is exactly the transpose.
    layer, x, _ = case
    args = (layer.kernel_size, layer.stride, layer._padding4, layer.dilation)
    cols = im2col(x, *args)
    other = np.random.default_rng(seed).standard_normal(cols.shape)
    back = col2im(other, x.shape, *args)
    assert back.shape == x.shape
    assert math.isclose(np.sum(cols * other), np.sum(x * back), rel_tol=1e-10, abs_tol=1e-10)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation"),
    [
        (3, 1, 0, 1),
        (3, 1, 1, 1),
        (3, 2, 1, 1),
        ((2, 3), (2, 1), (1, 0), 1),
        (3, 1, 2, 2),
        ((3, 2), 2, 1, (1, 2)),
        (2, 1, "same", 1),
        (3, 1, "same", 2),
        (1, 3, "valid", 1),
    ],
)
def test_gradients_match_finite_differences(kernel, stride, padding, dilation) -> None:
    rng = np.random.default_rng(0)
    layer = Conv2d(2, 3, kernel, stride, padding, dilation, rng=rng)
    x = rng.standard_normal((2, 2, 6, 7))
    weights_of_outputs = rng.standard_normal(layer.output_shape(x.shape))

    def loss(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> float:
        # weight and bias are the layer's own arrays, perturbed in place by gradcheck.
        return float(np.sum(layer.forward(x) * weights_of_outputs))

    layer.zero_grad()
    layer.forward(x)
    grad_x = layer.backward(weights_of_outputs)
    analytic = [grad_x, layer.weight.grad.copy(), layer.bias.grad.copy()]
    error = gradcheck(loss, [x, layer.weight.data, layer.bias.data], analytic, rtol=1e-6)
    assert error < 1e-6


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "total_padding", "dilation", "expected"),
    [
        (28, 3, 1, 2, 1, 28),  # 'same' by hand: 2p = k - 1
        (28, 5, 1, 0, 1, 24),
        (28, 5, 2, 0, 1, 12),  # floor(23 / 2) + 1
        (7, 3, 1, 0, 2, 3),  # dilated extent 5
        (10, 3, 3, 2, 1, 4),  # floor(9 / 3) + 1
        (4, 4, 1, 0, 1, 1),
    ],
)
def test_output_size_follows_pytorch_formula(
    size, kernel, stride, total_padding, dilation, expected
) -> None:
    assert conv2d_output_size(size, kernel, stride, total_padding, dilation) == expected
    layer = Conv2d(1, 1, kernel, stride, total_padding // 2, dilation, rng=0)
    assert layer(np.zeros((1, 1, size, size))).shape == (1, 1, expected, expected)


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5, (2, 3)])
@pytest.mark.parametrize("dilation", [1, 2])
def test_same_padding_keeps_size_for_odd_and_even_kernels(kernel, dilation) -> None:
    layer = Conv2d(2, 3, kernel, padding="same", dilation=dilation, rng=1)
    x = np.random.default_rng(1).standard_normal((2, 2, 7, 6))
    assert layer(x).shape == (2, 3, 7, 6)


def test_same_padding_puts_the_extra_zero_at_the_bottom_right_like_pytorch() -> None:
    # total padding d(k-1) = 3 for k=4: 1 before, 2 after; k=2: 0 before, 1 after.
    assert same_padding((4, 2), (1, 1)) == (1, 2, 0, 1)
    assert same_padding((3, 3), (2, 2)) == (2, 2, 2, 2)
    layer = Conv2d(1, 1, 2, padding="same", bias=False, rng=0)
    layer.weight.data[...] = [[[[1.0, 0.0], [0.0, 0.0]]]]  # picks the top-left tap
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    # Padding on the bottom/right keeps the top-left tap on x itself: y == x.
    np.testing.assert_array_equal(layer(x), x)


def test_same_padding_with_stride_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"padding='same'.*stride"):
        Conv2d(1, 1, 3, stride=2, padding="same")


def test_unknown_padding_string_is_rejected() -> None:
    with pytest.raises(ValueError, match="'same' or 'valid'"):
        Conv2d(1, 1, 3, padding="full")


def test_default_init_is_uniform_within_one_over_sqrt_fan_in_and_seeded() -> None:
    layer = Conv2d(16, 32, 3, rng=0)
    bound = 1 / math.sqrt(16 * 9)
    assert layer.weight.shape == (32, 16, 3, 3)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.bias.data).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3); 4608 samples pin it to a few percent.
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    np.testing.assert_array_equal(layer.weight.data, Conv2d(16, 32, 3, rng=0).weight.data)
    assert not np.array_equal(layer.weight.data, Conv2d(16, 32, 3, rng=1).weight.data)


def test_float32_stays_float32_and_agrees_with_float64() -> None:
    layer64 = Conv2d(3, 4, 3, padding=1, rng=0)
    layer32 = Conv2d(3, 4, 3, padding=1, dtype=np.float32, rng=0)
    layer32.weight.data[...] = layer64.weight.data
    layer32.bias.data[...] = layer64.bias.data
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
    y32 = layer32(x.astype(np.float32))
    assert y32.dtype == np.float32
    grad32 = layer32.backward(np.ones_like(y32))
    assert grad32.dtype == layer32.weight.grad.dtype == layer32.bias.grad.dtype == np.float32
    y64 = layer64(x)
    grad64 = layer64.backward(np.ones_like(y64))
    np.testing.assert_allclose(y32, y64, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad32, grad64, rtol=1e-5, atol=1e-5)


def test_backward_accumulates_parameter_gradients() -> None:
    layer = Conv2d(2, 2, 3, rng=0)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    g = np.ones(layer.output_shape(x.shape))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0])
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1])


def test_output_is_contiguous_nchw() -> None:
    y = Conv2d(2, 5, 3, rng=0)(np.zeros((3, 2, 6, 6)))
    assert y.shape == (3, 5, 4, 4)
    assert y.flags.c_contiguous


def test_no_bias_has_one_parameter() -> None:
    layer = Conv2d(2, 3, 3, bias=False, rng=0)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert "bias=False" in repr(layer)


class TestBadInput:
    layer = Conv2d(3, 4, 3, rng=0)

    def test_wrong_rank(self) -> None:
        with pytest.raises(ValueError, match=r"Conv2d.*rank 4-D, got shape \(3, 8, 8\)"):
            self.layer(np.zeros((3, 8, 8)))

    def test_wrong_channel_count(self) -> None:
        with pytest.raises(ValueError, match=r"Conv2d.*input channels.* = 3, got 2"):
            self.layer(np.zeros((1, 2, 8, 8)))

    def test_kernel_larger_than_padded_input(self) -> None:
        message = r"Conv2d.*kernel 3x3 is larger than the padded input 2x8"
        with pytest.raises(ValueError, match=message):
            self.layer(np.zeros((1, 3, 2, 8)))
        with pytest.raises(ValueError, match=r"kernel 5x5 is larger than the padded input 4x4"):
            Conv2d(1, 1, 3, dilation=2, rng=0)(np.zeros((1, 1, 4, 4)))

    @pytest.mark.parametrize("dtype", [np.int64, np.int32, object, np.bool_])
    def test_non_float_dtype(self, dtype) -> None:
        with pytest.raises(TypeError, match=r"Conv2d.*dtype float32 or float64"):
            self.layer(np.zeros((1, 3, 8, 8), dtype=dtype))

    def test_not_an_array(self) -> None:
        with pytest.raises(TypeError, match=r"Conv2d.*numpy.ndarray, got list"):
            self.layer([[[[0.0]]]])

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_nan_or_inf(self, bad: float) -> None:
        x = np.zeros((1, 3, 8, 8))
        x[0, 1, 2, 3] = bad
        with pytest.raises(ValueError, match=r"Conv2d.*NaN or inf"):
            self.layer(x)

    def test_dtype_mismatch_is_not_cast_silently(self) -> None:
        with pytest.raises(TypeError, match=r"input dtype float32 does not match.*float64"):
            self.layer(np.zeros((1, 3, 8, 8), dtype=np.float32))

    def test_backward_before_forward(self) -> None:
        with pytest.raises(RuntimeError, match="backward called before forward"):
            Conv2d(1, 1, 1).backward(np.zeros((1, 1, 1, 1)))

    def test_grad_output_of_wrong_shape(self) -> None:
        layer = Conv2d(3, 4, 3, rng=0)
        layer(np.zeros((2, 3, 8, 8)))
        with pytest.raises(ValueError, match=r"expected grad_output of shape \(2, 4, 6, 6\)"):
            layer.backward(np.zeros((2, 4, 8, 8)))

    @pytest.mark.parametrize(
        ("kwargs", "exception", "message"),
        [
            ({"kernel_size": 0}, ValueError, "kernel_size must be >= 1"),
            ({"kernel_size": (3, 3, 3)}, TypeError, "kernel_size must be an int or a pair"),
            ({"kernel_size": 3, "stride": 0}, ValueError, "stride must be >= 1"),
            ({"kernel_size": 3, "padding": -1}, ValueError, "padding must be >= 0"),
            ({"kernel_size": 3, "dilation": 0}, ValueError, "dilation must be >= 1"),
            ({"kernel_size": 3, "dtype": np.int32}, TypeError, "dtype must be float32"),
        ],
    )
    def test_bad_constructor_arguments(self, kwargs, exception, message) -> None:
        with pytest.raises(exception, match=message):
            Conv2d(1, 1, **kwargs)


def test_backward_twice_after_one_forward_accumulates_twice() -> None:
    # backward reuses the column buffer for the columns' gradient; a second backward must
    # rebuild the columns from the input, not read the gradient.
    layer = Conv2d(2, 3, 3, padding=1, rng=0)
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 5))
    g = np.random.default_rng(2).standard_normal(layer.output_shape(x.shape))
    layer(x)
    first = layer.backward(g)
    once = layer.weight.grad.copy()
    second = layer.backward(g)
    np.testing.assert_allclose(second, first, rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, 2 * once, rtol=1e-12)


def test_outputs_are_not_overwritten_by_later_calls() -> None:
    # The layer reuses its buffers between calls, but what it returns belongs to the caller.
    layer = Conv2d(2, 3, 3, padding=1, rng=0)
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 2, 2, 6, 6))
    g1, g2 = rng.standard_normal((2, 2, 3, 6, 6))
    y1 = layer(x1)
    dx1 = layer.backward(g1)
    kept = y1.copy(), dx1.copy()
    layer(x2)
    layer.backward(g2)
    np.testing.assert_array_equal(y1, kept[0])
    np.testing.assert_array_equal(dx1, kept[1])


def test_a_new_input_shape_gets_new_buffers() -> None:
    layer = Conv2d(1, 2, 3, padding=1, rng=0)
    rng = np.random.default_rng(0)
    for shape in [(2, 1, 6, 6), (3, 1, 4, 7), (2, 1, 6, 6)]:
        x = rng.standard_normal(shape)
        expected = conv2d_reference_forward(
            x, layer.weight.data, layer.bias.data, **reference_args(layer)
        )
        np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)
        g = rng.standard_normal(expected.shape)
        ref_x, _, _ = conv2d_reference_backward(g, x, layer.weight.data, **reference_args(layer))
        np.testing.assert_allclose(layer.backward(g), ref_x, rtol=1e-12, atol=1e-12)


def test_repeated_calls_reuse_the_column_matrix() -> None:
    # Once the buffers exist, a forward+backward allocates only what it returns (the output
    # and the input gradient) and small temporaries, never another column matrix.
    layer = Conv2d(8, 16, 3, padding=1, dtype=np.float32, algorithm="im2col", rng=0)
    x = np.random.default_rng(0).standard_normal((16, 8, 20, 20)).astype(np.float32)
    peak, returned = repeated_pass_peak(layer, x)
    columns = layer._grid.cols.nbytes
    assert peak < returned + columns / 4, (peak, returned, columns)
