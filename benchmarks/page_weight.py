"""Page weight: the bytes a reader's browser downloads for each post, against a budget.

    python benchmarks/page_weight.py [SITE_DIR [POST...]]

Only the posts whose path contains one of POST, if any are given (a grown copy of the blog
has hundreds). Without SITE_DIR, builds the site strictly into a temporary directory first.
Each post is loaded in headless Chromium (the system's, as in the browser tests) with an
empty cache, from a local server at the deployed path, each address counted once (as GitHub Pages'
caching headers make a browser fetch it), in three steps, each with its own columns:

- "at load": the response bodies until the network is quiet, by kind (HTML, CSS, JS,
  fonts, images, other);
- "scroll": what a reader who scrolls to the end then downloads, a screen at a time: the
  figures, which are files loaded lazily (``<img loading="lazy">``) once they come near
  the screen;
- "search": the post's longest title word typed into the header's search box, as a reader
  would, and what that one query downloads (the search index's manifest, the chunk of the
  word and the fragments of the five results shown; the script itself, search.js, is part
  of the page).

"page+search" is the page at load plus the query, gzip, which the target bounds; "+scroll"
adds the figures. The local server does not compress, so "sent" is what an uncompressed
server would send; "gzip" estimates what GitHub Pages sends (it gzips text). Posts with
math are judged against a 600 KB budget on all that the page itself downloads (at load and
on scroll, sent and gzip).

    python benchmarks/page_weight.py --requests [SITE_DIR] [POST...]

lists every request of the posts whose path contains one of POST (all without), at load,
on scroll and for the query, with its size sent and gzip.
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


def bodies(responses: list, seen: set[str]) -> list[tuple[str, bytes, str]]:
    """Each address once (``seen`` across the steps of one post): GitHub Pages sends
    ``Cache-Control: max-age=600``, so a reader's browser fetches an address once however
    often the page asks for it within ten minutes (Material asks for sitemap.xml three
    times on each first page: for instant navigation and once for each feed's
    ``<link rel="alternate">``), while the test server says ``no-cache``, for the tests."""
    found = []
    for response in responses:
        if response.url in seen:
            continue
        seen.add(response.url)
        try:
            found.append((response.request.resource_type, response.body(), response.url))
        except Exception:  # redirects and aborted requests have no body
            continue
    return found


# A second query typed into the open search box; search.js measures the time from running
# it (after its debounce) to its results on screen, with the chunk and fragments it fetches.
QUERY_TIME = """async (word) => {
  performance.clearMeasures("search");
  const input = document.querySelector("input.md-search__input");
  input.value = word;
  input.dispatchEvent(new Event("input"));
  while (!performance.getEntriesByName("search").length) {
    await new Promise((done) => setTimeout(done, 10));
  }
  return performance.getEntriesByName("search")[0].duration;
}"""


def search_word(page) -> str:
    words = re.findall(r"[A-Za-z]{4,}", page.locator("article h1").first.inner_text())
    return max(words, key=len) if words else "gradient"


# A reader scrolling to the end, a screen at a time, so that every lazily loaded image
# on the way comes near the screen (a jump to the end would pass them by).
SCROLL_THROUGH = """async () => {
  const step = window.innerHeight;
  for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
    window.scrollTo(0, y);
    await new Promise((done) => setTimeout(done, 50));
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
}"""


def gzipped(found: list) -> int:
    return sum(len(gzip.compress(body, 6)) for _, body, _ in found)


def steps(browser, served, url: str) -> dict[str, list[tuple[str, bytes, str]]]:
    """(kind, body, url) of every response of one cold load of ``url``, then of scrolling
    to the end, then of one search from the header's box."""
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    found, seen = {}, set()
    page.goto(url, wait_until="networkidle")
    found["load"] = bodies(responses, seen)
    responses.clear()
    page.evaluate(SCROLL_THROUGH)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    found["scroll"] = bodies(responses, seen)
    responses.clear()
    page.locator("body").press("/")
    page.locator("input.md-search__input").press_sequentially(search_word(page))
    page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    found["search"] = bodies(responses, seen)
    # How long search takes to answer another query, now that its manifest is loaded.
    found["query_ms"] = page.evaluate(QUERY_TIME, "weight")
    found["math"] = page.locator("mjx-container").count() > 0
    context.close()
    return found


def weigh(browser, served, url: str) -> tuple[dict[str, int], int, int]:
    """Bytes per kind of resource and the gzip-compressed total for one cold load, and the
    gzip-compressed bytes of one search from that page (its "search" kind). What scrolling
    to the end adds (the lazily loaded figures) is in ``sizes["scroll"]`` (sent) and
    ``sizes["scroll_gzip"]``, apart from the kinds and the load's total."""
    found = steps(browser, served, url)
    sizes: dict[str, int] = defaultdict(int)
    for kind, body, _ in found["load"]:
        sizes[KINDS.get(kind, "other")] += len(body)
    sizes["scroll"] = sum(len(body) for _, body, _ in found["scroll"])
    sizes["scroll_gzip"] = gzipped(found["scroll"])
    sizes["search"] = sum(len(body) for _, body, _ in found["search"])
    sizes["query_ms"] = found["query_ms"]
    sizes["math"] = int(found["math"])
    return sizes, gzipped(found["load"]), gzipped(found["search"])


