"""Error messages name the real file, the line in the file, a notebook's cell by its number
in the notebook, and say under their heading what kind of error they are (issue 23).

These check the message functions directly, on posts written into a temporary folder;
tests/site/test_messages.py checks what a build prints.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from execblog.execution import scan
from execblog.posts import frontmatter, notebooks

ALLOWED = ["Optimization", "Notebooks"]
POST = """---
date: {date}
categories:
  - Optimization
tags:
  - descent
description: A post about {slug}.
{extra}---

# Title of {slug}

Text.
"""


@pytest.fixture
def docs(tmp_path) -> Path:
    (tmp_path / "docs" / "blog" / "posts").mkdir(parents=True)
    return tmp_path / "docs"


def write(docs: Path, name: str, text: str) -> Path:
    path = docs / "blog" / "posts" / name
    path.write_text(text, encoding="utf-8")
    return path


def post(docs: Path, date: str, slug: str, extra: str = "", **replace: str) -> Path:
    text = POST.format(date=date, slug=slug, extra=extra)
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new, 1)
    return write(docs, f"{date}-{slug}.md", text)


def message(docs: Path) -> str:
    with pytest.raises(PluginError) as raised:
        frontmatter.validate_posts(docs, ALLOWED)
    return str(raised.value)


def touch_later(path: Path, seconds: int = 60) -> None:
    """Make ``path`` the file changed last."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


# ---------------------------------------------------------------------------------------
# Front matter: lines in the file


def test_a_yaml_error_names_the_line_and_column_in_the_file(docs) -> None:
    # "  - descent" is line 6 of the file, line 5 of the front matter (as PyYAML counts)
    post(docs, "2026-01-05", "alpha", tags="tags: [descent")
    text = message(docs)
    assert text.startswith("Invalid blog post front matter:\n")
    assert ("docs/blog/posts/2026-01-05-alpha.md:6:3: front matter is not valid YAML: did "
            "not find expected node content (while parsing a flow node that starts on line 6)"
            ) in text, text
    assert "<unicode string>" not in text


def test_a_yaml_error_in_a_post_in_a_subfolder_names_its_line(docs) -> None:
    (docs / "blog" / "posts" / "2026").mkdir()
    post(docs, "2026-01-05", "alpha")
    write(docs, "2026/2026-01-06-beta.md", "---\ndate: 2026-01-06\ndescription: x: y\n---\n")
    assert "docs/blog/posts/2026/2026-01-06-beta.md:3:15: front matter is not valid YAML: " \
           "mapping values are not allowed" in message(docs)


@pytest.mark.parametrize(("replace", "expected"), [
    ({"tags:": "tagz: x\ntags:"}, ":5: unknown key 'tagz'"),
    ({"date: 2026-01-05": "date: 2026-13-05"}, ":2: date: not a valid value (month must"),
    ({"date: 2026-01-05": "date: 5 January 2026"}, ":2: date: expected an ISO date"),
    ({"date: 2026-01-05": "date: 2026-01-04"}, ":2: date: front matter says 2026-01-04"),
    ({"- Optimization": "- Optimization\n  - Optimisation"}, ":5: categories: 'Optimisation'"),
    ({"- Optimization": "- Optimization\n  - 'Optimisation'"}, ":5: categories: 'Optimisation'"),
    ({"categories:\n  - Optimization": "categories: [Optimisation]"},
     ":3: categories: 'Optimisation'"),
    ({"description: A post about alpha.": "description: TODO"}, ":7: description: replace"),
])
def test_a_front_matter_problem_names_the_line_of_its_key(docs, replace, expected) -> None:
    path = post(docs, "2026-01-05", "alpha")
    text = path.read_text()
    for old, new in replace.items():
        text = text.replace(old, new, 1)
    path.write_text(text)
    assert f"docs/blog/posts/2026-01-05-alpha.md{expected}" in message(docs)


def test_a_missing_key_names_the_file_without_a_line(docs) -> None:
    post(docs, "2026-01-05", "alpha", **{"description: A post about alpha.\n": ""})
    assert "  docs/blog/posts/2026-01-05-alpha.md: missing 'description'" in message(docs)


# ---------------------------------------------------------------------------------------
# Two posts in conflict: one message, naming both, on the file changed last


