"""What a page's blocks depend on, recorded while they run.

In the worker, a ``Tracer`` notes every Python function that starts (a ``sys.settrace``
hook that sees only 'call' events and returns no local tracer, so lines are not traced)
and every file opened for reading. ``Tracer.take`` keeps those inside the project: the
code as ``(file, first line, name)`` of each code object, the data files by path.

In the build, each project source file is cut into *units*: every function or method (its
source text, decorators included) and ``<module>``, the file with the bodies of its
functions taken out (imports, constants, class bodies, signatures and defaults: what runs
when the module is imported). A code object belongs to the innermost function whose text
holds its first line, else to ``<module>``. A page's dependencies are the digests of the
units it ran and of the data files it read; a cached result stays valid while every one of
them is unchanged. So editing a function no block ran re-runs nothing, editing one that a
page ran re-runs that page, and editing a module's top level (an import, a constant, a
class attribute) re-runs every page that imported the module.

Not seen: code run in other processes a block starts, and source read without running it
(``inspect.getsource``).
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import io
import os
import sys
import threading
from importlib import metadata
from pathlib import Path

from execblog.filememo import FileMemo

MODULE = "<module>"
# Project files that are not the blog's code: the build machinery and the environment.
IGNORED_DIRS = {"execblog", ".venv", ".cache", ".git", "site", "node_modules"}


def is_project_file(path: str, root: str) -> bool:
    if not path.startswith(root + os.sep):
        return False
    relative = path[len(root) + 1:]
    top = relative.split(os.sep, 1)[0]
    return top not in IGNORED_DIRS and "site-packages" not in relative


# ---------------------------------------------------------------------------------------
# In the worker


class Tracer:
    """Records the code objects started and the files opened for reading, in this process."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.codes: set = set()
        self.opened: set[str] = set()

    def start(self) -> None:
        codes = self.codes

        def trace(frame, event, arg):
            codes.add(frame.f_code)  # a 'call' event; returning None traces no lines

        sys.settrace(trace)
        threading.settrace(trace)
        opened, real_open = self.opened, builtins.open

        def recording_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)) and not set(mode) & set("wax+"):
                opened.add(os.path.abspath(os.fsdecode(file)))
            return real_open(file, mode, *args, **kwargs)

        builtins.open = io.open = recording_open  # pathlib opens through io.open

    def take(self) -> tuple[list[tuple[str, int, str]], list[str]]:
        """Project code run and data files read since the last call (relative paths)."""
        codes = list(self.codes)
        self.codes.clear()
        run = set()
        for code in codes:
            filename = code.co_filename
            if filename.endswith(".py") and is_project_file(filename, self.root):
                run.add((filename[len(self.root) + 1:], code.co_firstlineno, code.co_name))
        data = set()
        for path in list(self.opened):
            if not path.endswith(".py") and is_project_file(path, self.root) \
                    and os.path.isfile(path):
                data.add(path[len(self.root) + 1:])
        self.opened.clear()
        return sorted(run), sorted(data)


# ---------------------------------------------------------------------------------------
# In the build


class SourceUnits:
    """A source file cut into units: each function's text, and the module without them."""

    def __init__(self, source: str) -> None:
        lines = source.splitlines()
        tree = ast.parse(source)
        self.spans: list[tuple[int, int, str]] = []  # (first line, last line, name)
        bodies: set[int] = set()  # lines inside some function's body

        def visit(node, prefix: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                        self.spans.append((first, child.end_lineno, name))
                        if child.body[0].lineno > child.lineno:  # not a one-line def
                            bodies.update(range(child.body[0].lineno, child.end_lineno + 1))
                    visit(child, name + ".")
                else:
                    visit(child, prefix)

        visit(tree, "")
        self.digests = {name: digest("\n".join(lines[first - 1:last]))
                        for first, last, name in self.spans}
        self.digests[MODULE] = digest("\n".join(
            line for number, line in enumerate(lines, 1) if number not in bodies))

    def unit_of(self, first_line: int, name: str) -> str:
        if name == MODULE:
            return MODULE
        holding = [span for span in self.spans if span[0] <= first_line <= span[1]]
        return max(holding)[2] if holding else MODULE  # the innermost starts last


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


# What was read of the project's files, by kind of reading: a file whose time and size are
# unchanged is not read again, in this build or the next one of the preview (a save changes
# the time). One memory for the process: the build's and its workers' readings of a file
# agree whichever site asks.
_read: dict[str, FileMemo] = {}


def _read_once(kind: str, path: Path, read):
    def derive(path: Path):
        try:
            return read(path)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            return None

    try:
        return _read.setdefault(kind, FileMemo()).get(path, derive)
    except OSError:
        return None


def source_units(root: Path, relative: str) -> SourceUnits | None:
    """The units of a project source file as it is now."""
    return _read_once("units", root / relative,
                      lambda path: SourceUnits(path.read_text(encoding="utf-8")))


def file_digest(root: Path, relative: str) -> str | None:
    return _read_once("digest", root / relative, lambda path: digest(path.read_bytes()))


def clear() -> None:
    """Forget what was read (the next reads read every file again)."""
    _read.clear()


def record(root: Path, code: list, data: list) -> dict:
    """The dependencies to store with a result: digests of the units of ``code`` (the
    ``(file, first line, name)`` a tracer took) and of the ``data`` files, as they are now."""
    units: dict[str, dict[str, str | None]] = {}
    for relative, first_line, name in code:
        parsed = source_units(root, relative)
        unit = parsed.unit_of(first_line, name) if parsed else MODULE
        units.setdefault(relative, {})[unit] = parsed.digests.get(unit) if parsed else None
    return {"code": {file: dict(sorted(u.items())) for file, u in sorted(units.items())},
            "data": {file: file_digest(root, file) for file in sorted(set(data))}}


def unchanged(root: Path, recorded: dict) -> bool:
    """Whether every unit and data file in ``recorded`` still has the digest it had."""
    for relative, units in recorded["code"].items():
        parsed = source_units(root, relative)
        if parsed is None:
            return False
        if any(parsed.digests.get(unit) != value for unit, value in units.items()):
            return False
    return all(file_digest(root, file) == value for file, value in recorded["data"].items())


@functools.cache
def versions() -> dict[str, str]:
    """The versions a result depends on beyond the project's own code."""
    found = {"python": sys.version.split()[0]}
    for package in ("numpy", "matplotlib", "scikit-learn", "scipy", "pandas"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "absent"
    return found
