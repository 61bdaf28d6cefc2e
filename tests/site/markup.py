"""Checks of one built page's HTML that need no browser: cheap enough for every page.

The browser tests (tests/browser/) load a bounded sample of pages and every post in
Chromium; these run over every HTML file, listing pages included, whose excerpts carry
formulas and figures too. Each returns problems (empty for a good page).
"""

from __future__ import annotations

import re

FORMULA = re.compile(r'class="arithmatex">(?!\s*<mjx-container[^>]*jax="SVG"[^>]*>\s*<svg)'
                     r"(.{0,80})", re.S)
GLYPH_USE = re.compile(r'<use\b[^>]*?(?:xlink:)?href="#([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')
# In markup, not in the style sheet MathJax puts in the page (which styles these too).
MATH_ERROR = re.compile(r'<[\w-]+[^>]*?\s(?:data-mjx-error="([^"]*)"|data-mml-node="merror")'
                        r"|<mjx-merror")
IMAGE = re.compile(r"<img\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ALT = re.compile(r"""\salt=(?:"\s*[^"\s][^"]*"|'\s*[^'\s][^']*')""")
SRC = re.compile(r"""\ssrc=["']([^"']*)""")
SCRIPT = re.compile(r"<script\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
WAITS = re.compile(r"""\s(?:defer|async)(?:[\s=>]|$)|\stype=["']?module""")


def page_problems(html: str) -> list[str]:
    """Formulas left untypeset or drawing missing glyphs, MathJax errors, images without
    alt text, scripts loaded while the page is parsed (without ``defer``: each holds up a
    long page's first paint on a phone, issue 27)."""
    problems = [f"formula not typeset to SVG: {' '.join(m.group(1).split())!r}"
                for m in FORMULA.finditer(html)]
    used = set(GLYPH_USE.findall(html))
    if used:
        missing = sorted(used - set(ID.findall(html)))
        problems += [f"formula glyph #{name} is not in the page" for name in missing[:5]]
    problems += [f"MathJax error: {m.group(1) or m.group(0)}" for m in MATH_ERROR.finditer(html)]
    for image in IMAGE.finditer(html):
        if not ALT.search(image.group(1)):
            source = SRC.search(image.group(1))
            problems.append(f"image without alt text: {source.group(1) if source else '?'}")
    for script in SCRIPT.finditer(html):
        source = SRC.search(script.group(1))
        if source and not WAITS.search(script.group(1)):
            problems.append(f"script loaded before the page is shown (no defer): "
                            f"{source.group(1)}")
    return problems
