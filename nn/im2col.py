"""im2col and col2im on the *padded grid*: the column matrix behind ``nn.Conv2d``.

A convolution becomes one matrix product once every receptive field of the input is copied
into a column of a matrix (*im2col*); its input gradient adds every column back onto the
pixels it came from (*col2im*). :class:`ConvGrid` does both for one input shape with one
whole-array copy per kernel tap (and, at stride 1, a col2im that is a single sum over a
strided view), keeping its buffers from one call to the next. :func:`im2col` and
:func:`col2im` are the same as plain functions.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

Pair = tuple[int, int]
#: Padding as ``(top, bottom, left, right)``; ``'same'`` may need one more on the bottom/right.
Padding4 = tuple[int, int, int, int]


class ConvGrid:
    """im2col and col2im for one input shape, on the *padded grid*, with reusable buffers.

    The padded input is stored channel by channel, each channel's ``N`` padded images one
    after another in one flat row of ``x_flat``. A window whose top-left corner sits at
    position ``p`` of that row reads kernel tap ``(i, j)`` at ``p + i d_H W_p + j d_W``
    (``W_p`` is the padded width). So the row of the column matrix for ``(c, i, j)`` is row
    ``c`` of ``x_flat`` shifted by that offset: at stride 1, one long contiguous copy.

    The price is a few extra columns: there is one for every position of the padded grid
    (every ``s``-th one at stride ``s``), not only for the ``H_out x W_out`` positions where
    a whole window fits. Their products are dropped from the output, and their gradient is
    zero. For 28x28 images with padding 1 the grid is 30x30: 15% more columns, in exchange
    for copies that run over whole rows instead of 28 numbers at a time.

    Parameters
    ----------
    x_shape : (N, C, H, W)
    kernel_size, stride, dilation : (int, int)
    padding : (top, bottom, left, right)
    dtype : the dtype of the buffers

    Attributes
    ----------
    grid : (H_grid, W_grid)
        Grid positions per image along each axis, :math:`\\lceil H_p / s_H \\rceil` and
        :math:`\\lceil W_p / s_W \\rceil`; output ``(h, w)`` is grid position ``(h, w)``.
    cols : array, shape (C * kH * kW, N * H_grid * W_grid)
        The column matrix, rewritten by every :meth:`im2col`.
    """

    def __init__(
        self,
        x_shape: tuple[int, int, int, int],
        kernel_size: Pair,
        stride: Pair,
        padding: Padding4,
        dilation: Pair,
        dtype: np.dtype,
    ) -> None:
        n, c, h, w = x_shape
        (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
        top, bottom, left, right = padding
        self.x_shape, self.kernel_size, self.stride = x_shape, kernel_size, stride
        self.padding, self.dilation = padding, dilation
        # --8<-- [start:grid]
        hp, wp = self.padded = (h + top + bottom, w + left + right)
        self.grid = (-(-hp // sh), -(-wp // sw))  # ceil(hp / sh), ceil(wp / sw)
        # Offset of kernel tap (i, j) from the window's corner, in the flat row.
        self.shifts = [i * dh * wp + j * dw for i in range(kh) for j in range(kw)]
        self.size = n * hp * wp
        # Zeros around every image (the padding) and after the last one (read by the
        # windows of the last grid positions, whose products are dropped).
        self.x_flat = np.zeros((c, self.size + self.shifts[-1]), dtype)
        # The column matrix is the middle of rows that have `margin` zeros on either side,
        # which col2im reads (see there); the matrix products read it with a row stride.
        margin, n_cols = self.shifts[-1], n * self.grid[0] * self.grid[1]
        self._rows = np.zeros((c * kh * kw, margin + n_cols + margin), dtype)
        self.cols = self._rows[:, margin : margin + n_cols]
        # --8<-- [end:grid]
        self._grad_flat: np.ndarray | None = None

    # --8<-- [start:im2col]
    def taps(self, flat: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """``(k, view)`` for each kernel tap: the view, shape ``(C, N, H_grid, W_grid)``, is
        what tap ``k`` of every window reads from ``flat`` (a view, not a copy)."""
        (sh, sw), (hp, wp), n = self.stride, self.padded, self.x_shape[0]
        for k, shift in enumerate(self.shifts):
            images = flat[:, shift : shift + self.size].reshape(-1, n, hp, wp)
            yield k, images[:, :, ::sh, ::sw]

    def interior(self, flat: np.ndarray) -> np.ndarray:
        """The view of ``flat`` that holds the unpadded images, shape ``(C, N, H, W)``."""
        (n, _, h, w), (hp, wp), (top, _, left, _) = self.x_shape, self.padded, self.padding
        images = flat[:, : self.size].reshape(-1, n, hp, wp)
        return images[:, :, top : top + h, left : left + w]

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """``cols[(c, i, j), (n, h, w)] = x_padded[n, c, h s_H + i d_H, w s_W + j d_W]``.

        Returns :attr:`cols` (not a copy): ``x`` of shape (N, C, H, W) -> (C kH kW, N H_grid
        W_grid). Channels lead both the rows and ``x_flat``, so the weight, reshaped to
        ``(O, C kH kW)``, multiplies it as it is stored.
        """
        self.interior(self.x_flat)[...] = x.transpose(1, 0, 2, 3)  # the padding stays zero
        return self.rebuild_cols()

    def rebuild_cols(self) -> np.ndarray:
        """Fill :attr:`cols` from ``x_flat``: one copy per kernel tap, no other loop."""
        n_taps = len(self.shifts)
        cols = self.cols.reshape(-1, n_taps, self.x_shape[0], *self.grid)
        for k, view in self.taps(self.x_flat):
            cols[:, k] = view
        return self.cols
    # --8<-- [end:im2col]

    # --8<-- [start:col2im]
    def col2im(self, cols: np.ndarray) -> np.ndarray:
        """The adjoint of :meth:`im2col`: add every column back onto the pixels it was read
        from. ``cols`` (C kH kW, N H_grid W_grid) -> a new array of shape (N, C, H, W).

        Overlapping windows add up. At stride 1 that is one sum over the taps of
        :meth:`aligned_taps`, which reads the matrix once; at other strides, one slice-add
        per tap. Either way no ``np.add.at``, and sums that land in the padding are dropped.
        """
        if self._grad_flat is None:
            self._grad_flat = np.empty_like(self.x_flat)
        grad_flat = self._grad_flat
        if cols is not self.cols:
            self.cols[...] = cols
        if self.stride == (1, 1):
            # Column p of tap k lands on p + shift_k: with every row moved by its shift,
            # the gradient of the flat row is a sum over the taps.
            np.add.reduce(self.aligned_taps(), axis=(1, 2), out=grad_flat)
        else:
            grad_flat[...] = 0
            cols = self.cols.reshape(-1, len(self.shifts), self.x_shape[0], *self.grid)
            for k, view in self.taps(grad_flat):
                view += cols[:, k]
        return np.ascontiguousarray(self.interior(grad_flat).transpose(1, 0, 2, 3))

    def aligned_taps(self) -> np.ndarray:
        """At stride 1, every row of :attr:`cols` moved to where its numbers land.

        A read-only view ``v`` of shape ``(C, kH, kW, len(x_flat))``:
        ``v[c, i, j, q] = cols[(c, i, j), q - shift]`` with ``shift = i d_H W_p + j d_W``,
        and zero where ``q - shift`` falls outside the row (in its zero margins). From tap
        ``j`` to ``j + 1`` the view moves one row on and ``d_W`` back; from ``i`` to
        ``i + 1``, ``kW`` rows on and ``d_H W_p`` back. The steps are constant, so
        ``as_strided`` describes the view without copying anything.
        """
        (kh, kw), (dh, dw), wp = self.kernel_size, self.dilation, self.padded[1]
        row, item = self._rows.shape[1], self._rows.itemsize
        start = self._rows.reshape(-1)[self.shifts[-1] :]  # where row 0's data begins
        return np.lib.stride_tricks.as_strided(
            start,
            shape=(self.x_shape[1], kh, kw, self.x_flat.shape[1]),
            strides=(
                kh * kw * row * item,  # next channel: kH kW rows on
                (kw * row - dh * wp) * item,  # next kernel row: kW rows on, d_H W_p back
                (row - dw) * item,  # next kernel column: one row on, d_W back
                item,  # next position
            ),
            writeable=False,
        )
    # --8<-- [end:col2im]


def im2col(
    x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Padding4, dilation: Pair
) -> np.ndarray:
    """:meth:`ConvGrid.im2col` as a function: a new column matrix for ``x``."""
    return ConvGrid(x.shape, kernel_size, stride, padding, dilation, x.dtype).im2col(x).copy()


def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel_size: Pair,
    stride: Pair,
    padding: Padding4,
    dilation: Pair,
) -> np.ndarray:
    """:meth:`ConvGrid.col2im` as a function, the adjoint of :func:`im2col`."""
    return ConvGrid(x_shape, kernel_size, stride, padding, dilation, cols.dtype).col2im(cols)
