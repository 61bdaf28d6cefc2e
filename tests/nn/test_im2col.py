"""ConvGrid: the padded-grid column matrix, its buffers, and col2im's stride-1 reduction."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.conv import same_padding
from nn.im2col import ConvGrid, im2col


@st.composite
def grids(draw: st.DrawFn, stride: tuple[int, int] | None = None) -> ConvGrid:
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = stride or (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if draw(st.booleans()):
        padding = same_padding(kernel, dilation)  # asymmetric for even extents
    else:
        padding = tuple(draw(st.integers(0, 2)) for _ in range(4))
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    h = draw(st.integers(max(1, extent[0] - padding[0] - padding[1]), extent[0] + 5))
    w = draw(st.integers(max(1, extent[1] - padding[2] - padding[3]), extent[1] + 5))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w)
    return ConvGrid(shape, kernel, stride, padding, dilation, np.dtype(np.float64))


def col2im_by_taps(grid: ConvGrid, cols: np.ndarray) -> np.ndarray:
    """col2im the plain way: one addition per kernel tap."""
    flat = np.zeros_like(grid.x_flat)
    cols = cols.reshape(-1, len(grid.shifts), grid.x_shape[0], *grid.grid)
    for k, view in grid.taps(flat):
        view += cols[:, k]
    return np.ascontiguousarray(grid.interior(flat).transpose(1, 0, 2, 3))


@settings(max_examples=80, deadline=None)
@given(grids(stride=(1, 1)), st.integers(0, 2**32 - 1))
def test_stride_one_reduction_equals_one_addition_per_tap(grid: ConvGrid, seed: int) -> None:
    cols = np.random.default_rng(seed).standard_normal(grid.cols.shape)
    expected = col2im_by_taps(grid, cols)
    np.testing.assert_allclose(grid.col2im(cols), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(grids(), st.integers(0, 2**32 - 1))
def test_margins_and_padding_stay_zero_between_calls(grid: ConvGrid, seed: int) -> None:
    # The reduction reads the column rows' margins and im2col reads x_flat's padding: both
    # must still be zero after the buffers have been used.
    rng = np.random.default_rng(seed)
    for _ in range(2):
        grid.im2col(rng.standard_normal(grid.x_shape))
        grid.col2im(rng.standard_normal(grid.cols.shape))
        grid.cols[...] = rng.standard_normal(grid.cols.shape)  # as the backward pass does
    margin = grid.shifts[-1]
    rows = grid.cols.base if grid.cols.base is not None else grid.cols
    assert not rows[:, :margin].any() and not rows[:, margin + grid.cols.shape[1]:].any()
    outside = grid.x_flat.copy()
    grid.interior(outside)[...] = 0
    assert not outside.any()


def test_im2col_function_returns_a_copy_not_the_buffer() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
    first = im2col(x, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1))
    assert first.flags.owndata and first.flags.c_contiguous
    # column (c=0, i=1, j=1) of grid position (0, 0, 0) is the centre tap: x[0, 0, 0, 0]
    assert first[4, 0] == x[0, 0, 0, 0]
