"""Start a new post: ``make new TITLE="Backpropagation through time" [CATEGORY=...] [NOTEBOOK=1]
[SLUG=...] [DATE=YYYY-MM-DD]``.

``make new`` runs ``new_post.py --from-env``: the arguments come from the environment, so no
shell ever reads the title. Creates, all or nothing:

- ``docs/blog/posts/<today>-<slug>.md`` (or ``.ipynb``), a draft with valid front matter
  whose description is a placeholder the build refuses to publish until it is replaced;
- ``snippets/<module>/example.py`` with one named section, which the post already includes;
- ``tests/snippets/test_<module>.py``, which runs that section's code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import keyword
import os
import re
import shlex
import sys
import unicodedata
from pathlib import Path

import yaml
from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parent.parent
POSTS = ROOT / "docs" / "blog" / "posts"
PLACEHOLDER = "TODO: one line that says what the reader will learn."
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # as hooks/frontmatter.py checks it
SLUG_MAX = 60  # characters: a URL and file names well under any file system's limit
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
POST_SUFFIXES = (".md", ".ipynb", ".py")  # a post, a notebook, a Jupytext notebook
# Characters that cannot be in a one-line title: controls (newline, tab, NUL...), line and
# paragraph separators, and lone surrogates (bytes that were not UTF-8).
NOT_IN_A_TITLE = {"Cc": "a control character", "Cs": "a byte that is not UTF-8",
                  "Zl": "a line separator", "Zp": "a paragraph separator"}


class NewPostError(Exception):
    pass


def slugify(title: str) -> str:
    """ASCII, lower case, joined by '-': 'Échantillonnage à 2 pas' -> 'echantillonnage-a-2-pas';
    at most SLUG_MAX characters, cut after a whole word when there is one to cut after."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) <= SLUG_MAX:
        return slug
    cut = slug[:SLUG_MAX + 1].rfind("-")  # the last word end within the limit
    return (slug[:cut] if cut > 0 else slug[:SLUG_MAX]).strip("-")


def module_name(slug: str) -> str:
    """The Python package name under snippets/: an identifier, never a keyword."""
    name = slug.replace("-", "_")
    return name if name[0].isalpha() and not keyword.iskeyword(name) else f"post_{name}"


def allowed_categories() -> list[str]:
    config = yaml_load((ROOT / "mkdocs.yml").read_text())  # mkdocs' loader: !ENV, !!python/
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "blog" in plugin:
            return list(plugin["blog"].get("categories_allowed", []))
    return []


def front_matter(title: str, slug: str, date: dt.date, category: str) -> str:
    # The slug is written out so that the post's URL is the file name's ASCII slug, not
    # one the blog plugin would make from the title ("Über" would stay "über"). PyYAML
    # quotes and escapes the title as it needs to (a title such as `null`, `1e3`, `a: b` or
    # `"x"` reads back as itself); an infinite width keeps it on one line.
    meta = {"title": title, "date": date, "slug": slug, "draft": True,
            "categories": [category], "tags": [], "description": PLACEHOLDER}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True,
                                    width=float("inf")) + "---\n"


def heading(title: str) -> str:
    """The post's H1 line. The title is Markdown, shown as written ($math$, `code`); only a
    trailing '#', which Markdown would drop as a closing sequence ("C#"), is escaped."""
    return "# " + (title[:-1] + "\\#" if title.endswith("#") else title)


