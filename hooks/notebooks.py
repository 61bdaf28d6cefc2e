"""Notebook posts: a Jupyter notebook in ``docs/blog/posts/`` becomes a blog post.

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
invalid notebook or missing front matter fails the build naming the file. Outputs are
computed at build, never taken from the notebook: a notebook saved with outputs or
execution counts fails the build, and ``make clean-notebooks`` strips them.

Cell tags, as in Jupyter Book: ``hide-input`` or ``remove-input`` (show only the output),
``hide-output`` or ``remove-output`` (only the code), ``remove-cell`` (run it, show
nothing), ``output-markdown`` (render what it prints as Markdown, for tables). A cell's
metadata ``"alt"`` is the alt text of the images it shows. The notebook itself is
published beside the post, and the post links to it for download.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

POSTS_PREFIX = "blog/posts/"
SUFFIXES = (".ipynb", ".py")
ROOT = Path(__file__).resolve().parent.parent
# The blog plugin reads each post from disk, so the generated Markdown is written here.
OUT_DIR = Path(os.environ.get("BLOG_CACHE_DIR", ROOT / ".cache")) / "notebook-posts"
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
    """A notebook post that cannot be read; the message says why (callers add the file)."""


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
        return jupytext.reads(text, fmt="py:percent")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON (line {error.lineno}, column {error.colno}: "
                            f"{error.msg}); save the notebook again from Jupyter") from None
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
        where = "/".join(str(part) for part in error.absolute_path)
        raise NotebookError(f"not a valid Jupyter notebook: {error.message}"
                            + (f" (at {where})" if where else "")) from None
    return notebook


def saved_outputs(notebook) -> list[int]:
    """Numbers (from 1) of the code cells saved with outputs or an execution count."""
    return [number for number, cell in enumerate(notebook.cells, 1)
            if cell.cell_type == "code"
            and (cell.get("outputs") or cell.get("execution_count") is not None)]


def code_block(cell, number: int) -> str:
    source = IGNORED_MAGIC.sub("", cell_source(cell)).rstrip()
    magic = MAGIC.search(source)
    if magic:
        line = source[magic.start():].splitlines()[0].strip()
        raise NotebookError(f"cell {number}: IPython magic or shell command {line!r}: the "
                            "build runs plain Python (only `%matplotlib inline` is ignored)")
    tags = cell.get("metadata", {}).get("tags", [])
    options = "".join(dict.fromkeys(TAG_OPTIONS[tag] for tag in tags if tag in TAG_OPTIONS))
    alt = cell.get("metadata", {}).get("alt")
    if isinstance(alt, str) and alt.strip():
        options += ' alt="{}"'.format(alt.strip().replace('"', "'"))
    return f'```python exec="on" session="notebook" result="show"{options}\n{source}\n```\n'


def notebook_to_markdown(path: Path) -> str:
    """The Markdown post for the notebook at ``path``. Raises ``NotebookError``."""
    notebook = read_notebook(path)
    cells = list(notebook.cells)
    parts = []
    meta = notebook.get("metadata", {}).get("blog")
    first = 1  # cells are numbered as JupyterLab shows them, the front matter's included
    if meta:
        parts.append("---\n" + yaml.safe_dump(dict(meta), sort_keys=False) + "---\n")
    elif cells and cell_source(cells[0]).lstrip().startswith("---"):
        parts.append(cell_source(cells.pop(0)).strip() + "\n")
        first = 2
    else:
        raise NotebookError(f"no front matter: {FRONT_MATTER_HELP}")
    for number, cell in enumerate(cells, first):
        source = cell_source(cell).rstrip()
        if not source:
            continue
        if cell.cell_type == "markdown":
            parts.append(source + "\n")
        elif cell.cell_type == "code":
            parts.append(code_block(cell, number))
    parts.append(f"[:material-download: Download this notebook]({path.name}){{ .md-button }}\n")
    return "\n".join(parts)


def is_notebook_post(src_uri: str) -> bool:
    return src_uri.startswith(POSTS_PREFIX) and src_uri.endswith(SUFFIXES) \
        and "/" not in src_uri[len(POSTS_PREFIX):]


# Notebooks converted by earlier builds of `mkdocs serve`: path -> (modification time,
# size, stale cells, Markdown); a notebook whose time and size are unchanged is not read
# again.
converted: dict[Path, tuple[int, int, list, str]] = {}


def convert(path: Path) -> tuple[list, str]:
    """The cells of the notebook at ``path`` saved with outputs, and its Markdown post."""
    stat = path.stat()
    known = converted.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2], known[3]
    stale, markdown = saved_outputs(read_notebook(path)), notebook_to_markdown(path)
    converted[path] = (stat.st_mtime_ns, stat.st_size, stale, markdown)
    return stale, markdown


@event_priority(100)  # before the blog plugin collects its posts
def on_files(files, config):
    problems = []
    for file in list(files):
        if not is_notebook_post(file.src_uri):
            continue
        where = f"docs/{file.src_uri}"
        path = Path(file.abs_src_path)
        try:
            stale, markdown = convert(path)
        except NotebookError as error:
            problems.append(f"{where}: {error}")
            continue
        if stale:
            problems.append(f"{where}: code cell(s) {stale} were saved with outputs or "
                            "execution counts; the build computes every output, so the "
                            f"repository keeps none: run `{CLEAN_COMMAND}`")
            continue
        out = OUT_DIR / Path(file.src_uri).with_suffix(".md").name
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.is_file() or out.read_text(encoding="utf-8") != markdown:
            temporary = out.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(markdown, encoding="utf-8")
            os.replace(temporary, out)
        generated = File.generated(config, str(Path(file.src_uri).with_suffix(".md")),
                                   abs_src_path=str(out))
        generated.notebook_source = where  # for error messages
        files.append(generated)
    if problems:
        raise PluginError("Notebook post(s) cannot be built:\n  " + "\n  ".join(problems))
    return files
