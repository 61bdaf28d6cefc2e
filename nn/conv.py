"""Two-dimensional convolution, ``torch.nn.Conv2d``, by im2col or Winograd's F(2x2, 3x3).

Like PyTorch, the layer computes a cross-correlation of an ``(N, C, H, W)`` input ``x`` with a
weight ``W`` of shape ``(O, C, kH, kW)``: with stride :math:`s`, dilation :math:`d` and the
input zero-padded to :math:`x^p`,

.. math:: y_{n,o,h,w} = b_o + \\sum_{c,i,j} W_{o,c,i,j}\\,
          x^p_{n,\\,c,\\,h s_H + i d_H,\\,w s_W + j d_W},

of shape ``(N, O, H_out, W_out)`` with (and the same along the width)

.. math:: H_\\text{out} = \\left\\lfloor \\frac{H + p_\\text{top} + p_\\text{bottom}
          - d_H (k_H - 1) - 1}{s_H} \\right\\rfloor + 1.

The general path gathers every receptive field into the columns of a matrix (*im2col*), so
the sum over ``(c, i, j)`` becomes one matrix product. The backward pass is two more products
and *col2im*, which adds each column back where it came from; both are in :mod:`nn.im2col`.
For 3x3 kernels at stride 1 and dilation 1 there is a second path, Winograd's F(2x2, 3x3)
(:mod:`nn.winograd`), which needs 16 multiplications per 2x2 block of outputs instead of 36;
``Conv2d(..., algorithm=...)`` chooses (see :func:`choose_algorithm`).
``conv2d_reference_forward`` and ``conv2d_reference_backward`` compute the same with plain
loops; the tests use them as oracles.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from nn.checks import check_array, check_dim, float_dtype
from nn.im2col import ConvGrid, Padding4, Pair
from nn.init import as_generator, kaiming_uniform_, uniform_
from nn.module import Module, Parameter
from nn.winograd import WinogradTiles, filter_transform, filter_transform_adjoint

ALGORITHMS = ("auto", "im2col", "winograd")

#: ``algorithm="auto"`` takes Winograd for a 3x3 kernel at stride 1 and dilation 1 from this
#: many input channels on; see :func:`choose_algorithm` for the measurement behind it.
WINOGRAD_MIN_IN_CHANNELS = 16


def winograd_applies(kernel_size: Pair, stride: Pair, dilation: Pair) -> bool:
    """Whether F(2x2, 3x3) computes this convolution: a 3x3 kernel, stride 1, dilation 1."""
    return kernel_size == (3, 3) and stride == (1, 1) and dilation == (1, 1)


def choose_algorithm(
    algorithm: str, in_channels: int, kernel_size: Pair, stride: Pair, dilation: Pair,
    owner: str = "Conv2d",
) -> Literal["im2col", "winograd"]:
    """The path a layer takes: ``algorithm`` itself, or for ``"auto"`` the rule below.

    ``"winograd"`` for a layer it cannot compute raises ``ValueError`` naming the argument,
    what F(2x2, 3x3) needs and what it got.

    **The rule.** ``"auto"`` takes Winograd for a 3x3 kernel at stride 1 and dilation 1
    with at least ``WINOGRAD_MIN_IN_CHANNELS = 16`` input channels, and im2col for every
    other layer. (``Conv2d`` has no groups, so every layer is ``groups=1``.)

    **The measurement behind it.** ``benchmarks/bench_conv.py`` (float32, batch 64,
    forward + backward, the two paths timed in turns; benchmarks/RESULTS.md) gave, as
    im2col's time over Winograd's, with one BLAS thread and CPU time (``--process-time``,
    which the other work on the shared 2-core machine disturbs least): 0.23 for 1->16,
    0.84-1.00 for 8->16, 1.28 for 16->16, 1.16 for 16->32 and 1.25 for 32->32 at 28x28;
    1.59 for 64->64 and 1.49 for 32->64 at 14x14; 1.70 for 128->128 at 7x7 (and, in a
    scan the same way, 0.79 for 4->16). So Winograd wins from 16 input channels on, breaks
    about even at 8 and loses below: per pixel its transforms cost in proportion to
    :math:`C + O`, the multiplications it saves in proportion to :math:`C O`. With two
    threads the margin is smaller, because the products run on both cores and most of the
    transforms' copies on one (RESULTS.md has that run).
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"{owner}: algorithm must be 'auto', 'im2col' or 'winograd', got {algorithm!r}"
        )
    if algorithm == "winograd":
        for name, value, needed in [
            ("kernel_size", kernel_size, (3, 3)),
            ("stride", stride, (1, 1)),
            ("dilation", dilation, (1, 1)),
        ]:
            if value != needed:
                raise ValueError(
                    f"{owner}: algorithm='winograd' (F(2x2, 3x3)) needs {name}={needed}, "
                    f"got {name}={value}"
                )
        return "winograd"
    if algorithm == "auto" and winograd_applies(kernel_size, stride, dilation):
        return "winograd" if in_channels >= WINOGRAD_MIN_IN_CHANNELS else "im2col"
    return "im2col"


