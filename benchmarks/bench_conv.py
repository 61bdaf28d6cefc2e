"""Conv2d forward + backward: nn's two paths against the loop reference and, if importable,
PyTorch.

A plain script, not a test: ``python benchmarks/bench_conv.py``. Every number in the table is
measured in this run, side by side. Setting: float32, batch 64, 3x3 kernel, padding 1, for
1->16 and 16->32 channels at 28x28 (the two convolutions of a small MNIST-style network) and
64->64 at 14x14 (a wider layer deeper in a network).

* nn, on each path (``algorithm="im2col"`` and ``"winograd"``), and PyTorch: median of
  repeated forward+backward passes (input, weight and bias grads), all of one layer timed
  in the same blocks. ``im2col / path`` is the im2col time over the row's; ``auto`` marks
  the path ``Conv2d(..., algorithm="auto")`` takes for that layer.
* loop reference: far too slow for batch 64, so it runs on a smaller batch and the time is
  scaled per sample (it is linear in the batch: one Python iteration per output number).
* PyTorch runs with ``torch.set_num_threads`` equal to NumPy's BLAS thread count.
* GEMM floor: the three matrix products of each path alone, timed in the same blocks, on
  operands of the exact size, outputs preallocated. For im2col: ``W @ cols``,
  ``G @ cols.T``, ``W.T @ G``; for Winograd, the same three as 16 products each, one per
  position of the transformed 4x4 tile (``U_k V_k``, ``V_k M_k^T``, ``U_k^T M_k``, on
  the tiles of the output: ``N ceil(H_out/2) ceil(W_out/2)`` columns). No design of the
  path can be faster than its products on this BLAS.
* ``--process-time``: times by the CPU time of this process instead of the wall clock; run
  it with ``OPENBLAS_NUM_THREADS=1`` (PyTorch then gets one thread too), when other
  processes keep the machine busy: they take wall time from a step, much less CPU time.
* ``--crossover``: also times both paths for more layers (8->16, 16->16 and 32->32 at
  28x28, 32->64 at 14x14, 128->128 at 7x7), the measurement behind ``auto``'s threshold.
* ``--against REV``: also times ``nn/conv.py`` as it was at git revision ``REV`` (loaded from
  ``git show``, using the rest of today's ``nn``), side by side with today's, for both layers.
* peak memory: ``tracemalloc`` peak during the first forward+backward of a new layer (NumPy
  reports its allocations to tracemalloc), so it includes allocating the buffers the layer
  then reuses, for each path.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nn.conv import Conv2d, conv2d_reference_backward, conv2d_reference_forward

BATCH, SIZE, KERNEL, PADDING = 64, 28, 3, 1
REFERENCE_BATCH = 2
SETTLE_SECONDS = 0.3
CLOCK = time.perf_counter  # --process-time: time.process_time
CHANNELS = [(1, 16), (16, 32)]  # at SIZE; bench_conv_designs uses these
LAYERS = [(1, 16, 28), (16, 32, 28), (64, 64, 14)]  # (in, out, image size)
PATHS = ("im2col", "winograd")


def numpy_threads() -> int | None:
    """NumPy's BLAS thread count, from threadpoolctl when it is installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else None


def median_seconds(
    steps: list[Callable[[], object]], blocks: int = 4, repeats: int = 8, warmup: int = 3
) -> list[float]:
    """Median time of each step, from :func:`step_seconds`."""
    return [statistics.median(record) for record in step_seconds(steps, blocks, repeats, warmup)]


def step_seconds(
    steps: list[Callable[[], object]], blocks: int = 4, repeats: int = 8, warmup: int = 3
) -> list[list[float]]:
    """Every timing of each step. The steps take turns in blocks, so slow background load hits
    all alike. Each block starts with a pause and a few untimed warm-up calls: after its last
    call, the other library's worker threads keep spinning for a while (OpenBLAS for about
    0.1 s by default, OpenMP for less) and would steal a core from this one."""
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(blocks):
        for step, record in zip(steps, times, strict=True):
            time.sleep(SETTLE_SECONDS)
            for _ in range(warmup):
                step()
            for _ in range(repeats):
                start = CLOCK()
                step()
                record.append(CLOCK() - start)
    return times


