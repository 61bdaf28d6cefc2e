"""Max and average pooling over ``(N, C, H, W)`` batches: ``torch.nn.MaxPool2d``, ``AvgPool2d``.

Both slide a ``kH x kW`` window with stride :math:`s` over each channel separately. Max
pooling keeps the largest number of each window and sends the gradient back to it alone;
average pooling keeps the mean and spreads the gradient evenly. The output size is the
convolution's, :math:`\\lfloor (H + 2p - d(k-1) - 1)/s \\rfloor + 1`.

The fast paths work on a strided view of all windows at once; the loops over kernel offsets
in the backward passes have ``kH * kW`` steps, each a whole-array operation.
``*_reference_forward`` / ``*_reference_backward`` compute the same one window at a time,
as the tests' oracles.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nn.checks import check_array
from nn.conv import check_kernel_fits, conv2d_output_size, to_pair
from nn.im2col import Padding4, Pair
from nn.module import Module


class _Pool2d(Module):
    """What both pools share: arguments, input checks, output size."""

    def __init__(
        self,
        kernel_size: int | Pair,
        stride: int | Pair | None,
        padding: int | Pair,
        dilation: int | Pair,
    ) -> None:
        owner = type(self).__name__
        self.kernel_size = to_pair(kernel_size, "kernel_size", owner, 1)
        self.stride = self.kernel_size if stride is None else to_pair(stride, "stride", owner, 1)
        self.padding = to_pair(padding, "padding", owner, 0)
        self.dilation = to_pair(dilation, "dilation", owner, 1)
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError(
                f"{owner}: padding must be at most half the kernel size, "
                f"got padding={self.padding} for kernel_size={self.kernel_size}"
            )
        self._padding4: Padding4 = (ph, ph, pw, pw)
        self._x_shape: tuple[int, int, int, int] | None = None

    def _check_input(self, x: np.ndarray) -> None:
        owner = repr(self)
        check_array(x, owner, ndim=4)
        check_kernel_fits(x.shape, self.kernel_size, self._padding4, self.dilation, owner)

    def output_shape(self, input_shape: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """``(N, C, H_out, W_out)`` for an input of shape ``(N, C, H, W)``."""
        n, c, h, w = input_shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (
            self.kernel_size, self.stride, self.padding, self.dilation
        )
        return (
            n,
            c,
            conv2d_output_size(h, kh, sh, 2 * ph, dh),
            conv2d_output_size(w, kw, sw, 2 * pw, dw),
        )

    def _check_grad(self, grad_output: np.ndarray) -> tuple[int, int, int, int]:
        x_shape = self._x_shape
        if x_shape is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        expected = self.output_shape(x_shape)
        if grad_output.shape != expected:
            raise ValueError(
                f"{self!r}: expected grad_output of shape {expected}, got {grad_output.shape}"
            )
        return x_shape

    def _windows(self, x_padded: np.ndarray) -> np.ndarray:
        """A read-only view of every window: ``(N, C, H_out, W_out, kH, kW)``."""
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.stride, self.dilation
        windows = sliding_window_view(x_padded, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), (2, 3))
        return windows[:, :, ::sh, ::sw, ::dh, ::dw]

    def _scatter(
        self,
        pieces: Callable[[int, int], np.ndarray],
        x_shape: tuple[int, int, int, int],
        dtype: np.dtype,
    ) -> np.ndarray:
        """Add ``pieces(i, j)`` (shape ``(N, C, H_out, W_out)``) onto the pixels that kernel
        offset ``(i, j)`` read, for every offset; return the sum cropped to ``x_shape``."""
        n, c, h, w = x_shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (
            self.kernel_size, self.stride, self.padding, self.dilation
        )
        _, _, h_out, w_out = self.output_shape(x_shape)
        grad_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dtype)
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dh, i * dh + sh * (h_out - 1) + 1, sh)
                cols = slice(j * dw, j * dw + sw * (w_out - 1) + 1, sw)
                grad_padded[:, :, rows, cols] += pieces(i, j)
        return np.ascontiguousarray(grad_padded[:, :, ph : ph + h, pw : pw + w])

    def extra_repr(self) -> str:
        text = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text


class MaxPool2d(_Pool2d):
    """The largest number of each window, per channel.

    .. math:: y_{n,c,h,w} = \\max_{i,j}\\; x^p_{n,\\,c,\\,h s_H + i d_H,\\,w s_W + j d_W},

    where :math:`x^p` is ``x`` padded with :math:`-\\infty` (so padding never wins). The
    gradient goes to the position of the maximum alone; on a tie, to the first in row-major
    window order, like PyTorch. Overlapping windows (stride < kernel) add up. A dilated
    window lying wholly in the padding gives :math:`-\\infty` and passes no gradient, as in
    PyTorch.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int, (int, int) or None
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        At most half the kernel size, as in PyTorch.
    dilation : int or (int, int)

    Shapes
    ------
    input ``(N, C, H, W)`` -> output ``(N, C, H_out, W_out)``, same dtype.
    """

    def __init__(
        self,
        kernel_size: int | Pair,
        stride: int | Pair | None = None,
        padding: int | Pair = 0,
        dilation: int | Pair = 1,
    ) -> None:
        super().__init__(kernel_size, stride, padding, dilation)
        self._argmax: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x`` of shape ``(N, C, H, W)`` -> window maxima, ``(N, C, H_out, W_out)``."""
        self._check_input(x)
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        # --8<-- [start:max_forward]
        x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        windows = self._windows(x_padded)  # (N, C, H_out, W_out, kH, kW), a view
        windows = windows.reshape(*windows.shape[:4], kh * kw)  # one copy
        argmax = windows.argmax(axis=-1)  # first maximum on ties, like PyTorch
        self._argmax, self._x_shape = argmax, x.shape
        return np.take_along_axis(windows, argmax[..., None], axis=-1)[..., 0]
        # --8<-- [end:max_forward]

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Route each :math:`\\partial L/\\partial y_{n,c,h,w}` to the input position that
        was the window's maximum; return :math:`\\partial L/\\partial x`, ``(N, C, H, W)``."""
        x_shape = self._check_grad(grad_output)
        argmax, kw = self._argmax, self.kernel_size[1]
        # --8<-- [start:max_backward]
        # Offset (i, j) of the window receives the gradient where it was the argmax.
        return self._scatter(
            lambda i, j: np.where(argmax == i * kw + j, grad_output, 0),
            x_shape,
            grad_output.dtype,
        )
        # --8<-- [end:max_backward]


