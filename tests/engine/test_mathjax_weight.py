"""Lighter formulas (issue 27): MathJax's groups folded into its glyphs, a formula named by
its spoken words instead of a hidden MathML copy, display formulas off the screen skipped.

The drawing itself is compared in Chromium by tests/browser/test_math_rendering.py; here,
each glyph, rule and line is checked to stay where MathJax put it, to 1/100 of a font unit.
"""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal

import pytest

from execblog.mathjax.flatten import IDENTITY, Node, flatten, matrix, multiply, parse
from execblog.mathjax.typeset import RENDERER, MathJaxOptions, slim, with_heights
from tests.conftest import ROOT

# What the posts typeset: scripts, fractions, big operators, roots, matrices, aligned rows,
# cases, accents, braces, text, bold symbols, stretchy delimiters, numbered equations.
FORMULAS = [
    (r"x^2 + \frac{a}{b}", False),
    (r"\theta_{t+1} = \theta_t - \eta \nabla_\theta L(\theta_t)", True),
    (r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2} \tag{3}", True),
    (r"Y = A^\top \left[ (G g G^\top) \odot (B^\top d B) \right] A", True),
    (r"\begin{bmatrix} 1 & 0 & -1 & 0 \\ 0 & 1 & 1 & 0 \\ 0 & -1 & 1 & 0 \end{bmatrix}", True),
    (r"\begin{aligned} m_1 &= (d_0 - d_2) g_0 \\ m_2 &= (d_1 + d_2)\frac{g_0 + g_1 + g_2}{2}"
     r"\end{aligned}", True),
    (r"f(x) = \begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}", True),
    (r"\sqrt{\hat{v}_t} + \epsilon, \quad \mathbf{W} \in \mathbb{R}^{m \times n}", False),
    (r"\underbrace{x_1 + \cdots + x_n}_{n\ \text{terms}} \big( \Bigg)", True),
    (r"\frac{\partial \mathcal{L}}{\partial W_{ij}} = \sum_{n} \delta_{n,i}\, x_{n,j}", True),
]


