"""Lighter formulas look the same and still speak (issue 27).

- Every formula of the two heaviest posts, as MathJax draws it (nested groups, MathML
  beside it) and as the build now writes it (groups folded, named by its words, its
  glyphs one outline), drawn
  side by side in Chromium: the screenshots are the same, pixel for pixel but for
  anti-aliasing at the edges.
- In the built blog every formula is an image named by its words, and display formulas
  off the screen (skipped until the reader comes near, content-visibility) take the height
  they will have: scrolling through a post hardly changes its length.
"""

from __future__ import annotations

import io
import json
import re
import subprocess

import numpy as np
import pytest
from harness import DESKTOP, PHONE, page_url
from mkdocs.utils.yaml import yaml_load
from PIL import Image

from execblog.mathjax.flatten import flatten
from execblog.mathjax.plugin import MathJaxConfig
from execblog.mathjax.typeset import RENDERER, SLIM_CSS, share_glyphs
from tests.conftest import ROOT
from tests.engine.test_mathjax_weight import render
from tests.site.checks import named_post, post_page, published

pytestmark = pytest.mark.browser

HEAVIEST = ["2026-12-02-winograd-convolution.md", "2026-11-22-convolutional-layers-from-scratch.md"]
POSTS = [post for post in published(ROOT / "docs") if post.source.name in HEAVIEST]
# Whether the build draws each formula's glyphs as one outline (mkdocs.yml): as readers get it.
PLUGINS = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["plugins"]
MERGE = next(plugin["execblog-mathjax"].get("merge_glyphs", MathJaxConfig.merge_glyphs.default)
             for plugin in PLUGINS if isinstance(plugin, dict) and "execblog-mathjax" in plugin)
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.DOTALL)
CODE = re.compile(r"^```.*?^```|`[^`\n]*`", re.DOTALL | re.MULTILINE)


def formulas_of(source: str) -> list[tuple[str, bool]]:
    text = CODE.sub("", source)
    return [((display or inline).strip(), bool(display)) for display, inline in MATH.findall(text)]


def mathjax_stylesheet() -> str:
    """The stylesheet MathJax's SVG needs, which the build puts in each page's head."""
    process = subprocess.run(["node", str(RENDERER)], input="", capture_output=True,
                             text=True, cwd=ROOT, timeout=60, check=True)
    return json.loads(process.stdout.splitlines()[0])["css"] + SLIM_CSS


def shots(page, svgs: list[str], scheme_css: str,
          merge: bool | str | None = None) -> list[np.ndarray]:
    """Each formula drawn alone, in the theme's text colour and size; with ``merge`` not
    None, as a page of the blog holds them (share_glyphs: the glyphs in the page's store,
    or each formula's glyphs as one outline)."""
    css = mathjax_stylesheet()
    body = "".join(f'<div class="f" id="f{i}"><span class="arithmatex">{svg}</span></div>'
                   for i, svg in enumerate(svgs))
    if merge is not None:
        body = share_glyphs(body, merge)
    page.set_content(f"<html><head><style>{css}{scheme_css} body {{ margin: 0 }}"
                     f" .f {{ display: inline-block; padding: 4px; font-size: 20px }}"
                     f" mjx-container > svg {{ overflow: visible }}</style></head>"
                     f"<body>{body}</body></html>")
    images = []
    for i in range(len(svgs)):
        png = page.locator(f"#f{i}").screenshot()
        images.append(np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16))
    return images


