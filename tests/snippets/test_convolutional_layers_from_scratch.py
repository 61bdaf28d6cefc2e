"""Every claim of docs/blog/posts/2026-11-22-convolutional-layers-from-scratch.md, checked."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from scipy import signal

import nn
from nn.conv import conv2d_output_size
from nn.im2col import ConvGrid
from snippets.convolutional_layers_from_scratch.build import (
    GRADCHECK_TOLERANCE,
    MULTIPLY_ADDS,
    OUTPUTS,
    POOL_G,
    POOL_X,
    SIZE_CASES,
    full_convolution_gap,
    gradient_errors,
    implementations,
    python_lines,
    python_lines_by_batch,
    speed_comparison,
)
from snippets.convolutional_layers_from_scratch.correlate import (
    conv2d_loops,
    conv_layer,
    convolve2d,
    correlate2d,
    flip,
    input_gradient_by_full_convolution,
    output_size,
)
from snippets.convolutional_layers_from_scratch.models import (
    compare,
    count_parameters,
    digits,
    make_cnn,
    make_mlp,
)

rng = np.random.default_rng(2026)


# --- The output-size formula -----------------------------------------------------------


def test_output_size_formula_matches_the_post_and_nn() -> None:
    for h, k, s, p, d in itertools.product(range(5, 12), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2),
                                           (1, 2)):
        if d * (k - 1) + 1 > h + 2 * p:
            continue  # the kernel does not fit
        formula = (h + 2 * p - d * (k - 1) - 1) // s + 1
        assert output_size(h, k, s, p, d) == formula == conv2d_output_size(h, k, s, 2 * p, d)


def test_printed_size_cases_are_real_layer_outputs() -> None:
    expected = [8, 4, 3, 8, 24, 3]  # the "formula" column of the post's table
    for (h, k, s, p, d), size in zip(SIZE_CASES, expected, strict=True):
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, rng=0)
        assert layer(np.zeros((1, 1, h, h))).shape[2:] == (size, size)
        assert output_size(h, k, s, p, d) == size


# --- Cross-correlation and convolution -------------------------------------------------


def test_correlate_and_convolve_agree_with_scipy() -> None:
    for shape, kernel in [((5, 6), (2, 3)), ((7, 7), (3, 3)), ((4, 9), (4, 1))]:
        x, w = rng.standard_normal(shape), rng.standard_normal(kernel)
        np.testing.assert_allclose(correlate2d(x, w), signal.correlate2d(x, w, "valid"))
        np.testing.assert_allclose(convolve2d(x, w), signal.convolve2d(x, w, "valid"))


def test_convolution_is_correlation_with_the_flipped_kernel() -> None:
    x, w = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    np.testing.assert_allclose(convolve2d(x, w), correlate2d(x, flip(w)), atol=1e-12)
    # ... and for a kernel that is not symmetric, the two operations differ.
    assert not np.allclose(convolve2d(x, w), correlate2d(x, w))


# --- Loops against the vectorized layer --------------------------------------------------


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (1, 1, 1), (2, 1, 1),
                                                       (1, 2, 2), (3, 0, 1), (2, 2, 2)])
def test_loops_equal_im2col_layer(stride: int, padding: int, dilation: int) -> None:
    x = rng.standard_normal((2, 3, 9, 8))
    weight, bias = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    by_loops = conv2d_loops(x, weight, bias, stride, padding, dilation)
    by_layer = conv_layer(weight, bias, stride, padding, dilation)(x)
    np.testing.assert_allclose(by_loops, by_layer, rtol=1e-12, atol=1e-12)


def test_single_channel_loops_are_the_cross_correlation() -> None:
    x, w = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    y = conv2d_loops(x[None, None], w[None, None], np.zeros(1))[0, 0]
    np.testing.assert_allclose(y, correlate2d(x, w), atol=1e-12)


def test_speed_comparison_times_the_three_implementations() -> None:
    # Only that it measures: wall times depend on the machine's load, so the post shows
    # them as measured at build and this test compares none of them.
    seconds = speed_comparison(repeats=1)
    assert list(seconds) == list(implementations())
    assert all(value > 0 for value in seconds.values())


def test_only_im2col_runs_no_python_per_multiply_add() -> None:
    # The post's explanation of the speed-up, in lines of Python run: counts, not times.
    lines = python_lines_by_batch((8, 16))
    loops, reference, im2col = lines.values()
    assert MULTIPLY_ADDS == 8 * 4 * 8 * 8 * 2 * 3 * 3 and OUTPUTS == 8 * 4 * 8 * 8
    assert loops[0] > 3 * MULTIPLY_ADDS  # several lines for every multiply-add
    assert 5 * OUTPUTS < reference[0] < 100 * OUTPUTS < loops[0]  # dozens per output number
    for counts in (loops, reference):  # both grow with the batch: twice the images, twice
        assert counts[1] == pytest.approx(2 * counts[0], rel=0.01)
    assert im2col[0] == im2col[1] < 500  # the same short list of lines, whatever the batch


def test_counting_python_lines_keeps_the_tracer_already_set() -> None:
    # The build records which functions a block ran with sys.settrace: counting must chain
    # to that tracer while it runs, and put it back.
    started = []

    def recorder(frame, event, arg):
        started.append(frame.f_code.co_name)

    previous = sys.gettrace()
    sys.settrace(recorder)
    try:
        assert python_lines(lambda: correlate2d(np.ones((3, 3)), np.ones((2, 2)))) > 0
        assert sys.gettrace() is recorder
    finally:
        sys.settrace(previous)
    assert "correlate2d" in started


# --- Backward pass -----------------------------------------------------------------------


def test_gradient_check_passes_for_every_row_of_the_table() -> None:
    rows = gradient_errors()
    assert len(rows) == 8
    assert all(error < GRADCHECK_TOLERANCE for *_, error in rows)


def test_gradient_check_can_fail() -> None:
    layer = nn.Conv2d(2, 3, 3, padding=1, rng=0)
    x = rng.standard_normal((1, 2, 5, 5))
    r = rng.standard_normal(layer(x).shape)
    wrong = flip(layer.backward(r))  # a plausible mistake: the gradient turned around
    with pytest.raises(AssertionError):
        nn.gradcheck.gradcheck(lambda *_: float(np.sum(layer(x) * r)), [x], [wrong])
    error = nn.gradcheck.gradcheck(lambda *_: float(np.sum(layer(x) * r)), [x], [wrong],
                                   raise_on_failure=False)
    assert error > 0.1  # "an error of order one"


def test_backward_formulas_in_the_post() -> None:
    layer = nn.Conv2d(3, 2, 3, stride=2, padding=1, dilation=1, rng=1)
    x = rng.standard_normal((2, 3, 7, 7))
    g = rng.standard_normal(layer(x).shape)
    layer.zero_grad()
    layer.backward(g)
    s, p = 2, 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    h_out = g.shape[2]
    # dW[o,c,u,v] = sum_{n,i,j} G[n,o,i,j] x[n,c,i*s+u-p, j*s+v-p]
    dw = np.zeros_like(layer.weight.data)
    for u, v in itertools.product(range(3), range(3)):
        patch = xp[:, :, u : u + s * (h_out - 1) + 1 : s, v : v + s * (h_out - 1) + 1 : s]
        dw[:, :, u, v] = np.einsum("noij,ncij->oc", g, patch)
    np.testing.assert_allclose(layer.weight.grad, dw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_input_gradient_is_a_full_convolution_with_the_flipped_kernel(padding: int) -> None:
    layer = nn.Conv2d(3, 4, 3, padding=padding, rng=padding)
    x = rng.standard_normal((2, 3, 6, 7))
    g = rng.standard_normal(layer(x).shape)
    np.testing.assert_allclose(
        input_gradient_by_full_convolution(g, layer.weight.data, padding),
        layer.backward(g), rtol=1e-12, atol=1e-12)


def test_printed_full_convolution_gap_is_rounding_only() -> None:
    assert full_convolution_gap() < 1e-12


# --- Max pooling --------------------------------------------------------------------------


def test_max_pool_example_routes_each_gradient_to_its_maximum() -> None:
    pool = nn.MaxPool2d(2)
    np.testing.assert_array_equal(pool(POOL_X)[0, 0], [[4, 5], [6, 7]])
    grad = pool.backward(POOL_G)[0, 0]
    np.testing.assert_array_equal(grad, [[0, 0, 0, 0], [10, 0, 0, 20], [0, 0, 40, 0],
                                         [30, 0, 0, 0]])
    assert grad.sum() == POOL_G.sum()  # every output's gradient lands somewhere, once


# --- CNN against MLP ------------------------------------------------------------------------


def test_parameter_counts() -> None:
    cnn, mlp = make_cnn(0), make_mlp(0)
    assert count_parameters(cnn[0]) == 16 * 1 * 3 * 3 + 16 == 160
    assert count_parameters(cnn[4]) == 16 * 4 * 4 * 10 + 10 == 2570
    assert count_parameters(cnn) == 2730
    assert count_parameters(mlp[1]) == 64 * 128 + 128 == 8320
    assert count_parameters(mlp) == 9610
    assert count_parameters(cnn) < 0.3 * count_parameters(mlp)  # "under a third"


def test_conv_layer_parameters_do_not_depend_on_image_size() -> None:
    layer = make_cnn(0)[0]
    assert layer(np.zeros((1, 1, 28, 28))).shape == (1, 16, 28, 28)
    assert count_parameters(layer) == 160


def test_cnn_matches_mlp_on_the_digits() -> None:
    results = compare((0, 1, 2))
    x_train, x_test, _, _ = digits()
    assert len(x_train) + len(x_test) == 1797 and x_test.shape[1:] == (1, 8, 8)
    n_test = len(x_test)
    assert n_test == round(0.2 * 1797)  # 80% train, 20% test
    cnn = [run.final_accuracy for run in results["CNN"]]
    mlp = [run.final_accuracy for run in results["MLP"]]
    assert cnn[0] >= 0.98  # the fixed seed
    assert min(cnn) >= 0.98 and min(mlp) >= 0.98  # both networks, every seed
    # "level to within about one test image on average"
    assert abs(np.mean(cnn) - np.mean(mlp)) <= 1 / n_test + 1e-12


def test_padded_grid_has_15_percent_more_columns_at_28x28() -> None:
    # The post: "For 28 x 28 images with padding 1 the grid is 30 x 30: 15% more columns".
    grid = ConvGrid((2, 3, 28, 28), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), np.float64)
    assert grid.grid == (30, 30)
    exact_columns = 2 * 28 * 28
    assert grid.cols.shape == (3 * 9, 2 * 30 * 30)
    assert round(grid.cols.shape[1] / exact_columns - 1, 2) == 0.15
