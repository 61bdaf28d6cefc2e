"""Citation previews on the real blog: mouse, keyboard, a phone's taps, instant navigation,
dark mode; numbered equations and cross-references land on their anchors."""

from __future__ import annotations

import pytest
from harness import PHONE, page_url

pytestmark = pytest.mark.browser

WINOGRAD = "blog/2026/12/02/winograd-convolution/index.html"
GRADIENT_DESCENT = "blog/2026/11/18/gradient-descent-and-the-gradient/index.html"
PREVIEW = ".citation-preview"


def open_post(new_page, root_url, site, relative, wait_until="load", **options):
    page = new_page(**options)
    page.goto(page_url(root_url, site, site / relative), wait_until=wait_until)
    return page


# Material's instant navigation takes over link clicks once it has fetched the sitemap, after
# the load event: a click before that loads the next page whole (seen once in 19 runs on a
# busy machine), so a test of instant navigation waits for the network to be quiet first.
INSTANT = "networkidle"


def test_hover_shows_the_full_reference_and_leaving_hides_it(new_page, root_url, site):
    page = open_post(new_page, root_url, site, WINOGRAD)
    link = page.locator('a.citation[data-cite="lavin2016"]').first
    link.hover()
    preview = page.locator(PREVIEW)
    preview.wait_for(state="visible")
    assert "Fast Algorithms for Convolutional Neural Networks" in preview.inner_text()
    assert preview.locator('a[href="https://doi.org/10.1109/CVPR.2016.435"]').count() == 1
    page.mouse.move(0, 0)
    preview.wait_for(state="hidden")


def test_keyboard_focus_shows_the_preview_described_by_and_escape_hides_it(
    new_page, root_url, site
):
    page = open_post(new_page, root_url, site, WINOGRAD)
    link = page.locator('a.citation[data-cite="winograd1980"]').first
    link.focus()
    preview = page.locator(PREVIEW)
    preview.wait_for(state="visible")
    assert "Arithmetic Complexity of Computations" in preview.inner_text()
    assert link.get_attribute("aria-describedby") == "citation-preview"
    page.keyboard.press("Escape")
    preview.wait_for(state="hidden")
    assert link.get_attribute("aria-describedby") is None


def test_first_tap_previews_and_second_tap_follows_the_link_on_a_phone(
    browser, served, root_url, site
):
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, proxy=served.proxy
    )
    try:
        page = context.new_page()
        url = page_url(root_url, site, site / WINOGRAD)
        page.goto(url)
        link = page.locator('a.citation[data-cite="lavin2016"]').first
        link.scroll_into_view_if_needed()
        link.tap()
        preview = page.locator(PREVIEW)
        preview.wait_for(state="visible")
        assert page.url == url
        box = preview.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        link.tap()
        page.wait_for_function("location.hash === '#ref-lavin2016'")
    finally:
        context.close()


def test_previews_work_after_instant_navigation_and_in_dark_mode(new_page, root_url, site):
    page = open_post(new_page, root_url, site, GRADIENT_DESCENT, INSTANT, color_scheme="dark")
    page.locator('nav.series-box a[rel="next"]').click()
    page.wait_for_function("location.pathname.includes('batch-stochastic')")
    link = page.locator('a.citation[data-cite="robbins1951"]').first
    link.wait_for(state="attached")
    link.hover()
    preview = page.locator(PREVIEW)
    preview.wait_for(state="visible")
    assert "A Stochastic Approximation Method" in preview.inner_text()
    colors = page.evaluate("""() => {
      const box = getComputedStyle(document.querySelector('.citation-preview'));
      return [box.backgroundColor, box.color];
    }""")
    body = page.evaluate("getComputedStyle(document.querySelector('.md-main')).color")
    assert colors[1] == body  # the theme's text colour, light on dark
    assert colors[0] not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")


def test_equation_reference_scrolls_to_a_numbered_equation(new_page, root_url, site):
    page = open_post(new_page, root_url, site, GRADIENT_DESCENT)
    link = page.locator('a.crossref[href$="#eq-factors"]').first
    link.wait_for(state="attached", timeout=5000)
    assert link.inner_text() == "(3)"
    # Followed from the keyboard: a mouse click timed out 3 times in about 40 runs with the
    # machine busy (the hash never changed), likely a click that landed beside the link as
    # formulas above it were drawn and the text moved (not confirmed).
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#eq-factors'")
    tagged = page.locator("#eq-factors + .arithmatex mjx-container[width='full']")
    assert tagged.count() == 1


# --- Footnotes: Material's tooltips (content.footnote.tooltips) -----------------------------

BATCH = "blog/2026/11/20/batch-stochastic-and-mini-batch-gradient-descent/index.html"
NOTE_MARKER = 'a.footnote-ref[href$="#fn:batch-stochastic-minibatch-fpc"]'
TOOLTIP = ".md-tooltip2--active"
NOTE_TEXT = "finite population correction"


def test_hovering_a_footnote_marker_shows_its_note_and_leaving_hides_it(
    new_page, root_url, site
):
    page = open_post(new_page, root_url, site, BATCH)
    marker = page.locator(NOTE_MARKER)
    assert marker.inner_text() == "1"
    marker.hover()
    tooltip = page.locator(TOOLTIP)
    tooltip.wait_for(state="visible")
    assert NOTE_TEXT in tooltip.inner_text()
    # The note's formula comes typeset, as in the list at the end of the post.
    assert tooltip.locator("mjx-container svg").count() >= 1
    # Material ties the marker to its tooltip (a dialog) while it shows.
    assert marker.get_attribute("aria-controls") == tooltip.get_attribute("id")
    page.mouse.move(0, 0)
    tooltip.wait_for(state="detached")
    assert marker.get_attribute("aria-controls") is None


def test_keyboard_focus_on_a_footnote_marker_shows_its_note(new_page, root_url, site):
    page = open_post(new_page, root_url, site, BATCH)
    marker = page.locator(NOTE_MARKER)
    marker.focus()
    tooltip = page.locator(TOOLTIP)
    tooltip.wait_for(state="visible")
    assert NOTE_TEXT in tooltip.inner_text()
    # Moving the focus on (as Tab does) hides it.
    page.locator("a.citation").last.focus()
    tooltip.wait_for(state="detached")


def test_footnote_tooltips_work_after_instant_navigation_and_in_dark_mode(
    new_page, root_url, site
):
    page = open_post(new_page, root_url, site, GRADIENT_DESCENT, INSTANT, color_scheme="dark")
    page.locator('nav.series-box a[rel="next"]').click()
    page.wait_for_function("location.pathname.includes('batch-stochastic')")
    marker = page.locator(NOTE_MARKER)
    marker.wait_for(state="attached")
    # Instant navigation replaced the page in place: no reload.
    assert page.evaluate("performance.getEntriesByType('navigation')[0].name").endswith(
        GRADIENT_DESCENT.removesuffix("index.html"))
    marker.scroll_into_view_if_needed()
    marker.hover()
    tooltip = page.locator(TOOLTIP)
    tooltip.wait_for(state="visible")
    assert NOTE_TEXT in tooltip.inner_text()
    colors = page.evaluate("""() => {
      const box = getComputedStyle(document.querySelector('.md-tooltip2__inner'));
      return [box.backgroundColor, box.color];
    }""")
    body = page.evaluate("getComputedStyle(document.querySelector('.md-main')).color")
    assert colors[1] == body  # the theme's text colour, light on dark
    assert colors[0] not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
