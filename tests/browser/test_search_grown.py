"""Search on a blog grown past three pages of its index: a post listed on page 3 is found
by a word of its own, and a query answers from a few index chunks, not the whole index."""

from __future__ import annotations

import json
import shutil

import pytest
from harness import serve

from tests.conftest import grow, grown_word, make_fixture_project, run_build

pytestmark = pytest.mark.browser

from execblog.search import index as search  # noqa: E402


@pytest.fixture(scope="module")
def grown(tmp_path_factory, browser):
    project = make_fixture_project(tmp_path_factory.mktemp("grown") / "project")
    grow(project, 30)
    build = run_build(project, project.parent / "site")
    assert build.returncode == 0, build.output
    with serve(build.site) as served:
        yield build.site, served


def test_a_post_on_index_page_3_is_found_by_its_own_word(browser, grown) -> None:
    site, served = grown
    # Grown post 10 is on the third page of the published index (3 fixture posts, then
    # grown 30, 29, ..., ten to a page).
    assert "Grown post 10" in (site / "blog/page/3/index.html").read_text(encoding="utf-8")
    context = browser.new_context(proxy=served.proxy)
    page = context.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    try:
        page.goto(served.root_url + "blog/", wait_until="networkidle")
        before = len(fetched)
        page.locator("body").press("/")
        page.locator("input.md-search__input").press_sequentially(grown_word(10))
        first = page.locator(".md-search-result__list > li > a").first
        first.wait_for(timeout=10_000)
        assert "/blog/2025/10/10/grown-post-10/" in first.get_attribute("href")
        assert page.locator(".md-search-result__list > li").count() == 1
        # The query fetched index chunks, not one file per page of the site.
        chunks = [url for url in fetched[before:] if "/search-index/chunk-" in url]
        pages = len(list(site.rglob("*.html")))
        assert 1 <= len(chunks) < pages / 10, (len(chunks), pages)
        first.click()
        page.wait_for_url("**/grown-post-10/**")
        # The page the result leads to marks the word (search.js, from ?highlight=).
        page.locator("mark").first.wait_for(timeout=10_000)
    finally:
        context.close()


def test_many_results_come_five_at_a_time(browser, grown) -> None:
    site, served = grown
    context = browser.new_context(proxy=served.proxy)
    page = context.new_page()
    try:
        page.goto(served.root_url, wait_until="networkidle")
        page.locator("body").press("/")
        page.locator("input.md-search__input").press_sequentially("grown")
        items = page.locator(".md-search-result__list > li > a")
        items.first.wait_for(timeout=10_000)
        meta = page.locator(".md-search-result__meta").inner_text()
        # Every grown post (and the pages that list titles: the calendar's topics index).
        assert int(meta.split()[0]) >= 30, meta
        assert items.count() == 5
        page.locator(".md-search-result__more").click()
        page.wait_for_function("document.querySelectorAll("
                               "'.md-search-result__list > li > a').length === 10")
        # Arrows move through the results; Enter follows the focused one.
        page.locator("input.md-search__input").press("ArrowDown")
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == items.first.get_attribute("href")
    finally:
        context.close()


def test_a_page_open_across_a_deploy_searches_the_new_index(browser, grown) -> None:
    """A reader's page keeps the index it loaded (as Material's search did); after a
    deploy replaces the index (chunks and fragments under new names, the old ones gone),
    the first query that needs a file that is gone asks for the new manifest rather than
    fail, and the page searches the new index from then on."""
    site, served = grown
    post = site / "blog/2025/10/10/grown-post-10/index.html"
    original = post.read_text(encoding="utf-8")
    context = browser.new_context(proxy=served.proxy)
    page = context.new_page()
    box = page.locator("input.md-search__input")
    first = page.locator(".md-search-result__list > li > a").first
    try:
        page.goto(served.root_url + "blog/", wait_until="networkidle")
        page.locator("body").press("/")
        box.press_sequentially(grown_word(10))
        first.wait_for(timeout=10_000)
        old = json.loads((site / "search-index/manifest.json").read_text(encoding="utf-8"))
        # The deploy: the post gains a word, and the index is made again.
        post.write_text(original.replace("</article>", "<p>Zebracorn.</p></article>", 1),
                        encoding="utf-8")
        search.index(str(site))
        new = json.loads((site / "search-index/manifest.json").read_text(encoding="utf-8"))
        assert new["fragments"] != old["fragments"]
        assert not (site / "search-index" / old["fragments"]).exists()
        # Results need fragments, whose old directory is gone: the query fails once, asks
        # for the new manifest and answers from the new index...
        box.fill("")
        box.press_sequentially("grown")
        page.wait_for_function(
            "() => document.querySelectorAll('.md-search-result__list > li > a').length"
            " === 5", timeout=10_000)
        # ... which from then on it uses: the new word is found.
        box.fill("")
        box.press_sequentially("zebracorn")
        page.wait_for_function(
            "() => document.querySelector('.md-search-result__meta').textContent"
            ".startsWith('1 matching')", timeout=10_000)
        assert "/blog/2025/10/10/grown-post-10/" in first.get_attribute("href")
    finally:
        context.close()
        post.write_text(original, encoding="utf-8")
        search.index(str(site))


def test_a_typo_is_corrected_to_a_word_of_another_chunk(browser, grown, tmp_path) -> None:
    """In a big index the chunks are cut finely: a typo and the word meant may lie in
    different chunks ("wonbatak" sorts after every "wombat..."). The word is still found
    (from the vocabulary of the typo's first letter), with its "Showing results for"."""
    site = tmp_path / "site"
    shutil.copytree(grown[0], site)
    typo, meant = "wonbatak", grown_word(10)
    # Chunks cut finer until the two fall apart (where the cuts fall depends on every word).
    for size in (1_000, 700, 500, 350, 250):
        search.index(str(site), search.Settings(chunk_bytes=size, chunk_gzip_bytes=size // 2))
        manifest = json.loads((site / "search-index/manifest.json").read_text(encoding="utf-8"))
        firsts = [first for first, _ in manifest["chunks"]]
        where = [sum(first <= word for first in firsts) for word in (typo, meant)]
        if where[0] != where[1]:
            break
    assert where[0] != where[1], "the typo and the word share a chunk: no test of this"
    with serve(site) as served:
        context = browser.new_context(proxy=served.proxy)
        page = context.new_page()
        try:
            page.goto(served.root_url + "blog/", wait_until="networkidle")
            page.locator("body").press("/")
            page.locator("input.md-search__input").press_sequentially(typo)
            first = page.locator(".md-search-result__list > li > a").first
            first.wait_for(timeout=10_000)
            assert "/blog/2025/10/10/grown-post-10/" in first.get_attribute("href")
            note = page.locator(".md-search-result__note").inner_text()
            assert meant in note and typo in note, note
        finally:
            context.close()
