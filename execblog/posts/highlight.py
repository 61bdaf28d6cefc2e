"""Lighter highlighted code: Pygments' tokens drawn in the code's own colour lose their span,
and neighbouring tokens drawn alike share one.

Pygments wraps every token of a block in a ``<span>`` named by its kind; Material colours
most kinds, but draws names (``n``: variables, arguments, attributes) and whitespace (``w``)
in the colour of the code itself (its stylesheet: ``.highlight .n`` takes
``--md-code-hl-name-color``, which is ``--md-code-fg-color``), and docs/stylesheets/extra.css
draws punctuation and operators (``p``, ``o``, ``ow``) so too. Those spans change nothing
on screen (987 of the convolution post's 2,894 elements were operators and punctuation
alone): their text is kept, the span goes.
Kinds drawn alike (one colour, ``ALIKE``, none by default) may share a span: a run of them,
with only white space between, becomes one span of the first one's kind.
tests/browser/test_highlight_tokens.py checks in Chromium, in both colour schemes, that a
dropped token looks as the code does and the tokens of a group look alike, so a palette that
tells them apart makes the test fail.

A code block off the screen need not be styled or laid out until the reader nears it
(``content-visibility: auto`` in docs/stylesheets/extra.css); meanwhile it takes the height
its lines will have, which ``with_line_counts`` writes on each ``<pre>`` as ``--code-lines``
(with ``--code-cols``, its longest line, for the tab order of a wide block not drawn yet).
tests/browser/test_highlight_tokens.py checks that each block's height is the same skipped
and drawn, at a phone's and a desktop's width.
"""

from __future__ import annotations

import html as html_module
import re
import unicodedata

# The token kinds drawn in the code's own colour (Pygments' short class names).
PLAIN = ("n", "w", "p", "o", "ow")
# Kinds drawn alike (colour, weight, style): a run of them shares one span. None now that
# operators and punctuation are plain; kept for a palette that greys them again.
ALIKE: tuple[tuple[str, ...], ...] = ()
CODE = re.compile(r"(<code[^>]*>)(.*?)(</code>)", re.S)


def _names(kinds: tuple[str, ...]) -> str:
    return "|".join(map(re.escape, kinds))


def lighten(html: str, plain: tuple[str, ...] = PLAIN,
            alike: tuple[tuple[str, ...], ...] = ALIKE) -> str:
    """``html`` with the spans of the ``plain`` kinds of token inside ``<code>`` replaced by
    their text (which has no markup: Pygments escapes it), then each run of tokens of one
    group of ``alike`` kinds in one span."""
    if "<code" not in html or not (plain or alike):
        return html
    steps = []
    if plain:
        token = re.compile(rf'<span class="(?:{_names(plain)})">([^<]*)</span>')
        steps.append(lambda text: token.sub(r"\1", text))
    for group in alike:
        one = rf'<span class="(?:{_names(group)})">[^<]*</span>'
        run = re.compile(rf"{one}(?:\s*{one})+")
        steps.append(lambda text, run=run: run.sub(_joined, text))

    def code(match: re.Match) -> str:
        text = match[2]
        for step in steps:
            text = step(text)
        return match[1] + text + match[3]

    return CODE.sub(code, html)


def _joined(run: re.Match) -> str:
    """A run of spans as one, of the first one's kind, holding their text and the spaces."""
    first = run[0][:run[0].index(">") + 1]
    return first + re.sub(r"<[^>]*>", "", run[0]) + "</span>"


PRE = re.compile(r"<pre(?P<attrs>(?:\s[^>]*)?)>(?P<body>.*?)</pre>", re.S)
TAG = re.compile(r"<[^>]*>")


def columns(line: str) -> int:
    """The columns a line of code takes in a monospaced font: a wide (East Asian) character
    two, a tab up to the next multiple of 8 (the browser's default tab size)."""
    if line.isascii() and "\t" not in line:
        return len(line)
    line = line.expandtabs(8)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def with_line_counts(html: str) -> str:
    """``html`` with each ``<pre>`` that has no ``style`` of its own told how many lines it
    holds and how many columns its longest line takes (``style="--code-lines: N;
    --code-cols: M"``): a last line without its newline counts, an empty block has none.
    The lines give a block off the screen its height (extra.css); the columns tell the
    page's script whether a block not drawn yet is wider than its box, so that it is in the
    tab order before the reader scrolls to it (overrides/main.html)."""
    def counted(match: re.Match) -> str:
        if "style=" in match["attrs"]:
            return match[0]
        text = html_module.unescape(TAG.sub("", match["body"]))
        lines = text.count("\n") + (not text.endswith("\n"))
        widest = max(map(columns, text.split("\n")), default=0)
        return (f'<pre{match["attrs"]} style="--code-lines: {lines if text else 0}; '
                f'--code-cols: {widest}">{match["body"]}</pre>')

    return PRE.sub(counted, html) if "<pre" in html else html
