"""Notebook posts: a Jupyter notebook in ``docs/blog/posts/`` becomes a blog post.

The blog plugin only knows Markdown posts, so each ``<date>-<slug>.ipynb`` is turned into
a generated ``<date>-<slug>.md`` before the plugin looks for posts. The notebook's first
cell (raw or Markdown) holds the front matter between ``---`` lines, or its metadata holds
it under ``"blog"``. Markdown cells are kept as they are (math goes through the same
MathJax as every page); code cells become executed blocks sharing one session, so they run
at build through the same cache as any executed block and a failing cell fails the build.
Outputs saved in the notebook are ignored: what the reader sees was computed at build.
Cells tagged ``hide-input`` show only their output; ``output-markdown`` renders what a cell
prints as Markdown (for tables). The notebook itself is published
beside the post, and the post links to it for download.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

POSTS_PREFIX = "blog/posts/"
ROOT = Path(__file__).resolve().parent.parent
# The blog plugin reads each post from disk, so the generated Markdown is written here.
OUT_DIR = Path(os.environ.get("BLOG_CACHE_DIR", ROOT / ".cache")) / "notebook-posts"


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_to_markdown(path: Path) -> str:
    """The Markdown post for the notebook at ``path``. Raises ``ValueError`` if unreadable."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = list(notebook["cells"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path.name}: {error}") from None
    parts = []
    meta = notebook.get("metadata", {}).get("blog")
    if meta:
        parts.append("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n")
    elif cells and cell_source(cells[0]).lstrip().startswith("---"):
        parts.append(cell_source(cells.pop(0)).strip() + "\n")
    for cell in cells:
        source = cell_source(cell).rstrip()
        if not source:
            continue
        if cell.get("cell_type") == "markdown":
            parts.append(source + "\n")
        elif cell.get("cell_type") == "code":
            tags = cell.get("metadata", {}).get("tags", [])
            options = ' show="output"' if "hide-input" in tags else ""
            options += ' output="markdown"' if "output-markdown" in tags else ""
            parts.append(f'```python exec="on" session="notebook"{options}\n{source}\n```\n')
    parts.append(f"[:material-download: Download this notebook]({path.name}){{ .md-button }}\n")
    return "\n".join(parts)


@event_priority(100)  # before the blog plugin collects its posts
def on_files(files, config):
    for file in list(files):
        if file.src_uri.startswith(POSTS_PREFIX) and file.src_uri.endswith(".ipynb"):
            markdown = notebook_to_markdown(Path(file.abs_src_path))
            out = OUT_DIR / Path(file.src_uri).with_suffix(".md").name
            out.parent.mkdir(parents=True, exist_ok=True)
            if not out.is_file() or out.read_text(encoding="utf-8") != markdown:
                temporary = out.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(markdown, encoding="utf-8")
                os.replace(temporary, out)
            generated = File.generated(config, file.src_uri[: -len(".ipynb")] + ".md",
                                       abs_src_path=str(out))
            generated.notebook_source = f"docs/{file.src_uri}"  # for error messages
            files.append(generated)
    return files
