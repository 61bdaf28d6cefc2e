"""One outline per formula: the glyphs a formula places side by side drawn as one ``<path>``.

After ``flatten``, a formula is a group of ``<use>`` elements, one per glyph, each pointing at
the glyph's outline in the page's store and moved there by its transform. A browser styles,
lays out and counts each of them: on a page of 130 formulas, a thousand elements, a fifth of
the page. Here each run of such ``<use>`` in a group becomes one ``<path>`` whose outline is
every glyph's, moved where its ``<use>`` put it: the same drawing (coordinates written to a
tenth of a font unit, 1/10,000 of an em, ``PLACES``), one element instead of ten.

The outlines, no longer shared, are written out in each formula; gzip finds the repeats (a
glyph moved only by a translation is the same text but for its first point), but not all of
them: the two heaviest posts' HTML gzips to 77 and 116 KB instead of 47 and 54 (the price of
a third of the formulas' elements). So by default (merge_glyphs: inline) only the formulas
in the text are merged, which are all laid out as the page loads; a display formula, skipped
off the screen until drawn, keeps its ``<use>`` and only loses its painting group (``lift``).

A glyph the transform would mirror (a negative scale, which
would turn its outline's winding and could cut holes where glyphs overlap) or turn, and a
``<use>`` with any other attribute (a colour, a link), keep their ``<use>``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from execblog.mathjax.flatten import ATTRIBUTE, IDENTITY, matrix, multiply, written

# A glyph's outline as MathJax writes it: absolute commands, in font units (1000 an em).
PATH_TOKEN = re.compile(r"([MLHVQTZ])|(-?(?:\d+\.?\d*|\.\d+))")
ARGUMENTS = {"M": 2, "L": 2, "H": 1, "V": 1, "Q": 4, "T": 2, "Z": 0}
ABSOLUTE = re.compile(r"\s*M[MLHVQTZ\d\s,.-]*")
# A run of glyphs placed one after another in a group (the href's MJX-<n>- prefix is the
# formula's own store; the key after it names the glyph).
USE = re.compile(r'<use xlink:href="#(?:MJX-\d+-|mjx-glyph-)(?P<key>[^"]+)"'
                 r'(?: transform="(?P<transform>[^"]*)")?></use>')
# Decimals of a merged outline's numbers, in font units (1000 an em): tenths, as MathJax
# places glyphs. Whole units would save a tenth of the bytes but move a few anti-aliased
# pixels of most formulas (tests/browser/test_math_rendering.py tells).
PLACES = 1
# Two or more in a row: one <use> and then more, not a repeated group, so that the pattern
# begins with its literal text and is searched for as such (a page scans 25x faster).
_USE_BARE = USE.pattern.replace("(?P<key>", "(?:").replace("(?P<transform>", "(?:")
RUN = re.compile(rf"{_USE_BARE}(?:{_USE_BARE})+")

Command = tuple[str, tuple[float, ...]]


@functools.cache
def commands(d: str) -> tuple[Command, ...] | None:
    """The outline's commands and their numbers; None for one this does not read."""
    if not d.strip():
        return ()  # a space: nothing to draw
    if not ABSOLUTE.fullmatch(d):
        return None
    tokens = [match[1] or float(match[2]) for match in PATH_TOKEN.finditer(d)]
    out: list[Command] = []
    position = 0
    while position < len(tokens):
        command = tokens[position]
        if not isinstance(command, str):
            return None
        position += 1
        count = ARGUMENTS[command]
        while True:
            values = tokens[position:position + count]
            if len(values) != count or any(isinstance(v, str) for v in values):
                return None
            position += count
            out.append((command, tuple(values)))
            if command == "M":
                command = "L"  # more pairs after a moveto are linetos
            if count == 0 or position >= len(tokens) or isinstance(tokens[position], str):
                break
    return tuple(out)


