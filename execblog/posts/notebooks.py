"""Notebook posts: a Jupyter notebook in the posts' folder becomes a blog post.

A notebook post is ``<date>-<slug>.ipynb``, or the same notebook as a Jupytext
percent-format script ``<date>-<slug>.py`` (``# %%`` cells, which JupyterLab opens as a
notebook with jupytext). The blog plugin only knows Markdown posts, so each is turned into
a generated ``<date>-<slug>.md`` before the plugin looks for posts. (mkdocs-jupyter renders
notebooks as pages of their own, which are not blog posts: see the README.)

The notebook's first cell (raw) holds the front matter between ``---`` lines, or its
metadata holds it under ``"blog"``. Markdown cells are kept as they are (math goes through
the same MathJax as every page); code cells become executed blocks sharing one session, so
they run at build through the same cache as any executed block, a failing cell fails the
build, and the value of a cell's last expression is shown as Jupyter shows it
(``result="show"``, see execution/display.py). ``%matplotlib inline`` is ignored; other IPython
magics are refused.

A notebook is read with nbformat and validated against its schema; invalid JSON, an
invalid notebook or missing front matter fails the build naming the file (and the line,
for JSON). Errors name a cell by its number in the notebook, counted from 1 in the order
Jupyter lists the cells (the front matter's raw cell is cell 1), and, in a Jupytext
script, by the line of its ``# %%`` marker too: the generated post's File carries where
each cell's Markdown starts (``notebook_cells``), so that a failing executed block is
reported as the cell it came from (execution/run.py), and MkDocs' own messages about the
generated ``.md`` name the notebook instead (``SourceNames``). Outputs are
computed at build, never taken from the notebook: a notebook saved with outputs or
execution counts fails the build, and ``make clean-notebooks`` strips them.

Cell tags, as in Jupyter Book: ``hide-input`` or ``remove-input`` (show only the output),
``hide-output`` or ``remove-output`` (only the code), ``remove-cell`` (run it, show
nothing), ``output-markdown`` (render what it prints as Markdown, for tables). A cell's
metadata ``"alt"`` is the alt text of the images it shows. The notebook itself is
published beside the post, and the post links to it for download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File

from execblog.filememo import FileMemo

log = get_plugin_logger(__name__)

POSTS_PREFIX = "blog/posts/"  # when no layout says otherwise (the blog plugin's default)
SUFFIXES = (".ipynb", ".py")
CLEAN_COMMAND = "make clean-notebooks"
FRONT_MATTER_HELP = ("the first cell must be a raw cell holding the post's front matter "
                     "between --- lines (as `make new NOTEBOOK=1` writes it)")
TAG_OPTIONS = {
    "hide-input": ' show="output"', "remove-input": ' show="output"',
    "hide-output": ' show="code"', "remove-output": ' show="code"',
    "remove-cell": ' show="none"', "output-markdown": ' output="markdown"',
}
MAGIC = re.compile(r"^\s*[%!]", re.M)
IGNORED_MAGIC = re.compile(r"^\s*%matplotlib\b.*$\n?", re.M)


class NotebookError(ValueError):
    """A notebook post that cannot be read; the message says why (callers add the file,
    with ``location``). ``heading`` says what kind of error it is."""

    heading = "Invalid notebook"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column

    def location(self, where: str) -> str:
        """``where`` with the line (and column) in the file, when known."""
        return where + "".join(f":{n}" for n in (self.line, self.column) if n is not None)


class UnsupportedMagic(NotebookError):
    heading = "Unsupported notebook magic"


class MissingFrontMatter(NotebookError):
    heading = "Invalid blog post front matter"


def report(problems: list[tuple[str, str]]) -> str:
    """One message for ``(heading, problem)`` pairs: each heading once, its problems below."""
    grouped: dict[str, list[str]] = {}
    for heading, problem in problems:
        grouped.setdefault(heading, []).append(problem)
    return "\n".join(f"{heading}:\n  " + "\n  ".join(found) for heading, found in grouped.items())


def ordinal(number: int) -> str:
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    if 10 <= number % 100 <= 20:
        suffix = "th"
    return f"{number}{suffix}"


def cell_name(number: int) -> str:
    """How messages name a cell: its number as Jupyter lists the cells, counted from 1."""
    return f"cell {number} (the {ordinal(number)} cell of the notebook, counted from 1)"


@dataclass(frozen=True)
class CellPlace:
    """Where a cell's Markdown starts in the generated post (0-based line), its number in
    the notebook, the line of its ``# %%`` marker in a Jupytext script, and the lines (from
    1) of its source left out of the code that runs (``%matplotlib``)."""

    markdown_line: int
    number: int
    file_line: int | None = None
    removed: tuple[int, ...] = ()

    def source_line(self, line: int) -> int:
        """The line of the cell's source that is ``line`` of the code that ran."""
        for left_out in self.removed:
            if left_out <= line:
                line += 1
        return line


