"""What the reader does: search, follow links (instant navigation), switch to dark mode."""

from __future__ import annotations

import html
import re

import pytest
from audit import MATH
from harness import page_url, post_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.site.checks import INDEX_ENTRY, index_pages

pytestmark = pytest.mark.browser

SCHEME = "document.body.getAttribute('data-md-color-scheme')"
# Longer words from a post's prose (not headings, not code, not formulas).
BODY_WORDS = """() => {
  const article = document.querySelector('article');
  const paragraphs = [...article.querySelectorAll(':scope > p')].slice(1);  // not the excerpt
  const text = paragraphs.map((p) => {
    const copy = p.cloneNode(true);
    copy.querySelectorAll('code, .arithmatex').forEach((node) => node.remove());
    return copy.textContent;
  }).join(' ');
  return text.match(/[A-Za-z]{8,}/g) || [];
}"""


def search(page, word: str) -> None:
    """Open the header's search with its keyboard shortcut and type ``word``."""
    page.locator("body").press("/")
    box = page.locator("input.md-search__input")
    box.wait_for(state="visible")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    box.press_sequentially(word)


def assert_search_lists(page, word: str, url: str) -> None:
    """Searching ``word`` lists ``url``, or a section of it (URL + ?highlight=... #anchor)."""
    search(page, word)
    # Listed, or a "Show more" away (results come five at a time; a common word has many).
    found_or_more = """(url) => {
      const listed = [...document.querySelectorAll('.md-search-result__item a')]
        .some((a) => { const u = new URL(a.href); u.search = u.hash = '';
                       return u.href === url; });
      return listed ? 'found' : document.querySelector('.md-search-result__more') ? 'more'
                                                                                : false;
    }"""
    try:
        while page.wait_for_function(found_or_more, arg=url,
                                     timeout=10_000).json_value() == "more":
            page.locator(".md-search-result__more").click()
    except PlaywrightTimeout:
        shown = page.locator(".md-search-result").inner_text()
        pytest.fail(f"searching {word!r} did not list {url}; the results read:\n{shown}")


def posts_with_math(site) -> list:
    return [p for p in post_pages(site) if "<mjx-container" in p.read_text(encoding="utf-8")]


def sample(items: list) -> list:
    """The first, middle and last: a bounded sample however many posts there are."""
    return [items[i] for i in sorted({0, len(items) // 2, len(items) - 1})] if items else []


def test_search_finds_posts_by_a_word_from_their_body(new_page, site, root_url) -> None:
    posts = post_pages(site)
    assert posts, "no post pages in the built site"
    page = new_page()
    for post in sample(posts):
        url = page_url(root_url, site, post)
        page.goto(url)
        title = page.locator("article h1").first.inner_text().lower()
        words = [w for w in page.evaluate(BODY_WORDS) if w.lower() not in title]
        assert words, f"{url}: no long word in the body to search for"
        word = max(sorted(set(words)), key=len)  # the longest, alphabetically first
        page.goto(root_url)
        assert_search_lists(page, word, url)


def test_search_says_when_nothing_matches(new_page, root_url) -> None:
    page = new_page()
    page.goto(root_url + "about/")
    search(page, "zzzzqqq")  # (no word of the index begins with it)
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function(
        "() => document.querySelector('.md-search-result__meta').textContent"
        ".includes('No matching')", timeout=10_000)
    assert page.locator(".md-search-result__item").count() == 0, meta.inner_text()


def distinct_post(site):
    """A post whose title is in no other post's title (so searching it finds few pages),
    the oldest such: at a year of posts many titles share their words."""
    titles = {post: page_title(post) for post in post_pages(site)}
    for post, title in titles.items():
        if not any(title in other for p, other in titles.items() if p != post):
            return post, title
    pytest.fail("every post's title is part of another post's title")


def test_search_works_after_instant_navigation(new_page, site, root_url) -> None:
    post, title = distinct_post(site)
    page = new_page()
    page.goto(root_url, wait_until="networkidle")
    page.evaluate("window.__no_reload = true")
    page.locator(".md-tabs a").filter(has_text="About").first.click()
    page.wait_for_url(re.compile(r"/about/$"))
    assert page.evaluate("window.__no_reload === true"), "the click reloaded the whole page"
    assert_search_lists(page, title, page_url(root_url, site, post))
    # Escape closes the search; a result leads to its page, by instant navigation.
    page.keyboard.press("Escape")
    assert not page.locator("#__search").is_checked()


def page_title(post) -> str:
    match = re.search(r"<h1[^>]*>(.*?)<", post.read_text(encoding="utf-8"))
    assert match, f"{post}: no <h1>"
    return html.unescape(match[1]).strip()


def index_page_listing(site, post) -> str:
    """The blog index page (blog/, blog/page/2/, ...) whose excerpts link to ``post``."""
    for page in index_pages(site):
        hrefs = INDEX_ENTRY.findall(page.read_text(encoding="utf-8"))
        if any((page.parent / href / "index.html").resolve() == post.resolve()
               for href, _ in hrefs):
            return page
    pytest.fail(f"no page of the blog index lists {post.relative_to(site)}")


def test_instant_navigation_keeps_math_typeset(new_page, site, root_url) -> None:
    posts = posts_with_math(site)
    assert posts, "no post with formulas"
    post = posts[len(posts) // 2]  # not necessarily on the index's first page
    target = page_url(root_url, site, post)
    page = new_page()
    page.goto(page_url(root_url, site, index_page_listing(site, post)),
              wait_until="networkidle")
    page.evaluate("window.__no_reload = true")
    # Mark the link to the post in the blog index, then click it as a reader would.
    marked = page.evaluate(
        """(url) => {
          const link = [...document.querySelectorAll('.md-content a')]
            .find((a) => a.href === url);
          if (link) link.setAttribute('data-test-target', '');
          return Boolean(link);
        }""", target)
    assert marked, f"the blog index page has no link to {target}"
    page.locator("[data-test-target]").click()
    page.wait_for_url(target)
    assert page.evaluate("window.__no_reload === true"), "the click reloaded the whole page"
    page.locator(".md-content article .arithmatex mjx-container > svg").first.wait_for()
    # Typeset, with the new page's glyph store arrived along with its formulas.
    assert page.evaluate(MATH)["untypeset"] == []
    heading = page.locator("article h1").first.inner_text().rstrip("¶").strip()
    assert heading in page.title()


def test_dark_mode_toggle_works_and_persists(new_page, site, root_url) -> None:
    page = new_page(color_scheme="light")
    page.goto(root_url, wait_until="networkidle")
    assert page.evaluate(SCHEME) == "default"
    page.locator('form[data-md-component="palette"] label:not([hidden])').click()
    page.wait_for_function(f"{SCHEME} === 'slate'")
    page.evaluate("window.__no_reload = true")
    # Instant navigation to another page keeps the choice ...
    page.locator(".md-tabs a, .md-header a").filter(has_text="About").first.click()
    page.wait_for_url(re.compile(r"/about/$"))
    assert page.evaluate("window.__no_reload === true")
    assert page.evaluate(SCHEME) == "slate"
    # ... so do a reload and a fresh load of a third page.
    page.reload()
    assert page.evaluate(SCHEME) == "slate"
    page.goto(root_url + "blog/")
    assert page.evaluate(SCHEME) == "slate"
    page.locator('form[data-md-component="palette"] label:not([hidden])').click()
    page.wait_for_function(f"{SCHEME} === 'default'")
    page.goto(root_url)
    assert page.evaluate(SCHEME) == "default"
