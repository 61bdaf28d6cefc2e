"""Every built page's HTML: formulas typeset with all their glyphs, images with alt text."""

from __future__ import annotations

from tests.site.checks import pages_other_than_posts
from tests.site.markup import page_problems


def test_every_page_has_typeset_math_and_described_images(built_site) -> None:
    # Each post's page is checked by its own test (test_post_html.py).
    site = built_site.site
    problems = []
    for page in pages_other_than_posts(site):
        where = page.relative_to(built_site.site)
        problems += [f"{where}: {p}" for p in page_problems(page.read_text(encoding="utf-8"))]
    assert not problems, "\n  ".join(["pages with faults:", *problems])


GOOD = ('<p><span class="arithmatex"><mjx-container class="MathJax" jax="SVG"><svg>'
        '<defs><path id="g1" d=""/></defs><use xlink:href="#g1"/></svg></mjx-container>'
        '</span> <img src="f.svg" alt="A figure" loading="lazy"></p>'
        '<script>var x = 1</script><script src="a.min.js" defer></script>'
        '<script type="module" src="m.js"></script><script async src="s.js"></script>')


def test_the_checks_pass_a_good_page_and_name_each_fault() -> None:
    assert page_problems(GOOD) == []
    faults = (r'<span class="arithmatex">\(x^2\)</span>'
              '<span class="arithmatex"><mjx-container jax="SVG"><svg>'
              '<use xlink:href="#gone"/></svg></mjx-container></span>'
              '<div data-mjx-error="Undefined control sequence \\nablaa"></div>'
              '<g data-mml-node="merror"><text>x</text></g>'
              '<img src="a.png"><img alt=" " src="b.png">'
              '<script src="bundle.min.js"></script><script src="d.js" data-defer="1">'
              '</script>')
    found = "\n".join(page_problems(GOOD + faults))
    assert r"formula not typeset to SVG: '\\(x^2\\)</span>" in found, found
    assert "formula glyph #gone is not in the page" in found, found
    assert "MathJax error: Undefined control sequence \\nablaa" in found, found
    assert 'MathJax error: <g data-mml-node="merror"' in found, found
    assert page_problems(GOOD + '<style>g[data-mml-node="merror"] {fill: red}</style>') == []
    assert "image without alt text: a.png" in found and "b.png" in found, found
    assert "(no defer): bundle.min.js" in found and "(no defer): d.js" in found, found
    assert "f.svg" not in found and "g1" not in found and ".js" not in found.replace(
        "bundle.min.js", "").replace("d.js", ""), found