def percent_cell_lines(text: str, count: int) -> list[int | None]:
    """The line (from 1) of each of ``count`` cells' ``# %%`` markers in a Jupytext
    script; ``None`` for cells without one (code before the first marker)."""
    markers = [number for number, line in enumerate(text.split("\n"), 1)
               if line.startswith("# %%")]
    if count == len(markers):
        return list(markers)
    if count == len(markers) + 1:
        return [None, *markers]
    return [None] * count


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_notebook(path: Path):
    """The notebook at ``path`` (``.ipynb`` or Jupytext ``.py``) as an nbformat v4 node,
    validated. Raises ``NotebookError`` saying what is wrong."""
    import nbformat

    if path.suffix == ".py":
        import jupytext

        text = path.read_text(encoding="utf-8")
        if not re.search(r"^# %%", text, re.M):
            raise NotebookError("a .py post is a Jupytext percent-format notebook, with "
                                "cells marked `# %%`; this file has none")
        notebook = jupytext.reads(text, fmt="py:percent")
        notebook.metadata["blog_cell_lines"] = percent_cell_lines(text, len(notebook.cells))
        return notebook
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON: {error.msg}; save the notebook again from "
                            "Jupyter", error.lineno, error.colno) from None
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        found = data.get("nbformat") if isinstance(data, dict) else type(data).__name__
        raise NotebookError(f"not a Jupyter notebook in format 4 (nbformat: {found!r})")
    notebook = nbformat.from_dict(data)
    # Cell ids (nbformat 4.5) are added by JupyterLab on the next save; their absence is
    # no reason to refuse a notebook.
    for number, cell in enumerate(notebook.get("cells", []) or []):
        if isinstance(cell, dict) and "id" not in cell and notebook.get("nbformat_minor", 0) >= 5:
            cell["id"] = f"cell-{number}"
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        parts = list(error.absolute_path)
        where = "/".join(str(part) for part in parts)
        cell = ""
        if len(parts) >= 2 and parts[0] == "cells" and isinstance(parts[1], int):
            # the JSON path counts cells from 0; messages count them as Jupyter lists them
            cell = f"{cell_name(parts[1] + 1)}: "
        raise NotebookError(f"not a valid Jupyter notebook: {cell}{error.message}"
                            + (f" (at {where})" if where else "")) from None
    return notebook


def saved_outputs(notebook) -> list[int]:
    """Numbers (from 1) of the code cells saved with outputs or an execution count."""
    return [number for number, cell in enumerate(notebook.cells, 1)
            if cell.cell_type == "code"
            and (cell.get("outputs") or cell.get("execution_count") is not None)]


def code_block(cell, number: int, file_line: int | None = None) -> str:
    source = IGNORED_MAGIC.sub("", cell_source(cell)).rstrip()
    magic = MAGIC.search(source)
    if magic:
        line = source[magic.start():].splitlines()[0].strip()
        raise UnsupportedMagic(f"{cell_name(number)}: IPython magic or shell command "
                               f"{line!r}: the build runs plain Python (only "
                               "`%matplotlib inline` is ignored)", file_line)
    tags = cell.get("metadata", {}).get("tags", [])
    options = "".join(dict.fromkeys(TAG_OPTIONS[tag] for tag in tags if tag in TAG_OPTIONS))
    alt = cell.get("metadata", {}).get("alt")
    if isinstance(alt, str) and alt.strip():
        options += ' alt="{}"'.format(alt.strip().replace('"', "'"))
    return f'```python exec="on" session="notebook" result="show"{options}\n{source}\n```\n'