def test_a_duplicate_slug_is_reported_on_the_post_changed_last_naming_both(docs) -> None:
    older = post(docs, "2026-01-05", "alpha")
    later = post(docs, "2026-01-06", "beta", extra="slug: beta\n")
    # The author gives the older post the later post's slug: the later one is untouched.
    older.write_text(older.read_text().replace("description:", "slug: beta\ndescription:"))
    touch_later(older)
    text = message(docs)
    assert ("  docs/blog/posts/2026-01-05-alpha.md:7: URL slug 'beta' is also the slug of "
            "docs/blog/posts/2026-01-06-beta.md: two posts cannot share a URL; change one of "
            "the slugs (reported on this file, the one changed last)") in text, text
    assert "2026-01-06-beta.md:" not in text.replace("slug of docs/blog/posts/2026-01-06-beta", "")
    # The other way round, the message moves with the edit.
    touch_later(later, 120)
    assert "  docs/blog/posts/2026-01-06-beta.md:8: URL slug 'beta' is also the slug of " \
           "docs/blog/posts/2026-01-05-alpha.md" in message(docs)


def test_a_slug_from_the_title_points_at_the_title(docs) -> None:
    post(docs, "2026-01-05", "alpha", **{"# Title of alpha": "# Same"})
    later = post(docs, "2026-01-06", "beta", **{"# Title of beta": "# Same"})
    touch_later(later)
    assert "docs/blog/posts/2026-01-06-beta.md:10: URL slug 'same' is also the slug of " \
           "docs/blog/posts/2026-01-05-alpha.md" in message(docs)


def test_two_posts_on_one_day_are_reported_on_the_new_one_naming_both(docs) -> None:
    existing = post(docs, "2026-01-06", "zeta")
    os.utime(existing, ns=(0, 10**18))
    post(docs, "2026-01-06", "alpha")  # sorts first, written last
    text = message(docs)
    assert ("  docs/blog/posts/2026-01-06-alpha.md:2: published on 2026-01-06, the same day as "
            "docs/blog/posts/2026-01-06-zeta.md: one topic a day") in text, text
    assert text.count("same day") == 1


# ---------------------------------------------------------------------------------------
# Notebook posts: their own headings, the cell's number, lines in a Jupytext script


NOTEBOOK_FRONT_MATTER = ["---\n", "date: 2026-01-07\n", "categories:\n", "  - Notebooks\n",
                         "description: A notebook post.\n", "---\n"]


def notebook(cells: list[dict]) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4},
                      indent=1)


def raw(lines: list[str]) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": lines}


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": text, "execution_count": None,
            "outputs": []}


def test_invalid_notebook_json_has_its_own_heading_and_the_json_line(docs) -> None:
    post(docs, "2026-01-05", "alpha")
    write(docs, "2026-01-07-gamma.ipynb", notebook([raw(NOTEBOOK_FRONT_MATTER)])
          .replace('"cells": [', '"cells": [,', 1))
    text = message(docs)
    assert text == ("Invalid notebook:\n  docs/blog/posts/2026-01-07-gamma.ipynb:2:12: not "
                    "valid JSON: Expecting value; save the notebook again from Jupyter"), text


def test_a_refused_magic_has_its_own_heading_and_the_cell_number(docs) -> None:
    write(docs, "2026-01-07-gamma.ipynb", notebook([
        raw(NOTEBOOK_FRONT_MATTER), markdown("# Gamma\n\n<!-- more -->"), code("x = 1"),
        markdown("Time it:"), code("%timeit sum(range(9))")]))
    delta = post(docs, "2026-01-08", "delta")  # and a front matter error
    delta.write_text(delta.read_text().replace("tags:", "tagz: x\ntags:"))
    text = message(docs)
    assert ("Unsupported notebook magic:\n  docs/blog/posts/2026-01-07-gamma.ipynb: cell 5 (the "
            "5th cell of the notebook, counted from 1): IPython magic or shell command "
            "'%timeit sum(range(9))'") in text, text
    # each kind under its own heading, once
    assert "Invalid blog post front matter:\n  docs/blog/posts/2026-01-08-delta.md:5: " in text
    assert text.count("Unsupported notebook magic:") == 1


PERCENT = """# %% [raw]
# ---
# date: 2026-01-11
# categories:
#   - Notebooks
# description: A percent post.
# colour: red
# ---

# %% [markdown]
# # Percent
#
# <!-- more -->

# %%
print(1)

# %%
%timeit x
"""


def test_a_jupytext_script_names_the_line_of_the_cell_and_of_a_key(docs) -> None:
    write(docs, "2026-01-11-percent.py", PERCENT)
    text = message(docs)
    assert "docs/blog/posts/2026-01-11-percent.py:18: cell 4 (the 4th cell of the notebook, " \
           "counted from 1): IPython magic" in text, text
    write(docs, "2026-01-11-percent.py", PERCENT.replace("%timeit x", "x = 1"))
    assert "docs/blog/posts/2026-01-11-percent.py:7: unknown key 'colour'" in message(docs)


