"""Highlighted code keeps its look without the spans the build drops (issue 27).

execblog/posts/highlight.py drops the spans of Pygments tokens the theme draws in the code's
own colour (names, white space) and joins neighbouring tokens drawn alike (punctuation and
operators). Here, in Chromium and in both colour schemes, on a post of the built blog: a
token of a dropped kind looks as the code around it does, and the tokens of a joined group
look alike (colour, weight, style), so a palette that tells them apart fails this test.
"""

from __future__ import annotations

import pytest
from harness import page_url

from execblog.posts.highlight import ALIKE, PLAIN
from tests.conftest import ROOT
from tests.site.checks import post_page, published

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
    post = next(p for p in published(ROOT / "docs") if "winograd" in p.source.name)
    context = browser.new_context(color_scheme=scheme, proxy=served.proxy)
    try:
        page = context.new_page()
        page.goto(page_url(served.root_url, site, post_page(site, post)))
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
    post = next(p for p in published(ROOT / "docs") if "winograd" in p.source.name)
    html = post_page(site, post).read_text(encoding="utf-8")
    assert '<span class="k">' in html  # highlighted
    for kind in PLAIN:
        assert f'<span class="{kind}">' not in html, kind