def notebook_to_markdown(path: Path) -> str:
    """The Markdown post for the notebook at ``path``. Raises ``NotebookError``."""
    return notebook_post(path)[0]


def notebook_post(path: Path) -> tuple[str, list[CellPlace]]:
    """The Markdown post for the notebook at ``path``, and where each cell's Markdown
    starts in it. Raises ``NotebookError``."""
    notebook = read_notebook(path)
    cells = list(notebook.cells)
    lines = notebook.get("metadata", {}).pop("blog_cell_lines", None) or [None] * len(cells)
    parts: list[tuple[int | None, str]] = []  # (cell number, Markdown)
    removed: dict[int, tuple[int, ...]] = {}  # cell number: lines left out of its code
    meta = notebook.get("metadata", {}).get("blog")
    first = 1  # cells are numbered as JupyterLab shows them, the front matter's included
    if meta:
        parts.append((None, "---\n" + yaml.safe_dump(dict(meta), sort_keys=False) + "---\n"))
    elif cells and cell_source(cells[0]).lstrip().startswith("---"):
        parts.append((1, cell_source(cells.pop(0)).strip() + "\n"))
        first = 2
    else:
        raise MissingFrontMatter(f"no front matter: {FRONT_MATTER_HELP}")
    for number, cell in enumerate(cells, first):
        source = cell_source(cell).rstrip()
        if not source:
            continue
        if cell.cell_type == "markdown":
            parts.append((number, source + "\n"))
        elif cell.cell_type == "code":
            parts.append((number, code_block(cell, number, lines[number - 1])))
            removed[number] = tuple(
                line for line, text in enumerate(cell_source(cell).split("\n"), 1)
                if IGNORED_MAGIC.match(text))
    parts.append((None, f"[:material-download: Download this notebook]({path.name})"
                        "{ .md-button }\n"))
    places, line = [], 0
    for number, part in parts:
        if number is not None:
            places.append(CellPlace(line, number, lines[number - 1], removed.get(number, ())))
        line += part.count("\n") + 1  # the parts are joined by a blank line
    return "\n".join(part for _, part in parts), places


def is_notebook_post(src_uri: str, prefix: str = POSTS_PREFIX) -> bool:
    """Is ``src_uri`` a notebook directly in the posts' folder (``src_uri`` prefix)?"""
    return src_uri.startswith(prefix) and src_uri.endswith(SUFFIXES) \
        and "/" not in src_uri[len(prefix):]


class SourceNames(logging.Filter):
    """MkDocs names a page by its ``src_uri`` in its own messages ("Error reading page
    'blog/posts/x.md'"): for a notebook post, that is the generated ``.md``, which is no
    file of the repository. This filter names the notebook instead."""

    NAME = "blog-notebook-sources"
    LOGGERS = ("mkdocs.commands.build", "mkdocs.structure.pages")

    def __init__(self, sources: dict[str, str]):
        super().__init__(self.NAME)
        self.sources = sources  # generated src_uri -> the notebook's src_uri

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and self.sources:
            for generated, source in self.sources.items():
                if generated in record.msg:
                    record.msg = re.sub(rf"(?<![\w/.-]){re.escape(generated)}(?![\w/.-])",
                                        source, record.msg)
        return True

    @classmethod
    def install(cls, sources: dict[str, str]) -> None:
        """Name ``sources`` in MkDocs' messages, replacing the filter an earlier build (or
        another instance of the plugin, for another configuration) installed."""
        for name in cls.LOGGERS:
            logger = logging.getLogger(name)
            for old in [f for f in logger.filters if getattr(f, "name", None) == cls.NAME]:
                logger.removeFilter(old)
            logger.addFilter(cls(sources))


