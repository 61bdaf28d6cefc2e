"""Search quality and weight: the site's own search against Pagefind, side by side.

    python benchmarks/bench_search.py [SITE_DIR] [--eval FILE] [--show] [--clones]

Without SITE_DIR, builds the site strictly into a temporary directory first; with it, the
built site is copied into a temporary directory, so the directory given is never written.
Pagefind (pinned in package.json's devDependencies, used by nothing but this script) then
indexes the copy: the same articles as the site's search (``data-search-body`` is marked
``data-pagefind-body`` too), without the same parts (formulas, code listings, permalink
signs, the API pages' source).

Every query of the evaluation set (``benchmarks/search_eval.yml``) is run, in the system's
headless Chromium, from a post page served at the deployed path:

- the site's search, typed into the header's box as a reader would (its results are the
  five the box shows first);
- Pagefind, through its JavaScript API (``search()``, then ``data()`` of the first five
  results, which is what its UI does to show them).

Printed: success@1 and success@5 per category (an expected page first, among the first
five), the gzip bytes of a query on a fresh page (everything it fetches: for Pagefind its
script and WebAssembly too) and of a later query on the same page, and the time per query.
For the site's search, two times: from running the query (after the box's debounce) to its
results on screen, and from the arrival of the last index chunk to the results on screen
(ranking and fetching the five results' excerpts). ``--show`` lists each query's first
results and whether each engine found an expected page.

``--clones``: the site is a year of cloned posts (benchmarks/bench_year_of_posts.py --keep
DIR; a clone of a post is the same text titled "... (copy k)", at
``blog/<date>/<slug>-copy-<k>/``), and a clone of an expected post counts as that post: it
answers the query as well, and which of sixty equal copies comes first is a coin toss.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import DESKTOP, base_path, launch, serve  # noqa: E402
from page_weight import build  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

EVALUATION = ROOT / "benchmarks" / "search_eval.yml"
PAGEFIND = ROOT / "node_modules" / ".bin" / "pagefind"
# Left out of Pagefind's index as the site's indexer leaves them out of its own.
EXCLUDED = ["mjx-container", "svg", ".headerlink", "details.mkdocstrings-source",
            ".md-source-file", "div.highlight", ".md-clipboard", ".md-tags"]
# The page every query starts from: a post (any page carries the same search box).
START = "blog/2026/11/18/gradient-descent-and-the-gradient/"
SHOWN = 5
CATEGORIES = ["exact", "word form", "several", "phrase", "api", "typo"]

# The site's search: the query typed into the open box; search.js measures the run
# ("search": from the query, after the debounce, to its results on screen; "search-ranked":
# from the last index chunk's arrival to the results on screen).
SITE_QUERY = """async (query) => {
  performance.clearMeasures();
  const input = document.querySelector("input.md-search__input");
  input.value = query;
  input.dispatchEvent(new Event("input"));
  const deadline = performance.now() + 30000;
  while (!performance.getEntriesByName("search").length) {
    if (performance.now() > deadline) throw new Error(`no results for ${query}`);
    await new Promise((done) => setTimeout(done, 5));
  }
  const ranked = performance.getEntriesByName("search-ranked");
  return {
    urls: [...document.querySelectorAll(".md-search-result__list > li > a:first-child")]
      .map((a) => a.href),  // (each result's first link: its page, not its sections)
    meta: document.querySelector(".md-search-result__meta").textContent,
    ms: performance.getEntriesByName("search")[0].duration,
    ranked_ms: ranked.length ? ranked[0].duration : null,
  };
}"""

PAGEFIND_QUERY = """async ([bundle, query, shown]) => {
  window.pagefind = window.pagefind || await import(bundle);
  const start = performance.now();
  const search = await window.pagefind.search(query);
  const data = await Promise.all(search.results.slice(0, shown).map((r) => r.data()));
  return { urls: data.map((d) => d.url), ms: performance.now() - start, meta: "" };
}"""


def prepare(site: Path, copy: Path) -> None:
    """The built site copied, its articles marked for Pagefind too, and Pagefind's index."""
    shutil.copytree(site, copy)
    for page in copy.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "data-search-body" in text:
            page.write_text(text.replace("data-search-body", "data-search-body "
                                         "data-pagefind-body", 1), encoding="utf-8")
    command = [str(PAGEFIND), "--site", str(copy), "--quiet"]
    for selector in EXCLUDED:
        command += ["--exclude-selectors", selector]
    subprocess.run(command, check=True, cwd=ROOT)


