"""Start a new post: ``make new TITLE="Backpropagation through time" [CATEGORY=...] [NOTEBOOK=1]``.

Creates, all or nothing:

- ``docs/blog/posts/<today>-<slug>.md`` (or ``.ipynb``), a draft with valid front matter
  whose description is a placeholder the build refuses to publish until it is replaced;
- ``snippets/<module>/example.py`` with one named section, which the post already includes;
- ``tests/snippets/test_<module>.py``, which runs that section's code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import unicodedata
from pathlib import Path

import yaml
from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parent.parent
POSTS = ROOT / "docs" / "blog" / "posts"
PLACEHOLDER = "TODO: one line that says what the reader will learn."


class NewPostError(Exception):
    pass


def slugify(title: str) -> str:
    """ASCII, lower case, joined by '-': 'Échantillonnage à 2 pas' -> 'echantillonnage-a-2-pas'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def module_name(slug: str) -> str:
    name = slug.replace("-", "_")
    return name if name[0].isalpha() else f"post_{name}"


def allowed_categories() -> list[str]:
    config = yaml_load((ROOT / "mkdocs.yml").read_text())  # mkdocs' loader: !ENV, !!python/
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "blog" in plugin:
            return list(plugin["blog"].get("categories_allowed", []))
    return []


def front_matter(title: str, date: dt.date, category: str) -> str:
    # The slug is written out so that the post's URL is the file name's ASCII slug, not
    # one the blog plugin would make from the title ("Über" would stay "über").
    meta = {"date": date, "slug": slugify(title), "draft": True, "categories": [category],
            "tags": [], "description": PLACEHOLDER}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def markdown_post(title: str, date: dt.date, category: str, module: str) -> str:
    return f"""{front_matter(title, date, category)}
# {title}

One or two sentences that say what this post explains and why it matters. They are the
excerpt shown on the blog's index.

<!-- more -->

## The idea

Write the math as LaTeX, inline like $f(x) = x^2$ or displayed:

$$
\\frac{{\\mathrm{{d}}f}}{{\\mathrm{{d}}x}} = 2x .
$$

## The code

Code is included from `snippets/{module}/example.py` by section, and
`tests/snippets/test_{module}.py` checks it:

```python
--8<-- "{module}/example.py:idea"
```

It runs when the site is built, and its output appears below it:

```python exec="on"
from snippets.{module}.example import derivative

print(derivative(3.0))
```
"""


def notebook_post(title: str, date: dt.date, category: str, module: str) -> str:
    def cell(kind: str, text: str) -> dict:
        # What JupyterLab writes (nbformat 4.5): an id per cell, outputs left to the build.
        base = {"cell_type": kind, "id": f"{module[:40]}-{len(cells)}", "metadata": {},
                "source": text.splitlines(keepends=True)}
        if kind == "code":
            base.update(execution_count=None, outputs=[])
        return base

    cells: list[dict] = []
    cells.append(cell("raw", front_matter(title, date, category)))
    cells.append(cell("markdown", f"# {title}\n\nOne or two sentences for the blog's index."
                      "\n\n<!-- more -->\n\nMath works as in any post: $f(x) = x^2$. Code "
                      "cells run when the site is built; like Jupyter, the page shows what "
                      "a cell prints and the value of its last line."))
    cells.append(cell("code", f"from snippets.{module}.example import derivative\n\n"
                      "derivative(3.0)"))
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def snippet_module(title: str) -> str:
    return f'''"""Example code for the post "{title}"."""

from __future__ import annotations


# --8<-- [start:idea]
def derivative(x: float) -> float:
    """The derivative of x**2, the post's first example."""
    return 2 * x
# --8<-- [end:idea]
'''


def test_module(title: str, module: str) -> str:
    return f'''"""Checks every claim of the post "{title}"."""

from __future__ import annotations

import pytest

from snippets.{module}.example import derivative


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.5, 3.0])
def test_derivative_matches_finite_differences(x: float) -> None:
    h = 1e-6
    numeric = ((x + h) ** 2 - (x - h) ** 2) / (2 * h)
    assert derivative(x) == pytest.approx(numeric, rel=1e-6, abs=1e-9)
'''


def create(title: str, category: str | None, notebook: bool, today: dt.date) -> list[Path]:
    title = title.strip()
    if not title:
        raise NewPostError('TITLE is empty: make new TITLE="Backpropagation through time"')
    slug = slugify(title)
    if not slug:
        raise NewPostError(f"TITLE {title!r} has no letters or digits to make a slug from")
    categories = allowed_categories()
    category = category or categories[0]
    if category not in categories:
        raise NewPostError(f"CATEGORY {category!r} is not allowed; expected one of {categories}")
    existing = [p for p in POSTS.glob(f"*-{slug}.*") if re.match(r"\d{4}-\d{2}-\d{2}-", p.name)
                and p.stem[11:] == slug]
    if existing:
        raise NewPostError(f"slug {slug!r} already exists: {existing[0].relative_to(ROOT)}")
    module = module_name(slug)
    suffix = ".ipynb" if notebook else ".md"
    post = POSTS / f"{today.isoformat()}-{slug}{suffix}"
    files = {
        post: (notebook_post if notebook else markdown_post)(title, today, category, module),
        ROOT / "snippets" / module / "__init__.py": "",
        ROOT / "snippets" / module / "example.py": snippet_module(title),
        ROOT / "tests" / "snippets" / f"test_{module}.py": test_module(title, module),
    }
    clashes = [p for p in files if p.exists()]
    if clashes:
        raise NewPostError(f"refusing to overwrite {clashes[0].relative_to(ROOT)}")
    created: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
                created.append(path)
                handle.write(text)
    except BaseException:
        for path in reversed(created):  # all or nothing
            path.unlink(missing_ok=True)
        for directory in {p.parent for p in files}:
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
        raise
    return list(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", default="")
    parser.add_argument("--category", default="")
    parser.add_argument("--notebook", default="")
    parser.add_argument("--date", default="", help="ISO date (default: today)")
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    try:
        paths = create(args.title, args.category or None,
                       args.notebook not in ("", "0", "false"), today)
    except NewPostError as error:
        print(f"make new: {error}", file=sys.stderr)
        return 2
    print("Created:")
    for path in paths:
        print(f"  {path.relative_to(ROOT)}")
    module = paths[2].parent.name
    print("\nNext: write the post, then preview it (drafts show in `make serve`):\n"
          "  make serve\n"
          f"and run its test:\n  .venv/bin/pytest tests/snippets/test_{module}.py\n"
          "Replace the description placeholder and remove `draft: true` to publish.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
