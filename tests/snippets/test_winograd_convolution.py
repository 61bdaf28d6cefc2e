"""Every claim of docs/blog/posts/2026-12-02-winograd-convolution.md, checked."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn.conv import WINOGRAD_MIN_IN_CHANNELS, conv2d_reference_backward
from nn.winograd import A_T, B_T, G, WinogradTiles
from snippets.winograd_convolution.build import (
    LAYERS,
    check_rows,
    float32_errors,
    forward_multiplications,
    layer_multiplications,
    speed_comparison,
)
from snippets.winograd_convolution.f23 import (
    correlate_direct,
    count_multiplications,
    count_operations,
    f2x2_3x3,
    f23,
    tile_direct,
)

rng = np.random.default_rng(2026_12_02)


# --- F(2, 3) ------------------------------------------------------------------------------


def test_f23_equals_the_direct_correlation_in_float64() -> None:
    for _ in range(200):
        d, g = rng.standard_normal(4), rng.standard_normal(3)
        np.testing.assert_allclose(f23(d, g), correlate_direct(d, g), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(f23(d, g), np.correlate(d, g, "valid"), atol=1e-13)


def test_the_derivation_step_by_step() -> None:
    d, g = rng.standard_normal(4), rng.standard_normal(3)
    m1 = (d[0] - d[2]) * g[0]
    m2 = (d[1] + d[2]) * (g[0] + g[1] + g[2]) / 2
    m3 = (d[2] - d[1]) * (g[0] - g[1] + g[2]) / 2
    m4 = (d[1] - d[3]) * g[2]
    assert m2 + m3 == pytest.approx(d[1] * g[1] + d[2] * g[0] + d[2] * g[2])
    assert m2 - m3 == pytest.approx(d[1] * g[0] + d[2] * g[1] + d[1] * g[2])
    y0, y1 = correlate_direct(d, g)
    assert m1 + m2 + m3 == pytest.approx(y0)
    assert m2 - m3 - m4 == pytest.approx(y1)


def test_four_multiplications_instead_of_six_and_the_additions() -> None:
    d, g = rng.standard_normal(4), rng.standard_normal(3)
    assert count_multiplications(correlate_direct, d, g)[1] == 6
    assert count_multiplications(f23, d, g)[1] == 4
    # "four additions on the inputs and four on the products ... six multiplications and
    # four additions" for the direct way
    assert count_operations(f23, d, g) == {"additions": 8, "multiplications": 4}
    assert count_operations(correlate_direct, d, g) == {"additions": 4, "multiplications": 6}


def test_tap_combinations_are_the_kernel_polynomial_at_0_1_minus1_and_infinity() -> None:
    g = rng.standard_normal(3)
    polynomial = np.polynomial.Polynomial(g)  # g0 + g1 t + g2 t^2
    expected = [polynomial(0), polynomial(1) / 2, polynomial(-1) / 2, g[2]]
    np.testing.assert_allclose(G @ g, expected, atol=1e-14)
    # m + r - 1 multiplications: 2 + 3 - 1 = 4 in 1-D; F(4x4, 3x3) would need (4+3-1)^2 = 36
    assert count_multiplications(f23, rng.standard_normal(4), g)[1] == 2 + 3 - 1
    assert (4 + 3 - 1) ** 2 == 36


def test_matrices_are_the_derivation() -> None:
    d, g = np.array([1.0, 2.0, 5.0, 11.0]), np.array([3.0, 7.0, 13.0])
    np.testing.assert_array_equal(B_T @ d, [d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]])
    np.testing.assert_array_equal(G @ g, [g[0], (g[0] + g[1] + g[2]) / 2,
                                          (g[0] - g[1] + g[2]) / 2, g[2]])
    m = rng.standard_normal(4)
    np.testing.assert_allclose(A_T @ m, [m[0] + m[1] + m[2], m[1] - m[2] - m[3]])
    for _ in range(100):
        d, g = rng.standard_normal(4), rng.standard_normal(3)
        np.testing.assert_allclose(A_T @ ((G @ g) * (B_T @ d)), np.correlate(d, g, "valid"),
                                   rtol=1e-13, atol=1e-13)


# --- F(2x2, 3x3) ------------------------------------------------------------------------


def test_nested_f23_is_the_2d_tile_with_16_multiplications_instead_of_36() -> None:
    for _ in range(100):
        d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
        expected = tile_direct(d, g)
        np.testing.assert_allclose(f2x2_3x3(d, g), expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(A_T @ ((G @ g @ G.T) * (B_T @ d @ B_T.T)) @ A_T.T,
                                   expected, rtol=1e-12, atol=1e-12)
    assert count_multiplications(tile_direct, d, g)[1] == 36
    assert count_multiplications(f2x2_3x3, d, g)[1] == 16


def test_printed_check_table() -> None:
    rows = check_rows()
    counts = [(problem, count) for problem, _, count, _ in rows]
    assert counts == [("F(2, 3)", 6), ("F(2, 3)", 4), ("F(2, 3)", 4),
                      ("F(2x2, 3x3)", 36), ("F(2x2, 3x3)", 16), ("F(2x2, 3x3)", 16)]
    assert all(error < 1e-13 for *_, error in rows)  # "rounding in the last bits"


def test_a_wrong_transform_is_caught() -> None:
    d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
    wrong = B_T.copy()
    wrong[3] = [0, 1, 0, 1]  # d1 + d3 instead of d1 - d3
    assert not np.allclose(A_T @ ((G @ g @ G.T) * (wrong @ d @ wrong.T)) @ A_T.T,
                           tile_direct(d, g))


# --- A layer --------------------------------------------------------------------------------


def test_sum_over_channels_moves_inside_the_output_transform() -> None:
    u, v = rng.standard_normal((5, 4, 4)), rng.standard_normal((5, 4, 4))
    outside = sum(A_T @ (u[c] * v[c]) @ A_T.T for c in range(5))
    np.testing.assert_allclose(A_T @ (u * v).sum(axis=0) @ A_T.T, outside, atol=1e-12)


def test_multiplication_counts_of_the_layers() -> None:
    rows = layer_multiplications()
    assert [row["layer"] for row in rows] == [f"{c}->{o} @{s}" for c, o, s in LAYERS]
    for row, (c, o, size) in zip(rows, LAYERS, strict=True):
        assert row["direct"] / row["winograd"] == 2.25  # 9 C O against 16 C O / 4
        assert row["direct"] == 64 * size * size * 9 * c * o
        # im2col's padded grid computes a few more positions than needed; the Winograd
        # path computes exactly the tiles
        assert row["direct"] < row["nn im2col"] and row["winograd"] == row["nn winograd"]


def test_kronecker_form_of_the_transforms() -> None:
    d, m = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    np.testing.assert_allclose(np.kron(B_T, B_T) @ d.ravel(), (B_T @ d @ B_T.T).ravel(),
                               atol=1e-13)
    np.testing.assert_allclose(np.kron(A_T, A_T) @ m.ravel(), (A_T @ m @ A_T.T).ravel(),
                               atol=1e-13)
    assert np.kron(B_T, B_T).shape == (16, 16) and np.kron(A_T, A_T).shape == (4, 16)


def test_bias_added_at_position_1_1_reaches_all_four_outputs() -> None:
    m, b = np.zeros((4, 4)), 0.75
    m[1, 1] = b
    np.testing.assert_array_equal(A_T @ m @ A_T.T, np.full((2, 2), b))


def test_tiles_and_phases() -> None:
    tiles = WinogradTiles((2, 3, 28, 28), 4, (1, 1, 1, 1), np.dtype(np.float64))
    assert tiles.tiles == (14, 14) and tiles.grid == (15, 15)
    # element (i, j) of tile (t, u) is element (t + i // 2, u + j // 2) of phase (i%2, j%2)
    x = rng.standard_normal((2, 3, 28, 28))
    tiles.input_transform(x)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    phases = tiles.phases
    assert phases.shape == (2, 2, 3, 2, 15, 15)  # (row phase, column phase, C, N, ...)
    t, u = 5, 9
    for i in range(4):
        for j in range(4):
            np.testing.assert_array_equal(
                phases[i % 2, j % 2, :, :, t + i // 2, u + j // 2].T,
                padded[:, :, 2 * t + i, 2 * u + j])


# --- Backward, precision, speed -----------------------------------------------------------


def test_trace_identity_behind_the_output_gradient() -> None:
    m, y_bar = rng.standard_normal((4, 4)), rng.standard_normal((2, 2))
    assert np.sum(y_bar * (A_T @ m @ A_T.T)) == pytest.approx(np.sum((A_T.T @ y_bar @ A_T) * m))


def test_winograd_gradients_are_the_convolutions() -> None:
    layer = nn.Conv2d(3, 2, 3, padding=1, algorithm="winograd", rng=0)
    x = rng.standard_normal((2, 3, 7, 6))
    g = rng.standard_normal(layer(x).shape)
    dx = layer.backward(g)
    ref_x, ref_w, ref_b = conv2d_reference_backward(g, x, layer.weight.data,
                                                    padding=(1, 1, 1, 1))
    np.testing.assert_allclose(dx, ref_x, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, ref_w, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, ref_b, atol=1e-12)


def test_float32_errors_of_the_same_order_as_im2col() -> None:
    rows = float32_errors()
    assert len(rows) == 2 * len(LAYERS)
    by_layer: dict[str, dict[str, list[float]]] = {}
    for layer, path, *errors in rows:
        by_layer.setdefault(layer, {})[path] = errors
    for paths in by_layer.values():
        assert max(paths["winograd"]) < 2e-6
        assert max(paths["winograd"]) < 10 * max(paths["im2col"])
        assert min(paths["winograd"]) > 0


def test_auto_takes_winograd_only_with_enough_channels() -> None:
    assert nn.Conv2d(1, 16, 3, padding=1).chosen_algorithm == "im2col"
    assert nn.Conv2d(WINOGRAD_MIN_IN_CHANNELS, 32, 3, padding=1).chosen_algorithm == "winograd"
    assert nn.Conv2d(64, 64, 5, padding=2).chosen_algorithm == "im2col"
    for kwargs in [{"kernel_size": 5}, {"kernel_size": 3, "stride": 2},
                   {"kernel_size": 3, "dilation": 2}]:
        with pytest.raises(ValueError, match="algorithm='winograd'"):
            nn.Conv2d(16, 16, algorithm="winograd", **kwargs)


def test_speed_comparison_times_both_paths_of_each_layer() -> None:
    # Only that it measures: wall times depend on the machine's load, so the post shows
    # them as measured at build and this test compares none of them.
    seconds = speed_comparison(batch=2, repeats=1)
    assert list(seconds) == LAYERS
    assert all(set(by_path) == {"im2col", "winograd"} and min(by_path.values()) > 0
               for by_path in seconds.values())


def test_with_one_input_channel_winograd_multiplies_more_than_im2col() -> None:
    rows = {row["layer"]: row for row in forward_multiplications()}
    total = {layer: row["winograd products"] + row["winograd transforms"]
             for layer, row in rows.items()}
    # One input channel: the transforms make Winograd's count more than twice im2col's.
    assert total["1->16 @28"] > 2 * rows["1->16 @28"]["im2col"]
    assert rows["1->16 @28"]["winograd transforms"] > rows["1->16 @28"]["winograd products"]
    # More channels: below im2col, by less than the products' 2.25 alone.
    for layer in ("16->32 @28", "64->64 @14"):
        assert total[layer] < rows[layer]["im2col"] < 2.25 * total[layer]


def test_the_transform_counts_are_the_shapes_of_nns_products() -> None:
    # 16x16 times 16 x (C L), 4x16 times 16 x (O L): what WinogradTiles multiplies.
    c, o, size = LAYERS[1]
    tiles = WinogradTiles((8, c, size, size), o, (1, 1, 1, 1), np.dtype(np.float32))
    assert tiles._b.shape == (16, 16) and tiles._a.shape == (4, 16)
    assert tiles.transformed.shape == (16, c * tiles.n_positions)
    row = forward_multiplications()[1]
    assert row["winograd transforms"] == (256 * c + 64 * o) * tiles.n_positions + 84 * o * c