def nn_step(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> Callable[[], None]:
    def step() -> None:
        layer.forward(x)
        layer.backward(grad)

    return step


def gemm_step(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> Callable[[], None]:
    """The three matrix products of the layer's path, forward+backward, and nothing else."""
    if layer.chosen_algorithm == "winograd":
        return winograd_gemm_step(layer, x, grad)
    out_channels = layer.out_channels
    weight = layer.weight.data.reshape(out_channels, -1)
    rng = np.random.default_rng(1)
    n_cols = grad.shape[0] * grad.shape[2] * grad.shape[3]
    cols = rng.standard_normal((weight.shape[1], n_cols)).astype(x.dtype)
    grad_matrix = np.ascontiguousarray(grad.transpose(1, 0, 2, 3).reshape(out_channels, -1))
    y, grad_cols = np.empty((out_channels, n_cols), x.dtype), np.empty_like(cols)

    def step() -> None:
        np.matmul(weight, cols, out=y)
        cols @ grad_matrix.T  # the weight gradient, in the orientation nn uses
        np.matmul(weight.T, grad_matrix, out=grad_cols)

    return step


def winograd_gemm_step(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> Callable[[], None]:
    """Winograd's three batched products on the exact number of output tiles."""
    rng = np.random.default_rng(1)
    n, out_channels, h_out, w_out = grad.shape
    tiles = n * -(-h_out // 2) * -(-w_out // 2)
    filters = rng.standard_normal((16, out_channels, layer.in_channels)).astype(x.dtype)
    transformed = rng.standard_normal((16, layer.in_channels, tiles)).astype(x.dtype)
    grad_products = rng.standard_normal((16, out_channels, tiles)).astype(x.dtype)
    products, grad_transformed = np.empty_like(grad_products), np.empty_like(transformed)

    def step() -> None:
        np.matmul(filters, transformed, out=products)
        np.matmul(transformed, grad_products.transpose(0, 2, 1))  # as nn orients it
        np.matmul(filters.transpose(0, 2, 1), grad_products, out=grad_transformed)

    return step


def new_layer(
    in_channels: int, out_channels: int, conv2d: type = Conv2d, algorithm: str | None = None
) -> Conv2d:
    """The benchmark's layer: 3x3, padding 1, float32, seed 0 (``conv2d``: another version's;
    ``algorithm``: the path, or None for the class's default)."""
    extra = {} if algorithm is None else {"algorithm": algorithm}
    return conv2d(in_channels, out_channels, KERNEL, padding=PADDING, dtype=np.float32, rng=0,
                  **extra)


def case(
    in_channels: int,
    out_channels: int,
    rng: np.random.Generator,
    size: int = SIZE,
    algorithm: str = "im2col",
) -> tuple[Conv2d, np.ndarray, np.ndarray]:
    """A new layer on the given path, a batch for it and an output gradient, all float32."""
    layer = new_layer(in_channels, out_channels, algorithm=algorithm)
    x = rng.standard_normal((BATCH, in_channels, size, size)).astype(np.float32)
    grad = rng.standard_normal(layer.output_shape(x.shape)).astype(np.float32)
    return layer, x, grad


def peak_bytes(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> int:
    def fresh() -> Conv2d:
        return new_layer(layer.in_channels, layer.out_channels, algorithm=layer.chosen_algorithm)

    fresh().forward(x)  # warm NumPy and BLAS
    layer = fresh()  # its buffers count in the peak
    tracemalloc.start()
    tracemalloc.reset_peak()
    layer.forward(x)
    layer.backward(grad)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def bench_reference(layer: Conv2d, x: np.ndarray, grad: np.ndarray) -> float:
    """Seconds per sample of the loop reference, forward + backward."""
    x, grad = x[:REFERENCE_BATCH], grad[:REFERENCE_BATCH]
    args = {"stride": layer.stride, "padding": layer._padding4, "dilation": layer.dilation}
    start = time.perf_counter()
    conv2d_reference_forward(x, layer.weight.data, layer.bias.data, **args)
    conv2d_reference_backward(grad, x, layer.weight.data, **args)
    return (time.perf_counter() - start) / REFERENCE_BATCH


def torch_step_and_difference(
    torch, layer: Conv2d, x: np.ndarray, grad: np.ndarray
) -> tuple[Callable[[], object], float]:
    """PyTorch's forward+backward step, and the largest relative difference from nn over
    y, dx, dW, db."""
    twin = torch.nn.Conv2d(layer.in_channels, layer.out_channels, KERNEL, padding=PADDING)
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight.data))
        twin.bias.copy_(torch.from_numpy(layer.bias.data))
    x_torch = torch.from_numpy(x.copy()).requires_grad_()
    grad_torch = torch.from_numpy(grad)

    def step():
        twin.zero_grad()
        x_torch.grad = None
        y = twin(x_torch)
        y.backward(grad_torch)
        return y

    y_torch = step().detach().numpy()
    layer.zero_grad()
    y = layer.forward(x)
    grad_x = layer.backward(grad)
    pairs = [
        (y, y_torch),
        (grad_x, x_torch.grad.numpy()),
        (layer.weight.grad, twin.weight.grad.numpy()),
        (layer.bias.grad, twin.bias.grad.numpy()),
    ]
    difference = max(float(np.abs(a - b).max() / max(1.0, np.abs(b).max())) for a, b in pairs)
    return step, difference


def conv_module_at(revision: str):
    """``nn/conv.py`` as it was at a git revision, imported under another name."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{revision}:nn/conv.py"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "conv_at_revision.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("conv_at_revision", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def crossover(layers: list[tuple[int, int, int]]) -> None:
    """im2col against Winograd side by side for more channel counts, to place ``auto``'s
    threshold (nn.conv.WINOGRAD_MIN_IN_CHANNELS)."""
    print("\nWhere Winograd starts to win: im2col / Winograd, forward + backward, batch "
          f"{BATCH}, side by side\n")
    print("| layer        | im2col ms | winograd ms | im2col / winograd | (best) | auto     |")
    print("|--------------|-----------|-------------|-------------------|--------|----------|")
    for in_channels, out_channels, size in layers:
        steps, chosen = [], new_layer(in_channels, out_channels, algorithm="auto")
        for path in PATHS:
            layer, x, grad = case(in_channels, out_channels, np.random.default_rng(0), size,
                                  path)
            steps.append(nn_step(layer, x, grad))
        records = step_seconds(steps)
        im2col, winograd = (statistics.median(record) for record in records)
        best = min(records[0]) / min(records[1])
        print(f"| {f'{in_channels}->{out_channels} @{size}':12} | {im2col * 1e3:9.2f} | "
              f"{winograd * 1e3:11.2f} | {im2col / winograd:16.2f}x | {best:5.2f}x | "
              f"{chosen.chosen_algorithm:8} |")


def compare_with_revision(revision: str) -> None:
    old = conv_module_at(revision)
    print(f"\nnn.Conv2d now against nn/conv.py at {revision}, side by side (same blocks)\n")
    print(f"| layer    |  now ms | {revision[:10]:>10} ms | then / now |")
    print("|----------|---------|---------------|------------|")
    rng = np.random.default_rng(0)
    for in_channels, out_channels in CHANNELS:
        layer, x, grad = case(in_channels, out_channels, rng, algorithm="auto")
        then_layer = new_layer(in_channels, out_channels, old.Conv2d)
        now, then = median_seconds([nn_step(layer, x, grad), nn_step(then_layer, x, grad)])
        print(f"| {f'{in_channels}->{out_channels}':8} | {now * 1e3:7.2f} | "
              f"{then * 1e3:13.2f} | {then / now:9.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", metavar="REV",
                        help="also time nn/conv.py at this git revision, side by side")
    parser.add_argument("--process-time", action="store_true",
                        help="time by this process's CPU time (with OPENBLAS_NUM_THREADS=1, "
                        "so that PyTorch gets one thread too): other processes disturb it less")
    parser.add_argument("--crossover", action="store_true",
                        help="also time both paths for more channel counts (auto's threshold)")
    args = parser.parse_args()
    if args.process_time:
        global CLOCK
        CLOCK = time.process_time
    threads = numpy_threads()
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and threads is not None:
        torch.set_num_threads(threads)

    print(f"Conv2d {KERNEL}x{KERNEL}, padding {PADDING}, float32, batch {BATCH}; "
          f"forward + backward (grads of input, weight, bias)")
    print(f"numpy {np.__version__}, BLAS threads: {threads if threads else 'unknown'}"
          " (threadpoolctl)" if threads else f"numpy {np.__version__}, BLAS threads: unknown")
    if torch is None:
        print("PyTorch: not importable, its columns are left empty")
    else:
        print(f"PyTorch {torch.__version__}, torch.set_num_threads({torch.get_num_threads()})")
    if args.process_time:
        print("clock: CPU time of this process (time.process_time), not wall time")
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(timings are only comparable on an otherwise idle machine)")
    print(f"loop reference: timed on batch {REFERENCE_BATCH} and scaled per sample to "
          f"batch {BATCH}")
    print()
    header = (
        f"| {'layer':12} | {'path':8} | {'auto':4} | {'nn ms':>7} | {'im2col / path':>13} | "
        f"{'(best)':>6} | {'ref / nn':>8} | {'torch ms':>8} | {'nn / torch':>10} | "
        f"{'(best)':>6} | {'GEMMs / torch':>13} | {'max rel diff':>12} | {'peak MiB':>8} |"
    )
    print(header)
    print("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")
    for in_channels, out_channels, size in LAYERS:
        layers = {}
        for path in PATHS:
            layers[path], x, grad = case(in_channels, out_channels, np.random.default_rng(0),
                                         size, path)
        auto = new_layer(in_channels, out_channels, algorithm="auto").chosen_algorithm
        reference_seconds = bench_reference(layers["im2col"], x, grad) * BATCH
        steps = [nn_step(layers[path], x, grad) for path in PATHS]
        steps += [gemm_step(layers[path], x, grad) for path in PATHS]
        differences = {}
        if torch is not None:
            for path in PATHS:
                torch_step, differences[path] = torch_step_and_difference(
                    torch, layers[path], x, grad)
            steps.append(torch_step)
        records = step_seconds(steps)
        seconds = [statistics.median(record) for record in records]
        best = [min(record) for record in records]
        nn_seconds = dict(zip(PATHS, seconds[: len(PATHS)], strict=True))
        nn_best = dict(zip(PATHS, best[: len(PATHS)], strict=True))
        gemm_seconds = dict(zip(PATHS, seconds[len(PATHS) : 2 * len(PATHS)], strict=True))
        for path in PATHS:
            torch_cells = f"{'':>8} | {'':>10} | {'':>6} | {'':>13} | {'':>12}"
            if torch is not None:
                torch_seconds = seconds[-1]
                torch_cells = (
                    f"{torch_seconds * 1e3:8.2f} | {nn_seconds[path] / torch_seconds:9.2f}x | "
                    f"{nn_best[path] / best[-1]:5.2f}x | "
                    f"{gemm_seconds[path] / torch_seconds:12.2f}x | {differences[path]:12.1e}")
            peak = peak_bytes(layers[path], x, grad)
            print(
                f"| {f'{in_channels}->{out_channels} @{size}':12} | {path:8} | "
                f"{'*' if path == auto else '':4} | {nn_seconds[path] * 1e3:7.2f} | "
                f"{nn_seconds['im2col'] / nn_seconds[path]:12.2f}x | "
                f"{nn_best['im2col'] / nn_best[path]:5.2f}x | "
                f"{reference_seconds / nn_seconds[path]:7.0f}x | {torch_cells} | "
                f"{peak / 2**20:8.1f} |"
            )
    print()
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print("targets: ref / nn >= 20x; 16->32 Winograd: nn / torch <= 1.5x and "
          "im2col / path >= 1.3x")
    print("GEMMs / torch: the three matrix products of the path alone, a floor for its design")
    print("auto (*): the path Conv2d(..., algorithm='auto') takes")
    print("ratios from medians; (best): from each step's fastest run, which bursts of load "
          "from other processes disturb least")
    if args.crossover:
        crossover([(8, 16, 28), (16, 16, 28), (32, 32, 28), (32, 64, 14), (128, 128, 7)])
    if args.against:
        compare_with_revision(args.against)


if __name__ == "__main__":
    main()
