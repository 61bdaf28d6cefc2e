"""`make serve` left idle after one save: rebuilds per minute and the server's CPU use.

Starts the real `mkdocs serve --dirty` on a copy of the fixture site (or of the blog with
--blog), saves one post once, waits for its rebuild, then leaves it idle for --seconds and
prints the rebuilds and reloads seen in that time and the server's CPU time as a share of
one core. The issue's target: 0 rebuilds per minute and under 2 % CPU.

    python benchmarks/bench_serve_idle.py [--seconds 60] [--blog]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import make_fixture_project  # noqa: E402
from tests.site.serve_process import Serving  # noqa: E402


def blog_copy(destination: Path) -> Path:
    for name in ("docs", "nn", "execblog", "snippets", "overrides", "mkdocs.yml", "package.json"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    return destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--blog", action="store_true", help="the real blog, not the fixture")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = (blog_copy if args.blog else make_fixture_project)(Path(folder) / "project")
        server = Serving(project)
        try:
            server.wait_idle()
            post = sorted((project / "docs/blog/posts").glob("*.md"))[0]
            reloads = server.reloads()
            post.write_text(post.read_text(encoding="utf-8") + "\nOne more line.\n",
                            encoding="utf-8")
            server.wait_for(lambda: server.reloads() > reloads, 600, "the save's rebuild")
            server.wait_idle(quiet=2.0)
            rebuilds, reloads = server.rebuilds(), server.reloads()
            cpu, start = server.cpu_seconds(), time.monotonic()
            time.sleep(args.seconds)
            idle = time.monotonic() - start
            used = server.cpu_seconds() - cpu
            extra = server.rebuilds() - rebuilds
            print(f"idle {idle:.0f} s after one save ({post.name}):")
            print(f"  rebuilds {extra} ({extra * 60 / idle:.1f} per minute), "
                  f"reloads {server.reloads() - reloads}")
            print(f"  server CPU {used:.2f} s = {100 * used / idle:.2f} % of a core "
                  f"(target: 0 rebuilds, under 2 %)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
