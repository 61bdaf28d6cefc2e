"""Screenshots for a person to look at (uploaded by CI), and the contrast of math in each."""

from __future__ import annotations

import pytest
from harness import DESKTOP, PHONE, ROOT, page_url, post_pages

pytestmark = pytest.mark.browser

SHOTS = ROOT / "screenshots"
# WCAG contrast ratio of the first formula's colour against the page background.
MATH_CONTRAST = """() => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const math = document.querySelector('article mjx-container');
  if (!math) return null;
  let box = math, background = 'rgba(0, 0, 0, 0)';
  while (box && /rgba\\(.*, 0\\)$/.test(background)) {
    background = getComputedStyle(box).backgroundColor; box = box.parentElement;
  }
  const [a, b] = [lum(rgb(getComputedStyle(math).color)), lum(rgb(background))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots(new_page, site, root_url, device) -> None:
    SHOTS.mkdir(exist_ok=True)
    posts = [p for p in post_pages(site) if "<mjx-container" in p.read_text(encoding="utf-8")]
    assert posts, "no post with formulas"
    post = page_url(root_url, site, posts[0])
    viewport = DESKTOP if device == "desktop" else PHONE
    for name, url, scheme in [("home", root_url, "light"), ("post", post, "light"),
                              ("post-dark", post, "dark")]:
        page = new_page(viewport=viewport, color_scheme=scheme)
        page.goto(url, wait_until="networkidle")
        expected = "slate" if scheme == "dark" else "default"
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
        path = SHOTS / f"{device}-{name}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 10_000
        contrast = page.evaluate(MATH_CONTRAST)
        if url == post:
            assert contrast is not None and contrast >= 4.5, (
                f"{device}-{name}: formulas have contrast {contrast} against the page")
    # The search, open with results, in dark mode.
    page = new_page(viewport=viewport, color_scheme="dark")
    page.goto(post, wait_until="networkidle")
    page.locator("body").press("/")
    page.locator("input.md-search__input").press_sequentially("gradient")
    page.locator(".md-search-result__item").first.wait_for()
    path = SHOTS / f"{device}-search-dark.png"
    page.screenshot(path=path)
    assert path.stat().st_size > 10_000