def render(formulas: list[tuple[str, bool]], *options: str) -> list[str]:
    """MathJax's own SVG for each (TeX, display), as the build receives it (slimmed)."""
    requests = "".join(json.dumps({"tex": tex, "display": display}) + "\n"
                       for tex, display in formulas)
    process = subprocess.run(["node", str(RENDERER), *options], input=requests,
                             capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    answers = [json.loads(line) for line in process.stdout.splitlines()[1:]]
    assert all("svg" in answer for answer in answers), answers
    return [slim(answer["svg"]) for answer in answers]


def placed(nodes: list, m=IDENTITY, inside: tuple = ()) -> list[tuple]:
    """Every drawn element (glyph, rule, line, text) with the matrix that places it and
    the kept groups it is in (tables, paint, ids), whatever groups moved it there."""
    found = []
    for node in nodes:
        if isinstance(node, str):
            continue
        own = matrix(node.get("transform"))
        assert own is not None, node.get("transform")
        total = multiply(m, own)
        keep = [(k, v) for k, v in node.attributes if k != "transform"]
        if node.tag == "g" and not keep:
            found += placed(node.children, total, inside)
        elif node.tag in ("g", "svg"):
            found += placed(node.children, total if node.tag == "g" else IDENTITY,
                            (*inside, (node.tag, tuple(keep))))
        else:
            found.append((node.tag, tuple(keep), inside, total))
    return found


def same_place(a: tuple, b: tuple) -> bool:
    return a[:3] == b[:3] and all(abs(x - y) <= Decimal("0.011") for x, y in zip(a[3], b[3],
                                                                               strict=True))


def svg_nodes(container: str) -> list:
    top = parse(container)[0]
    return next(c for c in top.children if isinstance(c, Node) and c.tag == "svg").children


@pytest.fixture(scope="module")
def mathjax_svgs() -> list[str]:
    return render(FORMULAS)


def test_every_glyph_stays_where_mathjax_put_it(mathjax_svgs) -> None:
    for (tex, _), original in zip(FORMULAS, mathjax_svgs, strict=True):
        before, after = placed(svg_nodes(original)), placed(svg_nodes(flatten(original)))
        assert len(before) == len(after) > 0, tex
        moved = [(b, a) for b, a in zip(before, after, strict=True) if not same_place(b, a)]
        assert not moved, f"{tex}: {moved[:3]}"


def test_folding_the_groups_halves_the_elements(mathjax_svgs) -> None:
    def elements(markup: str) -> int:
        drawing = re.sub(r"<defs>.*?</defs>|<mjx-assistive-mml.*", "", markup)
        return len(re.findall(r"<[a-zA-Z]", drawing))

    before = sum(map(elements, mathjax_svgs))
    after = sum(elements(flatten(svg)) for svg in mathjax_svgs)
    assert after < 0.6 * before, (before, after)


def test_what_flatten_cannot_read_is_left_as_mathjax_wrote_it() -> None:
    rotated = ('<mjx-container><svg><g transform="rotate(90)"><g transform="translate(5,0)">'
               '<use xlink:href="#a"></use></g></g></svg></mjx-container>')
    assert flatten(rotated) == ('<mjx-container><svg><g transform="rotate(90)">'
                                '<use xlink:href="#a" transform="translate(5)"></use></g>'
                                '</svg></mjx-container>')
    for broken in ('<mjx-container><svg><g></svg></mjx-container>',
                   '<mjx-container><svg><g transform="translate(1)">< /g></svg>'):
        assert flatten(broken) == broken


def test_a_nested_svg_is_moved_by_one_group_around_it() -> None:
    table = ('<mjx-container><svg><g transform="translate(10,20)"><g transform="scale(2)">'
             '<svg viewBox="0 0 1 1"><g transform="translate(1,1)"><rect width="3"></rect>'
             '</g></svg></g></g></svg></mjx-container>')
    assert flatten(table) == ('<mjx-container><svg><g transform="matrix(2 0 0 2 10 20)">'
                              '<svg viewBox="0 0 1 1"><rect width="3" transform="translate(1,1)">'
                              '</rect></svg></g></svg></mjx-container>')


@pytest.mark.parametrize("transform, expected", [
    ("translate(911,-150) scale(0.707)", (".707", "0", "0", ".707", "911", "-150")),
    ("scale(1,-1) translate(0, -1664.1)", ("1", "0", "0", "-1", "0", "1664.1")),
    ("matrix(1 0 0 -1 0 0) scale(55.25)", ("55.25", "0", "0", "-55.25", "0", "0")),
    ("translate(3)", ("1", "0", "0", "1", "3", "0")),
])
def test_transforms_multiply_as_svg_applies_them(transform, expected) -> None:
    assert matrix(transform) == tuple(Decimal(v) for v in expected)


def test_a_transform_it_does_not_know_is_none() -> None:
    for transform in ("rotate(45)", "skewX(3)", "translate(1,2,3)", "translate(a)",
                      "translate(1) junk"):
        assert matrix(transform) is None


def test_a_formula_is_named_by_its_spoken_words() -> None:
    inline, numbered, aligned = render([FORMULAS[0], FORMULAS[2], FORMULAS[5]],
                                       "--assistive=speech")
    label = re.compile(r'<svg [^>]*role="img"[^>]*aria-label="([^"]+)"')
    assert label.search(inline)[1] == "x squared plus a over b"
    assert label.search(numbered)[1].startswith("equation 3, the sum from k equals 1 to n")
    assert "Line 2" in label.search(aligned)[1]
    for svg in (inline, numbered, aligned):
        assert "mjx-assistive-mml" not in svg and 'aria-hidden="true"' not in svg


def test_mathml_is_still_there_when_asked_for() -> None:
    (svg,) = render([FORMULAS[0]], "--assistive=mathml")
    assert "<mjx-assistive-mml" in svg and "<msup><mi>x</mi><mn>2</mn></msup>" in svg
    assert 'aria-hidden="true"' in svg


def test_a_label_is_defined_once_in_speech_mode() -> None:
    (svg,) = render([(r"a = b \label{eq:once}", True)], "--assistive=speech")
    assert 'aria-label="a equals b"' in svg


def test_the_options_are_part_of_the_cache_key() -> None:
    keys = {MathJaxOptions().key(), MathJaxOptions(assistive="mathml").key(),
            MathJaxOptions(flatten=False).key(), MathJaxOptions(locale="de").key()}
    assert len(keys) == 4


def test_a_display_formula_box_keeps_its_height_while_skipped() -> None:
    page = ('<div class="arithmatex"><mjx-container class="MathJax" jax="SVG" display="true">'
            '<svg style="vertical-align: -1.552ex;" width="62.061ex" height="4.4ex">'
            '</svg></mjx-container></div><span class="arithmatex"><mjx-container><svg '
            'height="2ex"></svg></mjx-container></span>')
    out = with_heights(page)
    assert out.startswith('<div class="arithmatex" style="--mjx-h: 4.20em">')
    assert '<span class="arithmatex"><mjx-container>' in out
