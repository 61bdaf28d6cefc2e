"""A griffe extension: write the docstrings' reST math and cross-references as the site's.

``nn``'s docstrings are numpy style and use reST (``:math:`x```, ``.. math::`` blocks, and
Sphinx roles such as ``:class:`ConvGrid```), which Python readers and tools understand. The
API reference renders docstrings as Markdown, where math is ``$...$`` and ``$$...$$`` and a
link to another object is ``[`name`][full.path]`` (mkdocs-autorefs). This extension rewrites
the former into the latter when mkdocstrings loads ``nn``, so the formulas reach MathJax like
any post's and the names become links. A role whose target cannot be found stays as code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import griffe

# A role may wrap onto the next line of the docstring, so [^`] also takes newlines.
INLINE = re.compile(r":math:`([^`]+)`")
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|obj|data|exc):`(?P<target>[^`]+)`")
BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")


def inline_math(match: re.Match) -> str:
    return "$" + re.sub(r"\s*\n\s*", " ", match.group(1).strip()) + "$"


def rst_roles_to_links(text: str, resolve: Callable[[str], str | None]) -> str:
    """``:class:`~nn.module.Parameter``` -> ``[`Parameter`][nn.module.Parameter]``.

    ``resolve`` maps a target as written (without ``~``) to the full path of an object, or
    to None; then the name is left as code. ``~`` shows only the last part of the name.
    """

    def link(match: re.Match) -> str:
        target = match["target"].strip()
        short = target.startswith("~")
        target = target.lstrip("~")
        shown = target.rsplit(".", 1)[-1] if short else target
        path = resolve(target)
        return f"[`{shown}`][{path}]" if path else f"`{shown}`"

    return ROLE.sub(link, text)


def rst_math_to_latex(text: str) -> str:
    text = INLINE.sub(inline_math, text)
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = BLOCK.match(lines[i])
        if not match:
            out.append(lines[i])
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


def documented(obj: griffe.Object) -> Iterator[griffe.Object]:
    """``obj`` and every object defined under it (aliases, i.e. imports, are skipped)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from documented(member)


def resolver(obj: griffe.Object) -> Callable[[str], str | None]:
    """Look a role's target up as Python would read the name where ``obj`` is defined:
    in ``obj`` itself, then in each enclosing class and module; a dotted name that starts at
    the package (``nn.special``) is looked up from there. None for a name not found, or for
    an object the reference does not show."""

    def resolve(target: str) -> str | None:
        scope: griffe.Object | None = obj
        package = obj.package
        if target == package.name or target.startswith(package.name + "."):
            scope, target = package, target.removeprefix(package.name).lstrip(".")
            if not target:
                return package.path
        while scope is not None:
            try:
                found = scope[target]
            except (KeyError, ValueError):
                scope = scope.parent
                continue
            found = found.final_target if found.is_alias else found
            # Only what the reference shows has an anchor: modules (hooks/reference.py adds
            # theirs) and objects with a docstring (mkdocstrings skips the others).
            return found.path if found.is_module or found.docstring else None
        return None

    return resolve


class RstMath(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_math_to_latex(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        # Roles are resolved once the whole package is loaded, so they may point forward.
        for obj in documented(pkg):
            if obj.docstring is not None:
                obj.docstring.value = rst_roles_to_links(obj.docstring.value, resolver(obj))
