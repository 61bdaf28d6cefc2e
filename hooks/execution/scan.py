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
from pymdownx.superfences import RE_NESTED_FENCE_START, RE_OPTIONS

from execution import fence

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


def executed_blocks(lines: list[str]) -> list[tuple[str, dict]]:
    """``(code, options)`` of each valid executed block, in order."""
    found = []
    number = 0
    while number < len(lines):
        line = lines[number]
        indent = len(INDENT.match(line).group())
        stripped = line[indent:]
        opening = re.match(r"(`{3,}|~{3,})", stripped)
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
        if options and fence.is_executed(options) and not fence.problems(options):
            found.append(("\n".join(body), options))
    return found
