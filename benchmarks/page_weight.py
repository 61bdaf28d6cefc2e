"""Page weight: the bytes a reader's browser downloads for each post, against a budget.

    python benchmarks/page_weight.py [SITE_DIR]

Without SITE_DIR, builds the site strictly into a temporary directory first. Each post is
loaded in headless Chromium (the system's, as in the browser tests) with an empty cache,
from a local server at the deployed path; the table sums the response bodies by kind
(HTML, CSS, JS, fonts, images, other: the search index, sitemap) and judges posts with math
against a 600 KB budget. The local server does not compress, so "sent" is what an
uncompressed server would send; "gzip" estimates what GitHub Pages sends (it gzips text).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from harness import DESKTOP, launch, page_url, post_pages, serve  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

BUDGET_KB = 600
KINDS = {"document": "html", "stylesheet": "css", "script": "js", "font": "font",
         "image": "img"}


def build(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "--site-dir", str(site)], cwd=ROOT, env=env, check=True)


def weigh(browser, served, url: str) -> tuple[dict[str, int], int]:
    """Bytes per kind of resource, and the gzip-compressed total, for one cold load."""
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    page = context.new_page()
    sizes: dict[str, int] = defaultdict(int)
    compressed = 0
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="networkidle")
    for response in responses:
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have no body
            continue
        sizes[KINDS.get(response.request.resource_type, "other")] += len(body)
        compressed += len(gzip.compress(body, 6))
    has_math = page.locator("mjx-container").count() > 0
    context.close()
    sizes["math"] = int(has_math)
    return sizes, compressed


def main() -> int:
    if len(sys.argv) > 1:
        site = Path(sys.argv[1]).resolve()
        temporary = None
    else:
        temporary = tempfile.TemporaryDirectory()
        site = Path(temporary.name) / "site"
        build(site)
    posts = post_pages(site)
    if not posts:
        print(f"no posts in {site}")
        return 1
    columns = ["html", "css", "js", "font", "img", "other"]
    header = (f"{'post':<58}" + "".join(f"{c:>8}" for c in columns)
              + f"{'sent':>9}{'gzip':>8}  verdict (sent / gzip)")
    print(f"KB per post (1 KB = 1024 bytes), budget {BUDGET_KB} KB for posts with math\n")
    print(header)
    print("-" * len(header))
    over = 0
    with serve(site) as served, sync_playwright() as playwright:
        browser = launch(playwright)
        for post in posts:
            url = page_url(served.root_url, site, post)
            sizes, compressed = weigh(browser, served, url)
            total = sum(sizes[c] for c in columns)
            if sizes["math"]:
                judged = ["ok" if size <= BUDGET_KB * 1024 else "OVER"
                          for size in (total, compressed)]
                verdict = " / ".join(judged)
                over += judged[0] == "OVER"
            else:
                verdict = "(no math)"
            name = post.parent.relative_to(site / "blog").as_posix()
            print(f"{name[:57]:<58}" + "".join(f"{sizes[c] / 1024:>8.0f}" for c in columns)
                  + f"{total / 1024:>9.0f}{compressed / 1024:>8.0f}  {verdict}")
        browser.close()
    if temporary:
        temporary.cleanup()
    print(f"\n{over} of {len(posts)} posts over the {BUDGET_KB} KB budget (uncompressed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
