"""Executed blocks' figures in the built blog: SVG files beside their page, each shown by a
lazily loaded <img> with alt text and its size, none left inline in the HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

FIGURE = re.compile(r'<figure class="exec-figure">(.*?)</figure>', re.S)
IMG = re.compile(r'^<img src="(?P<src>figure-\d+-[0-9a-f]{8}\.svg)" alt="(?P<alt>[^"]+)" '
                 r'width="(?P<width>\d+)" height="(?P<height>\d+)" loading="lazy" '
                 r'decoding="async">$')
SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"')


def figures_of(site) -> list[tuple]:
    """(page, inner HTML of the <figure>) of every executed block's figure in the site."""
    found = []
    for page in sorted(site.rglob("*.html")):
        found += [(page, inner) for inner in FIGURE.findall(page.read_text(encoding="utf-8"))]
    return found


def test_every_figure_is_a_lazy_image_of_an_svg_file_beside_its_page(built_site) -> None:
    site = built_site.site
    found = figures_of(site)
    assert len(found) >= 5, "the blog's posts draw figures"  # several posts do
    problems = []
    for page, inner in found:
        where = page.relative_to(site).as_posix()
        image = IMG.match(inner.strip())
        if not image:
            problems.append(f"{where}: not a lazy <img> with alt text and size: {inner[:120]}")
            continue
        file = page.parent / image["src"]
        if not file.is_file():
            problems.append(f"{where}: {image['src']} is not beside the page")
            continue
        svg = file.read_text(encoding="utf-8")
        root = ET.fromstring(svg)  # a standalone SVG image: well-formed, namespaced
        if root.tag != "{http://www.w3.org/2000/svg}svg":
            problems.append(f"{where}: {image['src']} is not an SVG image")
        width, height = (round(float(n) * 4 / 3) for n in SVG_SIZE.search(svg).groups())
        if (int(image["width"]), int(image["height"])) != (width, height):
            problems.append(f"{where}: {image['src']} is {width}x{height} px, the <img> says "
                            f"{image['width']}x{image['height']}")
        if "<metadata" in svg:
            problems.append(f"{where}: {image['src']} still carries Matplotlib's metadata")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("marker", ["<metadata", "Matplotlib v", 'id="figure_1"'])
def test_no_page_inlines_a_matplotlib_figure(built_site, marker) -> None:
    inline = [page.relative_to(built_site.site).as_posix()
              for page in built_site.site.rglob("*.html")
              if marker in page.read_text(encoding="utf-8")]
    assert not inline, f"pages with a Matplotlib figure inline ({marker!r}): {inline}"


def test_every_figure_file_is_shown_by_its_page(built_site) -> None:
    """No figure file is left over: each is shown by the page beside it."""
    shown = {page.parent / IMG.match(inner.strip())["src"]
             for page, inner in figures_of(built_site.site) if IMG.match(inner.strip())}
    files = set(built_site.site.glob("blog/**/figure-*.svg"))
    assert files and files == shown
