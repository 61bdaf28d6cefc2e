"""Highlighted code keeps its look without the spans the build drops (issue 27).

execblog/posts/highlight.py drops the spans of Pygments tokens the theme draws in the code's
own colour (names, white space) and joins neighbouring tokens drawn alike (punctuation and
operators). Here, in Chromium and in both colour schemes, on a post of the built blog: a
token of a dropped kind looks as the code around it does, and the tokens of a joined group
look alike (colour, weight, style), so a palette that tells them apart fails this test.
"""

from __future__ import annotations

import pytest
from harness import DESKTOP, PHONE, page_url

from execblog.posts.highlight import ALIKE, PLAIN
from tests.conftest import ROOT
from tests.site.checks import named_post

pytestmark = pytest.mark.browser

LOOKS = """(kinds) => {
  const code = document.querySelector('.highlight pre code');
  const look = (element) => {
    const style = getComputedStyle(element);
    return [style.color, style.fontWeight, style.fontStyle].join(' / ');
  };
  const found = {code: look(code)};
  for (const kind of kinds) {
    const token = document.createElement('span');
    token.className = kind;
    token.textContent = 'x';
    code.appendChild(token);
    found[kind] = look(token);
    token.remove();
  }
  return found;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dropped_and_joined_tokens_look_as_before(scheme, browser, site, served) -> None:
    context = browser.new_context(color_scheme=scheme, proxy=served.proxy)
    try:
        page = context.new_page()
        page.goto(page_url(served.root_url, site, page_of(site, "winograd")))
        kinds = [*PLAIN, *(kind for group in ALIKE for kind in group), "k"]
        looks = page.evaluate(LOOKS, kinds)
    finally:
        context.close()
    assert looks["k"] != looks["code"], f"{scheme}: keywords look as plain code: {looks}"
    for kind in PLAIN:
        assert looks[kind] == looks["code"], (scheme, kind, looks)
    for group in ALIKE:
        assert len({looks[kind] for kind in group}) == 1, (scheme, group, looks)


def test_the_built_post_has_no_span_of_a_dropped_kind(site) -> None:
    html = page_of(site, "winograd").read_text(encoding="utf-8")
    assert '<span class="k">' in html  # highlighted
    for kind in PLAIN:
        assert f'<span class="{kind}">' not in html, kind


POSTS = {"winograd": "2026-12-02-winograd-convolution.md",
         "convolutional-layers": "2026-11-22-convolutional-layers-from-scratch.md"}


def page_of(site, where: str):
    """A reference page by its path, or one of ``POSTS``' pages."""
    if where.startswith("reference/"):
        return site / where / "index.html"
    return named_post(site, ROOT / "docs", POSTS[where])


HEIGHTS = """async () => {
  const blocks = [...document.querySelectorAll('.md-typeset pre > code')]
    .filter((code) => !code.closest('details:not([open])'));  // hidden whether skipped or not
  const settle = () => new Promise(
    (done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await settle();
  // A skipped element's own box is there; what it skips is its content.
  const first = blocks.map((code) => ({
    skipped: !(code.firstElementChild || code).checkVisibility({contentVisibilityAuto: true}),
    height: code.getBoundingClientRect().height,
    lines: code.parentElement.style.getPropertyValue('--code-lines')}));
  for (const [i, code] of blocks.entries()) {
    code.scrollIntoView({block: 'center'});
    await settle();
    first[i].drawn = code.getBoundingClientRect().height;
  }
  return first;
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("where", ["convolutional-layers", "reference/conv"])
def test_a_code_block_off_the_screen_takes_its_drawn_height(where, viewport, new_page, site,
                                                             served) -> None:
    """Code blocks off the screen are skipped (content-visibility) with the height of their
    lines (--code-lines, written by the posts plugin), and keep that height once drawn: the
    page does not jump as the reader scrolls, nor does its scroll bar."""
    path = page_of(site, where)
    page = new_page(viewport=viewport)
    page.goto(page_url(served.root_url, site, path))
    blocks = page.evaluate(HEIGHTS)
    skipped = [block for block in blocks if block["skipped"]]
    assert len(skipped) >= 5, f"{where}: {len(skipped)} of {len(blocks)} code blocks skipped"
    assert all(block["lines"] for block in blocks), f"{where}: a <pre> without --code-lines"
    moved = [block for block in skipped if abs(block["height"] - block["drawn"]) > 0.5]
    assert not moved, f"{where}: skipped and drawn heights differ: {moved[:5]}"


TAB_ORDER = """async () => {
  const settle = () => new Promise(
    (done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await settle();
  await settle();
  const blocks = [...document.querySelectorAll('.md-typeset pre > code')]
    .filter((code) => !code.closest('details:not([open])'));
  const seen = blocks.map((code) => ({
    text: code.textContent.slice(0, 60), focusable: code.hasAttribute('tabindex')}));
  for (const [i, code] of blocks.entries()) {
    code.scrollIntoView({block: 'center'});
    await settle();
    await settle();
    seen[i].wide = code.scrollWidth > code.clientWidth + 1;
    seen[i].drawnFocusable = code.hasAttribute('tabindex');
  }
  return seen;
}"""


@pytest.mark.parametrize(("viewport", "touch"), [(DESKTOP, False), (PHONE, False), (PHONE, True)],
                         ids=["desktop", "phone", "touch-phone"])
@pytest.mark.parametrize("where", ["convolutional-layers", "winograd", "reference/conv"])
def test_a_wide_code_block_is_in_the_tab_order_before_it_is_drawn(where, viewport, touch,
                                                                   new_page, site,
                                                                   served) -> None:
    """A keyboard reader reaches a code block that scrolls sideways with Tab (axe-core's
    scrollable-region-focusable), including one off the screen that is not laid out yet
    (judged by its longest line, --code-cols), and a narrow block is no tab stop; so with
    each block as it is once drawn. On a touch screen too, where Material takes wide blocks
    out of the tab order (a phone may have a keyboard or a switch)."""
    path = page_of(site, where)
    page = new_page(viewport=viewport, touch=touch)
    page.goto(page_url(served.root_url, site, path))
    blocks = page.evaluate(TAB_ORDER)
    assert any(block["wide"] for block in blocks) or viewport is DESKTOP, where
    before = [block for block in blocks if block["focusable"] != block["wide"]]
    assert not before, f"{where}: off the screen, tab stop or not wrongly: {before[:5]}"
    after = [block for block in blocks if block["drawnFocusable"] != block["wide"]]
    assert not after, f"{where}: drawn, tab stop or not wrongly: {after[:5]}"
