"""Page weight: the bytes a reader's browser downloads for each post, against a budget.

    python benchmarks/page_weight.py [SITE_DIR]

Without SITE_DIR, builds the site strictly into a temporary directory first. Each post is
loaded in headless Chromium (the system's, as in the browser tests) with an empty cache,
from a local server at the deployed path; the table sums the response bodies by kind
(HTML, CSS, JS, fonts, images, other) and judges posts with math against a 600 KB budget.
Then it searches the post's longest title word in the header's search box, as a reader
would, and adds what that one query downloads (Pagefind's script, its WebAssembly, the
index chunk and the results' fragments): the "search" column, and "+search gzip". The
local server does not compress, so "sent" is what an uncompressed server would send; "gzip"
estimates what GitHub Pages sends (it gzips text).
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from harness import DESKTOP, launch, page_url, post_pages, serve  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

BUDGET_KB = 600
SEARCH_TARGET_KB = 200  # a post page plus one search query, gzip
KINDS = {"document": "html", "stylesheet": "css", "script": "js", "font": "font",
         "image": "img"}


def build(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "--site-dir", str(site)], cwd=ROOT, env=env, check=True)


def bodies(responses: list) -> list[bytes]:
    found = []
    for response in responses:
        try:
            found.append((response.request.resource_type, response.body()))
        except Exception:  # redirects and aborted requests have no body
            continue
    return found


QUERY_TIME = """async ([script, word]) => {
  const pagefind = await import(script);  // the module the search box loaded
  const start = performance.now();
  const found = await pagefind.search(word);
  await Promise.all(found.results.slice(0, 5).map((r) => r.data()));
  return performance.now() - start;
}"""


def search_word(page) -> str:
    words = re.findall(r"[A-Za-z]{4,}", page.locator("article h1").first.inner_text())
    return max(words, key=len) if words else "gradient"


def weigh(browser, served, url: str) -> tuple[dict[str, int], int, int]:
    """Bytes per kind of resource and the gzip-compressed total for one cold load, and the
    gzip-compressed bytes of one search from that page (its "search" kind)."""
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    page = context.new_page()
    sizes: dict[str, int] = defaultdict(int)
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="networkidle")
    loaded = bodies(responses)
    responses.clear()
    page.locator("body").press("/")
    page.locator("input.md-search__input").press_sequentially(search_word(page))
    page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    searched = bodies(responses)
    # How long Pagefind takes to answer another query, now that it is loaded.
    script = served.root_url + "pagefind/pagefind.js"
    sizes["query_ms"] = page.evaluate(QUERY_TIME, [script, "weight"])
    for kind, body in loaded:
        sizes[KINDS.get(kind, "other")] += len(body)
    sizes["search"] = sum(len(body) for _, body in searched)
    compressed = sum(len(gzip.compress(body, 6)) for _, body in loaded)
    search_compressed = sum(len(gzip.compress(body, 6)) for _, body in searched)
    sizes["math"] = int(page.locator("mjx-container").count() > 0)
    context.close()
    return sizes, compressed, search_compressed


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
              + f"{'sent':>9}{'gzip':>8}{'search':>8}{'+search gzip':>13}{'query ms':>9}"
              + "  verdict (sent / gzip)")
    print(f"KB per post (1 KB = 1024 bytes), budget {BUDGET_KB} KB for posts with math\n")
    print(header)
    print("-" * len(header))
    over = 0
    with_search: list[int] = []
    query_times: list[float] = []
    with serve(site) as served, sync_playwright() as playwright:
        browser = launch(playwright)
        for post in posts:
            url = page_url(served.root_url, site, post)
            sizes, compressed, search_compressed = weigh(browser, served, url)
            with_search.append(compressed + search_compressed)
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
                  + f"{total / 1024:>9.0f}{compressed / 1024:>8.0f}"
                  + f"{sizes['search'] / 1024:>8.0f}"
                  + f"{(compressed + search_compressed) / 1024:>13.0f}"
                  + f"{sizes['query_ms']:>9.0f}  {verdict}")
            query_times.append(sizes["query_ms"])
        browser.close()
    if temporary:
        temporary.cleanup()
    print(f"\n{over} of {len(posts)} posts over the {BUDGET_KB} KB budget (uncompressed)")
    print(f"a post page plus one search, gzip: median {median(with_search) / 1024:.0f} KB, "
          f"largest {max(with_search) / 1024:.0f} KB (target <= {SEARCH_TARGET_KB} KB)")
    print(f"a new query once search is loaded (5 results' data): median "
          f"{median(query_times):.0f} ms, slowest {max(query_times):.0f} ms (target < 300 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
