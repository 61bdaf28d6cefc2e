"""Save-to-refresh time of `make serve` with a year of posts, beside a full rebuild.

Grows a temporary copy of the blog to N posts by cloning the real ones (as
benchmarks/bench_year_of_posts.py does), warms its cache with one build, starts
`mkdocs serve --dirty` (what `make serve` runs; hooks/serve_incremental.py decides what to
rebuild) on a free port, then saves an edit to the body of a post listed on page 3 of the
blog index (the 21st-30th newest post), and separately to its excerpt, and measures the
time until the served page shows the edit. The same body edit is measured for `mkdocs
serve` without --dirty (a full rebuild per save). After the edits it checks that the blog
index still lists every post. Target: save-to-refresh of a body edit <= 1.5 s.

Then it checks the preview's pages against a full build at that size (mkdocs-material issue
8360 is an edit to a post on a later index page): the rebuilds `make serve` makes after
saving a post on index page 2, one on page 3, and a snippet that a post on page 2 runs
(tests/site/serve_driver.py, as tests/site/test_serve_incremental.py does on the fixture
site) must leave every page and the search index identical to a full build's.
Usage: python benchmarks/bench_preview.py [--posts 365] [--rounds 3] [--cache DIR]
[--no-compare] (--cache: a cache to start from, e.g. bench_year_of_posts.py --save-cache DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

from bench_year_of_posts import build, environment, load, make_project  # noqa: E402

from tests.site.test_serve_incremental import assert_same_site  # noqa: E402

TARGET = 1.5
PER_PAGE = 10  # pagination_per_page in mkdocs.yml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(url: str, text: str, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if text in fetch(url):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"{text!r} did not appear at {url} within {timeout} s")


def index_page(base: str, number: int) -> str:
    return fetch(base + ("blog/" if number == 1 else f"blog/page/{number}/"))


def listed_posts(html: str) -> set[str]:
    """The posts an index page links to, as ``YYYY/MM/DD/slug``."""
    return set(re.findall(r'href="[^"]*?(\d{4}/\d{2}/\d{2}/[a-z0-9-]+)/"', html))


def pick_post(posts: list[Path]) -> Path:
    """A Markdown post on index page 3 (posts are newest first), near its middle."""
    page3 = posts[2 * PER_PAGE: 3 * PER_PAGE]
    candidates = [p for p in page3[4:] + page3[:4][::-1] if p.suffix == ".md"]
    if not candidates:
        sys.exit("index page 3 has no Markdown post: use --posts 25 or more")
    return candidates[0]


def measure(project: Path, post: Path, dirty: bool, rounds: int
            ) -> tuple[list[float], list[float], int]:
    port = free_port()
    command = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    if dirty:
        command.append("--dirty")
    server = subprocess.Popen(command, cwd=project, env=environment(project, project / ".cache"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/ml-blog/"
    original = post.read_text(encoding="utf-8")
    try:
        wait_for(base, "</html>", 900)
        # Ready as a reader finds it: pages served and search answering (the first index
        # is made in the background after the first build).
        if dirty:
            wait_for(f"{base}search-index/manifest.json", '"pages"', 300)
        date = post.name[:10].replace("-", "/")
        found = [path for path in listed_posts(index_page(base, 3)) if path.startswith(date)]
        assert found, f"{post.name} is not listed on page 3 of the blog index"
        url = f"{base}blog/{found[0]}/"
        assert "</html>" in fetch(url), url
        body_times, excerpt_times = [], []
        for round_number in range(rounds):
            marker = f"body-edit-{dirty}-{round_number}"
            post.write_text(post.read_text(encoding="utf-8") + f"\n{marker}\n",
                            encoding="utf-8")
            body_times.append(wait_for(url, marker, 300))
            if dirty:
                marker = f"excerpt-edit-{dirty}-{round_number}"
                text = post.read_text(encoding="utf-8")
                post.write_text(text.replace("<!-- more -->", f"{marker}\n\n<!-- more -->", 1),
                                encoding="utf-8")
                excerpt_times.append(wait_for(url, marker, 300))
            time.sleep(0.5)
        # Every post is still listed across the index pages.
        listed, page = set(), 1
        while found := listed_posts(index_page(base, page)):
            listed |= found
            page += 1
        return body_times, excerpt_times, len(listed)
    finally:
        server.terminate()
        server.wait(timeout=30)
        post.write_text(original, encoding="utf-8")


def compare_with_full_build(project: Path, posts: list[Path], work: Path) -> list[dict]:
    """Saves as `make serve` rebuilds them, then a full build: AssertionError if any page
    or the search index differs. Returns the driver's record of each rebuild."""
    on_page = {n: [p for p in posts[(n - 1) * PER_PAGE: n * PER_PAGE] if p.suffix == ".md"]
               for n in (2, 3)}
    page2, page3 = on_page[2][0], on_page[3][-1]
    snippet = re.search(r'--8<-- "([\w/]+\.py):', page2.read_text(encoding="utf-8"))
    assert snippet, f"{page2.name} includes no snippet"
    module = project / "snippets" / snippet[1]
    clone = module.read_text(encoding="utf-8").splitlines()[0]  # "# clone k"
    steps = [[[str(page2.relative_to(project)), "<!-- more -->", "<!-- more -->\n\nEdit 2."]],
             [[str(page3.relative_to(project)), "<!-- more -->", "<!-- more -->\n\nEdit 3."]],
             [[str(module.relative_to(project)), clone, clone + ", edited"]]]
    edits = work / "edits.json"
    edits.write_text(json.dumps(steps))
    driver = [sys.executable, str(ROOT / "tests/site/serve_driver.py")]
    env = environment(project, project / ".cache")
    served, full = work / "served", work / "full"
    result = subprocess.run(driver + [str(served), str(edits)], cwd=project, env=env,
                            capture_output=True, text=True, check=True)
    builds = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    subprocess.run(driver + ["--full", str(full)], cwd=project, env=env, capture_output=True,
                   check=True)
    assert_same_site(served, full)
    for build_record, edited in zip(builds[1:], (page2.name, page3.name, str(module)),
                                    strict=True):
        build_record["edited"] = edited
    return builds[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="a cache to start from (copied)")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the check of the preview's pages against a full build")
    parser.add_argument("--worktree", action="store_true",
                        help="copy the working tree (default: the last commit, HEAD)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="preview-") as temporary:
        project = Path(temporary) / "blog"
        posts = make_project(project, args.posts, worktree=args.worktree)
        post = pick_post(posts)
        if args.cache:
            shutil.copytree(args.cache, project / ".cache", dirs_exist_ok=True)
        warm_up, log = build(project, project / ".cache")  # the preview starts warm
        shutil.rmtree(project / "site")
        start_load = load()
        fast = measure(project, post, dirty=True, rounds=args.rounds)
        full = measure(project, post, dirty=False, rounds=1)
        end_load = load()
        compared = None if args.no_compare else compare_with_full_build(
            project, posts, Path(temporary))

    def row(name, times):
        each = ", ".join(f"{t:.2f}" for t in times)
        return f"| {name} | {min(times):.2f} | {max(times):.2f} | {each} |"

    position = posts.index(post) + 1
    print(f"{args.posts} posts; edited {post.name}, the {position}th newest (index page 3); "
          f"warm-up build {warm_up:.0f} s; load (1/5 min) {start_load} -> {end_load} "
          f"on {os.cpu_count()} CPUs")
    print("seconds from saving the post to the served page showing the edit")
    print("| preview | best | worst | each save, in order |\n| --- | ---: | ---: | --- |")
    print(row("make serve (incremental), body edit", fast[0]))
    print(row("make serve (incremental), excerpt edit", fast[1]))
    print(row("mkdocs serve without --dirty (full rebuild), body edit", full[0]))
    print(f"posts listed by the blog index after the edits: {fast[2]} of {args.posts}")
    worst = max(fast[0])
    print(f"target: body edit save-to-refresh <= {TARGET} s -> "
          f"{'met' if worst <= TARGET else 'NOT met'} (worst {worst:.2f} s, excerpt edits "
          f"worst {max(fast[1]):.2f} s); full rebuild {min(full[0]):.2f} s")
    if compared is not None:
        for save in compared:
            print(f"save of {save['edited']}: {'full' if save['full'] else 'incremental'} "
                  f"rebuild of {len(save['rebuilt'])} pages {sorted(save['rebuilt'])[:8]}"
                  + (f", errors {save['errors']}" if save["errors"] else ""))
        print(f"after these saves every page and the search index equal a full build's "
              f"({args.posts} posts)")


if __name__ == "__main__":
    main()
