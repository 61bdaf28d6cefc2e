"""Search that finds what readers mean, in Chromium over the built blog: a word form the
text does not hold, a typo with its "Showing results for" line, a partial match with the
words a page lacks, an API name finding its entry first, and the pages that only list
others kept below what they list."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

GRADIENT_DESCENT = "blog/2026/11/18/gradient-descent-and-the-gradient/"
MLP = "blog/2026/11/21/a-neural-network-from-scratch-fully-connected-layers/"
CNN = "blog/2026/11/22/convolutional-layers-from-scratch/"
WINOGRAD = "blog/2026/12/02/winograd-convolution/"
# A year of posts (benchmarks/bench_year_of_posts.py) clones each post, same text, at
# blog/<date>/<slug>-copy-<k>/ (<slug>-<k>/ for a post that sets its slug): any of sixty
# equal copies may come first, and answers as well as the post it copies.
CLONE = re.compile(r"^blog/\d{4}/\d\d/\d\d/(?P<slug>.+?)(?:-copy)?(?:-\d+)?/$")


def post_of(page: str) -> str:
    """A result's page, a post's copy as that post (dates left out)."""
    match = CLONE.match(page)
    return f"blog/{match['slug']}/" if match else page


def posts(pages: list[str]) -> list[str]:
    return [post_of(page) for page in pages]


def ask(page, root_url: str, query: str) -> dict:
    """Type ``query`` into the header's box (a fresh run) and read what it shows: the
    count, the line under it, and each result's page (its first link) in order."""
    page.evaluate("performance.clearMeasures('search')")
    box = page.locator("input.md-search__input")
    box.fill(query)
    page.wait_for_function("performance.getEntriesByName('search').length > 0",
                           timeout=20_000)
    pages = page.evaluate("""(root) => [...document.querySelectorAll(
        '.md-search-result__list > li > a:first-child')].map((a) => {
          const url = new URL(a.href); return url.pathname.slice(new URL(root).pathname.length);
        })""", root_url)
    return {
        "meta": page.locator(".md-search-result__meta").inner_text(),
        "note": page.evaluate("(n => n.hidden ? '' : n.textContent)("
                              "document.querySelector('.md-search-result__note'))"),
        "pages": pages,
    }


@pytest.fixture
def searching(new_page, root_url):
    page = new_page()
    page.goto(root_url + "about/", wait_until="networkidle")
    page.locator("body").press("/")
    return page


def test_a_word_form_the_text_does_not_hold_finds_the_post(searching, root_url, site):
    text = (site / GRADIENT_DESCENT / "index.html").read_text(encoding="utf-8")
    assert "differentiating" not in text and "differentiable" in text
    for query, expected in (("differentiating", GRADIENT_DESCENT),
                            ("vectorizing", CNN), ("backpropagate", MLP)):
        found = ask(searching, root_url, query)
        assert post_of(expected) in posts(found["pages"][:5]), (query, found)
        assert not found["note"], found  # a stem of the index: nothing corrected


def test_a_british_spelling_finds_the_american_one(searching, root_url, site):
    text = (site / CNN / "index.html").read_text(encoding="utf-8")
    assert "vectorised" not in text and "vectorized" in text
    assert post_of(CNN) in posts(ask(searching, root_url, "vectorised")["pages"][:5])


def test_a_typo_is_corrected_and_the_words_as_typed_can_be_searched(searching, root_url):
    found = ask(searching, root_url, "convolutoin")
    assert found["note"] == ("Showing results for convolution. "
                             "Search instead for convolutoin."), found
    assert {post_of(CNN), post_of(WINOGRAD)} & set(posts(found["pages"][:2])), found
    assert not found["meta"].startswith("No matching"), found
    searching.evaluate("performance.clearMeasures('search')")
    searching.locator(".md-search-result__instead").click()
    searching.wait_for_function("performance.getEntriesByName('search').length > 0")
    assert searching.locator(".md-search-result__meta").inner_text() == \
        "No matching documents"
    assert searching.locator(".md-search-result__item").count() == 0


def test_several_typos_are_each_corrected(searching, root_url):
    found = ask(searching, root_url, "stochastc gradiant")
    assert found["note"].startswith("Showing results for stochastic gradient."), found
    assert post_of(found["pages"][0]) == post_of(
        "blog/2026/11/20/batch-stochastic-and-mini-batch-gradient-descent/"), found


def test_a_word_no_page_holds_leaves_the_pages_holding_the_others(searching, root_url):
    found = ask(searching, root_url, "winograd qqzzxx")
    assert post_of(found["pages"][0]) == post_of(WINOGRAD), found
    assert found["note"] == "Not found: qqzzxx.", found
    first = searching.locator(".md-search-result__list > li").first
    assert first.locator(".md-search-result__missing").inner_text() == "Missing: qqzzxx"
    # A page holding every word comes before those holding some.
    found = ask(searching, root_url, "kernel winograd")
    assert post_of(found["pages"][0]) == post_of(WINOGRAD), found
    missing = searching.locator(".md-search-result__list > li").nth(0)
    assert missing.locator(".md-search-result__missing").count() == 0


def test_words_side_by_side_in_a_heading_raise_its_page(searching, root_url):
    # The convolution post has the heading "A gradient check"; the posts with "gradient"
    # in their title and "check" in their text came first before the index kept the
    # headings' neighbouring words as keys of their own.
    found = ask(searching, root_url, "gradient check")
    assert post_of(found["pages"][0]) in {post_of(CNN), "reference/gradcheck/"}, found
    # The same words in the other order are no phrase of a heading: no such raise.
    found = ask(searching, root_url, "check gradient")
    assert post_of(found["pages"][0]) not in {post_of(CNN), "reference/gradcheck/"}, found


@pytest.mark.parametrize(("name", "entry"), [
    ("zero_grad", {"reference/optim/", "reference/module/"}),
    ("Conv2d", {"reference/conv/"}),
    ("CrossEntropyLoss", {"reference/losses/"}),
    ("col2im", {"reference/im2col/"}),
])
def test_an_api_name_finds_its_entry_first(searching, root_url, name, entry):
    found = ask(searching, root_url, name)
    assert found["pages"][0] in entry, found
    assert not found["note"], found


def test_pages_that_list_others_come_after_what_they_list(searching, root_url):
    # (Each query is in the calendar's list of tags, or the home page's list of posts.)
    for query, first in (("perceptron", {MLP}),
                         ("minimal filtering", {WINOGRAD, "reference/winograd/"}),
                         ("stochastic gradient descent", {"blog/2026/11/20/batch-stochastic"
                                                          "-and-mini-batch-gradient-descent/"})):
        found = ask(searching, root_url, query)
        assert post_of(found["pages"][0]) in set(posts(list(first))), (query, found)
        for listing in ("", "calendar/", "reference/"):
            assert listing not in found["pages"], (query, found)
    # Such a page is still found by its title.
    assert ask(searching, root_url, "calendar")["pages"][0] == "calendar/"
