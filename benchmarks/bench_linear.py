"""Linear forward + backward against the bare NumPy operations it needs.

A plain script, not a test: ``python benchmarks/bench_linear.py``. Both sides are measured
in this run, taking turns, and the median of the repeats is reported. Setting: float32,
batch 256, 784 -> 256 (the first layer of an MNIST MLP).

The bare side is exactly the arithmetic of the layer, with no checks and no caching:
``x @ W.T + b``, ``g.T @ x``, ``g.sum(0)``, ``g @ W``. The layer adds input validation
(type, rank, feature count, dtype, NaN/inf), accumulation into ``.grad`` and caching. The
target is a ratio of at most 1.1; the ratio printed is the median over back-to-back
pairs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    from nn import Linear
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from nn import Linear

BATCH, IN_FEATURES, OUT_FEATURES = 256, 784, 256
TARGET = 1.1


def timings(steps: list[Callable[[], object]], repeats: int = 300) -> list[list[float]]:
    """Seconds of each repeat of each step; the steps take turns, so background load hits
    all alike."""
    for step in steps:  # warm up: first-call allocations, BLAS thread start-up
        for _ in range(5):
            step()
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times, strict=True):
            start = time.perf_counter()
            step()
            record.append(time.perf_counter() - start)
    return times


def main() -> float:
    rng = np.random.default_rng(0)
    layer = Linear(IN_FEATURES, OUT_FEATURES, dtype=np.float32, rng=0)
    x = rng.standard_normal((BATCH, IN_FEATURES)).astype(np.float32)
    g = rng.standard_normal((BATCH, OUT_FEATURES)).astype(np.float32)
    w, b = layer.weight.data, layer.bias.data

    def layer_step() -> None:
        layer.forward(x)
        layer.backward(g)

    def bare_step() -> None:
        x @ w.T + b
        g.T @ x
        g.sum(axis=0)
        g @ w

    layer_times, bare_times = timings([layer_step, bare_step])
    layer_time, bare_time = statistics.median(layer_times), statistics.median(bare_times)
    # The median of the ratios of back-to-back pairs is robust to load that changes slowly
    # during the run (other processes on the machine), which shifts both sides of a pair.
    ratio = statistics.median(a / b for a, b in zip(layer_times, bare_times, strict=True))
    print(f"Linear({IN_FEATURES}, {OUT_FEATURES}), float32, batch {BATCH}, forward + backward")
    print(f"  nn.Linear      {layer_time * 1e3:8.3f} ms")
    print(f"  bare numpy     {bare_time * 1e3:8.3f} ms")
    print(f"  ratio          {ratio:8.3f}  (median of paired ratios; target <= {TARGET})")
    return ratio


if __name__ == "__main__":
    main()
