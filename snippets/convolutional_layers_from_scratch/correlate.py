"""Convolution written out as loops, next to the library's vectorized ``nn.Conv2d``."""

from __future__ import annotations

import numpy as np

import nn


# --8<-- [start:output_size]
def output_size(size, kernel, stride=1, padding=0, dilation=1):
    """How many places a kernel fits along one axis of the padded input."""
    span = dilation * (kernel - 1) + 1  # from the first tap to the last
    return (size + 2 * padding - span) // stride + 1
# --8<-- [end:output_size]


# --8<-- [start:flip]
def correlate2d(x, w):
    """Cross-correlation: slide w over x, a dot product at each place."""
    kh, kw = w.shape
    y = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = sum(w[u, v] * x[i + u, j + v]
                          for u in range(kh) for v in range(kw))
    return y


def convolve2d(x, w):
    """Convolution, (x * w)[a, b] = sum of w[u, v] x[a - u, b - v], kept
    where the kernel lies wholly inside x ("valid")."""
    kh, kw = w.shape
    y = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            a, b = i + kh - 1, j + kw - 1  # so that a - u >= 0 for every u
            y[i, j] = sum(w[u, v] * x[a - u, b - v]
                          for u in range(kh) for v in range(kw))
    return y


def flip(w):
    """Turn a kernel by 180 degrees: reverse its last two axes."""
    return w[..., ::-1, ::-1]
# --8<-- [end:flip]


# --8<-- [start:loops]
def conv2d_loops(x, w, b, stride=1, padding=0, dilation=1):
    """y[n,o,i,j] = b[o] + sum over c, u, v of
    w[o,c,u,v] * x[n, c, i*s + u*d - p, j*s + v*d - p], zero outside x."""
    N, C, H, W = x.shape
    O, _, kH, kW = w.shape
    H_out = output_size(H, kH, stride, padding, dilation)
    W_out = output_size(W, kW, stride, padding, dilation)
    y = np.zeros((N, O, H_out, W_out))
    for n in range(N):
        for o in range(O):
            for i in range(H_out):
                for j in range(W_out):
                    total = b[o]
                    for c in range(C):
                        for u in range(kH):
                            for v in range(kW):
                                r = i * stride + u * dilation - padding
                                q = j * stride + v * dilation - padding
                                if 0 <= r < H and 0 <= q < W:  # else padding
                                    total += w[o, c, u, v] * x[n, c, r, q]
                    y[n, o, i, j] = total
    return y
# --8<-- [end:loops]


def conv_layer(weight: np.ndarray, bias: np.ndarray | None = None, stride: int = 1,
               padding: int = 0, dilation: int = 1) -> nn.Conv2d:
    """An ``nn.Conv2d`` holding the given weight (O, C, kH, kW) and bias (O,)."""
    n_out, channels, k_h, k_w = weight.shape
    layer = nn.Conv2d(channels, n_out, (k_h, k_w), stride, padding, dilation,
                      bias=bias is not None)
    layer.weight.data = np.array(weight, dtype=np.float64)
    if bias is not None:
        layer.bias.data = np.array(bias, dtype=np.float64)
    return layer


# --8<-- [start:full_convolution]
def input_gradient_by_full_convolution(grad_output, weight, padding=0):
    """dL/dx of a layer with stride 1 and no dilation: G padded by k - 1 - p,
    cross-correlated with the kernel turned by 180 degrees, channels swapped."""
    k = weight.shape[-1]
    kernel = flip(weight).transpose(1, 0, 2, 3)  # (C, O, k, k): O -> C now
    return conv_layer(kernel, padding=k - 1 - padding)(grad_output)
# --8<-- [end:full_convolution]
