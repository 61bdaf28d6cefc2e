"""A formula's glyphs drawn as one outline (execblog/mathjax/merge.py, issue 27).

Each merged outline is read back to absolute points by a reader of SVG paths written here
(not the one that wrote it) and compared with each glyph's own points moved by the matrix
its ``<use>`` had, to the last place the outline writes (merge.PLACES). How it looks is
compared in Chromium by tests/browser/test_math_rendering.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execblog.mathjax.flatten import flatten, matrix
from execblog.mathjax.merge import PLACES, RUN, commands, merge_glyphs
from execblog.mathjax.typeset import GLYPH_DEFS, GLYPH_PATH, share_glyphs
from tests.engine.test_mathjax_weight import FORMULAS, render

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
ARGS = {"m": 2, "l": 2, "h": 1, "v": 1, "q": 4, "t": 2, "z": 0}


def absolute_points(d: str) -> list[tuple[float, float]]:
    """Every point of a path of relative commands (m l h v q t z), in order, absolute."""
    points, x, y, sx, sy = [], 0.0, 0.0, 0.0, 0.0
    for letter, numbers in re.findall(r"([mlhvqtz])([^mlhvqtz]*)", d):
        values = [float(v) for v in NUMBER.findall(numbers)]
        if letter == "z":
            x, y = sx, sy
            continue
        count = ARGS[letter]
        for i in range(0, len(values), count):
            chunk = values[i:i + count]
            if letter == "h":
                x += chunk[0]
                points.append((x, y))
            elif letter == "v":
                y += chunk[0]
                points.append((x, y))
            else:
                pairs = [(x + chunk[j], y + chunk[j + 1]) for j in range(0, count, 2)]
                points += pairs
                x, y = pairs[-1]
                if letter == "m" and i == 0:
                    sx, sy = x, y
    return points


def glyph_points(d: str, m, flip: bool) -> list[tuple[float, float]]:
    a, _, _, dd, e, f = map(float, m)
    sign = -1 if flip else 1
    points, x, y = [], 0.0, 0.0
    for command, values in commands(d):
        if command == "H":
            x = values[0]
        elif command == "V":
            y = values[0]
        elif command != "Z":
            for i in range(0, len(values), 2):
                points.append((a * values[i] + e, sign * (dd * values[i + 1] + f)))
            x, y = values[-2], values[-1]
            continue
        else:
            continue
        points.append((a * x + e, sign * (dd * y + f)))
    return points


@pytest.fixture(scope="module")
def formulas() -> list[str]:
    return [flatten(svg) for svg in render(FORMULAS, "--assistive=speech")]


def test_each_outline_is_its_glyphs_where_their_uses_put_them(formulas) -> None:
    for (tex, _), svg in zip(FORMULAS, formulas, strict=True):
        outlines = {match["key"]: match["d"] for match in GLYPH_PATH.finditer(svg)}
        svg = GLYPH_DEFS.sub("", svg)  # as in a page: the outlines are in its store
        merged = merge_glyphs(svg, outlines)
        folded = 'transform="matrix(1 0 0 -1 0 0)"' not in merged.split("<path", 1)[0]
        expected = []
        # Folded, every glyph is in the outline; otherwise those in runs of two or more.
        runs = [svg] if folded else [run.group(0) for run in RUN.finditer(svg)]
        for use in re.finditer(r'<use xlink:href="#MJX-\d+-([^"]+)"(?: transform="([^"]*)")?>',
                               "".join(runs)):
            m = matrix(use[2]) if use[2] else (1, 0, 0, 1, 0, 0)
            if m[0] > 0 and m[3] > 0 and not m[1] and not m[2]:
                expected.append(glyph_points(outlines[use[1]], m, folded))
        drawn = [absolute_points(d) for d in re.findall(r'<path stroke-width="3" d="([^"]*)"',
                                                        merged)]
        flat_expected = [p for points in expected for p in points]
        flat_drawn = [p for points in drawn for p in points]
        assert len(flat_drawn) == len(flat_expected), tex
        worst = max(max(abs(a - c), abs(b - d)) for (a, b), (c, d)
                    in zip(flat_drawn, flat_expected, strict=True))
        # Rounded once per glyph (its move) and once per point: at most a unit of the
        # last place written.
        assert worst <= 10.0**-PLACES, (tex, worst)


def test_a_whole_formula_loses_its_group_and_its_rules_turn_with_it(formulas) -> None:
    svg = formulas[0]  # x^2 + \frac{a}{b}: glyphs and a fraction's rule
    outlines = {match["key"]: match["d"] for match in GLYPH_PATH.finditer(svg)}
    svg = GLYPH_DEFS.sub("", svg)
    merged = merge_glyphs(svg, outlines)
    assert "<g" in svg and "<g" not in merged
    assert merged.count("<use") == 0 and merged.count("<path stroke-width") == 1
    rule = re.search(r'<rect width="([\d.]+)" height="([\d.]+)" x="([\d.]+)" y="([\d.]+)"'
                     r' transform="([^"]*)"', merged)
    before = re.search(r'<rect width="[\d.]+" height="[\d.]+" x="[\d.]+" y="[\d.]+"'
                       r'(?: transform="([^"]*)")?', svg)
    m = matrix(rule[5])
    assert m[3] == -1 and m[0] == 1  # the group's turn of the y axis, now the rule's own
    old = matrix(before[1]) if before[1] else (1, 0, 0, 1, 0, 0)
    assert (m[4], m[5]) == (old[4], -old[5])
    assert 'stroke="currentColor" fill="currentColor" stroke-width="0"' in merged


def test_a_mirrored_or_coloured_glyph_keeps_its_use() -> None:
    d = "M10 0L20 0L20 10Z"
    outlines = {"A": d}
    uses = ('<use xlink:href="#MJX-1-A"></use><use xlink:href="#MJX-1-A" '
            'transform="matrix(-1 0 0 1 50 0)"></use><use xlink:href="#MJX-1-A" '
            'transform="translate(30)"></use>')
    merged = merge_glyphs(f'<g fill="red">{uses}</g>', outlines)
    assert merged.count("<path") == 1 and merged.count("<use") == 1
    assert 'matrix(-1 0 0 1 50 0)' in merged  # the mirrored one, as it was
    coloured = '<use xlink:href="#MJX-1-A" fill="red"></use><use xlink:href="#MJX-1-A"></use>'
    assert merge_glyphs(coloured, outlines) == coloured
    unknown = '<use xlink:href="#MJX-1-B"></use><use xlink:href="#MJX-1-B"></use>'
    assert merge_glyphs(unknown, outlines) == unknown


def test_merging_keeps_in_the_store_only_glyphs_still_used(formulas) -> None:
    page = "".join(f'<span class="arithmatex">{svg}</span>' for svg in formulas)
    shared, merged = share_glyphs(page), share_glyphs(page, merge=True)
    elements = [len(re.findall(r"<[a-z]", html)) for html in (shared, merged)]
    assert elements[1] < elements[0] / 2, elements
    stored = set(re.findall(r'<path id="mjx-glyph-([^"]+)"', merged))
    used = set(re.findall(r'href="#mjx-glyph-([^"]+)"', merged))
    assert stored == used


def test_a_folded_formula_is_kept_and_reused_and_changes_with_its_outlines(formulas,
                                                                         monkeypatch) -> None:
    """Folding and merging are kept (the build's memo is the MathJax cache): a second page
    with the same formulas folds or merges none again and is the same; other outlines make
    another key."""
    from execblog.mathjax import merge as merge_module

    kept: dict[str, str] = {}
    memo = merge_module.Memo(kept.get, kept.__setitem__)
    pages = []
    for svg in formulas:
        outlines = {match["key"]: match["d"] for match in GLYPH_PATH.finditer(svg)}
        pages.append((GLYPH_DEFS.sub("", svg), outlines))
    first = [merge_glyphs(page, outlines, memo) for page, outlines in pages]
    assert first == [merge_glyphs(page, outlines) for page, outlines in pages]
    assert {key.split(":")[0] for key in kept} == {"fold", "merge"}, "nothing was kept"

    def no_fold(*_):
        raise AssertionError("a formula or run kept was folded or merged again")

    monkeypatch.setattr(merge_module, "fold", no_fold)
    monkeypatch.setattr(merge_module, "merge", no_fold)
    assert [merge_glyphs(page, outlines, memo) for page, outlines in pages] == first
    page, outlines = pages[0]
    other = {key: d + " " for key, d in outlines.items()}
    formula = merge_module.FORMULA.search(page)
    assert formula and merge_module.fold_key(formula.group(0), other) \
        != merge_module.fold_key(formula.group(0), outlines)


@given(st.lists(st.sampled_from([
    '<use xlink:href="#MJX-3-TEX-N-31"></use>',
    '<use xlink:href="#mjx-glyph-TEX-I-1D465" transform="translate(500,0)"></use>',
    '<use xlink:href="#MJX-12-TEX-N-2B" transform="matrix(1 0 0 1 0 0)"></use>',
    '<rect width="10" height="2"></rect>', "<g>", "</g>", " ", "x"]), max_size=12))
def test_a_run_of_glyphs_is_found_as_by_a_repeated_group(parts) -> None:
    """RUN is written as one <use> then more (a literal start, searched for quickly); it
    finds exactly the runs the plain form, two or more repeated, finds."""
    from execblog.mathjax import merge as merge_module

    plain = re.compile(rf"(?:{merge_module.USE.pattern}){{2,}}")
    text = "".join(parts)
    assert [m.span() for m in RUN.finditer(text)] == [m.span() for m in plain.finditer(text)]


def placed(svg: str) -> list[tuple[str, tuple]]:
    """Each glyph and rule of a formula in order: what it draws and its matrix."""
    found = []
    for element in re.finditer(r'<(use|rect) ([^>]*)>', svg):
        attributes = dict(re.findall(r'([\w:.-]+)="([^"]*)"', element[2]))
        transform = attributes.pop("transform", None)
        m = matrix(transform) if transform else (1, 0, 0, 1, 0, 0)
        what = re.sub(r"#(?:MJX-\d+-|mjx-glyph-)", "#", str(sorted(attributes.items())))
        found.append((f"{element[1]} {what}", tuple(map(float, m))))
    return found


def test_without_merging_a_formula_loses_its_painting_group_and_draws_the_same(
        formulas) -> None:
    """Unmerged, each formula of glyphs and rules only loses the group that paints it and
    turns its y axis: the paint goes on the <svg>, the turn into each glyph's and rule's own
    matrix (a, b, c, d, e, f -> a, b, -c, -d, e, -f), exactly."""
    page = "".join(f'<span class="arithmatex">{svg}</span>' for svg in formulas)
    lifted = share_glyphs(page)
    container = r"<mjx-container.*?</mjx-container>"
    before = re.findall(container, GLYPH_DEFS.sub("", page))
    after = re.findall(container, lifted)
    assert len(before) == len(after) == len(formulas)
    groups = 0
    for old, new in zip(before, after, strict=True):
        if "<g" in new:  # a formula with more in it than glyphs and rules keeps its group
            assert new.count("<g") == old.count("<g"), new
            continue
        groups += 1
        assert "<g" in old and 'stroke="currentColor" fill="currentColor" stroke-width="0">' \
            in new
        expected = [(what, (a, b, -c, -d, e, -f)) for what, (a, b, c, d, e, f) in placed(old)]
        assert placed(new) == expected, (old[:300], new[:300])
    assert groups >= len(formulas) // 2, groups


def test_a_lifted_formula_is_kept_and_reused(formulas, monkeypatch) -> None:
    """Lifting the painting group is kept like folding (a display formula costs about a
    millisecond, at every build): a second page with the same formulas lifts none again
    and is the same."""
    from execblog.mathjax import merge as merge_module

    kept: dict[str, str] = {}
    memo = merge_module.Memo(kept.get, kept.__setitem__)
    page = "".join(f'<span class="arithmatex">{svg}</span>' for svg in formulas)
    first = share_glyphs(page, memo=memo)
    assert first == share_glyphs(page)
    assert any(key.startswith("lift:") for key in kept), "nothing was kept"

    def no_lift(*_):
        raise AssertionError("a formula kept was lifted again")

    monkeypatch.setattr(merge_module, "lift", no_lift)
    assert share_glyphs(page, memo=memo) == first


def test_merging_inline_only_leaves_display_formulas_their_uses(formulas) -> None:
    """``merge_glyphs: inline``: the formulas in the text are folded into one outline each
    (all of them laid out as the page loads), a display formula keeps a <use> per glyph
    (skipped off the screen until drawn, and most of the bytes an outline would add)."""
    bare = [svg.replace(' display="true"', "") for svg in formulas]
    inline = "".join(f'<span class="arithmatex">{svg}</span>' for svg in bare)
    shown_as = '<mjx-container display="true" '
    display = "".join('<div class="arithmatex">' + svg.replace("<mjx-container ", shown_as, 1)
                      + "</div>" for svg in bare)
    both = share_glyphs(inline + display, merge="inline")
    text, shown = both.split('<div class="arithmatex">', 1)
    assert text.count("<use") < inline.count("<use") / 4, "the text's formulas not merged"
    assert shown.count("<use") == display.count("<use"), "a display formula was merged"
    assert share_glyphs(inline + display, merge=True).count("<use") < both.count("<use")