def _written(value: int, places: int) -> str:
    """A number counted in units of 10**-places, written as short as SVG reads it."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, fraction = divmod(value, 10**places)
    if not fraction:
        return f"{sign}{whole}"
    digits = f"{fraction:0{places}d}".rstrip("0")
    return f"{sign}{whole if whole else ''}.{digits}"


class Outline:
    """Outlines appended one after another, written with relative commands, to ``places``
    decimals (each point rounded once; exact for outlines written with no more)."""

    def __init__(self, places: int = 1) -> None:
        self.parts: list[str] = []
        self.places, self.unit = places, 10**places
        self.x = self.y = self.start_x = self.start_y = 0  # in units of 10**-places
        self.previous = ""

    def add(self, glyph: tuple[Command, ...], a: float, d: float, e: float, f: float) -> None:
        """Append ``glyph`` moved by the matrix (a 0 0 d e f). The move is rounded on its own,
        so a glyph's offsets from point to point are the same text wherever it stands (gzip
        finds each repeat)."""
        unit = self.unit
        e10, f10 = round(e * unit), round(f * unit)
        for command, values in glyph:
            if command == "Z":
                offsets: list[int] = []
                self.x, self.y = self.start_x, self.start_y
            elif command == "H":
                x = round(a * values[0] * unit) + e10
                offsets, self.x = [x - self.x], x
            elif command == "V":
                y = round(d * values[0] * unit) + f10
                offsets, self.y = [y - self.y], y
            else:  # M, L, T: a point; Q: a control point and a point; all from the current one
                offsets = []
                for i in range(0, len(values), 2):
                    offsets += [round(a * values[i] * unit) + e10 - self.x,
                                round(d * values[i + 1] * unit) + f10 - self.y]
                self.x += offsets[-2]
                self.y += offsets[-1]
                if command == "M":
                    self.start_x, self.start_y = self.x, self.y
            self.write(command.lower(), offsets)

    def write(self, letter: str, offsets: list[int]) -> None:
        text = "" if letter == self.previous else letter
        for number in (_written(offset, self.places) for offset in offsets):
            # A separator only between two numbers, and not before a minus sign.
            text += number if text[-1:].isalpha() or number[0] == "-" else " " + number
        self.parts.append(text)
        self.previous = "l" if letter == "m" else "" if letter == "z" else letter

    def d(self) -> str:
        return "".join(self.parts).strip()

    def element(self) -> str:
        # MathJax draws glyphs with a stroke of 3 font units (its stylesheet's use[data-c]).
        return f'<path stroke-width="3" d="{self.d()}"></path>'


@functools.cache
def relative_path(d: str) -> str:
    """The same outline with relative commands (``q`` for ``Q``...): a point is written as
    its offset from the previous one, a number of one to three digits rather than up to
    four, so the page's glyph store is about a quarter smaller, gzip included. The
    arithmetic is exact (to as many decimals as ``d`` has), so the outline is the same; a
    path with a command this does not know is returned unchanged."""
    glyph = commands(d)
    if not glyph:
        return d
    outline = Outline(max((len(digits) for digits in re.findall(r"\.(\d+)", d)), default=0))
    outline.add(glyph, 1, 1, 0, 0)
    return outline.d()


def mergeable(use: re.Match, outlines: dict[str, str]):
    """The glyph's commands and its matrix; None for a glyph to keep as a ``<use>``."""
    glyph = commands(outlines[use["key"]]) if use["key"] in outlines else None
    m = matrix(use["transform"]) if use["transform"] else IDENTITY
    if glyph is None or m is None or m[1] or m[2] or m[0] <= 0 or m[3] <= 0:
        return None
    return glyph, m


def merge(run: str, outlines: dict[str, str]) -> str:
    """A run of ``<use>`` as one ``<path>`` (with the uses it cannot take kept after it)."""
    outline, kept, merged = Outline(PLACES), [], 0
    for use in USE.finditer(run):
        found = mergeable(use, outlines)
        if found is None:
            kept.append(use.group(0))
            continue
        glyph, m = found
        outline.add(glyph, float(m[0]), float(m[3]), float(m[4]), float(m[5]))
        merged += 1
    if merged < 2:
        return run
    return outline.element() + "".join(kept)


# A formula that is glyphs and rules only, in MathJax's one painting group, which turns
# the font's y axis (up) into the SVG's (down): the turn goes into the outline and the rules,
# the paint onto the <svg>, and the group goes.
PAINT = ' stroke="currentColor" fill="currentColor" stroke-width="0"'
FORMULA = re.compile(r'(?P<svg><svg [^>]*)><g' + PAINT + r' transform="matrix\(1 0 0 -1 0 0\)">'
                     r'(?P<body>(?:<use [^>]*></use>|<rect [^>]*></rect>)+)</g></svg>')
ELEMENT = re.compile(r"<use [^>]*></use>|<rect (?P<rect>[^>]*)></rect>")
FLIP = (Decimal(1), Decimal(0), Decimal(0), Decimal(-1), Decimal(0), Decimal(0))


