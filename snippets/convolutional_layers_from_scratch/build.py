"""Tables and figures of "Convolutional layers from scratch", computed when the site is built."""

from __future__ import annotations

import statistics
import sys
import time

import matplotlib.pyplot as plt
import numpy as np

import nn
from nn.conv import conv2d_reference_forward
from nn.gradcheck import gradcheck
from snippets.convolutional_layers_from_scratch.correlate import (
    conv2d_loops,
    conv_layer,
    convolve2d,
    correlate2d,
    flip,
    input_gradient_by_full_convolution,
    output_size,
)
from snippets.convolutional_layers_from_scratch.models import Run, count_parameters, digits

# (H, k, s, p, d): same-size, strided, no padding, dilated, large kernel, stride > kernel.
SIZE_CASES = [(8, 3, 1, 1, 1), (8, 3, 2, 1, 1), (7, 3, 2, 0, 1), (8, 3, 1, 2, 2),
              (28, 5, 1, 0, 1), (10, 2, 3, 0, 1)]
GRADCHECK_TOLERANCE = 1e-6


def print_output_sizes() -> None:
    """Each case by the formula and by the shape nn.Conv2d actually returns."""
    print("| H | k | s | p | d | formula | nn.Conv2d output |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for h, k, s, p, d in SIZE_CASES:
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, rng=0)
        shape = layer(np.zeros((1, 1, h, h))).shape
        print(f"| {h} | {k} | {s} | {p} | {d} | {output_size(h, k, s, p, d)} | "
              f"{shape[2]} x {shape[3]} |")


FLIP_X = np.arange(16.0).reshape(4, 4)
FLIP_W = np.array([[1.0, 2.0], [3.0, 4.0]])


def print_flip_example() -> None:
    def show(name: str, a: np.ndarray) -> None:
        print(name)
        print(np.array2string(a, formatter={"float_kind": lambda v: f"{v:5.0f}"}))
        print()

    show("x =", FLIP_X)
    show("w =", FLIP_W)
    show("correlate2d(x, w) =", correlate2d(FLIP_X, FLIP_W))
    show("convolve2d(x, w) =", convolve2d(FLIP_X, FLIP_W))
    show("correlate2d(x, flip(w)) =", correlate2d(FLIP_X, flip(FLIP_W)))


