"""Conv2d designs side by side: nn's im2col on the padded grid against einsum on strided views.

A plain script: ``python benchmarks/bench_conv_designs.py``. Same setting as
``bench_conv.py`` (float32, batch 64, 28x28, 3x3, padding 1, 1->16 and 16->32), forward and
backward (input, weight and bias gradients), timed in turns by ``bench_conv.median_seconds``.

The einsum design: ``sliding_window_view`` presents every 3x3 window of the padded input as a
view, and ``np.einsum(..., optimize=True)`` contracts it with the weight (forward) or with the
output gradient (weight gradient). The input gradient has no einsum form through col2im, so
it uses the stride-1 identity of the post "Convolutional layers from scratch": a correlation
of the padded output gradient with the flipped kernel. All four results are checked against
nn before timing. For the exact im2col of the previous version, run
``bench_conv.py --against 0215003``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_conv import BATCH, CHANNELS, KERNEL, PADDING, SIZE, case, median_seconds  # noqa: E402

from nn.conv import Conv2d  # noqa: E402


def windows(a: np.ndarray) -> np.ndarray:
    """Every 3x3 window of ``a`` padded by 1, shape (N, C, H, W, 3, 3), as a view."""
    padded = np.pad(a, ((0, 0), (0, 0), (PADDING, PADDING), (PADDING, PADDING)))
    return sliding_window_view(padded, (KERNEL, KERNEL), axis=(2, 3))


def einsum_step(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> Callable[[], tuple]:
    weight, bias = layer.weight.data, layer.bias.data

    def step() -> tuple:
        x_windows = windows(x)
        y = np.einsum("nchwij,ocij->nohw", x_windows, weight, optimize=True)
        y = np.ascontiguousarray(y + bias[:, None, None])
        grad_weight = np.einsum("nohw,nchwij->ocij", grad, x_windows, optimize=True)
        grad_bias = grad.sum(axis=(0, 2, 3))
        flipped = weight[:, :, ::-1, ::-1]
        grad_x = np.einsum("nohwij,ocij->nchw", windows(grad), flipped, optimize=True)
        return y, np.ascontiguousarray(grad_x), grad_weight, grad_bias

    return step


def einsum_forward(layer: Conv2d, x: np.ndarray) -> Callable[[], np.ndarray]:
    weight, bias = layer.weight.data, layer.bias.data
    return lambda: np.ascontiguousarray(
        np.einsum("nchwij,ocij->nohw", windows(x), weight, optimize=True) + bias[:, None, None]
    )


def nn_step(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> Callable[[], tuple]:
    def step() -> tuple:
        layer.zero_grad()
        y = layer.forward(x)
        return y, layer.backward(grad), layer.weight.grad, layer.bias.grad

    return step


def main() -> None:
    print(f"Conv2d {KERNEL}x{KERNEL}, padding {PADDING}, float32, batch {BATCH}, {SIZE}x{SIZE}; "
          "forward + backward, median ms")
    print()
    header = "| {:18} | nn (im2col, padded grid) | einsum on strided views | einsum / nn |"
    print(header.format("layer"))
    print("|--------------------|--------------------------|-------------------------|"
          "-------------|")
    rng = np.random.default_rng(0)
    for in_channels, out_channels in CHANNELS:
        layer, x, grad = case(in_channels, out_channels, rng)
        steps = [nn_step(layer, x, grad), einsum_step(layer, x, grad)]
        for ours, theirs in zip(steps[0](), steps[1](), strict=True):
            scale = max(1.0, float(np.abs(ours).max()))
            assert np.abs(ours - theirs).max() / scale < 1e-4, "einsum design disagrees with nn"
        np.testing.assert_allclose(einsum_forward(layer, x)(), layer.forward(x), atol=1e-4)
        nn_seconds, einsum_seconds, nn_forward, einsum_fwd = median_seconds(
            [*steps, partial(layer.forward, x), einsum_forward(layer, x)]
        )
        name = f"{in_channels}->{out_channels}"
        for label, ours, theirs in [(f"{name} fwd+bwd", nn_seconds, einsum_seconds),
                                    (f"{name} forward", nn_forward, einsum_fwd)]:
            print(f"| {label:18} | {ours * 1e3:24.2f} | {theirs * 1e3:23.2f} | "
                  f"{theirs / ours:10.2f}x |")


if __name__ == "__main__":
    main()
