"""Figures as the reader gets them: loaded when scrolled near, not with the page; shown after
instant navigation; white, as drawn, in the dark scheme too."""

from __future__ import annotations

from io import BytesIO

import pytest
from harness import page_url, post_pages
from PIL import Image

pytestmark = pytest.mark.browser

# Far enough below the first screen that no browser's lazy-loading margin reaches it.
FAR_BELOW = 8000
FIGURES = """() => [...document.querySelectorAll('.exec-figure img')].map((img) => ({
  src: img.currentSrc || img.src, top: img.getBoundingClientRect().top + window.scrollY,
  loaded: img.complete && img.naturalWidth > 0}))"""


def posts_with_figures(site) -> list:
    return [p for p in post_pages(site) if "exec-figure" in p.read_text(encoding="utf-8")]


def test_a_figure_far_below_loads_only_when_the_reader_scrolls_to_it(new_page, site,
                                                                    root_url) -> None:
    # The first post (oldest first) with a figure that far down: one is enough, and the
    # cost stays the same however many posts there are.
    for post in posts_with_figures(site):
        page = new_page()
        requested = []
        page.on("request", lambda request, urls=requested: urls.append(request.url))
        page.goto(page_url(root_url, site, post), wait_until="networkidle")
        far = [f for f in page.evaluate(FIGURES) if f["top"] > FAR_BELOW]
        if not far:
            continue
        figure = far[-1]
        assert figure["src"] not in requested, f"{figure['src']} was loaded with the page"
        image = page.locator(".exec-figure img").last  # the last is the farthest down
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                               arg=image.element_handle(), timeout=10_000)
        assert figure["src"] in requested
        return
    pytest.fail(f"no post has a figure more than {FAR_BELOW} px down to check")


def test_figures_load_after_instant_navigation(new_page, site, root_url) -> None:
    posts = posts_with_figures(site)
    assert posts, "no post with figures"
    post = posts[-1]
    page = new_page()
    page.goto(root_url + "blog/", wait_until="networkidle")
    page.evaluate("window.__notReloaded = true")
    url = page_url(root_url, site, post)
    # A link to the post, wherever it is listed, followed as the reader follows one.
    page.evaluate("""(url) => { const a = document.createElement('a');
      a.href = url; a.textContent = 'the post'; a.id = 'to-post';
      document.querySelector('article').prepend(a); }""", url)
    page.locator("#to-post").click()
    page.wait_for_url(url)
    # The address changes before the new page's content replaces the old: wait for it, or
    # the figures made eager below are the old page's (none) and the new ones stay lazy.
    page.wait_for_function("document.querySelectorAll('.exec-figure img').length > 0",
                           timeout=10_000)
    page.evaluate("document.querySelectorAll('.exec-figure img')"
                  ".forEach((img) => { img.loading = 'eager'; })")
    page.wait_for_function(
        "[...document.querySelectorAll('.exec-figure img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)", timeout=10_000)
    assert page.evaluate("window.__notReloaded === true"), "not an instant navigation"
    for figure in page.evaluate(FIGURES):
        assert figure["src"].startswith(url), figure


def test_figures_stay_white_in_the_dark_scheme(new_page, site, root_url) -> None:
    post = posts_with_figures(site)[0]
    page = new_page(color_scheme="dark")
    page.goto(page_url(root_url, site, post), wait_until="networkidle")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    image = page.locator(".exec-figure img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle(), timeout=10_000)
    background = image.evaluate("(img) => getComputedStyle(img).backgroundColor")
    assert background == "rgb(255, 255, 255)"
    # The drawing itself: its corner pixel, as the reader sees it, is white.
    shot = Image.open(BytesIO(image.screenshot())).convert("RGB")
    assert shot.getpixel((2, 2)) == (255, 255, 255)
