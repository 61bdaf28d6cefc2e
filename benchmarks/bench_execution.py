"""Executed blocks in worker processes, side by side in one run, on the real posts.

Prints:
- cold execution wall time of every post's blocks on 1 worker and on 2 (target: 2 workers
  at most 0.6x of 1), no cache;
- the worker's per-block overhead: N blocks printing one line, in one worker against the
  same blocks executed in this process (target: at most 20 ms a block), and a worker's
  start;
- for a one-function change in nn/ (``Linear.forward``, and gradient descent's step), the
  blocks whose recorded dependencies include it, against every block, and against what
  the import-based key re-ran (every block of a post importing nn); projected to 365
  posts cloned from these.

Usage: python benchmarks/bench_execution.py [--posts N] [--blocks N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from execblog.execution import deps, display, fence, scan  # noqa: E402
from execblog.execution.cache import Block  # noqa: E402
from execblog.execution.pool import Pool  # noqa: E402

POSTS = ROOT / "docs" / "blog" / "posts"
CHANGES = {"Linear.forward": ("nn/linear.py", "Linear.forward"),
           "SGD.step": ("nn/optim.py", "SGD.step"),
           "Conv2d.backward": ("nn/conv.py", "Conv2d.backward"),
           "filter_transform": ("nn/winograd.py", "filter_transform"),
           "relative_error": ("nn/gradcheck.py", "relative_error")}


def post_blocks(limit: int | None) -> dict[str, list[Block]]:
    """Every post's executed blocks, read as the build reads them."""
    from mkdocs.config import load_config

    from execblog.posts import notebooks

    os.chdir(ROOT)
    config = load_config(str(ROOT / "mkdocs.yml"))
    reader = scan.reader(config.mdx_configs)
    found = {}
    for path in sorted(POSTS.iterdir()):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        elif path.suffix in (".ipynb", ".py"):
            text = notebooks.notebook_to_markdown(path)
        else:
            continue
        blocks = [fence.block(code, options)
                  for code, options in scan.executed_blocks(scan.expand(text, reader))]
        if blocks:
            found[path.name] = blocks
    return dict(list(found.items())[:limit])


def run_all(posts: dict[str, list[Block]], jobs: int) -> tuple[float, dict]:
    pool = Pool(jobs=jobs, root=ROOT, cwd=ROOT)
    start = time.perf_counter()
    futures = {name: pool.submit(blocks, "bench") for name, blocks in posts.items()}
    runs = {name: future.result() for name, future in futures.items()}
    wall = time.perf_counter() - start
    pool.cancel()
    failed = [name for name, run in runs.items() if run.failed]
    assert not failed, failed
    return wall, runs


def overhead(count: int) -> tuple[float, float, float]:
    blocks = [Block(f"print({n})") for n in range(count)]
    pool = Pool(jobs=1, root=ROOT, cwd=ROOT)
    pool.run(blocks[:1], "warm")  # the fork server starts once per build
    start = time.perf_counter()
    pool.run(blocks[:1], "start")
    one = time.perf_counter() - start
    start = time.perf_counter()
    pool.run(blocks, "bench")
    in_worker = time.perf_counter() - start
    pool.cancel()
    start = time.perf_counter()
    for block in blocks:
        with display.recording(block.code):
            display.run_code(block.code, {"__name__": "__main__"}, "<bench>", False)
    in_process = time.perf_counter() - start
    return one, (in_worker - one) / (count - 1), in_process / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=None, help="only the first N posts")
    parser.add_argument("--blocks", type=int, default=200, help="trivial blocks for overhead")
    args = parser.parse_args()

    posts = post_blocks(args.posts)
    total = sum(len(blocks) for blocks in posts.values())
    print(f"{len(posts)} posts, {total} executed blocks, {os.cpu_count()} cores")
    serial, runs = run_all(posts, 1)
    parallel, _ = run_all(posts, 2)
    print(f"cold execution, 1 worker:  {serial:7.1f} s")
    print(f"cold execution, 2 workers: {parallel:7.1f} s   ratio {parallel / serial:.2f} "
          "(target <= 0.60)")

    start, per_block, in_process = overhead(args.blocks)
    print(f"worker start (fork server warm): {start * 1000:.0f} ms a page")
    print(f"per-block overhead of the worker: {(per_block - in_process) * 1000:.2f} ms "
          f"({per_block * 1000:.2f} ms a block in a worker, {in_process * 1000:.2f} ms in "
          "process; target <= 20 ms)")

    deps.clear()
    recorded = {name: deps.record(ROOT, sorted(run.code), sorted(run.data))
                for name, run in runs.items()}
    importing_nn = sum(len(posts[name]) for name, found in recorded.items()
                       if "nn/__init__.py" in found["code"])
    nn_units = {(file, unit) for found in recorded.values()
                for file, units in found["code"].items() if file.startswith("nn/")
                for unit in units if unit != "<module>"}
    print(f"functions of nn/ run by some block: {len(nn_units)}")
    for label, (file, unit) in CHANGES.items():
        rerun = sum(len(posts[name]) for name, found in recorded.items()
                    if unit in found["code"].get(file, {}))
        print(f"edit {label}: {rerun} of {total} blocks re-run (import-based key: "
              f"{importing_nn}); at 365 cloned posts about {rerun * 365 / len(posts):.0f} of "
              f"{total * 365 / len(posts):.0f} (import-based: "
              f"{importing_nn * 365 / len(posts):.0f})")


if __name__ == "__main__":
    main()
