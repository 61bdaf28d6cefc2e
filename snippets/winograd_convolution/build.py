"""Tables of "Winograd convolution", computed when the site is built."""

from __future__ import annotations

import time

import numpy as np

import nn
from nn.conv import WINOGRAD_MIN_IN_CHANNELS
from nn.im2col import ConvGrid
from nn.winograd import A_T, B_T, G, WinogradTiles, tile_reference
from snippets.winograd_convolution.f23 import (
    correlate_direct,
    count_multiplications,
    f2x2_3x3,
    f23,
    tile_direct,
)

#: (in channels, out channels, image size) of benchmarks/bench_conv.py.
LAYERS = [(1, 16, 28), (16, 32, 28), (64, 64, 14)]


def matrix_form_1d(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """F(2, 3) as matrices: A^T [(G g) * (B^T d)]."""
    return A_T @ ((G @ g) * (B_T @ d))


def check_rows(trials: int = 1000, seed: int = 0) -> list[tuple[str, str, int, float]]:
    """(problem, method, multiplications, largest difference from the direct result over
    ``trials`` random inputs in float64)."""
    rng = np.random.default_rng(seed)
    d1, g1 = rng.standard_normal((trials, 4)), rng.standard_normal((trials, 3))
    d2, g2 = rng.standard_normal((trials, 4, 4)), rng.standard_normal((trials, 3, 3))
    cases = [
        ("F(2, 3)", d1, g1, [("direct", correlate_direct), ("four products m1..m4", f23),
                             ("A^T [(G g) * (B^T d)]", None)]),
        ("F(2x2, 3x3)", d2, g2, [("direct", tile_direct), ("F(2, 3) nested", f2x2_3x3),
                                 ("A^T [(G g G^T) * (B^T d B)] A", None)]),
    ]
    rows = []
    for problem, ds, gs, methods in cases:
        direct = correlate_direct if problem == "F(2, 3)" else tile_direct
        expected = [direct(d, g) for d, g in zip(ds, gs, strict=True)]
        for name, function in methods:
            if function is None:  # the matrix form: one product per entry of the "*"
                if problem == "F(2, 3)":
                    matrix, count = matrix_form_1d, (G @ gs[0]).size
                else:
                    matrix, count = tile_reference, (G @ gs[0] @ G.T).size
                results = [matrix(d, g) for d, g in zip(ds, gs, strict=True)]
            else:
                results, counts = zip(*(count_multiplications(function, d, g)
                                        for d, g in zip(ds, gs, strict=True)), strict=True)
                count = counts[0]
            error = max(float(np.max(np.abs(r - e))) for r, e in zip(results, expected,
                                                                        strict=True))
            rows.append((problem, name, count, error))
    return rows


def print_checks(rows: list[tuple[str, str, int, float]]) -> None:
    print("| problem | method | multiplications | largest difference from direct |")
    print("| --- | --- | --- | --- |")
    for problem, name, count, error in rows:
        print(f"| {problem} | {name} | {count} | {error:.1e} |")


def layer_multiplications(batch: int = 64) -> list[dict]:
    """Multiplications in the forward pass's matrix products, per layer: the direct count
    at the output positions, F(2x2, 3x3) on the output tiles, and what nn's two paths
    actually multiply (their grids have a few positions more, see the post)."""
    rows = []
    for c, o, size in LAYERS:
        grid = ConvGrid((batch, c, size, size), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                        np.dtype(np.float32))
        tiles = WinogradTiles((batch, c, size, size), o, (1, 1, 1, 1), np.dtype(np.float32))
        n_tiles = batch * tiles.tiles[0] * tiles.tiles[1]
        rows.append({
            "layer": f"{c}->{o} @{size}",
            "direct": batch * size * size * o * c * 9,
            "winograd": n_tiles * 16 * o * c,
            "nn im2col": grid.cols.shape[0] * grid.cols.shape[1] * o,
            "nn winograd": 16 * o * c * tiles.n_positions,
        })
    return rows


def print_layer_multiplications(rows: list[dict]) -> None:
    print("| layer (batch 64) | direct | F(2x2, 3x3) | direct / F(2x2, 3x3) | "
          "nn's im2col grid | nn's Winograd grid |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row['layer']} | {row['direct'] / 1e6:.0f} M | {row['winograd'] / 1e6:.0f} M"
              f" | {row['direct'] / row['winograd']:.2f} | {row['nn im2col'] / 1e6:.0f} M | "
              f"{row['nn winograd'] / 1e6:.0f} M |")


def float32_errors(batch: int = 2, seed: int = 0) -> list[tuple[str, str, float, float, float]]:
    """(layer, path, error of y, of dL/dx, of dL/dW): the largest difference of float32
    from float64 (the same float32 inputs and weights), over the largest magnitude."""
    rows = []
    for c, o, size in LAYERS:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((batch, c, size, size)).astype(np.float32)
        exact = nn.Conv2d(c, o, 3, padding=1, algorithm="im2col", rng=seed)
        exact.weight.data[...] = exact.weight.data.astype(np.float32)
        exact.bias.data[...] = exact.bias.data.astype(np.float32)
        g = rng.standard_normal(exact.output_shape(x.shape)).astype(np.float32)
        y64, dx64 = exact(x.astype(np.float64)), exact.backward(g.astype(np.float64))
        for path in ("im2col", "winograd"):
            layer = nn.Conv2d(c, o, 3, padding=1, dtype=np.float32, algorithm=path)
            layer.weight.data[...] = exact.weight.data
            layer.bias.data[...] = exact.bias.data
            y, dx = layer(x), layer.backward(g)
            errors = [float(np.abs(a - b).max() / np.abs(b).max())
                      for a, b in [(y, y64), (dx, dx64), (layer.weight.grad, exact.weight.grad)]]
            rows.append((f"{c}->{o} @{size}", path, *errors))
    return rows


def print_float32_errors(rows) -> None:
    print("| layer | path | output | input gradient | weight gradient |")
    print("| --- | --- | ---: | ---: | ---: |")
    for layer, path, *errors in rows:
        print(f"| {layer} | {path} | " + " | ".join(f"{e:.1e}" for e in errors) + " |")


# --8<-- [start:speed]
def speed_comparison(batch=8, repeats=5, seed=0):
    """Seconds of the fastest of ``repeats`` forward + backward passes on each path,
    float32, per layer. The paths take turns, and the fastest run is the one that bursts
    of load from other processes disturbed least."""
    seconds = {}
    for c, o, size in LAYERS:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((batch, c, size, size)).astype(np.float32)
        layers = {path: nn.Conv2d(c, o, 3, padding=1, dtype=np.float32,
                                  algorithm=path, rng=seed)
                  for path in ("im2col", "winograd")}
        g = rng.standard_normal(layers["im2col"].output_shape(x.shape)).astype(np.float32)
        runs = {path: (lambda layer=layer, x=x, g=g: (layer(x), layer.backward(g)))
                for path, layer in layers.items()}
        results = [run() for run in runs.values()]  # warm-up; both must agree
        for a, b in zip(*results, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
        times = {path: [] for path in runs}
        for _ in range(repeats):
            for path, run in runs.items():
                start = time.perf_counter()
                run()
                times[path].append(time.perf_counter() - start)
        seconds[(c, o, size)] = {p: min(t) for p, t in times.items()}
    return seconds
# --8<-- [end:speed]


def forward_multiplications(batch: int = 8) -> list[dict]:
    """Multiply-adds of each path's forward pass, per layer, at the batch of
    speed_comparison. The transforms are matrix products too (the Kronecker matrices
    B^T (x) B^T, 16x16, and A^T (x) A^T, 4x16; the filters, g G^T then G(.), 84 per kernel),
    and BLAS multiplies every entry, zeros and ones included."""
    rows = []
    for c, o, size in LAYERS:
        grid = ConvGrid((batch, c, size, size), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                        np.dtype(np.float32))
        positions = WinogradTiles((batch, c, size, size), o, (1, 1, 1, 1),
                                  np.dtype(np.float32)).n_positions
        rows.append({
            "layer": f"{c}->{o} @{size}",
            "im2col": grid.cols.shape[0] * grid.cols.shape[1] * o,
            "winograd products": 16 * o * c * positions,
            "winograd transforms": (16 * 16 * c * positions  # input tiles
                                    + 4 * 16 * o * positions  # output tiles
                                    + 84 * o * c),  # kernels
        })
    return rows


def print_forward_multiplications(rows: list[dict]) -> None:
    print("| layer (batch 8) | im2col | Winograd products | Winograd transforms | "
          "Winograd in all | im2col / Winograd |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        total = row["winograd products"] + row["winograd transforms"]
        print(f"| {row['layer']} | {row['im2col'] / 1e6:.1f} M | "
              f"{row['winograd products'] / 1e6:.1f} M | "
              f"{row['winograd transforms'] / 1e6:.1f} M | {total / 1e6:.1f} M | "
              f"{row['im2col'] / total:.2f} |")


def print_speed(seconds) -> None:
    print("| layer (batch 8, float32) | im2col | Winograd | im2col / Winograd | "
          "`auto` takes |")
    print("| --- | ---: | ---: | ---: | --- |")
    for (c, o, size), by_path in seconds.items():
        chosen = nn.Conv2d(c, o, 3, padding=1).chosen_algorithm
        print(f"| {c}->{o} @{size} | {by_path['im2col'] * 1e3:.2f} ms | "
              f"{by_path['winograd'] * 1e3:.2f} ms | "
              f"{by_path['im2col'] / by_path['winograd']:.2f} | {chosen} |")
    faster = [f"{c}->{o}" for (c, o, _), t in seconds.items() if t["winograd"] < t["im2col"]]
    print()
    print("Winograd was faster here for: " + (", ".join(faster) if faster else "none") +
          f". The `auto` rule (Winograd from {WINOGRAD_MIN_IN_CHANNELS} input channels) "
          "comes from the full benchmark at batch 64.")
