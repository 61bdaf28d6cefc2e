"""Winograd's minimal filtering F(2x2, 3x3): a 3x3 convolution with 16 products per 2x2 tile.

A 3x3 cross-correlation at stride 1 computes each output from nine input numbers, so a 2x2
block of outputs (a *tile*) costs :math:`4 \\cdot 9 = 36` multiplications per input and output
channel. Winograd's F(2, 3) computes two outputs of a 3-tap correlation from four inputs with
four multiplications instead of six; nested along both axes it computes a 2x2 tile from a 4x4
input tile with 16:

.. math:: Y = A^\\top \\left[ (G\\, g\\, G^\\top) \\odot (B^\\top d\\, B) \\right] A,

with ``d`` the 4x4 input tile, ``g`` the 3x3 kernel, :math:`\\odot` the element-wise product
and the constant matrices :data:`B_T`, :data:`G`, :data:`A_T`. Summed over input channels, the
element-wise product becomes 16 independent matrix products, one per position
:math:`(\\xi, \\nu)` of the 4x4 transformed tile:

.. math:: M_{\\xi\\nu} = U_{\\xi\\nu}\\, V_{\\xi\\nu}, \\qquad
          U_{\\xi\\nu} \\in \\mathbb{R}^{O \\times C},\\;
          V_{\\xi\\nu} \\in \\mathbb{R}^{C \\times P},

where ``U`` holds the transformed kernels, ``V`` the transformed input tiles and ``P`` is the
number of tiles. :func:`filter_transform` makes ``U``; :class:`WinogradTiles` makes ``V`` and
turns ``M`` back into the output, and does the adjoints of both for the backward pass.
``nn.Conv2d(..., algorithm="winograd")`` puts them together.
"""

from __future__ import annotations

import numpy as np

from nn.im2col import Padding4

# --8<-- [start:matrices]
#: The input transform :math:`B^\top` (4x4): the four combinations of ``d0..d3`` that F(2, 3)
#: multiplies, ``d0 - d2``, ``d1 + d2``, ``d2 - d1``, ``d1 - d3``.
B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
#: The filter transform :math:`G` (4x3): ``g0``, ``(g0 + g1 + g2) / 2``, ``(g0 - g1 + g2) / 2``,
#: ``g2``.
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
#: The output transform :math:`A^\top` (2x4): ``y0 = m1 + m2 + m3``, ``y1 = m2 - m3 - m4``.
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)
# --8<-- [end:matrices]


def filter_transform(weight: np.ndarray) -> np.ndarray:
    """:math:`U = G\\, g\\, G^\\top` for every kernel, laid out for the 16 matrix products.

    ``weight`` (O, C, 3, 3) -> ``U`` (16, O, C), contiguous, in ``weight``'s dtype:
    ``U[4 xi + nu, o, c] = (G weight[o, c] G^T)[xi, nu]``. Two matrix products over all
    kernels at once: :math:`g G^\\top` along the kernels' rows, then :math:`G (\\cdot)`.
    """
    g = G.astype(weight.dtype)
    out_channels, in_channels = weight.shape[:2]
    kernels = out_channels * in_channels
    right = weight.reshape(kernels * 3, 3) @ g.T  # rows (o, c, i), columns nu
    right = right.reshape(kernels, 3, 4).transpose(1, 0, 2).reshape(3, kernels * 4)
    both = (g @ right).reshape(4, kernels, 4)  # (xi, (o, c), nu)
    return np.ascontiguousarray(both.transpose(0, 2, 1)).reshape(16, out_channels, in_channels)


def filter_transform_adjoint(grad_u: np.ndarray) -> np.ndarray:
    """The gradient of :func:`filter_transform`: ``grad_u`` (16, O, C) -> (O, C, 3, 3).

    :math:`U = G g G^\\top` is linear in ``g``, so :math:`\\partial L/\\partial g =
    G^\\top (\\partial L/\\partial U)\\, G` for every ``(o, c)``.
    """
    g = G.astype(grad_u.dtype)
    out_channels, in_channels = grad_u.shape[1:]
    kernels = out_channels * in_channels
    left = g.T @ grad_u.reshape(4, 4 * kernels)  # (i, (nu, o, c))
    left = left.reshape(3, 4, kernels).transpose(2, 0, 1)  # ((o, c), i, nu)
    return (left.reshape(kernels * 3, 4) @ g).reshape(out_channels, in_channels, 3, 3)