def list_requests(site: Path, wanted: list[str]) -> int:
    """Every request of the chosen posts, step by step, sent and gzip."""
    with serve(site) as served, sync_playwright() as playwright:
        browser = launch(playwright)
        for post in post_pages(site):
            name = post.parent.relative_to(site / "blog").as_posix()
            if wanted and not any(word in name for word in wanted):
                continue
            found = steps(browser, served, page_url(served.root_url, site, post))
            print(f"\n{name}  (KB sent, KB gzip)")
            for step in ("load", "scroll", "search"):
                for kind, body, address in found[step]:
                    address = address.removeprefix(served.root_url)
                    print(f"  {step:<7}{kind:<11}{len(body) / 1024:>7.1f}"
                          f"{len(gzip.compress(body, 6)) / 1024:>7.1f}  {address[:90]}")
                print(f"  {step:<7}{'total':<11}"
                      f"{sum(len(b) for _, b, _ in found[step]) / 1024:>7.1f}"
                      f"{gzipped(found[step]) / 1024:>7.1f}")
        browser.close()
    return 0


def main() -> int:
    arguments = sys.argv[1:]
    requests = "--requests" in arguments
    arguments = [a for a in arguments if a != "--requests"]
    temporary = None
    if arguments and Path(arguments[0]).is_dir():
        site = Path(arguments.pop(0)).resolve()
    elif arguments and not requests:
        print(f"no site at {arguments[0]} (SITE_DIR must be a built site's directory)")
        return 2
    else:
        temporary = tempfile.TemporaryDirectory()
        site = Path(temporary.name) / "site"
        build(site)
    try:
        if requests:
            return list_requests(site, arguments)
        return table(site, arguments)
    finally:
        if temporary:
            temporary.cleanup()


def table(site: Path, only: list[str] | None = None) -> int:
    posts = [post for post in post_pages(site)
             if not only or any(word in post.as_posix() for word in only)]
    if not posts:
        print(f"no posts in {site}")
        return 1
    columns = ["html", "css", "js", "font", "img", "other"]
    groups = (f"{'':<50}{'at load':-^54}{'scroll':-^14}{'search':-^14}"
              f"{'gzip totals':-^22}")
    header = (f"{'post':<50}" + "".join(f"{c:>6}" for c in columns)
              + f"{'sent':>9}{'gzip':>9}" + f"{'sent':>7}{'gzip':>7}" * 2
              + f"{'page+search':>12}{'+scroll':>10}{'query ms':>9}"
              + "  budget (sent / gzip)")
    print(f"KB per post (1 KB = 1024 bytes); budget {BUDGET_KB} KB for posts with math, on "
          "what the page downloads at load and on scroll\n")
    print(groups)
    print(header)
    print("-" * len(header))
    over = 0
    with_search: list[int] = []
    with_scroll: list[int] = []
    query_times: list[float] = []
    with serve(site) as served, sync_playwright() as playwright:
        browser = launch(playwright)
        for post in posts:
            url = page_url(served.root_url, site, post)
            sizes, compressed, search_compressed = weigh(browser, served, url)
            with_search.append(compressed + search_compressed)
            with_scroll.append(compressed + sizes["scroll_gzip"] + search_compressed)
            total = sum(sizes[c] for c in columns)
            if sizes["math"]:
                judged = ["ok" if size <= BUDGET_KB * 1024 else "OVER"
                          for size in (total + sizes["scroll"],
                                       compressed + sizes["scroll_gzip"])]
                verdict = " / ".join(judged)
                over += judged[0] == "OVER"
            else:
                verdict = "(no math)"
            name = post.parent.relative_to(site / "blog").as_posix()
            print(f"{name[:49]:<50}" + "".join(f"{sizes[c] / 1024:>6.0f}" for c in columns)
                  + f"{total / 1024:>9.0f}{compressed / 1024:>9.0f}"
                  + f"{sizes['scroll'] / 1024:>7.0f}{sizes['scroll_gzip'] / 1024:>7.0f}"
                  + f"{sizes['search'] / 1024:>7.0f}{search_compressed / 1024:>7.0f}"
                  + f"{with_search[-1] / 1024:>12.0f}{with_scroll[-1] / 1024:>10.0f}"
                  + f"{sizes['query_ms']:>9.0f}  {verdict}")
            query_times.append(sizes["query_ms"])
        browser.close()
    print(f"\n{over} of {len(posts)} posts over the {BUDGET_KB} KB budget (uncompressed)")
    print(f"a post page plus one search, gzip: median {median(with_search) / 1024:.0f} KB, "
          f"largest {max(with_search) / 1024:.0f} KB (target <= {SEARCH_TARGET_KB} KB)")
    print(f"the same with the figures a reader who scrolls to the end loads: median "
          f"{median(with_scroll) / 1024:.0f} KB, largest {max(with_scroll) / 1024:.0f} KB")
    print(f"a new query once search is loaded (to 5 results on screen): median "
          f"{median(query_times):.0f} ms, slowest {max(query_times):.0f} ms (target < 300 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
