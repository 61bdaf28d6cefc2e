"""Winograd F(2x2, 3x3): its matrices, its transforms and their adjoints, and Conv2d's
Winograd path against the loop reference, finite differences and the im2col path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_gradcheck import repeated_pass_peak

from nn.conv import (
    WINOGRAD_MIN_IN_CHANNELS,
    Conv2d,
    conv2d_reference_backward,
    conv2d_reference_forward,
)
from nn.gradcheck import gradcheck
from nn.winograd import (
    A_T,
    B_T,
    G,
    WinogradTiles,
    filter_transform,
    filter_transform_adjoint,
    tile_reference,
)

rng = np.random.default_rng(15)


def reference_args(layer: Conv2d) -> dict:
    return {"stride": layer.stride, "padding": layer._padding4, "dilation": layer.dilation}


# --- The matrices ---------------------------------------------------------------------------


def test_f23_in_one_dimension_is_the_correlation() -> None:
    # y = A^T [(G g) * (B^T d)]: two outputs of a 3-tap correlation from four products.
    for _ in range(100):
        d, g = rng.standard_normal(4), rng.standard_normal(3)
        products = (G @ g) * (B_T @ d)
        assert products.shape == (4,)
        direct = [d[0] * g[0] + d[1] * g[1] + d[2] * g[2], d[1] * g[0] + d[2] * g[1] + d[3] * g[2]]
        np.testing.assert_allclose(A_T @ products, direct, rtol=1e-13, atol=1e-13)


def test_nested_f23_is_the_2d_correlation_of_a_tile() -> None:
    for _ in range(100):
        d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
        direct = [[np.sum(d[i : i + 3, j : j + 3] * g) for j in range(2)] for i in range(2)]
        np.testing.assert_allclose(tile_reference(d, g), direct, rtol=1e-12, atol=1e-12)


def test_a_wrong_matrix_is_caught() -> None:
    # The checks above can fail: a sign flipped in B^T breaks the identity.
    d, g = rng.standard_normal(4), rng.standard_normal(3)
    wrong = B_T.copy()
    wrong[2, 1] = 1
    assert not np.allclose(A_T @ ((G @ g) * (wrong @ d)), [d[:3] @ g, d[1:] @ g])


def test_16_products_per_tile_instead_of_36() -> None:
    # The element-wise product has one entry per transformed tile position; direct
    # correlation does 9 multiplications for each of the 4 outputs.
    assert (G @ np.ones((3, 3)) @ G.T).size == 16 == (B_T @ np.ones((4, 4)) @ B_T.T).size
    assert 4 * 9 == 36
    assert A_T.shape == (2, 4) and B_T.shape == (4, 4) and G.shape == (4, 3)


def test_filter_transform_layout_and_adjoint() -> None:
    weight = rng.standard_normal((5, 3, 3, 3))
    u = filter_transform(weight)
    assert u.shape == (16, 5, 3) and u.flags.c_contiguous
    np.testing.assert_allclose(u[:, 4, 2].reshape(4, 4), G @ weight[4, 2] @ G.T, atol=1e-14)
    other = rng.standard_normal(u.shape)
    # <U(w), V> = <w, U*(V)>: the adjoint is exactly the transpose.
    assert np.sum(u * other) == pytest.approx(np.sum(weight * filter_transform_adjoint(other)))
    assert filter_transform(weight.astype(np.float32)).dtype == np.float32


# --- The tiles: geometry and adjoints ---------------------------------------------------


@st.composite
def tile_cases(draw: st.DrawFn) -> WinogradTiles:
    padding = tuple(draw(st.integers(0, 3)) for _ in range(4))
    h = draw(st.integers(max(1, 3 - padding[0] - padding[1]), 9))
    w = draw(st.integers(max(1, 3 - padding[2] - padding[3]), 9))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w)
    return WinogradTiles(shape, draw(st.integers(1, 3)), padding, np.dtype(np.float64))


@settings(max_examples=60, deadline=None)
@given(tile_cases(), st.integers(0, 2**32 - 1))
def test_transforms_have_exact_adjoints(tiles: WinogradTiles, seed: int) -> None:
    # <T(x), V> = <x, T*(V)> for the input transform and <O(M), Y> = <M, O*(Y)> for the
    # output transform: the backward pass is exactly the transpose of the forward pass.
    local = np.random.default_rng(seed)
    x = local.standard_normal(tiles.x_shape)
    v = local.standard_normal(tiles.transformed.shape)
    forward = tiles.input_transform(x)
    assert np.sum(forward * v) == pytest.approx(np.sum(x * tiles.input_transform_adjoint(v)))
    m = local.standard_normal(tiles.products.shape)
    y = tiles.output_transform(m)
    grad_y = local.standard_normal(y.shape)
    tiles.spread_output_gradient(grad_y)
    adjoint = np.concatenate([tiles.output_transform_adjoint(row).copy() for row in range(4)])
    assert np.sum(y * grad_y) == pytest.approx(np.sum(m * adjoint))


@settings(max_examples=40, deadline=None)
@given(tile_cases(), st.integers(0, 2**32 - 1))
def test_input_transform_is_b_transpose_d_b_of_every_tile(tiles, seed) -> None:
    local = np.random.default_rng(seed)
    x = local.standard_normal(tiles.x_shape)
    (n, c, h, w), (top, _, left, _) = tiles.x_shape, tiles.padding
    t_h, t_w = tiles.tiles
    padded = np.zeros((n, c, 2 * t_h + 2, 2 * t_w + 2))
    padded[:, :, top : top + h, left : left + w] = x
    v = tiles.input_transform(x).reshape(4, 4, c, n, t_h, t_w)
    for t, u in [(0, 0), (t_h - 1, t_w - 1), (t_h // 2, 0)]:
        d = padded[:, :, 2 * t : 2 * t + 4, 2 * u : 2 * u + 4]  # (N, C, 4, 4)
        expected = B_T @ d @ B_T.T
        np.testing.assert_allclose(v[:, :, :, :, t, u].transpose(3, 2, 0, 1), expected,
                                   atol=1e-12)


def test_odd_output_sizes_use_a_last_half_tile() -> None:
    tiles = WinogradTiles((2, 3, 7, 8), 4, (1, 1, 0, 0), np.dtype(np.float64))
    assert tiles.output_size == (7, 6)
    assert tiles.tiles == (4, 3) and tiles.grid == (5, 4)
    assert tiles.n_positions == 2 * 4 * 3  # exactly the tiles, no extra positions


# --- Conv2d's Winograd path against the oracles ---------------------------------------


@st.composite
def winograd_cases(draw: st.DrawFn) -> tuple[Conv2d, np.ndarray, np.ndarray]:
    """A 3x3 stride-1 layer on the Winograd path, an input and an upstream gradient."""
    kind = draw(st.sampled_from(["pair", "same", "valid"]))
    padding: object = kind
    if kind == "pair":
        padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        total = (2 * padding[0], 2 * padding[1])
    else:
        total = (2, 2) if kind == "same" else (0, 0)
    h, w = (draw(st.integers(max(1, 3 - t), 9)) for t in total)
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    layer = Conv2d(c, o, 3, padding=padding, bias=draw(st.booleans()), algorithm="winograd",
                   rng=seed)
    local = np.random.default_rng(seed)
    x = local.standard_normal((n, c, h, w))
    return layer, x, local.standard_normal(layer.output_shape(x.shape))


@settings(max_examples=80, deadline=None)
@given(winograd_cases())
def test_forward_matches_loop_reference(case) -> None:
    layer, x, _ = case
    bias = None if layer.bias is None else layer.bias.data
    expected = conv2d_reference_forward(x, layer.weight.data, bias, **reference_args(layer))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(winograd_cases())
def test_backward_matches_loop_reference(case) -> None:
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


@pytest.mark.parametrize("padding", [0, 1, 2, (1, 0), "same", "valid"])
@pytest.mark.parametrize("size", [(6, 7), (5, 5)])
def test_gradients_match_finite_differences(padding, size) -> None:
    local = np.random.default_rng(0)
    layer = Conv2d(3, 4, 3, padding=padding, algorithm="winograd", rng=local)
    x = local.standard_normal((2, 3, *size))
    weights_of_outputs = local.standard_normal(layer.output_shape(x.shape))

    def loss(*_: np.ndarray) -> float:
        return float(np.sum(layer.forward(x) * weights_of_outputs))

    layer.zero_grad()
    layer.forward(x)
    analytic = [layer.backward(weights_of_outputs), layer.weight.grad.copy(),
                layer.bias.grad.copy()]
    error = gradcheck(loss, [x, layer.weight.data, layer.bias.data], analytic, rtol=1e-6)
    assert error < 1e-6


def test_gradient_check_catches_a_wrong_adjoint() -> None:
    layer = Conv2d(2, 2, 3, padding=1, algorithm="winograd", rng=0)
    x = rng.standard_normal((1, 2, 6, 6))
    r = rng.standard_normal(layer(x).shape)
    wrong = layer.backward(r)[:, :, ::-1, ::-1]  # the input gradient turned around
    error = gradcheck(lambda *_: float(np.sum(layer(x) * r)), [x], [wrong],
                      raise_on_failure=False)
    assert error > 0.1


def test_winograd_and_im2col_paths_agree() -> None:
    x = rng.standard_normal((3, 16, 10, 9))
    paths = [Conv2d(16, 8, 3, padding="same", algorithm=a, rng=3) for a in ("im2col", "winograd")]
    g = rng.standard_normal(paths[0].output_shape(x.shape))
    results = [(p(x), p.backward(g), p.weight.grad, p.bias.grad) for p in paths]
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --- float32 -----------------------------------------------------------------------------

#: Largest error of float32 Winograd relative to the largest magnitude of the float64
#: result: measured 1.4e-7 to 5.3e-7 for y, dx and dW on the post's layers, the same order
#: as float32 im2col (1.2e-7 to 5.7e-7). The test allows 2e-6.
FLOAT32_BOUND = 2e-6


def float32_errors(in_channels: int, out_channels: int, size: int, algorithm: str):
    """Relative error of float32 y, dx, dW against float64 from the same float32 inputs
    (the float64 result checked against the loop reference)."""
    local = np.random.default_rng(in_channels)
    layer32 = Conv2d(in_channels, out_channels, 3, padding=1, dtype=np.float32,
                     algorithm=algorithm, rng=0)
    layer64 = Conv2d(in_channels, out_channels, 3, padding=1, algorithm="im2col", rng=0)
    layer64.weight.data[...] = layer32.weight.data
    layer64.bias.data[...] = layer32.bias.data
    x = local.standard_normal((1, in_channels, size, size)).astype(np.float32)
    g = local.standard_normal(layer32.output_shape(x.shape)).astype(np.float32)
    y32, dx32 = layer32(x), layer32.backward(g)
    y64, dx64 = layer64(x.astype(np.float64)), layer64.backward(g.astype(np.float64))
    reference = conv2d_reference_forward(x.astype(np.float64), layer64.weight.data,
                                         layer64.bias.data, padding=(1, 1, 1, 1))
    np.testing.assert_allclose(y64, reference, rtol=1e-12, atol=1e-12)

    def relative(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.abs(a - b).max() / np.abs(b).max())

    return relative(y32, y64), relative(dx32, dx64), relative(layer32.weight.grad,
                                                               layer64.weight.grad)


@pytest.mark.parametrize(("in_channels", "out_channels", "size"), [(16, 32, 12), (64, 16, 8)])
def test_float32_error_is_bounded_like_im2col(in_channels, out_channels, size) -> None:
    winograd = float32_errors(in_channels, out_channels, size, "winograd")
    im2col = float32_errors(in_channels, out_channels, size, "im2col")
    assert max(winograd) < FLOAT32_BOUND, winograd
    assert max(winograd) < 10 * max(im2col), (winograd, im2col)
    assert max(winograd) > 0  # float32 rounding happened: the comparison is real


def test_float32_stays_float32() -> None:
    layer = Conv2d(4, 3, 3, padding=1, dtype=np.float32, algorithm="winograd", rng=0)
    y = layer(rng.standard_normal((2, 4, 6, 6)).astype(np.float32))
    grad = layer.backward(np.ones_like(y))
    assert y.dtype == grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype
    assert y.dtype == np.float32


# --- Choosing the algorithm ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "chosen"),
    [
        ((WINOGRAD_MIN_IN_CHANNELS, 32, 3), {"padding": 1}, "winograd"),
        ((64, 64, 3), {"padding": "same"}, "winograd"),
        ((WINOGRAD_MIN_IN_CHANNELS - 1, 32, 3), {"padding": 1}, "im2col"),
        ((1, 16, 3), {"padding": 1}, "im2col"),
        ((64, 64, 5), {"padding": 2}, "im2col"),
        ((64, 64, 3), {"stride": 2}, "im2col"),
        ((64, 64, 3), {"dilation": 2}, "im2col"),
        ((64, 64, (3, 1)), {}, "im2col"),
        ((64, 64, 3), {"algorithm": "im2col"}, "im2col"),
        ((1, 1, 3), {"algorithm": "winograd"}, "winograd"),
    ],
)
def test_auto_picks_winograd_only_where_it_applies_and_wins(args, kwargs, chosen) -> None:
    layer = Conv2d(*args, **kwargs, rng=0)
    assert layer.chosen_algorithm == chosen
    assert layer.algorithm == kwargs.get("algorithm", "auto")


def test_the_choice_shows_in_the_repr_where_there_is_one() -> None:
    assert repr(Conv2d(16, 32, 3, padding=1)).endswith("padding=(1, 1), algorithm='winograd')")
    assert repr(Conv2d(1, 16, 3)).endswith("algorithm='im2col')")
    assert "algorithm" not in repr(Conv2d(16, 32, 3, stride=2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kernel_size": 5}, r"needs kernel_size=\(3, 3\), got kernel_size=\(5, 5\)"),
        ({"kernel_size": (3, 1)}, r"needs kernel_size=\(3, 3\), got kernel_size=\(3, 1\)"),
        ({"kernel_size": 3, "stride": 2}, r"needs stride=\(1, 1\), got stride=\(2, 2\)"),
        ({"kernel_size": 3, "dilation": (1, 2)}, r"needs dilation=\(1, 1\), got dilation=\(1, 2\)"),
    ],
)
def test_winograd_where_it_cannot_apply_is_a_clear_error(kwargs, message) -> None:
    with pytest.raises(ValueError, match=r"Conv2d: algorithm='winograd' \(F\(2x2, 3x3\)\) "
                                         + message):
        Conv2d(2, 2, algorithm="winograd", **kwargs)


def test_unknown_algorithm_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"algorithm must be 'auto', 'im2col' or 'winograd', "
                                         r"got 'fft'"):
        Conv2d(2, 2, 3, algorithm="fft")


def test_backward_before_forward_and_wrong_grad_shape() -> None:
    layer = Conv2d(2, 2, 3, algorithm="winograd", rng=0)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.zeros((1, 2, 2, 2)))
    layer(np.zeros((1, 2, 6, 6)))
    with pytest.raises(ValueError, match=r"expected grad_output of shape \(1, 2, 4, 4\)"):
        layer.backward(np.zeros((1, 2, 6, 6)))


# --- Buffers --------------------------------------------------------------------------------


def test_backward_twice_after_one_forward_accumulates_twice() -> None:
    # backward overwrites the transformed input with its gradient; a second backward must
    # transform the input again, not read the gradient.
    layer = Conv2d(2, 3, 3, padding=1, algorithm="winograd", rng=0)
    x = rng.standard_normal((2, 2, 5, 5))
    g = rng.standard_normal(layer.output_shape(x.shape))
    layer(x)
    first = layer.backward(g)
    once = layer.weight.grad.copy()
    np.testing.assert_allclose(layer.backward(g), first, rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, 2 * once, rtol=1e-12)


def test_outputs_are_not_overwritten_and_new_shapes_get_new_buffers() -> None:
    layer = Conv2d(2, 3, 3, padding=1, algorithm="winograd", rng=0)
    kept = []
    for shape in [(2, 2, 6, 6), (3, 2, 5, 7), (2, 2, 6, 6)]:
        x = rng.standard_normal(shape)
        g = rng.standard_normal(layer.output_shape(shape))
        y, dx = layer(x), layer.backward(g)
        np.testing.assert_allclose(y, conv2d_reference_forward(
            x, layer.weight.data, layer.bias.data, **reference_args(layer)), atol=1e-12)
        np.testing.assert_allclose(dx, conv2d_reference_backward(
            g, x, layer.weight.data, **reference_args(layer))[0], atol=1e-12)
        kept.append((y, y.copy(), dx, dx.copy()))
    for y, y_copy, dx, dx_copy in kept:
        np.testing.assert_array_equal(y, y_copy)
        np.testing.assert_array_equal(dx, dx_copy)


def test_zero_regions_stay_zero_between_calls() -> None:
    # The gather reads the phases' padding, and a last half tile's outputs must get zero
    # gradient: both regions must still be zero after the buffers have been used.
    layer = Conv2d(2, 3, 3, padding=(2, 0), algorithm="winograd", rng=0)
    for _ in range(3):
        x = rng.standard_normal((2, 2, 7, 6))
        layer(x)
        layer.backward(rng.standard_normal(layer.output_shape(x.shape)))
    tiles = layer._tiles
    assert tiles.output_size == (9, 4) and tiles.tiles == (5, 2)  # an odd number of rows
    outside = tiles.phases.copy()
    for view, _ in tiles._phase_views(outside):
        view[...] = 0
    assert not outside.any()
    grad_tiles = tiles._grad_outputs.reshape(2, 2, 3, 2, *tiles.tiles)
    assert not grad_tiles[1, :, :, :, -1].any()  # output row 9 does not exist
    assert grad_tiles[0, :, :, :, -1].all()


def test_repeated_calls_reuse_the_transform_buffers() -> None:
    layer = Conv2d(16, 16, 3, padding=1, dtype=np.float32, algorithm="winograd", rng=0)
    x = rng.standard_normal((8, 16, 20, 20)).astype(np.float32)
    peak, returned = repeated_pass_peak(layer, x)
    transformed = layer._tiles.transformed.nbytes
    assert peak < returned + transformed / 4, (peak, returned, transformed)