def tile_reference(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """One tile the slow, readable way: ``d`` (4, 4), ``g`` (3, 3) -> (2, 2),
    :math:`A^\\top [(G g G^\\top) \\odot (B^\\top d B)] A`, the valid cross-correlation of
    ``d`` with ``g``."""
    return A_T @ ((G @ g @ G.T) * (B_T @ d @ B_T.T)) @ A_T.T


class WinogradTiles:
    """The input and output transforms of F(2x2, 3x3) for one input shape, with buffers.

    **Tiles.** Output tile ``(t, u)`` is the 2x2 block of outputs at rows ``2t, 2t + 1`` and
    columns ``2u, 2u + 1``; it reads the 4x4 block of the padded input that starts at row
    ``2t`` and column ``2u``. Neighbouring input tiles overlap by two rows or columns. There
    are :math:`T_H = \\lceil H_\\text{out} / 2 \\rceil` tile rows (one more output row than
    needed when :math:`H_\\text{out}` is odd; it is dropped) and :math:`T_W` tile columns.

    **Phases.** Tiles start on even rows and columns, so the padded input is stored as its
    four *phases*: even rows and even columns, even rows and odd columns, and so on, each an
    ``(T_H + 1) x (T_W + 1)`` grid per image. Element ``(i, j)`` of tile ``(t, u)`` is
    element ``(t + i // 2, u + j // 2)`` of phase ``(i % 2, j % 2)``: element ``(i, j)`` of
    all tiles is one phase shifted by ``(i // 2, j // 2)``, and all 16 of them are a single
    strided view of the phases, gathered by one copy. Going back, the gradients of the
    elements are added onto the phases with the same shifts.

    Parameters
    ----------
    x_shape : (N, C, H, W)
    out_channels : int
        ``O``, for the sizes of the product and output buffers.
    padding : (top, bottom, left, right)
    dtype : the dtype of the buffers

    Attributes
    ----------
    tiles : (T_H, T_W)
    grid : (T_H + 1, T_W + 1)
        The phase grid, per image.
    n_positions : int
        ``L = N T_H T_W``, the tiles of all images: the columns of each of the 16 matrix
        products.
    products : array, shape (16, O, L)
        Buffer for :math:`M` (forward); its first quarter holds one row of
        :math:`\\partial L/\\partial M` at a time (backward).
    """

    def __init__(
        self,
        x_shape: tuple[int, int, int, int],
        out_channels: int,
        padding: Padding4,
        dtype: np.dtype,
    ) -> None:
        n, c, h, w = x_shape
        top, bottom, left, right = padding
        self.x_shape, self.out_channels, self.padding = x_shape, out_channels, padding
        # --8<-- [start:geometry]
        self.output_size = (h + top + bottom - 2, w + left + right - 2)
        self.tiles = tuple(-(-size // 2) for size in self.output_size)  # ceil(size / 2)
        self.grid = (self.tiles[0] + 1, self.tiles[1] + 1)  # phase grid, per image
        self.n_positions = n * self.tiles[0] * self.tiles[1]
        n_inputs = c * self.n_positions
        # The padded input's four phases; the padding stays zero.
        self.phases = np.zeros((2, 2, c, n, *self.grid), dtype)
        self._gathered = np.empty((16, n_inputs), dtype)  # tile elements; in backward, theirs
        self.transformed = np.empty((16, n_inputs), dtype)  # V, kept for the backward pass
        self.products = np.empty((16, out_channels, self.n_positions), dtype)
        self._outputs = np.empty((4, out_channels * self.n_positions), dtype)
        # --8<-- [end:geometry]
        self._grad_outputs: np.ndarray | None = None
        self._grad_rows: np.ndarray | None = None  # tile elements' gradients, phase layout
        self._margin = self.grid[1] + 1  # the largest shift
        self._grad_phases: np.ndarray | None = None
        self._b = np.kron(B_T, B_T).astype(dtype)  # (16, 16): d (flattened) -> B^T d B
        self._a = np.kron(A_T, A_T).astype(dtype)  # (4, 16): M (flattened) -> A^T M A
        self._a_t = np.ascontiguousarray(self._a.T)  # (16, 4): the adjoint

    def _phase_views(self, phases: np.ndarray) -> list[tuple[np.ndarray, tuple]]:
        """For each phase: the view of ``phases`` (2, 2, C, N, T_H + 1, T_W + 1) that holds
        the unpadded image's numbers, and the slices of ``(H, W)`` that land there."""
        (_, _, h, w), (top, _, left, _) = self.x_shape, self.padding
        views = []
        for row_phase in range(2):
            for col_phase in range(2):
                first_row, first_col = (row_phase - top) % 2, (col_phase - left) % 2
                rows, cols = len(range(first_row, h, 2)), len(range(first_col, w, 2))
                start_row, start_col = (first_row + top) // 2, (first_col + left) // 2
                view = phases[row_phase, col_phase, :, :, start_row : start_row + rows,
                              start_col : start_col + cols]
                views.append((view, (slice(first_row, None, 2), slice(first_col, None, 2))))
        return views

    def _tile_elements(self, phases: np.ndarray) -> np.ndarray:
        """A view ``e`` of the phases, shape (2, 2, 2, 2, C, N, T_H, T_W):
        ``e[i // 2, i % 2, j // 2, j % 2]`` is element ``(i, j)`` of every tile, phase
        ``(i % 2, j % 2)`` shifted by ``(i // 2, j // 2)``. Along each axis the step is
        constant, so it is a view."""
        row_phase, col_phase, channel, image, row, col = phases.strides
        return np.lib.stride_tricks.as_strided(
            phases,
            shape=(2, 2, 2, 2, *phases.shape[2:4], *self.tiles),
            strides=(row, row_phase, col, col_phase, channel, image, row, col),
            writeable=False,
        )

    # --8<-- [start:input_transform]
    def input_transform(self, x: np.ndarray) -> np.ndarray:
        """``V[4 xi + nu, (c, n, t, u)] = (B^T d B)[xi, nu]`` for the tile ``d`` of every
        channel and position. ``x`` (N, C, H, W) -> :attr:`transformed` (16, C L)."""
        x_by_channel = x.transpose(1, 0, 2, 3)
        for view, (rows, cols) in self._phase_views(self.phases):
            view[...] = x_by_channel[:, :, rows, cols]  # the padding stays zero
        return self.rebuild_transformed()

    def rebuild_transformed(self) -> np.ndarray:
        """Recompute :attr:`transformed` from the phases: one gather, one matrix product."""
        np.copyto(self._gathered.reshape(2, 2, 2, 2, *self.phases.shape[2:4], *self.tiles),
                  self._tile_elements(self.phases))
        return np.matmul(self._b, self._gathered, out=self.transformed)
    # --8<-- [end:input_transform]

    # --8<-- [start:output_transform]
    def output_transform(self, products: np.ndarray) -> np.ndarray:
        """``y = A^T M A`` tile by tile: ``products`` (16, O, L) -> a new array
        (N, O, H_out, W_out). Tile element ``(a, b)`` of every tile is output phase
        ``(a, b)``: four copies put them in place."""
        outputs = np.matmul(self._a, products.reshape(16, -1), out=self._outputs)
        outputs = outputs.reshape(2, 2, self.out_channels, self.x_shape[0], *self.tiles)
        y = np.empty((self.x_shape[0], self.out_channels, *self.output_size), products.dtype)
        for a in range(2):
            for b in range(2):
                phase = y[:, :, a::2, b::2]
                rows, cols = phase.shape[2:]
                phase[...] = outputs[a, b, :, :, :rows, :cols].transpose(1, 0, 2, 3)
        return y
    # --8<-- [end:output_transform]

    # --8<-- [start:adjoints]
    def spread_output_gradient(self, grad_output: np.ndarray) -> None:
        """Lay the output gradient (N, O, H_out, W_out) out as the outputs were: element
        ``(a, b)`` of every 2x2 tile in row ``2 a + b``; zero for the row or column of
        outputs a last tile has beyond an odd ``H_out`` or ``W_out``."""
        if self._grad_outputs is None:
            self._grad_outputs = np.zeros_like(self._outputs)  # stays zero outside the tiles
        grad_tiles = self._grad_outputs.reshape(
            2, 2, self.out_channels, self.x_shape[0], *self.tiles
        )
        for a in range(2):
            for b in range(2):
                phase = grad_output[:, :, a::2, b::2]
                rows, cols = phase.shape[2:]
                grad_tiles[a, b, :, :, :rows, :cols] = phase.transpose(1, 0, 2, 3)

    def output_transform_adjoint(self, row: int) -> np.ndarray:
        """Row ``xi = row`` of :math:`\\partial L/\\partial M = A\\, G_\\text{tile} A^\\top`
        for the output gradient's 2x2 tile :math:`G_\\text{tile}` at every position (after
        :meth:`spread_output_gradient`): the four products ``4 xi .. 4 xi + 3``, shape
        (4, O, L), in the first quarter of :attr:`products`. A row at a time, the gradient
        of the products stays small enough to be read again from the cache."""
        grad_products = self.products[:4]
        np.matmul(self._a_t[4 * row : 4 * row + 4], self._grad_outputs,
                  out=grad_products.reshape(4, -1))
        return grad_products

    def input_transform_adjoint(self, grad_transformed: np.ndarray) -> np.ndarray:
        """:math:`\\partial L/\\partial d = B\\, (\\partial L/\\partial V)\\, B^\\top` per tile,
        added back onto the pixels each tile read: (16, C L) -> a new (N, C, H, W).

        Overlapping tiles add up: element ``(i, j)`` of every tile goes back to phase
        ``(i % 2, j % 2)`` shifted by ``(i // 2, j // 2)``. Laid out like the phases, with
        rows of :math:`T_W + 1` and zeros around, such a shift is a constant offset
        ``(i // 2)(T_W + 1) + j // 2``, so all of it is one ``np.add.reduce`` over a strided
        view that lines the 16 rows up, as :meth:`nn.im2col.ConvGrid.col2im` does.
        """
        if self._grad_rows is None:
            per_phase = self.phases[0, 0].size
            self._grad_rows = np.zeros((16, per_phase + 2 * self._margin), self.phases.dtype)
            self._grad_phases = np.empty_like(self.phases)
        rows, margin = self._grad_rows, self._margin
        grad_elements = np.matmul(self._b.T, grad_transformed, out=self._gathered)
        on_grid = rows[:, margin:-margin].reshape(16, *self.phases.shape[2:])
        on_grid[..., : self.tiles[0], : self.tiles[1]] = grad_elements.reshape(
            16, *self.phases.shape[2:4], *self.tiles
        )  # the last row and column of the grid stay zero
        row, item, columns = rows.strides[0], rows.itemsize, self.grid[1]
        # aligned[i // 2, i % 2, j // 2, j % 2, q] = on_grid[4 i + j, q - shift(i, j)]
        aligned = np.lib.stride_tricks.as_strided(
            rows[:, margin:],
            shape=(2, 2, 2, 2, self.phases[0, 0].size),
            strides=(8 * row - columns * item, 4 * row, 2 * row - item, row, item),
            writeable=False,
        )
        grad_phases = self._grad_phases
        np.add.reduce(aligned, axis=(0, 2), out=grad_phases.reshape(2, 2, -1))
        grad_x = np.empty(self.x_shape, grad_transformed.dtype)
        grad_by_channel = grad_x.transpose(1, 0, 2, 3)
        for view, (rows_, cols) in self._phase_views(grad_phases):
            grad_by_channel[:, :, rows_, cols] = view
        return grad_x
    # --8<-- [end:adjoints]
