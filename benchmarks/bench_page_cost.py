"""What a heavy page costs a phone, for built sites side by side: elements, HTML bytes, and
Chromium's own time to style, lay out and run it.

    python benchmarks/bench_page_cost.py SITE_DIR [SITE_DIR...] [--loads N] [--only WORDS]

For each page (by default the three heaviest: the convolution and Winograd posts and
reference/conv; ``--only`` takes comma-separated words a page's path holds) and each site:
its start tags counted in the built file, its HTML and that gzipped (level 9, as a server
would send it), then, loaded N times in headless Chromium as a touch phone with the CPU
slowed 4x (Lighthouse's mobile setting), the medians of Chromium's metrics (CDP
``Performance.getMetrics``) a second and a half after the load event: RecalcStyleDuration,
LayoutDuration, ScriptDuration and TaskDuration (all main-thread work). Loads take turns
between the sites, so a busy machine slows each alike; the numbers compare sites in one run,
not runs with each other.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT))

from harness import PHONE, launch, page_url, screen, serve  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

HEAVIEST = ["convolutional-layers-from-scratch/", "winograd-convolution/", "reference/conv/"]
METRICS = {"style": "RecalcStyleDuration", "layout": "LayoutDuration",
           "script": "ScriptDuration", "task": "TaskDuration"}


def pages_of(site: Path, words: list[str]) -> list[str]:
    """The first page of ``site`` whose path holds each word, relative to the site."""
    found = []
    every = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    for word in words:
        match = next((p for p in every if word in p), None)
        if match is None:
            sys.exit(f"--only: no page of {site} has {word!r} in its path")
        found.append(match)
    return found


def markup(path: Path) -> tuple[int, float, float]:
    html = path.read_bytes()
    return (len(re.findall(rb"<[a-zA-Z]", html)), len(html) / 1024,
            len(gzip.compress(html, 9)) / 1024)


def load(browser, served, url: str) -> dict[str, float]:
    context = browser.new_context(viewport=PHONE, proxy=served.proxy, **screen(True))
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.goto(url, wait_until="load")
        page.wait_for_timeout(1500)
        values = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return {key: values[name] * 1000 for key, name in METRICS.items()}
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sites", nargs="+", type=Path)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--only", help="comma-separated words a page's path holds")
    args = parser.parse_args()
    for site in args.sites:
        if not (site / "index.html").is_file():
            print(f"no built site at {site} (expected {site / 'index.html'})")
            return 2
    words = args.only.split(",") if args.only else HEAVIEST
    pages = {site: pages_of(site, words) for site in args.sites}
    times: dict[tuple[int, Path], list[dict[str, float]]] = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for _ in range(args.loads):
            for site in args.sites:
                with serve(site) as served:
                    for i, page in enumerate(pages[site]):
                        url = page_url(served.root_url, site, site / page)
                        times.setdefault((i, site), []).append(load(browser, served, url))
        browser.close()
    print(f"medians of {args.loads} loads, touch phone, CPU 4x slower; ms of main-thread work")
    print(f"{'page':<44}{'site':<20}{'elements':>9}{'HTML KB':>9}{'gzip KB':>9}"
          + "".join(f"{key:>8}" for key in METRICS))
    for i in range(len(words)):
        for site in args.sites:
            elements, size, packed = markup(site / pages[site][i])
            medians = [statistics.median(t[key] for t in times[(i, site)]) for key in METRICS]
            print(f"{pages[site][i][:43]:<44}{site.name[:19]:<20}{elements:>9,}{size:>9.0f}"
                  f"{packed:>9.1f}" + "".join(f"{m:>8.0f}" for m in medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