def page_of(url: str) -> str:
    """A result's page as the evaluation names it: its path under the site's root."""
    path = urlsplit(url).path
    return path.removeprefix(base_path()).removesuffix("index.html")


class Engine:
    """One search engine driven in headless Chromium over the served copy."""

    def __init__(self, name: str, browser, served) -> None:
        self.name = name
        self.browser = browser
        self.served = served
        self.later_page = None
        self.later_seen: set[str] = set()

    def open(self):
        context = self.browser.new_context(viewport=DESKTOP, proxy=self.served.proxy)
        page = context.new_page()
        responses: list = []
        page.on("response", lambda response: responses.append(response))
        page.goto(self.served.root_url + START, wait_until="networkidle")
        if self.name == "site":
            page.locator("body").press("/")
        responses.clear()
        return context, page, responses

    def query(self, page, query: str) -> dict:
        if self.name == "site":
            found = page.evaluate(SITE_QUERY, query)
        else:
            bundle = self.served.root_url + "pagefind/pagefind.js"
            found = page.evaluate(PAGEFIND_QUERY, [bundle, query, SHOWN])
        page.wait_for_load_state("networkidle")
        found["pages"] = [page_of(url) for url in found["urls"]][:SHOWN]
        return found

    def first(self, query: str) -> tuple[dict, int]:
        """The query on a fresh page: its results and every byte it fetched (gzip)."""
        context, page, responses = self.open()
        try:
            found = self.query(page, query)
            return found, weigh(responses, set())
        finally:
            context.close()

    def later(self, query: str) -> tuple[dict, int]:
        """The query on a page that has searched before (each address fetched once)."""
        if self.later_page is None:
            self.later_context, self.later_page, self.later_responses = self.open()
        self.later_responses.clear()
        found = self.query(self.later_page, query)
        return found, weigh(self.later_responses, self.later_seen)

    def close(self) -> None:
        if self.later_page is not None:
            self.later_context.close()


def weigh(responses: list, seen: set[str]) -> int:
    total = 0
    for response in responses:
        if response.url in seen or response.status != 200:
            continue
        seen.add(response.url)
        try:
            total += len(gzip.compress(response.body(), 6))
        except Exception:  # no body (redirects, aborted requests)
            continue
    return total


CLONE = re.compile(r"^blog/\d{4}/\d\d/\d\d/(?P<slug>.+?)(?:-copy)?(?:-\d+)?/$")


def as_original(page: str) -> str:
    """A post's address without its date, and a clone's as its original's."""
    match = CLONE.match(page)
    return f"blog/{match['slug']}/" if match else page


