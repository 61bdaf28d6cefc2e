"""Lighthouse on a phone: every kind of page, three runs each, median scores and metrics.

    python benchmarks/bench_lighthouse.py [SITE_DIR ...] [--runs 3] [--only WORD,...]
                                          [--markdown] [--json FILE]

Without SITE_DIR, builds the site strictly into a temporary directory first. With several,
measures them side by side in one run: for each page, run k of every site before run k+1
of any, so a busier minute of the machine falls on all of them.

Lighthouse 12.8.2 (pinned in package-lock.json, run by Node) with its defaults: mobile
form factor, simulated slow 4G and 4x CPU slowdown, driving the system's Chromium
(``CHROMIUM_PATH`` or /usr/bin/chromium, as the browser tests; never a downloaded one)
with the browser tests' flags (no background connections; every host name but 127.0.0.1
fails at once). The site is served as GitHub Pages serves it (benchmarks/pages_server.py:
gzip, ``Cache-Control: max-age=600``) at its deployed path.

Pages: the home page, the blog index's first and last pages, the newest and oldest month's
archive, each category's first page, the tag index (if the site has one), the calendar,
about, every post, every reference page and the 404 page (loaded as ``404.html``, which
is answered 200: a missing address's 404 status alone costs its SEO score).
``--only`` keeps the pages whose path holds one of the words.

Printed per page and site: the four category scores (0-100), DOM elements, total blocking
time, first and largest contentful paint, speed index, cumulative layout shift (medians
over the runs; a score's range when the runs disagree), and each audit that lost points,
with how many elements it names.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import CHROMIUM_ARGS, chromium_path, listings, post_pages  # noqa: E402
from pages_server import serve_like_pages  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
METRICS = {  # audit id -> (column, unit divisor, format)
    "dom-size": ("DOM", 1, "{:.0f}"),
    "total-blocking-time": ("TBT ms", 1, "{:.0f}"),
    "first-contentful-paint": ("FCP s", 1000, "{:.2f}"),
    "largest-contentful-paint": ("LCP s", 1000, "{:.2f}"),
    "speed-index": ("SI s", 1000, "{:.2f}"),
    "cumulative-layout-shift": ("CLS", 1, "{:.3f}"),
}
# Lighthouse's --headless=new is the only headless Chromium 156 has; the rest as the tests.
CHROME_FLAGS = ["--headless=new", *(flag for flag in CHROMIUM_ARGS if flag != "--headless")]


def build(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "--site-dir", str(site)], cwd=ROOT, env=env, check=True)


def kinds_of_pages(site: Path) -> list[tuple[str, str]]:
    """(name, path under the site's root URL) of every kind of page, in reading order."""
    lists = listings(site)
    chosen: list[tuple[str, str]] = [("home", "")]

    def folder(page: Path) -> str:
        relative = page.relative_to(site).as_posix()
        return relative.removesuffix("index.html")

    index = lists.get("blog/", [])
    if index:
        chosen.append(("blog index, page 1", folder(index[0])))
        if len(index) > 1:
            chosen.append((f"blog index, page {len(index)}", folder(index[-1])))
    months = [name for name in lists if name.startswith("blog/archive/")]
    for name in dict.fromkeys([*months[-1:], *months[:1]]):
        chosen.append((f"archive {name.removeprefix('blog/archive/').rstrip('/')}",
                       folder(lists[name][0])))
    for name in (name for name in lists if name.startswith("blog/category/")):
        chosen.append((f"category {name.removeprefix('blog/category/').rstrip('/')}",
                       folder(lists[name][0])))
    for tags in ("tags/index.html", "blog/tags/index.html"):
        if (site / tags).is_file():
            chosen.append(("tag index", tags.removesuffix("index.html")))
    for name in ("calendar", "about"):
        if (site / name / "index.html").is_file():
            chosen.append((name, f"{name}/"))
    for post in post_pages(site):
        chosen.append((f"post {post.parent.name}", folder(post)))
    reference = site / "reference"
    if (reference / "index.html").is_file():
        chosen.append(("reference", "reference/"))
    for page in sorted(reference.glob("*/index.html")):
        chosen.append((f"reference/{page.parent.name}", folder(page)))
    if (site / "404.html").is_file():
        chosen.append(("404", "404.html"))
    return chosen


@dataclass
class Run:
    scores: dict[str, float]
    metrics: dict[str, float]
    losses: dict[str, int]  # audit id -> number of items it names (0 when none)


@dataclass
class Measured:
    runs: list[Run] = field(default_factory=list)

    def score(self, category: str) -> str:
        values = sorted(round(run.scores[category] * 100) for run in self.runs)
        middle = round(median(values))
        return str(middle) if values[0] == values[-1] else f"{middle} ({values[0]}-{values[-1]})"

    def metric(self, audit: str) -> float:
        return median(run.metrics[audit] for run in self.runs)

    def losses(self) -> dict[str, int]:
        """Audits that lost points in any run, with the most items one run named."""
        found: dict[str, int] = {}
        for run in self.runs:
            for audit, items in run.losses.items():
                found[audit] = max(found.get(audit, 0), items)
        return found


def lighthouse(url: str, scratch: Path) -> Run:
    output = scratch / "report.json"
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
               "--only-categories=" + ",".join(CATEGORIES),
               "--chrome-flags=" + " ".join(CHROME_FLAGS)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not output.is_file():
        raise RuntimeError(f"Lighthouse failed on {url} (exit {result.returncode}):\n"
                           f"{result.stderr[-2000:]}")
    report = json.loads(output.read_text(encoding="utf-8"))
    output.unlink()
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not load {url}: {report['runtimeError']}")
    audits = report["audits"]
    losses = {}
    for category in report["categories"].values():
        for reference in category["auditRefs"]:
            audit = audits[reference["id"]]
            if reference["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                losses[reference["id"]] = len((audit.get("details") or {}).get("items", []))
    return Run(
        scores={name: report["categories"][name]["score"] for name in CATEGORIES},
        metrics={name: audits[name]["numericValue"] for name in METRICS},
        losses=losses,
    )


def measure(sites: list[Path], pages: list[tuple[str, str]], runs: int
            ) -> dict[tuple[str, int], Measured]:
    results: dict[tuple[str, int], Measured] = {}
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as servers:
        roots = [servers.enter_context(serve_like_pages(site)) for site in sites]
        for name, path in pages:
            for run in range(runs):
                for index, root in enumerate(roots):
                    if not (sites[index] / (path or "index.html")).exists() and path:
                        continue
                    found = lighthouse(root + path, Path(scratch))
                    results.setdefault((name, index), Measured()).runs.append(found)
                    print(f"  {name} [{sites[index].name}] run {run + 1}: "
                          + " ".join(f"{round(found.scores[c] * 100)}" for c in CATEGORIES)
                          + f", DOM {found.metrics['dom-size']:.0f}, TBT "
                            f"{found.metrics['total-blocking-time']:.0f} ms",
                          file=sys.stderr, flush=True)
    return results


def table(sites: list[Path], pages: list[tuple[str, str]],
          results: dict[tuple[str, int], Measured], markdown: bool) -> str:
    header = ["page", *(["site"] if len(sites) > 1 else []), "perf", "a11y", "best pr.",
              "SEO", *(column for column, _, _ in METRICS.values()), "audits losing points"]
    rows = []
    for name, _ in pages:
        for index, site in enumerate(sites):
            measured = results.get((name, index))
            if not measured:
                continue
            losses = ", ".join(f"{audit} ({items})" if items else audit
                               for audit, items in sorted(measured.losses().items()))
            rows.append([name, *([site.name] if len(sites) > 1 else []),
                         *(measured.score(c) for c in CATEGORIES),
                         *(form.format(measured.metric(audit) / divisor)
                           for audit, (_, divisor, form) in METRICS.items()),
                         losses or "-"])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        left = 2 if len(sites) > 1 else 1  # names to the left, numbers to the right
        cells = [str(cell).ljust(width) if i < left else str(cell).rjust(width)
                 for i, (cell, width) in enumerate(zip(row[:-1], widths, strict=True))]
        lines.append("  ".join(cells) + "  " + row[-1])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="*", type=Path, help="built sites (default: build one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated words a page's path holds")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", type=Path, help="write every run's numbers to this file")
    arguments = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        print(f"no Lighthouse at {LIGHTHOUSE}: run `npm ci` (package-lock.json pins it)")
        return 2
    for site in arguments.sites:
        if not (site / "index.html").is_file():
            print(f"no built site at {site} (expected {site / 'index.html'})")
            return 2
    temporary = None
    sites = [site.resolve() for site in arguments.sites]
    if not sites:
        temporary = tempfile.TemporaryDirectory()
        sites = [Path(temporary.name) / "site"]
        build(sites[0])
    try:
        pages = kinds_of_pages(sites[0])
        words = [word for word in arguments.only.split(",") if word]
        if words:
            pages = [(name, path) for name, path in pages
                     if any(word in path or word in name for word in words)]
        if not pages:
            print(f"no page matches --only {arguments.only}")
            return 2
        print(f"Lighthouse 12.8.2, mobile, {arguments.runs} runs a page, medians; "
              f"{len(pages)} pages of {', '.join(str(site) for site in sites)}", flush=True)
        results = measure(sites, pages, arguments.runs)
        print(table(sites, pages, results, arguments.markdown))
        if arguments.json:
            arguments.json.write_text(json.dumps(
                {f"{name} [{sites[index].name}]": [run.__dict__ for run in measured.runs]
                 for (name, index), measured in results.items()}, indent=1), encoding="utf-8")
    finally:
        if temporary:
            temporary.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