def test_a_notebook_front_matter_problem_names_the_json_line(docs) -> None:
    lines = [*NOTEBOOK_FRONT_MATTER[:2], "colour: red\n", *NOTEBOOK_FRONT_MATTER[2:]]
    path = write(docs, "2026-01-07-gamma.ipynb", notebook([raw(lines)]))
    number = path.read_text().split("\n").index('    "colour: red\\n",') + 1
    assert f"docs/blog/posts/2026-01-07-gamma.ipynb:{number}: unknown key 'colour'" \
        in message(docs)


def test_a_schema_error_counts_the_cell_as_jupyter_does() -> None:
    with pytest.raises(notebooks.NotebookError) as raised:
        notebooks.read_notebook(write_temporary(notebook([raw(NOTEBOOK_FRONT_MATTER), {
            "cell_type": "code", "metadata": {}, "source": "1", "execution_count": None}])))
    assert str(raised.value) == ("not a valid Jupyter notebook: cell 2 (the 2nd cell of the "
                                 "notebook, counted from 1): 'outputs' is a required property "
                                 "(at cells/1)")


def write_temporary(text: str, suffix: str = ".ipynb") -> Path:
    import tempfile

    handle, name = tempfile.mkstemp(suffix=suffix)
    os.close(handle)
    Path(name).write_text(text, encoding="utf-8")
    return Path(name)


def test_the_generated_post_knows_where_each_cell_starts(tmp_path) -> None:
    path = tmp_path / "2026-01-07-gamma.ipynb"
    path.write_text(notebook([
        raw(NOTEBOOK_FRONT_MATTER), markdown("# Gamma\n\n<!-- more -->"), code("x = 1"),
        code(""), markdown('```python exec="on"\nprint(2)\n```'), code("y = 2\nz = 3")]))
    text, places = notebooks.notebook_post(path)
    lines = text.split("\n")
    starts = {place.number: lines[place.markdown_line] for place in places}
    assert starts == {1: "---", 2: "# Gamma", 3: '```python exec="on" session="notebook" '
                      'result="show"', 5: '```python exec="on"', 6: '```python exec="on" '
                      'session="notebook" result="show"'}  # cell 4 is empty: not in the post


def test_cell_markers_of_a_percent_script() -> None:
    text = "import os\n\n# %%\nx = 1\n# %% [markdown]\n# hi\n"
    assert notebooks.percent_cell_lines(text, 3) == [None, 3, 5]
    assert notebooks.percent_cell_lines(text, 2) == [3, 5]
    assert notebooks.percent_cell_lines(text, 7) == [None] * 7


@pytest.mark.parametrize(("number", "expected"), [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
    (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")])
def test_ordinals(number, expected) -> None:
    assert notebooks.ordinal(number) == expected


# ---------------------------------------------------------------------------------------
# Executed blocks: the line of the opening fence


def test_block_lines_are_the_opening_fences_in_the_file() -> None:
    text = ('---\ndate: x\n---\n\n```python\n--8<-- "a.py:b"\n```\n\n'
            '```python exec="on"\n1\n```\n\n````markdown\n```python exec="on"\n2\n```\n````\n\n'
            '```python exec="on" sesion="x"\n3\n```\n\n  ```python exec="on" show="output"\n'
            '  4\n  ```\n')
    assert scan.block_lines(text) == ([9, 23], [19])
    assert scan.block_lines(text, 2) == ([9, 23], [19])
    # blocks from an include: the lines in the file are not theirs
    assert scan.block_lines(text, 3) == ([], [19])


def test_a_traceback_line_counts_the_matplotlib_line_left_out(tmp_path) -> None:
    path = tmp_path / "2026-01-07-gamma.ipynb"
    path.write_text(notebook([raw(NOTEBOOK_FRONT_MATTER), code(
        "import math\n%matplotlib inline\nx = 1\n%matplotlib inline\nraise ValueError")]))
    _, places = notebooks.notebook_post(path)
    cell = places[-1]
    assert (cell.number, cell.removed) == (2, (2, 4))
    # the code that ran is "import math\nx = 1\nraise ValueError": its lines 1, 2, 3
    assert [cell.source_line(line) for line in (1, 2, 3)] == [1, 3, 5]