def evaluate(site: Path, evaluation: Path, show: bool, clones: bool = False) -> int:
    data = yaml.safe_load(evaluation.read_text(encoding="utf-8"))
    pages, queries = data["pages"], data["queries"]
    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary) / "site"
        prepare(site, copy)
        count = sum(1 for page in copy.rglob("*.html") if "data-pagefind-body" in
                    page.read_text(encoding="utf-8"))
        with serve(copy) as served, sync_playwright() as playwright:
            browser = launch(playwright)
            engines = [Engine("site", browser, served), Engine("pagefind", browser, served)]
            runs: dict[str, list[dict]] = {engine.name: [] for engine in engines}
            unstable: dict[str, list[str]] = {engine.name: [] for engine in engines}
            for entry in queries:
                expected = {pages[name] for name in entry["expect"]}
                line = [f"{entry['category']:<10} {entry['q']!r:<40}"]
                for engine in engines:
                    found, first_bytes = engine.first(entry["q"])
                    again, later_bytes = engine.later(entry["q"])
                    if again["pages"] != found["pages"]:
                        differ = (f"{engine.name}: {entry['q']!r} gave other results on a "
                                  f"fresh page and a used one: {found['pages']} / "
                                  f"{again['pages']}")
                        if engine.name == "site":  # the site's ranking is deterministic
                            raise SystemExit(differ)
                        # Pagefind orders pages of equal score as its fragments arrive
                        # (seen among 365 cloned posts): counted from the fresh page.
                        print("note: " + differ, flush=True)
                        unstable[engine.name].append(entry["q"])
                    if clones:
                        wanted = {as_original(page) for page in expected}
                        hits = [as_original(page) in wanted for page in found["pages"]]
                    else:
                        hits = [page in expected for page in found["pages"]]
                    runs[engine.name].append({
                        "category": entry["category"], "at1": bool(hits[:1] and hits[0]),
                        "at5": any(hits), "first": first_bytes, "later": later_bytes,
                        "ms": again["ms"], "ranked_ms": again.get("ranked_ms")})
                    mark = "1" if hits[:1] and hits[0] else "5" if any(hits) else "-"
                    line.append(f"{engine.name} {mark} {found['pages'][:3]}")
                if show:
                    print("  ".join(line), flush=True)
            for engine in engines:
                engine.close()
            browser.close()
    report(runs, len(queries), count)
    for name, differed in unstable.items():
        if differed:
            print(f"{name}: {len(differed)} queries ranked otherwise on a used page (success "
                  f"counted on the fresh page): {', '.join(map(repr, differed))}")
    return 0


def report(runs: dict[str, list[dict]], queries: int, indexed: int) -> None:
    print(f"\n{queries} queries over {indexed} indexed pages; success@k: an expected page "
          "among the first k results\n")
    names = list(runs)
    header = f"{'category':<12}{'queries':>8}" + "".join(
        f"{name + ' @1':>14}{name + ' @5':>14}" for name in names)
    print(header)
    print("-" * len(header))
    for category in [*CATEGORIES, "all"]:
        rows = {name: [r for r in run if category in ("all", r["category"])]
                for name, run in runs.items()}
        number = len(rows[names[0]])
        if not number:
            continue
        cells = ""
        for name in names:
            at1 = sum(r["at1"] for r in rows[name])
            at5 = sum(r["at5"] for r in rows[name])
            cells += f"{f'{at1} ({100 * at1 / number:.0f}%)':>14}"
            cells += f"{f'{at5} ({100 * at5 / number:.0f}%)':>14}"
        print(f"{category:<12}{number:>8}{cells}")
    print()
    for name, run in runs.items():
        first = [r["first"] / 1024 for r in run]
        later = [r["later"] / 1024 for r in run[1:]]  # (the first loaded the page's search)
        ms = [r["ms"] for r in run]
        print(f"{name}: first query on a fresh page {median(first):.1f} KB gzip median "
              f"(max {max(first):.1f}); a later query {median(later):.1f} KB median "
              f"(max {max(later):.1f}); {median(ms):.0f} ms per query median "
              f"(max {max(ms):.0f})")
        ranked = [r["ranked_ms"] for r in run if r["ranked_ms"] is not None]
        if ranked:
            print(f"{name}: from the last chunk's arrival to results on screen "
                  f"{median(ranked):.0f} ms median (max {max(ranked):.0f})")


def main() -> int:
    arguments = sys.argv[1:]
    show, clones = "--show" in arguments, "--clones" in arguments
    arguments = [a for a in arguments if a not in ("--show", "--clones")]
    evaluation = EVALUATION
    if "--eval" in arguments:
        at = arguments.index("--eval")
        evaluation = Path(arguments[at + 1])
        del arguments[at:at + 2]
    if not PAGEFIND.exists():
        print(f"no Pagefind at {PAGEFIND}: run `npm ci` (it is a development dependency)")
        return 2
    if arguments:
        site = Path(arguments[0])
        if not (site / "search-index" / "manifest.json").is_file():
            print(f"no built site at {site}: expected {site}/search-index/manifest.json")
            return 2
        return evaluate(site.resolve(), evaluation, show, clones)
    with tempfile.TemporaryDirectory() as temporary:
        site = Path(temporary) / "site"
        build(site)
        return evaluate(site, evaluation, show)


if __name__ == "__main__":
    sys.exit(main())
