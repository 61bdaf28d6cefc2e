"""A year of daily posts: how long do builds take, warm and cold, against stock Material?

Generates 365 posts (each with math, an included code section and one executed block) in a
temporary copy of the site, then builds them four ways, side by side in one run:

- stock: the same posts built by Material without this project's hooks (no execution, no
  build-time MathJax, the executed block shown as plain code);
- cold: this project's build with an empty cache (every block and formula runs once);
- warm: the same build again (everything comes from the cache);
- the sum of the executed blocks' own run times, as the build reports it.

Targets: warm <= 1.2x stock; cold's execution time is the blocks' own time, each once.
Usage: python benchmarks/bench_year_of_posts.py [--posts 365]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ["mkdocs.yml", "docs", "snippets", "nn", "hooks", "package.json"]

POST = """---
date: {date}
categories:
  - Foundations
tags:
  - benchmark
description: Generated post {n} of a year of daily topics, for the build benchmark.
---

# Topic {n}: a quadratic with curvature {n}

Each generated post has an excerpt, math, an included listing and one executed block.

<!-- more -->

The loss $L_{{{n}}}(\\theta) = \\tfrac{{{n}}}{{2}}\\,\\theta^2$ has gradient ${n}\\,\\theta$, so

$$
\\theta_{{t+1}} = \\theta_t - \\eta \\cdot {n}\\, \\theta_t = (1 - {n}\\eta)\\,\\theta_t .
$$

```python
--8<-- "gradient_descent/descend.py:update_rule"
```

{block}
"""

EXECUTED = """```python exec="on"
import numpy as np
from snippets.gradient_descent.descend import descend

path = descend(lambda t: {n} * t, np.array([1.0]), 0.5 / {n}, 20)
print(f"theta after 20 steps: {{path[-1][0]:.3e}}")
```"""

STOCK_BLOCK = EXECUTED.replace('```python exec="on"', "```python")


def make_project(destination: Path, posts: int, stock: bool) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    folder = destination / "docs" / "blog" / "posts"
    for old in folder.iterdir():
        old.unlink()
    first = dt.date.today() - dt.timedelta(days=posts - 1)
    for n in range(1, posts + 1):
        date = first + dt.timedelta(days=n - 1)
        block = (STOCK_BLOCK if stock else EXECUTED).format(n=n)
        (folder / f"{date.isoformat()}-topic-{n}.md").write_text(
            POST.format(date=date.isoformat(), n=n, block=block))
    config = destination / "mkdocs.yml"
    text = config.read_text()
    if stock:
        # Stock Material: the same plugins and pages, none of this project's hooks.
        text = re.sub(r"\n# --- Hooks.*?(?=\n# ---)", "\n", text, flags=re.S)
    config.write_text(text)


def build(project: Path, cache: Path) -> tuple[float, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir",
                             str(project / "site")], cwd=project, env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build of {project} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=365)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        ours, stock = work / "ours", work / "stock"
        ours.mkdir()
        stock.mkdir()
        make_project(ours, args.posts, stock=False)
        make_project(stock, args.posts, stock=True)
        cache = work / "cache"
        stock_seconds, _ = build(stock, work / "stock-cache")
        cold_seconds, cold_log = build(ours, cache)
        warm_seconds, warm_log = build(ours, cache)
        stock_again, _ = build(stock, work / "stock-cache")
        warm_again, _ = build(ours, cache)  # both sides: best of two, interleaved
        warm_seconds = min(warm_seconds, warm_again)
    ran = re.search(r"Executed blocks: (\d+) ran \(([\d.]+) s\), (\d+) from cache", cold_log)
    warm = re.search(r"Executed blocks: (\d+) ran \(([\d.]+) s\), (\d+) from cache", warm_log)
    stock_best = min(stock_seconds, stock_again)
    print(f"{args.posts} generated posts, each with math, an include and one executed block")
    print("| build | seconds | / stock |\n| --- | ---: | ---: |")
    print(f"| stock Material, no execution (best of 2) | {stock_best:.1f} | 1.00 |")
    print(f"| ours, cold cache | {cold_seconds:.1f} | {cold_seconds / stock_best:.2f} |")
    print(f"| ours, warm cache (best of 2) | {warm_seconds:.1f} | "
          f"{warm_seconds / stock_best:.2f} |")
    print(f"cold: {ran[1]} blocks ran, {ran[2]} s of their own run time, "
          f"{ran[3]} from cache")
    print(f"warm: {warm[1]} blocks ran, {warm[3]} from cache")
    verdict = "met" if warm_seconds <= 1.2 * stock_best else "NOT met"
    print(f"target: warm / stock <= 1.2 -> {verdict}")


if __name__ == "__main__":
    main()