def fold(formula: re.Match, outlines: dict[str, str]) -> str:
    outline, rules = Outline(PLACES), []
    for element in ELEMENT.finditer(formula["body"]):
        if element["rect"] is None:
            use = USE.fullmatch(element.group(0))
            found = use and mergeable(use, outlines)
            if not found:
                return formula.group(0)
            glyph, m = found
            outline.add(glyph, float(m[0]), -float(m[3]), float(m[4]), -float(m[5]))
            continue
        attributes = ATTRIBUTE.findall(element["rect"])
        own = dict(attributes).get("transform")
        m = matrix(own) if own else IDENTITY
        if m is None:
            return formula.group(0)
        turned = written(multiply(FLIP, m))
        rest = "".join(f' {key}="{value}"' for key, value in attributes if key != "transform")
        rules.append(f'<rect{rest} transform="{turned}"></rect>')
    path = outline.element() if outline.parts else ""
    return f'{formula["svg"]}{PAINT}>{path}{"".join(rules)}</svg>'


def lift(formula: re.Match) -> str:
    """The formula without its painting group: the paint on the ``<svg>``, the turn of the y
    axis in each glyph's and rule's own transform. The same drawing, one element fewer (a
    twentieth of a formula-heavy page's elements, for a few bytes each glyph gzip finds)."""
    elements = []
    for element in ELEMENT.finditer(formula["body"]):
        tag = "rect" if element["rect"] is not None else "use"
        attributes = ATTRIBUTE.findall(element.group(0))
        own = dict(attributes).get("transform")
        m = matrix(own) if own else IDENTITY
        if m is None:
            return formula.group(0)
        rest = "".join(f' {key}="{value}"' for key, value in attributes if key != "transform")
        elements.append(f'<{tag}{rest} transform="{written(multiply(FLIP, m))}"></{tag}>')
    return f'{formula["svg"]}{PAINT}>{"".join(elements)}</svg>'


# Folding and merging are arithmetic point by point in Python (a tenth of a second for a
# formula-heavy page, at every build): a folded formula or merged run is kept under a key
# of this code, its SVG and the outlines of its glyphs, so a build folds or merges only
# what it has not before.
CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
GLYPH_KEY = re.compile(r'xlink:href="#(?:MJX-\d+-|mjx-glyph-)([^"]+)"')


class Memo:
    """Where folded formulas are kept: ``get(key)`` (None if not there) and ``put``."""

    def __init__(self, get: Callable[[str], str | None], put: Callable[[str, str], None]):
        self.get, self.put = get, put


def fold_key(formula: str, outlines: dict[str, str], kind: str = "fold") -> str:
    """The memo's key of folding ``formula`` (``kind`` "fold") or merging a run of glyphs
    ("merge"): this code, the places, the SVG and the outlines of the glyphs it uses."""
    used = sorted(set(GLYPH_KEY.findall(formula)))
    text = "\0".join([CODE, str(PLACES), formula,
                      *(f"{key}={outlines.get(key, '')}" for key in used)])
    return f"{kind}:" + hashlib.sha256(text.encode()).hexdigest()


def kept_in(memo: Memo | None, key: Callable[[], str], work: Callable[[], str]) -> str:
    """``work()``, or what ``memo`` kept under ``key()`` from an earlier build (and kept
    there now if it had nothing)."""
    if memo is None:
        return work()
    found = memo.get(name := key())
    if found is None:
        found = work()
        memo.put(name, found)
    return found


def merge_glyphs(page_html: str, outlines: dict[str, str], memo: Memo | None = None,
                 display: bool = True) -> str:
    """Every formula's glyphs as one outline (``fold``), or, in a formula with more in it,
    each run of two or more glyphs in a group (``merge``). ``outlines``: each glyph's key
    (``TEX-N-30``) and its absolute outline. ``memo``: folded formulas kept from earlier.
    ``display``: display formulas too (False: those in the text only)."""
    def kept(kind: str, match: re.Match, work: Callable[[], str]) -> str:
        if not display:
            start = match.string.rfind("<mjx-container", 0, match.start())
            if 'display="true"' in match.string[start:match.start()]:
                return match.group(0)
        return kept_in(memo, lambda: fold_key(match.group(0), outlines, kind), work)

    page_html = FORMULA.sub(lambda formula: kept("fold", formula,
                                                 lambda: fold(formula, outlines)), page_html)
    return RUN.sub(lambda run: kept("merge", run, lambda: merge(run.group(0), outlines)),
                   page_html)


def lift_paint(page_html: str, memo: Memo | None = None) -> str:
    """Each formula of glyphs and rules only without its painting group (``lift``), kept in
    ``memo`` as folded formulas are (a display formula takes about a millisecond)."""
    def key(formula: re.Match) -> str:
        return "lift:" + hashlib.sha256(f"{CODE}\0{formula.group(0)}".encode()).hexdigest()

    return FORMULA.sub(lambda formula: kept_in(memo, lambda: key(formula),
                                               lambda: lift(formula)), page_html)