def markdown_post(title: str, slug: str, date: dt.date, category: str, module: str) -> str:
    return f"""{front_matter(title, slug, date, category)}
{heading(title)}

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


def notebook_post(title: str, slug: str, date: dt.date, category: str, module: str) -> str:
    def cell(kind: str, text: str) -> dict:
        # What JupyterLab writes (nbformat 4.5): an id per cell, outputs left to the build.
        base = {"cell_type": kind, "id": f"{module[:40]}-{len(cells)}", "metadata": {},
                "source": text.splitlines(keepends=True)}
        if kind == "code":
            base.update(execution_count=None, outputs=[])
        return base

    cells: list[dict] = []
    cells.append(cell("raw", front_matter(title, slug, date, category)))
    cells.append(cell("markdown", f"{heading(title)}\n\nOne or two sentences for the blog's index."
                      "\n\n<!-- more -->\n\nMath works as in any post: $f(x) = x^2$. Code "
                      "cells run when the site is built; like Jupyter, the page shows what "
                      "a cell prints and the value of its last line."))
    cells.append(cell("code", f"from snippets.{module}.example import derivative\n\n"
                      "derivative(3.0)"))
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


# The generated modules name the post by its file, not its title: a title may hold
# quotes or backslashes that would end or change a docstring.
def snippet_module(post: str) -> str:
    return f'''"""Example code for the post {post}."""

from __future__ import annotations


# --8<-- [start:idea]
def derivative(x: float) -> float:
    """The derivative of x**2, the post's first example."""
    return 2 * x
# --8<-- [end:idea]
'''


def test_module(post: str, module: str) -> str:
    return f'''"""Checks every claim of the post {post}."""

from __future__ import annotations

import pytest

from snippets.{module}.example import derivative


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.5, 3.0])
def test_derivative_matches_finite_differences(x: float) -> None:
    h = 1e-6
    numeric = ((x + h) ** 2 - (x - h) ** 2) / (2 * h)
    assert derivative(x) == pytest.approx(numeric, rel=1e-6, abs=1e-9)
