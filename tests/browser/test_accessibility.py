"""axe-core's WCAG 2.2 A and AA rules on the built blog, in light and in dark mode.

axe-core is pinned in package.json and injected by Playwright from node_modules (nothing
is downloaded). It runs on the pages the other browser tests load (``sampled_pages``: home,
about, calendar, every reference page, 404, the ends of the blog's lists) and on every
post, each in both colour schemes the palette offers (Material picks the one the reader's
system prefers): every rule in the light one, the rules of colour in the dark one (the same
HTML in other colours). A violation fails the test naming the rule, the element and the page.
"""

from __future__ import annotations

import re

import pytest
from harness import DESKTOP, PHONE, collected_sample, page_url, sample_pages, screen

from tests.conftest import ROOT
from tests.site.checks import post_page, published

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: each version's new rules carry its own tag.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCHEMES = ["light", "dark"]
# The rules whose outcome depends on colours: the two schemes are the same HTML and differ
# only in colours, so the dark scheme is checked with these alone (a third of the time).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
POSTS = published(ROOT / "docs")

# Every violation: its rule, what it means, and each element (a CSS selector axe can find
# again, its HTML's start and axe's summary of what is wrong with it).
RUN_AXE = """async (only) => {
  // Formulas and figures are typeset at build and fonts are the system's: once the load
  // event has fired and the page's own scripts have had two frames (tab stops), it is set.
  await document.fonts.ready;
  for (let i = 0; i < 2; i++) await new Promise((done) => requestAnimationFrame(done));
  const result = await axe.run(document, {runOnly: only, resultTypes: ['violations']});
  return result.violations.map((violation) => ({
    rule: violation.id,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(' '),
      html: node.html.slice(0, 160),
      why: (node.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240),
    })),
  }));
}"""


def violations(page, url: str, scheme: str = "light") -> list[str]:
    """axe's WCAG 2.2 A/AA violations on ``url``, one line per element: every rule in the
    light scheme, the rules of colour in the dark one."""
    page.goto(url, wait_until="load")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    only = ({"type": "tag", "values": WCAG_TAGS} if scheme == "light"
            else {"type": "rule", "values": COLOUR_RULES})
    found = page.evaluate(RUN_AXE, only)
    return [f"{item['rule']} ({item['help']}) at {node['target']}: {node['html']}"
            f" -- {node['why']}" for item in found for node in item["nodes"]]


@pytest.fixture(scope="module")
def pages_by_scheme(browser, served):
    """One page per colour scheme and viewport, reused across the module's tests."""
    made = {}

    def get(scheme: str, viewport=DESKTOP):
        key = (scheme, viewport["width"])
        if key not in made:
            context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                          proxy=served.proxy, **screen(viewport is PHONE))
            made[key] = (context, context.new_page())
        return made[key][1]

    yield get
    for context, _ in made.values():
        context.close()


def test_axe_core_is_pinned_and_present() -> None:
    assert AXE.is_file(), (f"no axe-core at {AXE.relative_to(ROOT)}: package.json pins it; "
                           "run `npm ci`")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("chosen", collected_sample())
def test_the_sampled_page_has_no_wcag_violation(chosen, scheme, pages_by_scheme, site,
                                                served) -> None:
    """One test a page of the sample and scheme, so that ``make test`` reruns the pages a
    change changed."""
    page = pages_by_scheme(scheme)
    found = []
    for path in sample_pages(site, chosen):
        url = page_url(served.root_url, site, path)
        found += [f"{url}: {problem}" for problem in violations(page, url, scheme)]
    assert not found, (f"axe-core, {scheme} scheme: {len(found)} WCAG 2.2 A/AA "
                       "violations:\n  " + "\n  ".join(found))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_pages_on_a_phone_have_no_wcag_violation(scheme, pages_by_scheme, site,
                                                     served) -> None:
    """The phone layout (drawer navigation, no sidebars) of one page of each kind, on a
    touch screen (found before: Material takes wide code blocks out of the tab order
    there)."""
    page = pages_by_scheme(scheme, PHONE)
    chosen = [site / "index.html", site / "reference" / "conv" / "index.html",
              *(post_page(site, post) for post in POSTS[-1:])]
    found = []
    for path in chosen:
        if path.is_file():
            url = page_url(served.root_url, site, path)
            found += [f"{url}: {problem}" for problem in violations(page, url, scheme)]
    assert not found, (f"axe-core, {scheme} scheme, phone: {len(found)} WCAG 2.2 A/AA "
                       "violations:\n  " + "\n  ".join(found))


@pytest.mark.post
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_post_has_no_wcag_violation(post, scheme, pages_by_scheme, site, served) -> None:
    url = page_url(served.root_url, site, post_page(site, post))
    found = violations(pages_by_scheme(scheme), url, scheme)
    assert not found, (f"axe-core, {scheme} scheme, {post.source.name} ({url}): "
                       f"{len(found)} WCAG 2.2 A/AA violations:\n  " + "\n  ".join(found))