@dataclass(frozen=True)
class NotebookPost:
    """What other plugins may ask of a generated notebook post (``PostsPlugin.notebook_post``):
    the notebook as messages name it, where each cell's Markdown starts, and the lines of the
    executed blocks' opening fences in the generated Markdown (``scan.block_lines``)."""

    source: str
    cells: tuple[CellPlace, ...]
    block_lines: tuple


class NotebookPosts:
    """Notebook posts of one site, turned into Markdown posts in ``out_dir``.

    The blog plugin reads each post from disk, so the generated Markdown is written there,
    in a folder per checkout (``root``, mkdocs.yml's folder): fixture copies and worktrees
    may share one cache, and a notebook of the same name in two of them must not overwrite
    the other's Markdown while it builds. ``converted`` keeps what earlier builds of
    `mkdocs serve` converted: path -> (modification time, size, stale cells, Markdown, cell
    places); a notebook whose time and size are unchanged is not read again."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.converted: FileMemo[tuple[list, str, list[CellPlace]]] = FileMemo()
        self.posts: dict[str, NotebookPost] = {}  # generated src_uri -> its notebook, this build

    def convert(self, path: Path) -> tuple[list, str, list[CellPlace]]:
        """The cells of the notebook at ``path`` saved with outputs, its Markdown post, and
        where each cell's Markdown starts in the post."""
        def derive(path: Path) -> tuple[list, str, list[CellPlace]]:
            stale = saved_outputs(read_notebook(path))
            markdown, places = notebook_post(path)
            return stale, markdown, places

        return self.converted.get(path, derive)

    def checkout_dir(self, root: Path) -> Path:
        checkout = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
        return self.out_dir / checkout

    def on_files(self, files, config, posts_prefix: str = POSTS_PREFIX,
                 docs_prefix: str = "docs/"):
        """``files`` with a generated Markdown post for each notebook post directly in the
        posts' folder (``posts_prefix`` of its ``src_uri``); messages name a notebook by
        ``docs_prefix`` and its ``src_uri``."""
        from execblog.execution import scan

        problems: list[tuple[str, str]] = []
        sources: dict[str, str] = {}
        self.posts = {}
        folder = self.checkout_dir(Path(config.config_file_path).parent)
        for file in list(files):
            if not is_notebook_post(file.src_uri, posts_prefix):
                continue
            where = f"{docs_prefix}{file.src_uri}"
            path = Path(file.abs_src_path)
            try:
                stale, markdown, places = self.convert(path)
            except NotebookError as error:
                problems.append((error.heading, f"{error.location(where)}: {error}"))
                continue
            if stale:
                problems.append((
                    "Notebook saved with outputs",
                    f"{where}: code cell(s) {stale} were saved with outputs or execution "
                    "counts (cells counted from 1, as Jupyter lists them); the build "
                    f"computes every output, so the repository keeps none: run "
                    f"`{CLEAN_COMMAND}`"))
                continue
            out = folder / Path(file.src_uri).with_suffix(".md").name
            out.parent.mkdir(parents=True, exist_ok=True)
            if not out.is_file() or out.read_text(encoding="utf-8") != markdown:
                temporary = out.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(markdown, encoding="utf-8")
                os.replace(temporary, out)
            generated = File.generated(config, str(Path(file.src_uri).with_suffix(".md")),
                                       abs_src_path=str(out))
            # For execution's messages about a cell: where each cell starts in the Markdown,
            # and the executed blocks' fences in it (read now: the file may be another
            # build's by the time a block fails).
            post = NotebookPost(where, tuple(places), scan.block_lines(markdown))
            self.posts[generated.src_uri] = post
            # The same on the File, as execblog-execution and execblog-citations read it
            # until they ask PostsPlugin.notebook_post instead.
            generated.notebook_source = post.source
            generated.notebook_cells = places
            generated.notebook_lines = post.block_lines
            sources[generated.src_uri] = file.src_uri
            files.append(generated)
            log.debug("notebook post %s written as %s", where, out)
        SourceNames.install(sources)
        if problems:
            raise PluginError(report(problems))
        return files