'''


FIELDS = ("title", "category", "notebook", "slug", "date")
TRUE, FALSE = ("1", "true", "yes"), ("", "0", "false", "no")


def check_title(title: str, label: str) -> str:
    title = title.strip()
    if not title:
        raise NewPostError(f'{label} is empty: expected a title, as in '
                           'make new TITLE="Backpropagation through time"')
    for index, char in enumerate(title, start=1):
        kind = unicodedata.category(char)
        if kind in NOT_IN_A_TITLE:
            what = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}.get(
                char, NOT_IN_A_TITLE[kind])
            raise NewPostError(f"{label} holds {what} (U+{ord(char):04X}) at character {index}: "
                               f"expected one line of printable text, got {title!r}")
    return title


def check_slug(slug: str, title: str, labels: dict[str, str], retry: str) -> str:
    label = labels["slug"]
    if slug:
        if not SLUG.match(slug) or len(slug) > SLUG_MAX:
            raise NewPostError(f"{label}: expected lower-case ASCII letters and digits in words "
                               f"joined by '-', at most {SLUG_MAX} characters, got {slug!r}")
        return slug
    slug = slugify(title)
    if not slug:
        raise NewPostError(f"{labels['title']} {title!r} has no ASCII letters or digits to "
                           "make the post's URL slug from: give one, in lower-case ASCII words "
                           f"joined by '-': {retry}")
    return slug


def check_date(date: str, label: str) -> dt.date:
    if not date:
        return dt.date.today()
    try:
        if not ISO_DATE.match(date):
            raise ValueError
        return dt.date.fromisoformat(date)
    except ValueError:
        raise NewPostError(f"{label}: expected an ISO date YYYY-MM-DD such as 2026-11-22, got "
                           f"{date!r}") from None


def check_category(category: str, label: str) -> str:
    categories = allowed_categories()
    category = category or categories[0]
    if category not in categories:
        raise NewPostError(f"{label}: {category!r} is not allowed; expected one of {categories} "
                           "(categories_allowed in mkdocs.yml)")
    return category


def check_notebook(notebook: str, label: str) -> bool:
    if notebook.strip().lower() not in TRUE + FALSE:
        raise NewPostError(f"{label}: expected 1 (a notebook post) or 0 (Markdown), "
                           f"got {notebook!r}")
    return notebook.strip().lower() in TRUE


def posts_on(day: dt.date) -> list[Path]:
    return sorted(p for p in POSTS.glob(f"{day.isoformat()}-*") if p.suffix in POST_SUFFIXES)


def command(values: dict[str, str], from_env: bool, **changes: str) -> str:
    """The command that was run, with ``changes``: what an error message tells to run."""
    values = {**values, **changes}
    if from_env:
        return "make new " + " ".join(f"{name.upper()}={shlex.quote(value)}"
                                      for name, value in values.items() if value)
    return "python scripts/new_post.py " + " ".join(f"--{name} {shlex.quote(value)}"
                                                    for name, value in values.items() if value)


def create(values: dict[str, str], from_env: bool = False) -> list[Path]:
    """Check every argument, then write the post, its snippet and its test, or nothing.
    ``values`` holds the arguments as given (strings, '' when not given)."""
    values = {name: values.get(name, "") for name in FIELDS}
    labels = {name: name.upper() if from_env else f"--{name}" for name in FIELDS}
    title = check_title(values["title"], labels["title"])
    slug = check_slug(values["slug"], title, labels,
                      command(values, from_env, slug="your-words-here"))
    date = check_date(values["date"], labels["date"])
    category = check_category(values["category"], labels["category"])
    notebook = check_notebook(values["notebook"], labels["notebook"])

    # One topic a day: the build refuses two published posts on a date, and a draft is a
    # post waiting for its day, so a second post for a day is refused now, not at publishing.
    same_day = posts_on(date)
    if same_day:
        free = date + dt.timedelta(days=1)
        while posts_on(free):
            free += dt.timedelta(days=1)
        given = f"{labels['date']} {date}" if values["date"] else f"today, {date},"
        raise NewPostError(f"{given} already has a post, {same_day[0].relative_to(ROOT)} "
                           f"(one topic a day); choose another day, as in "
                           f"{command(values, from_env, date=free.isoformat())}")
    existing = [p for p in POSTS.glob(f"*-{slug}.*") if re.match(r"\d{4}-\d{2}-\d{2}-", p.name)
                and p.stem[11:] == slug]
    if existing:
        raise NewPostError(f"slug {slug!r} already exists: {existing[0].relative_to(ROOT)}; "
                           f"choose another with {labels['slug']}")
    module = module_name(slug)
    suffix = ".ipynb" if notebook else ".md"
    post = POSTS / f"{date.isoformat()}-{slug}{suffix}"
    post_name = str(post.relative_to(ROOT))
    files = {
        post: (notebook_post if notebook else markdown_post)(title, slug, date, category, module),
        ROOT / "snippets" / module / "__init__.py": "",
        ROOT / "snippets" / module / "example.py": snippet_module(post_name),
        ROOT / "tests" / "snippets" / f"test_{module}.py": test_module(post_name, module),
    }
    clashes = [p for p in files if p.exists()]
    if clashes:
        raise NewPostError(f"refusing to overwrite {clashes[0].relative_to(ROOT)}")
    created: list[Path] = []
    made_dirs: list[Path] = []
    try:
        for path, text in files.items():
            for directory in reversed(path.parents):
                if not directory.exists():
                    directory.mkdir()
                    made_dirs.append(directory)
            with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
                created.append(path)
                handle.write(text)
    except BaseException as error:
        for path in reversed(created):  # all or nothing
            path.unlink(missing_ok=True)
        for directory in reversed(made_dirs):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
        if isinstance(error, OSError):
            where = error.filename or post
            raise NewPostError(f"could not write {where}: {error.strerror or error}; "
                               "nothing was written") from None
        raise
    return list(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-env", action="store_true",
                        help="read TITLE, CATEGORY, NOTEBOOK, SLUG and DATE from the "
                        "environment (what `make new` does: no shell reads the title)")
    parser.add_argument("--title")
    parser.add_argument("--category", help="one of categories_allowed (default: the first)")
    parser.add_argument("--notebook", help="1 for a notebook post")
    parser.add_argument("--slug", help="the URL slug (default: made from the title)")
    parser.add_argument("--date", help="ISO date YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    given = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
    if args.from_env and given:
        parser.error("--from-env reads every argument from the environment; got also "
                     + ", ".join(f"--{name}" for name in given))
    values = ({name: os.environ.get(name.upper(), "") for name in FIELDS} if args.from_env
              else given)
    try:
        paths = create(values, from_env=args.from_env)
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