class AvgPool2d(_Pool2d):
    """The mean of each window, per channel.

    .. math:: y_{n,c,h,w} = \\frac{1}{k_H k_W}
              \\sum_{i,j} x^p_{n,\\,c,\\,h s_H + i,\\,w s_W + j},

    with ``x`` zero-padded. With ``count_include_pad=False`` the divisor is instead the
    number of non-padding positions in the window. Each input position receives
    :math:`\\partial L/\\partial y` divided by the same divisor, from every window it is in.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int, (int, int) or None
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        At most half the kernel size, as in PyTorch.
    count_include_pad : bool
        Whether padded zeros count in the divisor (PyTorch's default, True).

    Shapes
    ------
    input ``(N, C, H, W)`` -> output ``(N, C, H_out, W_out)``, same dtype.
    """

    def __init__(
        self,
        kernel_size: int | Pair,
        stride: int | Pair | None = None,
        padding: int | Pair = 0,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, 1)
        self.count_include_pad = count_include_pad
        self._divisor: np.ndarray | None = None

    def _divisor_for(self, x: np.ndarray) -> np.ndarray:
        """The divisor of each window, shape ``(H_out, W_out)``, in ``x``'s dtype."""
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if self.count_include_pad:
            return np.full(self.output_shape(x.shape)[2:], kh * kw, dtype=x.dtype)
        ones = np.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
        inside = np.pad(ones, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # 1 inside, 0 in padding
        return self._windows(inside).sum(axis=(-2, -1))[0, 0]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x`` of shape ``(N, C, H, W)`` -> window means, ``(N, C, H_out, W_out)``."""
        self._check_input(x)
        ph, pw = self.padding
        # --8<-- [start:avg_forward]
        x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        divisor = self._divisor_for(x)  # (H_out, W_out)
        self._divisor, self._x_shape = divisor, x.shape
        return self._windows(x_padded).sum(axis=(-2, -1)) / divisor
        # --8<-- [end:avg_forward]

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Spread each :math:`\\partial L/\\partial y_{n,c,h,w}` evenly over its window;
        return :math:`\\partial L/\\partial x`, ``(N, C, H, W)``."""
        x_shape = self._check_grad(grad_output)
        # --8<-- [start:avg_backward]
        share = grad_output / self._divisor  # what each position of a window receives
        return self._scatter(lambda i, j: share, x_shape, grad_output.dtype)
        # --8<-- [end:avg_backward]

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if not self.count_include_pad:
            text += ", count_include_pad=False"
        return text


# --8<-- [start:reference]
def max_pool2d_reference_forward(
    x: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima, one window at a time, and where each was (row, col in ``x``).

    Returns ``y`` of shape ``(N, C, H_out, W_out)`` and ``where`` of shape
    ``(N, C, H_out, W_out, 2)``. Scanning the window in row-major order and replacing the
    best only on a strictly larger value keeps the first maximum on ties. A window with no
    position inside ``x`` (possible with dilation) gives ``-inf`` at ``(-1, -1)``.
    """
    n_batch, n_channels, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    h_out = conv2d_output_size(h, kh, sh, 2 * ph, dh)
    w_out = conv2d_output_size(w, kw, sw, 2 * pw, dw)
    y = np.empty((n_batch, n_channels, h_out, w_out), dtype=x.dtype)
    where = np.empty((n_batch, n_channels, h_out, w_out, 2), dtype=int)
    for n in range(n_batch):
        for c in range(n_channels):
            for row in range(h_out):
                for col in range(w_out):
                    best, best_at = -np.inf, (-1, -1)
                    for i in range(kh):
                        for j in range(kw):
                            r = row * sh + i * dh - ph  # position in the unpadded x
                            q = col * sw + j * dw - pw
                            if 0 <= r < h and 0 <= q < w and x[n, c, r, q] > best:
                                best, best_at = x[n, c, r, q], (r, q)
                    y[n, c, row, col] = best
                    where[n, c, row, col] = best_at
    return y, where


def max_pool2d_reference_backward(
    grad_output: np.ndarray, x_shape: tuple[int, ...], where: np.ndarray
) -> np.ndarray:
    """Each output's gradient added to the input position of its maximum, if it has one."""
    grad_x = np.zeros(x_shape, dtype=grad_output.dtype)
    n_batch, n_channels, h_out, w_out = grad_output.shape
    for n in range(n_batch):
        for c in range(n_channels):
            for row in range(h_out):
                for col in range(w_out):
                    r, q = where[n, c, row, col]
                    if r >= 0:  # a dilated window can lie wholly in the padding: -inf, no grad
                        grad_x[n, c, r, q] += grad_output[n, c, row, col]
    return grad_x


def avg_pool2d_reference_forward(
    x: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    count_include_pad: bool = True,
) -> np.ndarray:
    """Window means, one window at a time; padding counts as zeros."""
    n_batch, n_channels, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    h_out = conv2d_output_size(h, kh, sh, 2 * ph, 1)
    w_out = conv2d_output_size(w, kw, sw, 2 * pw, 1)
    y = np.empty((n_batch, n_channels, h_out, w_out), dtype=x.dtype)
    for n in range(n_batch):
        for c in range(n_channels):
            for row in range(h_out):
                for col in range(w_out):
                    total, inside = 0.0, 0
                    for i in range(kh):
                        for j in range(kw):
                            r, q = row * sh + i - ph, col * sw + j - pw
                            if 0 <= r < h and 0 <= q < w:
                                total += x[n, c, r, q]
                                inside += 1
                    y[n, c, row, col] = total / (kh * kw if count_include_pad else inside)
    return y


def avg_pool2d_reference_backward(
    grad_output: np.ndarray,
    x_shape: tuple[int, ...],
    kernel_size: Pair,
    stride: Pair,
    padding: Pair = (0, 0),
    count_include_pad: bool = True,
) -> np.ndarray:
    """Each output's gradient, divided by its window's divisor, added to every input
    position of the window."""
    _, _, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    grad_x = np.zeros(x_shape, dtype=grad_output.dtype)
    n_batch, n_channels, h_out, w_out = grad_output.shape
    for n in range(n_batch):
        for c in range(n_channels):
            for row in range(h_out):
                for col in range(w_out):
                    positions = [
                        (row * sh + i - ph, col * sw + j - pw)
                        for i in range(kh)
                        for j in range(kw)
                        if 0 <= row * sh + i - ph < h and 0 <= col * sw + j - pw < w
                    ]
                    divisor = kh * kw if count_include_pad else len(positions)
                    for r, q in positions:
                        grad_x[n, c, r, q] += grad_output[n, c, row, col] / divisor
    return grad_x
# --8<-- [end:reference]
