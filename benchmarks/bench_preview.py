"""Save-to-refresh time of `make serve` with a year of posts, beside a full rebuild.

Generates 365 posts (as benchmarks/bench_year_of_posts.py does) in a temporary copy, starts
`mkdocs serve --dirty` (what `make serve` runs; hooks/serve_incremental.py decides what to
rebuild) on a free port, then saves an edit to one post's body, and separately to its
excerpt, and measures the time until the served page shows the edit. The same is measured
for stock `mkdocs serve` (a full rebuild per save). After the edits it checks that the blog
index still lists every post. Target: save-to-refresh <= 2 s.
Usage: python benchmarks/bench_preview.py [--posts 365]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_year_of_posts import make_project  # noqa: E402


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


def measure(project: Path, dirty: bool, rounds: int) -> tuple[list[float], list[float], int]:
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(project / ".cache")}
    command = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    if dirty:
        command.append("--dirty")
    server = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/ml-blog/"
    try:
        wait_for(base, "</html>", 600)
        posts = sorted((project / "docs/blog/posts").glob("*.md"))
        post = posts[len(posts) // 2]
        number = re.search(r"topic-(\d+)", post.name)[1]
        # The post's URL: its date path and slug (the slug comes from the title).
        date = post.name[:10].replace("-", "/")
        url = f"{base}blog/{date}/topic-{number}-a-quadratic-with-curvature-{number}/"
        assert "</html>" in fetch(url), url
        body_times, excerpt_times = [], []
        for round_number in range(rounds):
            marker = f"body-edit-{dirty}-{round_number}"
            post.write_text(post.read_text() + f"\n{marker}\n")
            body_times.append(wait_for(url, marker, 120))
            marker = f"excerpt-edit-{dirty}-{round_number}"
            text = post.read_text()
            post.write_text(text.replace("<!-- more -->", f"{marker}\n\n<!-- more -->", 1))
            excerpt_times.append(wait_for(url, marker, 120))
            time.sleep(0.5)
        # Every post is still listed across the index pages.
        listed = set()
        page = 1
        while True:
            html = fetch(base + ("blog/" if page == 1 else f"blog/page/{page}/"))
            found = set(re.findall(r'id="(topic-\d+)[^"]*"', html))
            if not found:
                break
            listed |= found
            page += 1
        return body_times, excerpt_times, len(listed)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        project = Path(temporary) / "blog"
        project.mkdir()
        make_project(project, args.posts, stock=False)
        fast = measure(project, dirty=True, rounds=args.rounds)
        stock = measure(project, dirty=False, rounds=1)

    def row(name, times):
        return f"| {name} | {min(times):.2f} | {max(times):.2f} |"

    print(f"{args.posts} posts; seconds from saving a post to the served page showing it")
    print("| preview | best | worst |\n| --- | ---: | ---: |")
    print(row("make serve (incremental), body edit", fast[0]))
    print(row("make serve (incremental), excerpt edit", fast[1]))
    print(row("stock mkdocs serve (full rebuild), body edit", stock[0]))
    print(f"posts listed by the blog index after the edits: {fast[2]} of {args.posts}")
    worst = max(fast[0] + fast[1])
    print(f"target: save-to-refresh <= 2 s -> {'met' if worst <= 2 else 'NOT met'} "
          f"(worst {worst:.2f} s); full rebuild {min(stock[0]):.2f} s")


if __name__ == "__main__":
    main()