# Each box that may scroll sideways (code, a table's wrapper, a display formula), brought
# into view in turn and checked there by axe: off the screen, a box is not laid out (and
# what is in it, formulas, not drawn), so a check of the page as loaded misses a table
# that is wide only once its formulas are drawn.
READ_THROUGH = """async (tags) => {
  const settle = () => new Promise(
    (done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const found = [];
  const boxes = document.querySelectorAll(
    '.md-typeset pre > code, .md-typeset .md-typeset__scrollwrap, .md-typeset div.arithmatex');
  for (const box of boxes) {
    if (box.closest('details:not([open])')) continue;
    box.scrollIntoView({block: 'center'});
    await settle();
    await settle();
    const result = await axe.run(box, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations']});
    for (const violation of result.violations) {
      for (const node of violation.nodes) {
        found.push(`${violation.id} at ${node.target.join(' ')}: ${node.html.slice(0, 120)}`);
      }
    }
  }
  return found;
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "touch-phone"])
@pytest.mark.parametrize("where", ["convolutional-layers", "winograd"])
def test_each_box_that_scrolls_sideways_passes_once_drawn(where, viewport, new_page, site,
                                                          served) -> None:
    """Read to the end: every code block, table and display formula, once on the screen
    and drawn, is reachable by keyboard if it scrolls (found before: the tables of executed
    outputs on a phone, wide only once their formulas were drawn, were no tab stops)."""
    post = next(p for p in POSTS if where in p.source.name)
    page = new_page(viewport=viewport, touch=viewport is PHONE)
    url = page_url(served.root_url, site, post_page(site, post))
    page.goto(url, wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(READ_THROUGH, WCAG_TAGS)
    assert not found, f"axe-core, {url} read through: " + "\n  ".join(found)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_violation_is_reported_with_its_rule_element_and_page(scheme, pages_by_scheme, site,
                                                                served) -> None:
    """The check itself: a nameless link and a low-contrast paragraph slipped into a copy of
    the about page are each reported, by rule, by element and with the page's address (in
    the dark scheme, the paragraph: only the rules of colour run there)."""
    page = pages_by_scheme(scheme)
    about = site / "about" / "index.html"
    url = page_url(served.root_url, site, about)

    def broken(route) -> None:
        html = about.read_text(encoding="utf-8").replace(
            "</article>", '<a id="nameless" href="#top"></a>'
            '<p id="faint" style="color:#eee;background:#fff">faint text</p></article>', 1)
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(url, broken)
    try:
        found = violations(page, url, scheme)
    finally:
        page.unroute(url)
    named = any(line.startswith("link-name") and "#nameless" in line for line in found)
    assert named == (scheme == "light"), found
    assert any(line.startswith("color-contrast") and "#faint" in line for line in found), found


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_later_index_page_s_pagination_meets_contrast(scheme, pages_by_scheme, site,
                                                        served) -> None:
    """The blog index's pages 2 on show the current page's number (Material's
    ``md-pagination__current``), which a blog of a few posts never has (found at 365 posts,
    on page 37): a blog of several index pages is checked on its page 12 (or its last), one
    of a single page on that page with the pagination Material writes on page 12 slipped
    in, by axe."""
    page = pages_by_scheme(scheme)
    later = sorted((site / "blog" / "page").glob("*/index.html"),
                   key=lambda path: int(path.parent.name))
    if later:  # (axe leaves a one-character text undecided: a two-digit page if any)
        index = later[min(len(later), 11) - 1]
        found = violations(page, page_url(served.root_url, site, index), scheme)
        assert page.locator(".md-pagination__current").count() == 1
        assert not found, f"{scheme}: " + "\n".join(found)
        return
    index = site / "blog" / "index.html"
    url = page_url(served.root_url, site, index)
    pagination = ('<nav class="md-pagination"><a class="md-pagination__link" href="../">1'
                  '</a> <span class="md-pagination__dots">..</span> <a class="md-pagination'
                  '__link" href="../page/11/">11</a> <span class="md-pagination__current">12'
                  '</span> <a class="md-pagination__link" href="../page/13/">13</a></nav>')

    def filled(route) -> None:
        html = index.read_text(encoding="utf-8")
        # One page of posts: Material writes the pagination empty; fill it as on page 12.
        html, count = re.subn(r'<nav class="md-pagination">\s*</nav>', pagination, html)
        assert count == 1, "the blog index has no empty pagination to fill"
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(url, filled)
    try:
        found = violations(page, url, scheme)
        assert page.locator(".md-pagination__current").count() == 1
    finally:
        page.unroute(url)
    assert not found, f"{scheme}: " + "\n".join(found)
