"""A page's executed blocks, found in its Markdown before MkDocs converts the page.

So that pages can run in parallel ahead of their conversion, each page's Markdown is read
as the fence will see it: snippet includes (``--8<--``) expanded by pymdownx.snippets
itself, with the site's configuration, and whitespace normalised as Python-Markdown does.
Fences are recognised with superfences' own pattern; a fence nested in a longer one (an
example of the syntax) is content, not a block. Where this reading and the conversion
disagree (a fence made by another extension), the hook notices and runs the page's blocks
as the conversion meets them.
"""

from __future__ import annotations

import re

import markdown

from execblog import compat
from execblog.execution import fence

RE_NESTED_FENCE_START, RE_OPTIONS = compat.superfences_patterns()

INDENT = re.compile(r"^[ ]*")


def reader(mdx_configs: dict) -> markdown.Markdown:
    """A Markdown instance with the site's snippet configuration, to expand includes."""
    return markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs={
        "pymdownx.snippets": dict(mdx_configs.get("pymdownx.snippets", {}))})


def expand(text: str, md: markdown.Markdown) -> list[str]:
    lines = md.preprocessors["snippet"].run(text.split("\n"))
    return md.preprocessors["normalize_whitespace"].run(lines)


def options_of(header: str) -> dict | None:
    match = RE_NESTED_FENCE_START.match(header)
    if not match or match.group("lang") != "python" or match.group("attrs") \
            or match.group("unrecognized"):
        return None
    values = {}
    for option in RE_OPTIONS.finditer(match.group("options") or ""):
        values[option.group("key")] = option.group("value") or option.group("key")
    return values


def executed_fences(lines: list[str]) -> list[tuple[int, str, dict, bool]]:
    """``(line, code, options, valid)`` of each executed block, in order: the index (from
    0) of its opening fence in ``lines``, and whether its options are valid."""
    found = []
    number = 0
    while number < len(lines):
        line = lines[number]
        indent = len(INDENT.match(line).group())
        stripped = line[indent:]
        opening = re.match(r"(`{3,}|~{3,})", stripped)
        start = number
        number += 1
        if not opening:
            continue
        marker = opening.group(1)
        closing = re.compile(rf"^[ ]{{0,{indent + 3}}}{marker[0]}{{{len(marker)},}}[ \t]*$")
        body = []
        while number < len(lines) and not closing.match(lines[number]):
            body.append(lines[number][indent:] if lines[number][:indent].strip() == ""
                        else lines[number].lstrip())
            number += 1
        number += 1  # the closing fence
        options = options_of(stripped)
        if options and fence.is_executed(options):
            found.append((start, "\n".join(body), options, not fence.problems(options)))
    return found


def executed_blocks(lines: list[str]) -> list[tuple[str, dict]]:
    """``(code, options)`` of each valid executed block, in order."""
    return [(code, options) for _, code, options, valid in executed_fences(lines) if valid]


def block_lines(text: str, count: int | None = None) -> tuple[list[int], list[int]]:
    """The lines (from 1) of the opening fences of the valid executed blocks in ``text``,
    a page's Markdown as written (includes not expanded), and those of the invalid ones.
    Empty when ``count`` blocks were expected and the text holds another number (blocks
    brought in by an include: their lines are not the page's)."""
    fences = executed_fences(text.split("\n"))
    valid = [start + 1 for start, _, _, ok in fences if ok]
    invalid = [start + 1 for start, _, _, ok in fences if not ok]
    if count is not None and count != len(valid):
        return [], invalid
    return valid, invalid