@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_the_lighter_formulas_draw_the_same_pixels(post, browser) -> None:
    formulas = formulas_of(post.source.read_text(encoding="utf-8"))
    assert len(formulas) > 50, f"{post.source.name}: only {len(formulas)} formulas found"
    as_mathjax_draws = render(formulas)
    as_built = [flatten(svg) for svg in render(formulas, "--assistive=speech")]
    context = browser.new_context(viewport={"width": 2400, "height": 800},
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        scheme = "body { color: rgba(0, 0, 0, 0.87); background: #fff }"
        before = shots(page, as_mathjax_draws, scheme)
        after = shots(page, as_built, scheme, merge=MERGE)
    finally:
        context.close()
    different = []
    for (tex, _), a, b in zip(formulas, before, after, strict=True):
        if a.shape != b.shape:
            different.append(f"{tex[:60]}: {a.shape} pixels, now {b.shape}")
            continue
        # Anti-aliasing may differ by a few levels where an edge falls on a pixel's border;
        # a glyph moved or missing changes many pixels by far more.
        changed = np.count_nonzero(np.abs(a - b) > 48)
        if changed > 2:
            different.append(f"{tex[:60]}: {changed} pixels changed")
    assert not different, f"{post.source.name}: formulas drawn differently:\n  " + \
        "\n  ".join(different)


NAMES = """() => [...document.querySelectorAll('.arithmatex mjx-container > svg')].map((svg) => ({
  role: svg.getAttribute('role'), name: svg.getAttribute('aria-label') || '',
  hidden: svg.closest('[aria-hidden="true"]') !== null,
  mathml: svg.parentElement.querySelector('mjx-assistive-mml') !== null}))"""


@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_every_formula_is_an_image_named_by_its_words(post, new_page, site, served) -> None:
    page = new_page()
    page.goto(page_url(served.root_url, site, post_page(site, post)))
    found = page.evaluate(NAMES)
    assert len(found) > 50
    nameless = [f for f in found if f["role"] != "img" or not f["name"].strip() or f["hidden"]]
    assert not nameless, f"{post.source.name}: {len(nameless)} formulas without a name"
    assert not any(f["mathml"] for f in found), "a hidden MathML copy is still in the page"
    # The accessibility tree (what a screen reader is given) has them as named images.
    images = page.get_by_role("img", name=re.compile(r"\bequals\b"))
    assert images.count() > 10


def test_a_formula_reads_as_the_words_for_its_tex(new_page, site, served) -> None:
    page = new_page()
    page.goto(page_url(served.root_url, site, named_post(site, ROOT / "docs", HEAVIEST[0])))
    words = page.evaluate(NAMES)
    tex = formulas_of((ROOT / "docs" / "blog" / "posts" / HEAVIEST[0]).read_text(encoding="utf-8"))
    (expected,) = render([tex[0]], "--assistive=speech")
    spoken = re.search(r'aria-label="([^"]+)"', expected)[1]
    assert spoken in [w["name"] for w in words], (spoken, words[:3])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_skipped_formulas_keep_the_page_length(viewport, new_page, site, served) -> None:
    """Display formulas off the screen are skipped until the reader nears them; the page's
    length as loaded is within 2 % of its length once every formula was drawn."""
    page = new_page(viewport=viewport)
    page.goto(page_url(served.root_url, site, named_post(site, ROOT / "docs", HEAVIEST[0])))
    skipped = page.evaluate("""() => [...document.querySelectorAll('div.arithmatex')]
        .filter((box) => getComputedStyle(box).contentVisibility === 'auto').length""")
    assert skipped > 5, "display formulas are not skipped off screen"
    loaded = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate("""async () => {
      for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
        scrollTo(0, y); await new Promise((done) => requestAnimationFrame(() => done()));
      }}""")
    drawn = page.evaluate("document.documentElement.scrollHeight")
    assert abs(drawn - loaded) <= 0.02 * drawn, (loaded, drawn)


WIDE_FORMULAS = """async () => {
  const found = [];
  for (const box of document.querySelectorAll('.md-typeset div.arithmatex')) {
    box.scrollIntoView({block: 'center'});
    await new Promise((done) => setTimeout(done, 50));  // drawn, then measured
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    if (box.scrollWidth > box.clientWidth + 1)
      found.push({formula: (box.querySelector('svg') || box).getAttribute('aria-label'),
                  tabindex: box.getAttribute('tabindex'),
                  name: box.getAttribute('aria-label')});
  }
  return found;
}"""


def test_a_wide_formula_is_reachable_by_keyboard_once_drawn(new_page, site, served) -> None:
    """On a phone, each display formula wider than the column scrolls in its own box, which
    must be in the tab order (WCAG 2.1.1), skipped off screen or not."""
    page = new_page(viewport=PHONE)
    page.goto(page_url(served.root_url, site, named_post(site, ROOT / "docs", HEAVIEST[0])))
    wide = page.evaluate(WIDE_FORMULAS)
    assert wide, "no display formula is wider than a phone's column"
    unreachable = [box for box in wide if box["tabindex"] != "0" or not box["name"]]
    assert not unreachable, unreachable