def to_pair(value: int | tuple[int, int], what: str, owner: str, minimum: int) -> Pair:
    """``3 -> (3, 3)``; ``(3, 5)`` stays; anything else, or a value below ``minimum``, raises."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair
    ):
        raise TypeError(f"{owner}: {what} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{owner}: {what} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def same_padding(kernel_size: Pair, dilation: Pair) -> Padding4:
    """The padding that keeps ``H_out = H`` and ``W_out = W`` at stride 1.

    The total along an axis is :math:`d(k - 1)`; like PyTorch, the first side gets
    ``total // 2`` and the second side the rest, so an even kernel pads one more on the
    bottom and on the right.
    """
    (kh, kw), (dh, dw) = kernel_size, dilation
    total_h, total_w = dh * (kh - 1), dw * (kw - 1)
    return total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2


def conv2d_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """:math:`\\lfloor (\\text{size} + \\text{padding} - d(k - 1) - 1) / s \\rfloor + 1`.

    ``padding`` is the total added along the axis (``2p`` for a symmetric ``p``).
    """
    return (size + padding - dilation * (kernel - 1) - 1) // stride + 1


def check_kernel_fits(
    x_shape: tuple[int, ...], kernel_size: Pair, padding: Padding4, dilation: Pair, owner: str
) -> None:
    """Raise ``ValueError`` if the dilated kernel does not fit in the padded input."""
    top, bottom, left, right = padding
    padded = (x_shape[2] + top + bottom, x_shape[3] + left + right)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation, strict=True))
    if extent[0] > padded[0] or extent[1] > padded[1]:
        raise ValueError(
            f"{owner}: the (dilated) kernel {extent[0]}x{extent[1]} is larger than the "
            f"padded input {padded[0]}x{padded[1]} (input shape {x_shape})"
        )


class Conv2d(Module):
    """A 2-D convolution (cross-correlation) over an ``(N, C, H, W)`` batch.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C`` and ``O``.
    kernel_size : int or (int, int)
    stride : int or (int, int)
    padding : int, (int, int), 'same' or 'valid'
        Zeros added on both sides of each axis. ``'valid'`` is 0; ``'same'`` keeps the
        spatial size (stride 1 only) and, for an even dilated extent, pads one more on the
        bottom/right, like PyTorch.
    dilation : int or (int, int)
        Spacing between kernel taps.
    bias : bool
    algorithm : 'auto', 'im2col' or 'winograd'
        How the layer computes: im2col and matrix products (any kernel, stride, dilation),
        or Winograd's F(2x2, 3x3) (3x3 kernel, stride 1, dilation 1 only; asking for it
        with another geometry is a ``ValueError``). ``'auto'`` takes Winograd where the
        benchmark shows it faster, see :func:`choose_algorithm`; the path taken is
        :attr:`chosen_algorithm` and shows in the layer's ``repr``.
    dtype : float32 or float64
        The parameters' dtype; inputs must match it (a mismatch is a ``TypeError``), so
        float32 in gives float32 out.
    rng : numpy.random.Generator, int or None
        Source of the initial values; an int is a seed.

    Attributes
    ----------
    weight : Parameter, shape (O, C, kH, kW)
        PyTorch's default: :math:`U(-1/\\sqrt{\\text{fan\\_in}}, 1/\\sqrt{\\text{fan\\_in}})`,
        :math:`\\text{fan\\_in} = C k_H k_W`.
    bias : Parameter or None, shape (O,)
        The same distribution.
    chosen_algorithm : 'im2col' or 'winograd'
        The path ``forward`` and ``backward`` take.

    Shapes
    ------
    input ``(N, C, H, W)`` -> output ``(N, O, H_out, W_out)``, see :func:`conv2d_output_size`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair | Literal["same", "valid"] = 0,
        dilation: int | Pair = 1,
        bias: bool = True,
        *,
        algorithm: Literal["auto", "im2col", "winograd"] = "auto",
        dtype: type | np.dtype = np.float64,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        owner = "Conv2d"
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"{owner}: in_channels and out_channels must be positive, "
                f"got {in_channels} and {out_channels}"
            )
        dtype = float_dtype(dtype, owner)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = to_pair(kernel_size, "kernel_size", owner, 1)
        self.stride = to_pair(stride, "stride", owner, 1)
        self.dilation = to_pair(dilation, "dilation", owner, 1)
        if padding == "same":
            if self.stride != (1, 1):
                raise ValueError(
                    f"{owner}: padding='same' is not supported for strided convolutions "
                    f"(stride={self.stride}), as in PyTorch"
                )
            self._padding4 = same_padding(self.kernel_size, self.dilation)
        elif padding == "valid":
            self._padding4 = (0, 0, 0, 0)
        elif isinstance(padding, str):
            raise ValueError(f"{owner}: padding string must be 'same' or 'valid', got {padding!r}")
        else:
            padding = to_pair(padding, "padding", owner, 0)
            self._padding4 = (padding[0], padding[0], padding[1], padding[1])
        self.padding = padding
        self.algorithm = algorithm
        self.chosen_algorithm = choose_algorithm(
            algorithm, in_channels, self.kernel_size, self.stride, self.dilation, owner
        )

        rng = as_generator(rng)
        kh, kw = self.kernel_size
        self.weight = Parameter(np.empty((out_channels, in_channels, kh, kw), dtype), "weight")
        # kaiming_uniform_(a=sqrt(5)) is PyTorch's default, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        kaiming_uniform_(self.weight, rng, a=math.sqrt(5))
        self.bias = None
        if bias:
            bound = 1.0 / math.sqrt(in_channels * kh * kw)
            self.bias = Parameter(np.empty(out_channels, dtype), "bias")
            uniform_(self.bias, rng, -bound, bound)
        # im2col's geometry and buffers for the last input shape, and two more buffers: the
        # product before it is cropped, and the output gradient spread on the grid.
        self._grid: ConvGrid | None = None
        self._y_grid: np.ndarray | None = None
        self._grad_grid: np.ndarray | None = None
        self._cols_hold_input = False  # False once backward has reused grid.cols
        # The Winograd path's transforms and buffers for the last input shape.
        self._tiles: WinogradTiles | None = None
        self._filters: np.ndarray | None = None  # U = G g G^T of the last forward
        self._tiles_hold_input = False  # False once backward has reused tiles.transformed

    def output_shape(self, input_shape: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """``(N, O, H_out, W_out)`` for an input of shape ``(N, C, H, W)``."""
        n, _, h, w = input_shape
        top, bottom, left, right = self._padding4
        return (
            n,
            self.out_channels,
            conv2d_output_size(
                h, self.kernel_size[0], self.stride[0], top + bottom, self.dilation[0]
            ),
            conv2d_output_size(
                w, self.kernel_size[1], self.stride[1], left + right, self.dilation[1]
            ),
        )

    def _check_input(self, x: np.ndarray) -> None:
        owner = repr(self)
        check_array(x, owner, ndim=4)
        check_dim(x, 1, self.in_channels, owner, "input channels (shape[1])")
        if x.dtype != self.weight.data.dtype:
            raise TypeError(
                f"{owner}: input dtype {x.dtype} does not match the parameters' dtype "
                f"{self.weight.data.dtype}; cast the input or build the layer with dtype={x.dtype}"
            )
        check_kernel_fits(x.shape, self.kernel_size, self._padding4, self.dilation, owner)

    def _grid_for(self, x: np.ndarray) -> ConvGrid:
        """The layer's :class:`ConvGrid` for ``x``; a new one only when the shape changes."""
        grid = self._grid
        if grid is None or grid.x_shape != x.shape or grid.cols.dtype != x.dtype:
            grid = ConvGrid(
                x.shape, self.kernel_size, self.stride, self._padding4, self.dilation, x.dtype
            )
            n_cols = grid.cols.shape[1]
            self._y_grid = np.empty((self.out_channels, n_cols), x.dtype)
            self._grad_grid = np.zeros((self.out_channels, x.shape[0], *grid.grid), x.dtype)
            self._grid = grid
        return grid

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x`` of shape ``(N, C, H, W)`` -> ``y`` of shape ``(N, O, H_out, W_out)``.

        With ``cols = im2col(x)`` of shape ``(C kH kW, N H_grid W_grid)``, ``y`` is the
        product :math:`W_{(O, C k_H k_W)} \\cdot \\text{cols} + b`, cropped to the output
        positions and reordered from ``(O, N, ...)`` to ``(N, O, ...)``.
        """
        self._check_input(x)
        if self.chosen_algorithm == "winograd":
            return self._winograd_forward(x)
        weight = self.weight.data
        out_channels = weight.shape[0]
        n, _, h_out, w_out = self.output_shape(x.shape)
        # --8<-- [start:forward]
        grid = self._grid_for(x)  # buffers, reused while the input shape stays the same
        cols = grid.im2col(x)  # (C*kH*kW, N*H_grid*W_grid)
        y_grid = np.matmul(weight.reshape(out_channels, -1), cols, out=self._y_grid)
        if self.bias is not None:
            y_grid += self.bias.data[:, None]
        y_grid = y_grid.reshape(out_channels, n, *grid.grid)[:, :, :h_out, :w_out]
        y = np.empty((n, out_channels, h_out, w_out), x.dtype)  # a new array for the caller
        np.copyto(y, y_grid.transpose(1, 0, 2, 3))
        self._cols_hold_input = True  # what backward needs
        return y
        # --8<-- [end:forward]

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Given :math:`G = \\partial L/\\partial y` of shape ``(N, O, H_out, W_out)``,
        spread on the grid (zero at the extra positions) and flattened to
        :math:`G_{(O,\\,N H_\\text{grid} W_\\text{grid})}`, accumulate

        .. math:: \\frac{\\partial L}{\\partial W} \\mathrel{+}= G\\,\\text{cols}^\\top,
                  \\qquad \\frac{\\partial L}{\\partial b_o} \\mathrel{+}= \\textstyle
                  \\sum_{n,h,w} G_{n,o,h,w},

        and return :math:`\\partial L/\\partial x = \\text{col2im}(W^\\top G)`, of shape
        ``(N, C, H, W)``.
        """
        if self.chosen_algorithm == "winograd":
            return self._winograd_backward(grad_output)
        grid, grad_grid = self._grid, self._grad_grid
        if grid is None or grad_grid is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        self._check_grad_output(grad_output, grid.x_shape)
        weight = self.weight.data
        out_channels, h_out, w_out = grad_output.shape[1:]
        if not self._cols_hold_input:  # a second backward after one forward
            grid.rebuild_cols()
        # --8<-- [start:backward]
        grad_grid[:, :, :h_out, :w_out] = grad_output.transpose(1, 0, 2, 3)  # zero elsewhere
        grad = grad_grid.reshape(out_channels, -1)  # (O, N*H_grid*W_grid)
        # (cols @ G^T)^T is G cols^T; BLAS runs this orientation faster here.
        self.weight.grad += (grid.cols @ grad.T).T.reshape(weight.shape)
        if self.bias is not None:
            self.bias.grad += grad.sum(axis=1)
        # The columns are not needed any more: their gradient overwrites them.
        grad_cols = np.matmul(weight.reshape(out_channels, -1).T, grad, out=grid.cols)
        self._cols_hold_input = False
        return grid.col2im(grad_cols)
        # --8<-- [end:backward]

    def _check_grad_output(self, grad_output: np.ndarray, x_shape: tuple[int, ...]) -> None:
        expected = self.output_shape(x_shape)
        if grad_output.shape != expected:
            raise ValueError(
                f"{self!r}: expected grad_output of shape {expected}, got {grad_output.shape}"
            )

    def _tiles_for(self, x: np.ndarray) -> WinogradTiles:
        """The layer's :class:`~nn.winograd.WinogradTiles` for ``x``; new when the shape
        or dtype changes."""
        tiles = self._tiles
        if tiles is None or tiles.x_shape != x.shape or tiles.phases.dtype != x.dtype:
            tiles = WinogradTiles(x.shape, self.out_channels, self._padding4, x.dtype)
            self._tiles = tiles
        return tiles

    # --8<-- [start:winograd]
    def _winograd_forward(self, x: np.ndarray) -> np.ndarray:
        """F(2x2, 3x3): ``M[k] = U[k] V[k]`` for the 16 positions ``k`` of the transformed
        tile, then ``y = A^T M A`` tile by tile (:mod:`nn.winograd`)."""
        tiles = self._tiles_for(x)
        transformed = tiles.input_transform(x)  # V: (16, C*L)
        filters = self._filters = filter_transform(self.weight.data)  # U: (16, O, C)
        products = np.matmul(  # M: (16, O, L)
            filters, transformed.reshape(16, self.in_channels, -1), out=tiles.products
        )
        if self.bias is not None:
            # Column (1, 1) of A^T is all ones in both factors of A^T M A, so b added to
            # M[1, 1] reaches all four outputs of each tile: 1/16 of M, not all of y.
            products[5] += self.bias.data[:, None]
        self._tiles_hold_input = True
        return tiles.output_transform(products)

    def _winograd_backward(self, grad_output: np.ndarray) -> np.ndarray:
        """With :math:`\\bar M = \\partial L/\\partial M` from the output gradient,
        :math:`\\partial L/\\partial U_k = \\bar M_k V_k^\\top`,
        :math:`\\partial L/\\partial V_k = U_k^\\top \\bar M_k`, and the adjoints of the
        filter and input transforms map these back to the kernel and the input."""
        tiles, filters = self._tiles, self._filters
        if tiles is None or filters is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        self._check_grad_output(grad_output, tiles.x_shape)
        if not self._tiles_hold_input:  # a second backward after one forward
            tiles.rebuild_transformed()
        tiles.spread_output_gradient(grad_output)
        transformed = tiles.transformed.reshape(16, self.in_channels, -1)  # V: (16, C, L)
        grad_filters = np.empty((16, self.in_channels, self.out_channels), filters.dtype)
        for row in range(4):  # the 4 products of one row of the transformed tile at a time
            positions = slice(4 * row, 4 * row + 4)
            grad_products = tiles.output_transform_adjoint(row)  # (4, O, L)
            # V dM^T, the transpose of dM V^T: BLAS runs this orientation faster here.
            np.matmul(transformed[positions], grad_products.transpose(0, 2, 1),
                      out=grad_filters[positions])
            if row == 1 and self.bias is not None:
                self.bias.grad += grad_products[1].sum(axis=1)  # the adjoint of the bias trick
            # These rows of V are not needed any more: their gradient overwrites them.
            np.matmul(filters[positions].transpose(0, 2, 1), grad_products,
                      out=transformed[positions])
        self.weight.grad += filter_transform_adjoint(grad_filters.transpose(0, 2, 1))
        self._tiles_hold_input = False
        return tiles.input_transform_adjoint(tiles.transformed)
    # --8<-- [end:winograd]

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        if winograd_applies(self.kernel_size, self.stride, self.dilation):
            text += f", algorithm={self.chosen_algorithm!r}"  # where there is a choice
        return text


# --8<-- [start:reference]
def conv2d_reference_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: Pair = (1, 1),
    padding: Padding4 = (0, 0, 0, 0),
    dilation: Pair = (1, 1),
) -> np.ndarray:
    """The convolution, one output number at a time. Slow; the tests' oracle.

    .. math:: y_{n,o,h,w} = b_o + \\sum_{c,i,j} W_{o,c,i,j}\\,
              x^p_{n,c,h s_H + i d_H, w s_W + j d_W}

    Shapes: ``x`` (N, C, H, W), ``weight`` (O, C, kH, kW), ``bias`` (O,) or None ->
    (N, O, H_out, W_out). ``padding`` is (top, bottom, left, right).
    """
    n_batch, _, h, w = x.shape
    n_out, _, kh, kw = weight.shape
    (sh, sw), (top, bottom, left, right), (dh, dw) = stride, padding, dilation
    x_padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    h_out = conv2d_output_size(h, kh, sh, top + bottom, dh)
    w_out = conv2d_output_size(w, kw, sw, left + right, dw)
    y = np.zeros((n_batch, n_out, h_out, w_out), dtype=x.dtype)
    for n in range(n_batch):
        for o in range(n_out):
            for row in range(h_out):
                for col in range(w_out):
                    r0, c0 = row * sh, col * sw
                    rows = slice(r0, r0 + dh * (kh - 1) + 1, dh)
                    cols = slice(c0, c0 + dw * (kw - 1) + 1, dw)
                    field = x_padded[n, :, rows, cols]  # (C, kH, kW)
                    y[n, o, row, col] = np.sum(weight[o] * field)
                    if bias is not None:
                        y[n, o, row, col] += bias[o]
    return y


