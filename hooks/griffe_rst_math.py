"""A griffe extension: write the docstrings' reST math as the site's LaTeX.

``nn``'s docstrings are numpy style and use reST math (``:math:`x``` and ``.. math::``
blocks), which Python readers and tools understand. The API reference renders docstrings as
Markdown, where math is ``$...$`` and ``$$...$$``; this extension rewrites the former into
the latter when mkdocstrings loads ``nn``, so the formulas reach MathJax like any post's.
"""

from __future__ import annotations

import re

import griffe

INLINE = re.compile(r":math:`([^`]+)`")
BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")


def rst_math_to_latex(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = BLOCK.match(lines[i])
        if not match:
            out.append(INLINE.sub(lambda m: f"${m.group(1)}$", lines[i]))
            i += 1
            continue
        indent = len(match["indent"])
        body = [match["first"].strip()] if match["first"].strip() else []
        i += 1
        # The block goes on while lines are indented deeper than the directive (or blank).
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent):
            if lines[i].strip():
                body.append(lines[i].strip())
            i += 1
        pad = " " * indent
        if any("&" in line or line.rstrip().endswith("\\\\") for line in body):
            # reST (Sphinx) math aligns on & and breaks on \\ by itself; TeX needs aligned.
            body = ["\\begin{aligned}", *body, "\\end{aligned}"]
        out += [f"{pad}$$", *(f"{pad}{line}" for line in body), f"{pad}$$", ""]
    return "\n".join(out)


class RstMath(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_math_to_latex(obj.docstring.value)
