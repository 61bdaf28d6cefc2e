"""Matplotlib figures as SVG files next to their page, shown with ``<img loading="lazy">``.

A figure inline in the page is in the HTML every reader downloads, at once, though it is
below the fold: 7-26 KB gzip per post here. As a file beside the page
(``figure-<n>-<hash>.svg``, named by its content so that a changed figure is a new URL),
it is fetched when the reader scrolls near it, is cached on its own, and can be opened or
saved as an image. The ``<img>`` carries the figure's alt text and its size in CSS pixels,
so the page does not move when it arrives.

The SVG is Matplotlib's, written smaller without changing what it draws: no metadata and
comments, no ids that nothing refers to, no indentation, and the coordinates of paths and
boxes rounded to a hundredth of a point (Matplotlib writes six decimals). The execution
cache keeps Matplotlib's own SVG; this runs on every build, so an old cache entry is shown
the same way.
"""

from __future__ import annotations

import hashlib
import html
import re

METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
REFERENCE = re.compile(r"""(?:href=["']#|url\(#)([^"')\s]+)""")
ID = re.compile(r'\sid="([^"]*)"')
PATH_DATA = re.compile(r'(\sd=")([^"]*)"')
BOX = re.compile(r'(\s(?:x|y|width|height)=")(-?\d+\.\d+)"')
DECIMAL = re.compile(r"-?\d+\.\d{3,}")
BETWEEN_TAGS = re.compile(r">\s*\n\s*<")
EMPTY_GROUP = re.compile(r"<g\s*/>|<g\s*>\s*</g>")
ROOT_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)(pt|px)?"[^>]*?\sheight="([\d.]+)(pt|px)?"')
PX_PER_UNIT = {"pt": 4 / 3, "px": 1.0, None: 1.0}


def _rounded(match: re.Match) -> str:
    text = f"{float(match.group(0)):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def minify(svg: str) -> str:
    """Matplotlib's SVG, drawing the same figure, in fewer bytes."""
    svg = COMMENT.sub("", METADATA.sub("", svg))
    referenced = set(REFERENCE.findall(svg))
    svg = ID.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    svg = PATH_DATA.sub(lambda m: m.group(1) + " ".join(DECIMAL.sub(_rounded, m.group(2))
                                                       .split()) + '"', svg)
    svg = BOX.sub(lambda m: m.group(1) + DECIMAL.sub(_rounded, m.group(2)) + '"', svg)
    svg = BETWEEN_TAGS.sub("><", svg).strip()
    while True:
        emptier = EMPTY_GROUP.sub("", svg)
        if emptier == svg:
            return svg
        svg = emptier


def size(svg: str) -> tuple[int, int] | None:
    """The figure's width and height in CSS pixels (Matplotlib gives them in points)."""
    match = ROOT_SIZE.search(svg)
    if not match:
        return None
    width = float(match[1]) * PX_PER_UNIT[match[2]]
    height = float(match[3]) * PX_PER_UNIT[match[4]]
    return round(width), round(height)


def file_name(number: int, svg: str) -> str:
    return f"figure-{number}-{hashlib.sha256(svg.encode()).hexdigest()[:8]}.svg"


def image(name: str, alt: str, svg: str) -> str:
    """The ``<figure>`` that shows the file ``name`` (beside the page) lazily."""
    dimensions = size(svg)
    box = f' width="{dimensions[0]}" height="{dimensions[1]}"' if dimensions else ""
    return (f'<figure class="exec-figure"><img src="{html.escape(name, True)}" '
            f'alt="{html.escape(alt, True)}"{box} loading="lazy" decoding="async"></figure>')