def conv2d_reference_backward(
    grad_output: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: Pair = (1, 1),
    padding: Padding4 = (0, 0, 0, 0),
    dilation: Pair = (1, 1),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx, dweight, dbias)`` of the loss, one output number at a time.

    Each :math:`y_{n,o,h,w}` read a field of :math:`x^p` and the kernel :math:`W_o`, so its
    gradient :math:`g` sends :math:`g\\,W_o` back to that field, :math:`g` times the field to
    :math:`\\partial L/\\partial W_o`, and :math:`g` to :math:`\\partial L/\\partial b_o`.
    """
    n_batch, _, h, w = x.shape
    n_out, _, kh, kw = weight.shape
    (sh, sw), (top, bottom, left, right), (dh, dw) = stride, padding, dilation
    x_padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    grad_x_padded = np.zeros_like(x_padded)
    grad_weight = np.zeros_like(weight)
    grad_bias = np.zeros(n_out, dtype=weight.dtype)
    _, _, h_out, w_out = grad_output.shape
    for n in range(n_batch):
        for o in range(n_out):
            for row in range(h_out):
                for col in range(w_out):
                    r0, c0 = row * sh, col * sw
                    rows = slice(r0, r0 + dh * (kh - 1) + 1, dh)
                    cols = slice(c0, c0 + dw * (kw - 1) + 1, dw)
                    g = grad_output[n, o, row, col]
                    grad_x_padded[n, :, rows, cols] += g * weight[o]
                    grad_weight[o] += g * x_padded[n, :, rows, cols]
                    grad_bias[o] += g
    grad_x = grad_x_padded[:, :, top : top + h, left : left + w]
    return grad_x, grad_weight, grad_bias
# --8<-- [end:reference]
