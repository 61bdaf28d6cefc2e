"""Check code includes before pymdownx.snippets resolves them.

Snippets already fails (``check_paths: true``) on a missing file. The posts plugin adds
what it does not check: a ``[start:x]`` without its ``[end:x]`` (Snippets would silently
include to the end of the file), an include by line numbers instead of by section, an unknown
section, and a path that could mean a file under more than one base path.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from execblog.filememo import FileMemo

# The marker as pymdownx.snippets itself recognises it (any text before it, `;` escapes it).
MARKER = re.compile(
    r"(?<!;)-{1,}8<-{1,}[ \t]+\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*"
    r"(?P<name>[a-z][-_0-9a-z]*)[ \t]*\]",
    re.IGNORECASE,
)
# `--8<-- "path"` on one line (a leading `;` escapes it, as in Snippets itself).
INCLUDE_LINE = re.compile(r"^\s*(?<!;)-{1,}8<-{1,}\s+([\"'])(?P<target>[^\"']+)\1\s*$")
BLOCK_FENCE = re.compile(r"^\s*-{1,}8<-{1,}\s*$")


def section_errors(path: Path, text: str) -> list[str]:
    """Problems with the section markers of one file (unbalanced, duplicated, misnamed)."""
    problems = []
    open_sections: dict[str, int] = {}
    closed: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for match in MARKER.finditer(line):
            name = match["name"]
            if match["kind"] == "start":
                if name in open_sections or name in closed:
                    problems.append(f"{path}:{number}: section {name!r} starts twice")
                open_sections[name] = number
            elif name not in open_sections:
                problems.append(f"{path}:{number}: [end:{name}] without a [start:{name}]")
            else:
                del open_sections[name]
                closed.add(name)
    for name, number in open_sections.items():
        problems.append(f"{path}:{number}: [start:{name}] has no [end:{name}] (Snippets would "
                        "include everything to the end of the file)")
    return problems


def sections(text: str) -> set[str]:
    return {m["name"] for m in MARKER.finditer(text) if m["kind"] == "start"}


def includes(markdown: str) -> list[tuple[int, str]]:
    """``(line number, target)`` of every snippet include in a page's Markdown."""
    found = []
    in_block = False
    in_fence = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if BLOCK_FENCE.match(line):
            in_block = not in_block
            continue
        if in_block:
            if line.strip() and not line.strip().startswith(";"):
                found.append((number, line.strip()))
            continue
        if line.lstrip().startswith(("```", "~~~")):
            # A fenced block can contain an include (that is how code is shown); the
            # include sits on its own line inside the fence, so keep scanning.
            in_fence = not in_fence
        match = INCLUDE_LINE.match(line)
        if match:
            found.append((number, match["target"]))
    return found


class SnippetChecker:
    """Checks the includes of pages against the files of Snippets' ``base_path``.

    ``tree_errors`` keeps each file's section problems by its (modification time, size):
    the posts plugin passes the same FileMemo at each `mkdocs serve` rebuild, so that files
    unchanged since are not read again."""

    def __init__(self, base_paths: list[Path],
                 tree_errors: FileMemo[list[str]] | None = None,
                 ) -> None:
        self.base_paths = base_paths
        self.section_cache: dict[Path, set[str]] = {}
        self.tree_errors = FileMemo() if tree_errors is None else tree_errors

    def check_tree(self) -> list[str]:
        problems = []
        for base in self.base_paths:
            for path in sorted(base.rglob("*.py")):
                problems += self.tree_errors.get(
                    path, lambda path: section_errors(path, path.read_text(encoding="utf-8")))
        return problems
    def check_include(self, target: str) -> str | None:
        if target.startswith(("http://", "https://")):
            return f"{target!r}: remote includes are not allowed"
        name, _, rest = target.partition(":")
        if re.fullmatch(r"-?\d+(:-?\d+)?(,-?\d+(:-?\d+)?)*", rest):
            return f"{target!r}: include by section name, not by line numbers"
        candidates = [base / name for base in self.base_paths if (base / name).is_file()]
        if not candidates:
            bases = ", ".join(f"{b.name}/" for b in self.base_paths)
            return f"{target!r}: no file {name!r} under {bases}"
        if len(candidates) > 1:
            return f"{target!r}: ambiguous, matches {[str(c) for c in candidates]}"
        path = candidates[0]
        if path.suffix == ".py" and not rest:
            return f"{target!r}: include a named section (file.py:section), not a whole file"
        if rest:
            if path not in self.section_cache:
                self.section_cache[path] = sections(path.read_text(encoding="utf-8"))
            if rest not in self.section_cache[path]:
                known = sorted(self.section_cache[path]) or "none"
                return f"{target!r}: no section {rest!r} in {path} (sections: {known})"
        return None


def checker_for(config, tree_errors: FileMemo[list[str]] | None = None) -> SnippetChecker:
    """The checker of the site ``config`` describes, over Snippets' ``base_path`` (relative
    to mkdocs.yml's folder); raises ``PluginError`` listing unbalanced sections."""
    options = config.mdx_configs.get("pymdownx.snippets", {})
    root = Path(config.config_file_path).parent
    base_path = options.get("base_path", ["."])
    if isinstance(base_path, str):
        base_path = [base_path]
    checker = SnippetChecker([root / p for p in base_path], tree_errors)
    problems = checker.check_tree()
    if problems:
        raise PluginError("Unbalanced snippet sections:\n  " + "\n  ".join(problems))
    return checker


def check_page(checker: SnippetChecker, markdown: str, where: str) -> None:
    """Raise ``PluginError`` naming each broken include of ``markdown``, the page's
    Markdown, by ``where`` (the page's file as messages name it) and line."""
    problems = []
    for number, target in includes(markdown):
        error = checker.check_include(target)
        if error:
            problems.append(f"{where}:{number}: {error}")
    if problems:
        raise PluginError("Broken code include:\n  " + "\n  ".join(problems))