# --8<-- [start:speed]
def implementations(batch=8, seed=0):
    """The same layer three ways, each a call with no arguments; they must agree."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 2, 8, 8))
    w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    layer = conv_layer(w, b, padding=1)
    pad = (1, 1, 1, 1)  # nn's reference takes (top, bottom, left, right)
    runs = {
        "loops over every multiply-add": lambda: conv2d_loops(x, w, b, padding=1),
        "loops over output numbers (nn reference)":
            lambda: conv2d_reference_forward(x, w, b, padding=pad),
        "im2col + one matrix product (nn.Conv2d)": lambda: layer(x),
    }
    outputs = [run() for run in runs.values()]  # also a warm-up
    for y in outputs[1:]:  # all three must compute the same thing
        np.testing.assert_allclose(y, outputs[0], rtol=1e-12, atol=1e-12)
    return runs


def speed_comparison(repeats=5, seed=0):
    """Median seconds per forward pass of each implementation, run in turns so that
    background load slows all of them alike (im2col: 50 calls timed at once)."""
    runs = implementations(seed=seed)
    calls = {name: 50 if "im2col" in name else 1 for name in runs}
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            for _ in range(calls[name]):
                run()
            times[name].append((time.perf_counter() - start) / calls[name])
    return {name: statistics.median(t) for name, t in times.items()}


def python_lines(run):
    """Lines of Python that run() executes, NumPy's own Python included: the
    interpreter's share of the work, which no other program's load changes."""
    count = 0
    previous = sys.gettrace()  # the build records which functions ran: keep it

    def trace(frame, event, arg):
        nonlocal count
        if event == "call" and previous is not None:
            previous(frame, event, arg)
        count += event == "line"
        return trace

    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(previous)
    return count
# --8<-- [end:speed]


OUTPUTS = 8 * 4 * 8 * 8  # N O H_out W_out at batch 8, as implementations() builds it
MULTIPLY_ADDS = OUTPUTS * 2 * 3 * 3  # times C kH kW


def python_lines_by_batch(batches=(8, 16)) -> dict[str, list[int]]:
    """Python lines per forward pass of each implementation, for each batch size."""
    counts: dict[str, list[int]] = {}
    for batch in batches:
        for name, run in implementations(batch).items():
            counts.setdefault(name, []).append(python_lines(run))
    return counts


def print_speed(seconds: dict[str, float], lines: dict[str, list[int]]) -> None:
    fastest = min(seconds.values())
    print("| implementation | time per forward pass | slower than im2col by "
          "| Python lines run, batch 8 | batch 16 |")
    print("| --- | --- | --- | ---: | ---: |")
    for name, value in seconds.items():
        print(f"| {name} | {value * 1e3:.3f} ms | {value / fastest:,.0f}x "
              f"| {lines[name][0]:,} | {lines[name][1]:,} |")
    loops, reference, im2col = (counts[0] for counts in lines.values())
    print(f"\nAt batch 8 ({MULTIPLY_ADDS:,} multiply-adds, {OUTPUTS:,} output numbers): "
          f"{loops / MULTIPLY_ADDS:.1f} lines of Python per multiply-add in the loops, "
          f"{reference / OUTPUTS:.1f} per output number in the reference, {im2col} in all "
          "for im2col.")


def gradient_errors(seed: int = 0) -> list[tuple[str, str, tuple[int, ...], float]]:
    """Relative error of each analytic gradient against centred differences, float64, for
    the scalar L = sum(layer(x) * R) with a fixed random R."""
    rng = np.random.default_rng(seed)
    cases = [
        ("Conv2d(2, 3, 3, stride=2, padding=1, dilation=2)",
         nn.Conv2d(2, 3, 3, stride=2, padding=1, dilation=2, rng=seed), (2, 2, 7, 7)),
        ("Conv2d(3, 4, 3, padding=1)", nn.Conv2d(3, 4, 3, padding=1, rng=seed), (2, 3, 5, 5)),
        ("MaxPool2d(2)", nn.MaxPool2d(2), (2, 3, 6, 6)),
        ("MaxPool2d(3, stride=2)", nn.MaxPool2d(3, stride=2), (2, 3, 7, 7)),
    ]
    rows = []
    for name, layer, shape in cases:
        x = rng.standard_normal(shape)
        r = rng.standard_normal(layer(x).shape)
        layer.zero_grad()
        grad_x = layer.backward(r)
        tensors = [("input", x, grad_x)]
        tensors += [(p.name, p.data, p.grad.copy()) for p in layer.parameters()]
        for what, array, analytic in tensors:
            error = gradcheck(lambda *_, layer=layer, x=x, r=r: float(np.sum(layer(x) * r)),
                              [array], [analytic], rtol=GRADCHECK_TOLERANCE)
            rows.append((name, what, array.shape, error))
    return rows


def print_gradient_check(rows) -> None:
    """One row per layer, one column per tensor the gradient is taken with respect to."""
    errors: dict[str, dict[str, float]] = {}
    for name, what, _, error in rows:
        errors.setdefault(name, {})[what] = error
    print("| layer | input | weight | bias | all below 1e-6 |")
    print("| --- | --- | --- | --- | --- |")
    for name, by_tensor in errors.items():
        cells = [f"{by_tensor[w]:.1e}" if w in by_tensor else "no parameters"
                 if w == "weight" else "" for w in ("input", "weight", "bias")]
        ok = all(e < GRADCHECK_TOLERANCE for e in by_tensor.values())
        print(f"| `{name}` | " + " | ".join(cells) + f" | {'yes' if ok else '**no**'} |")


def full_convolution_gap(seed: int = 0) -> float:
    """Largest difference between nn.Conv2d.backward's input gradient and the full
    convolution of G with the flipped kernel (stride 1, padding 1)."""
    rng = np.random.default_rng(seed)
    layer = nn.Conv2d(3, 4, 3, padding=1, rng=seed)
    x = rng.standard_normal((2, 3, 6, 6))
    g = rng.standard_normal(layer(x).shape)
    by_backward = layer.backward(g)
    by_convolution = input_gradient_by_full_convolution(g, layer.weight.data, padding=1)
    return float(np.max(np.abs(by_backward - by_convolution)))


POOL_X = np.array([[1.0, 3.0, 2.0, 0.0],
                   [4.0, 2.0, 1.0, 5.0],
                   [0.0, 1.0, 7.0, 2.0],
                   [6.0, 2.0, 3.0, 1.0]])[None, None]
POOL_G = np.array([[10.0, 20.0], [30.0, 40.0]])[None, None]


def print_pool_example() -> None:
    pool = nn.MaxPool2d(2)
    y = pool(POOL_X)
    grad_x = pool.backward(POOL_G)
    fmt = {"float_kind": lambda v: f"{v:3.0f}"}
    for name, a in [("x =", POOL_X), ("y = MaxPool2d(2)(x) =", y),
                    ("G = dL/dy =", POOL_G), ("dL/dx =", grad_x)]:
        print(name)
        print(np.array2string(a[0, 0], formatter=fmt))
        print()


def summary(results: dict[str, list[Run]]) -> dict[str, dict[str, float]]:
    return {name: {"parameters": count_parameters(runs[0].model),
                   "mean": float(np.mean([run.final_accuracy for run in runs]))}
            for name, runs in results.items()}


def print_comparison(results: dict[str, list[Run]], seeds: tuple[int, ...]) -> None:
    n_test = len(digits()[3])
    print("| network | parameters | "
          + " | ".join(f"test accuracy, seed {s}" for s in seeds) + " | mean |")
    print("| --- | --- | " + " | ".join("---" for _ in seeds) + " | --- |")
    for name, runs in results.items():
        accuracies = [run.final_accuracy for run in runs]
        cells = " | ".join(f"{a:.4f} ({round((1 - a) * n_test)} wrong)" for a in accuracies)
        print(f"| {name} | {count_parameters(runs[0].model):,} | {cells} | "
              f"{np.mean(accuracies):.4f} |")


def plot_accuracy(results: dict[str, list[Run]]) -> plt.Figure:
    figure, axes = plt.subplots(
        figsize=(6.4, 3.0),
        label="Test accuracy after each epoch of the CNN and the MLP for each seed: both "
        "climb quickly and end close together, near 0.98 to 0.99",
    )
    for (name, runs), colour in zip(results.items(), ["tab:blue", "tab:orange"], strict=True):
        for k, run in enumerate(runs):
            epochs = np.arange(1, len(run.test_accuracy) + 1)
            axes.plot(epochs, run.test_accuracy, color=colour, alpha=0.8,
                      label=name if k == 0 else None)
    axes.set(xlabel="epoch", ylabel="test accuracy", ylim=(0.9, 1.0))
    axes.legend(loc="lower right")
    return figure


def plot_feature_maps(model: nn.Sequential, shown: int = 6) -> plt.Figure:
    """A test digit, the first few learned 3x3 kernels and what each makes of the digit."""
    image = digits()[1][:1]  # (1, 1, 8, 8)
    maps = model[1](model[0](image))[0]  # after Conv2d and ReLU: (16, 8, 8)
    kernels = model[0].weight.data[:, 0]  # (16, 3, 3)
    figure, axes = plt.subplots(
        2, shown + 1, figsize=(8.0, 2.9),
        label=f"A handwritten test digit, {shown} of the 3x3 kernels the CNN learned, and "
        "below each kernel the 8x8 feature map it produces from the digit after ReLU; "
        "each map highlights different parts of the digit's strokes",
    )
    axes[0, 0].imshow(image[0, 0], cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=9)
    for k in range(shown):
        limit = np.abs(kernels[k]).max()
        axes[0, k + 1].imshow(kernels[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[0, k + 1].set_title(f"kernel {k}", fontsize=9)
        axes[1, k + 1].imshow(maps[k], cmap="magma")
    for a in axes.flat:
        a.set_xticks([])
        a.set_yticks([])
    axes[1, 0].axis("off")
    axes[1, 0].text(0.5, 0.5, "after\nReLU", ha="center", va="center", fontsize=9,
                    transform=axes[1, 0].transAxes)
    return figure
