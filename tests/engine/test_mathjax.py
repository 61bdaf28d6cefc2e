"""The glyph store's outlines: written with relative commands, the same shapes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from execblog.mathjax.typeset import RENDERER, relative_path, share_glyphs

ROOT = Path(__file__).resolve().parents[2]
ARGUMENTS = {"m": 2, "l": 2, "h": 1, "v": 1, "q": 4, "t": 2, "z": 0}
TOKEN = re.compile(r"([A-Za-z])|(-?(?:\d+\.?\d*|\.\d+))")


def absolute_points(d: str) -> list[tuple]:
    """Every command of a path as (letter, absolute numbers), relative or absolute input,
    with the bare number lists that continue a command spelled out."""
    tokens = [match[1] or Decimal(match[2]) for match in TOKEN.finditer(d)]
    points, x, y, start, position, command = [], Decimal(0), Decimal(0), None, 0, None
    while position < len(tokens):
        if isinstance(tokens[position], str):
            command = tokens[position]
            position += 1
        letter = command.lower()
        relative = command.islower()
        values = tokens[position:position + ARGUMENTS[letter]]
        position += ARGUMENTS[letter]
        assert all(isinstance(v, Decimal) for v in values), d
        if letter == "z":
            x, y = start
            points.append(("z",))
        elif letter == "h":
            x = x + values[0] if relative else values[0]
            points.append(("h", x))
        elif letter == "v":
            y = y + values[0] if relative else values[0]
            points.append(("v", y))
        else:
            pairs = [(values[i] + (x if relative else 0), values[i + 1] + (y if relative else 0))
                     for i in range(0, len(values), 2)]
            x, y = pairs[-1]
            if letter == "m":
                start = (x, y)
                command = "l" if relative else "L"  # more pairs continue as linetos
            points.append((letter, *[n for pair in pairs for n in pair]))
    return points


@pytest.mark.parametrize("d", [
    "M21 287Q22 293 24 303T36 341L56 388H89V425Z",
    "M70 417T70 494T124 618ZM286 386L292 390Q298 394 301 396Z",
    "M-5 -10L-5.5 0.25H.75V-0.125L10 10 20 20 30 10Z",
    "M0 0L100 0 100 100 0 100Z",
    "M1 2 3 4 5 6Z",  # a moveto followed by pairs: linetos
])
def test_relative_outline_has_the_same_points(d) -> None:
    slim = relative_path(d)
    assert re.fullmatch(r"m[mlhvqtz\d .-]*", slim), slim
    assert absolute_points(slim) == absolute_points(d)


def test_what_it_does_not_know_is_left_alone() -> None:
    for d in ("", "m1 2l3 4z", "M1 2C3 4 5 6 7 8Z", "M1e3 2Z", "M1 2Z 3 4"):
        assert relative_path(d) == d


@pytest.mark.skipif(not shutil.which("node")
                    or not (ROOT / "node_modules" / "mathjax-full").is_dir(),
                    reason="MathJax is installed by npm ci")
def test_every_glyph_mathjax_draws_for_a_formula_survives_and_shrinks() -> None:
    tex = (r"\int_0^\infty \frac{\partial \mathcal{L}}{\partial W_{ij}} \sum_{k=1}^{n}"
           r" \sqrt{\alpha^2 + \beta_\theta} \, \mathbb{E}[x] \le \nabla f(\mathbf{x})"
           r" \quad \left( \begin{matrix} 1 & 2 \\ 3 & 4 \end{matrix} \right) \otimes \Sigma")
    process = subprocess.run(["node", str(RENDERER)], input=json.dumps({"tex": tex,
                             "display": True}) + "\n", capture_output=True, text=True,
                             cwd=ROOT, timeout=60, check=True)
    svg = json.loads(process.stdout.splitlines()[1])["svg"]
    page = f'<p><span class="arithmatex">{svg}</span></p>'
    store = share_glyphs(page)
    before = dict(re.findall(r'<path id="MJX-\d+-([^"]+)" d="([^"]*)"', page))
    after = dict(re.findall(r'<path id="mjx-glyph-([^"]+)" d="([^"]*)"', store))
    assert before.keys() == after.keys() and len(before) > 20
    for key, d in before.items():
        assert absolute_points(after[key]) == absolute_points(d), key
    assert sum(map(len, after.values())) < 0.85 * sum(map(len, before.values()))
