"""The blog's build and preview at two commits, side by side in one run: is one slower?

Grows a copy of the blog to N posts at each commit (as benchmarks/bench_year_of_posts.py
does), both copies sharing one cache (entries are keyed on content, so what one copy ran the
other reuses), builds each once to warm it, then takes turns, so that a busier minute of the
machine falls on both:

- a warm strict build of each copy, ``--rounds`` times;
- `mkdocs serve --dirty` on each copy (what `make serve` runs): the time from saving a body
  edit of a post on index page 3 to the served page showing it, ``--rounds`` saves
  (benchmarks/bench_preview.py's measurement).

Prints the medians and the ratio after/before. Issue 24 (the engine as plugins) asks that
neither be slower than before. The commits may differ in content as well as in the engine
(posts, features): the ratio bounds what the reader of the table must explain.

Usage: python benchmarks/bench_engine_refs.py [--posts 50] [--before 014a175]
       [--after HEAD] [--rounds 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

from bench_preview import measure, pick_post  # noqa: E402
from bench_year_of_posts import build, load, make_project  # noqa: E402


def short(ref: str) -> str:
    return subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--before", default="014a175")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="a cache directory to use and keep "
                        "(e.g. from an earlier run: the first builds are then warm)")
    args = parser.parse_args()
    refs = {"before": short(args.before), "after": short(args.after)}
    print(f"{args.posts} posts; before {refs['before']}, after {refs['after']}; "
          f"{args.rounds} rounds", flush=True)
    with tempfile.TemporaryDirectory(prefix="engine-refs-") as work:
        cache = args.cache or Path(work) / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        projects, posts = {}, {}
        for name, ref in refs.items():
            project = Path(work) / name
            posts[name] = make_project(project, args.posts, ref=ref)
            (project / ".cache").symlink_to(cache)
            projects[name] = project
            seconds, _ = build(project, cache)
            print(f"  first build of {name} ({ref}): {seconds:.0f} s (load {load()})",
                  flush=True)
        builds = {name: [] for name in refs}
        saves = {name: [] for name in refs}
        for round_number in range(args.rounds):
            for name in (("before", "after") if round_number % 2 == 0 else ("after", "before")):
                seconds, _ = build(projects[name], cache)
                builds[name].append(seconds)
                body, _, listed = measure(projects[name], pick_post(posts[name]), True, 1)
                saves[name] += body
                print(f"  round {round_number + 1} {name}: warm build {seconds:.1f} s, "
                      f"save to refresh {body[0]:.2f} s ({listed} posts listed; "
                      f"load {load()})", flush=True)
        print(f"\n| {args.posts} posts | before ({refs['before']}) | after ({refs['after']}) "
              "| after / before |\n|---|---|---|---|")
        for label, values in (("warm strict build (s, median)", builds),
                              ("make serve: save to refresh (s, median)", saves)):
            before = statistics.median(values["before"])
            after = statistics.median(values["after"])
            print(f"| {label} | {before:.2f} | {after:.2f} | {after / before:.2f} |")


if __name__ == "__main__":
    main()
