"""What a build prints for an author's mistake: the real file and its line, a notebook's cell
by its number in the notebook, under a heading that says what kind of error it is (issue 23).

Each mistake is made in a copy of the fixture site of its own; the line expected is found
in the file the test wrote, so the test checks the line the author would open.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import make_fixture_project, run_build

POSTS = "docs/blog/posts"
ALPHA = f"{POSTS}/2026-01-05-alpha-descent.md"
GAMMA = f"{POSTS}/2026-01-07-gamma-notebook.ipynb"
PERCENT = f"{POSTS}/2026-01-11-percent.py"
PERCENT_POST = """# %% [raw]
# ---
# date: 2026-01-11
# categories:
#   - Notebooks
# description: A Jupytext percent-format post.
# ---

# %% [markdown]
# # Percent
#
# The excerpt.
#
# <!-- more -->

# %%
print(1)

# %%
x = 2
raise ValueError("percent-boom")
"""


@pytest.fixture
def project(tmp_path) -> Path:
    return make_fixture_project(tmp_path / "project")


def failed(project: Path, tmp_path: Path) -> str:
    build = run_build(project, tmp_path / "site")
    assert build.returncode != 0, build.output[-3000:]
    return build.output


def line_of(path: Path, text: str) -> int:
    """The line (from 1) of the first line of ``path`` that is ``text``."""
    return path.read_text(encoding="utf-8").split("\n").index(text) + 1


def append_cells(path: Path, *cells: dict) -> None:
    data = json.loads(path.read_text())
    data["cells"] += cells
    path.write_text(json.dumps(data, indent=1))


def code(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "execution_count": None,
            "outputs": []}


def test_a_yaml_error_names_the_file_line_once(project, tmp_path) -> None:
    post = project / ALPHA
    post.write_text(post.read_text().replace("tags:\n  - gradient descent\n",
                                             "tags: [gradient descent\n", 1))
    output = failed(project, tmp_path)
    # "description:" is line 6 of the file; PyYAML counts it as line 5 of the front matter
    assert line_of(post, "tags: [gradient descent") == 5
    assert (f"Invalid blog post front matter:\n  {ALPHA}:6:12: front matter is not valid "
            "YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts "
            "on line 5)") in output, output[-3000:]
    assert "Error reading metadata" not in output  # the blog plugin's, counted otherwise
    assert "<unicode string>" not in output


def test_a_failing_notebook_cell_names_the_notebook_and_the_cell(project, tmp_path) -> None:
    notebook = project / GAMMA
    append_cells(notebook, {"cell_type": "markdown", "metadata": {}, "source": "More:"},
                 code("x = 1\nraise ValueError('cell-boom')"))
    output = failed(project, tmp_path)
    assert (f"Notebook cell failed:\n{GAMMA}: cell 5 (the 5th cell of the notebook, counted "
            "from 1), starting 'x = 1', failed:") in output, output[-3000:]
    assert "ValueError: cell-boom" in output
    assert f'File "{GAMMA}, cell 5", line 2, in <module>' in output
    # MkDocs' own heading names the notebook, not the Markdown generated from it
    assert "Error reading page 'blog/posts/2026-01-07-gamma-notebook.ipynb':" in output
    assert "gamma-notebook.md" not in output
    assert "executed block" not in output


def test_a_failing_cell_of_a_jupytext_script_names_its_line(project, tmp_path) -> None:
    script = project / PERCENT
    script.write_text(PERCENT_POST)
    output = failed(project, tmp_path)
    marker = line_of(script, "x = 2") - 1
    assert f"{PERCENT}:{marker}: cell 4 (the 4th cell of the notebook, counted from 1), " \
           "starting 'x = 2', failed:" in output, output[-3000:]
    assert "2026-01-11-percent.md" not in output


def test_a_failing_block_names_the_line_of_its_opening_fence(project, tmp_path) -> None:
    post = project / ALPHA
    post.write_text(post.read_text() + '\n```python exec="on"\nvalue = 1\n'
                    'raise ValueError("block-boom")\n```\n')
    output = failed(project, tmp_path)
    fence = len(post.read_text().split("\n")) - 4
    assert post.read_text().split("\n")[fence - 1] == '```python exec="on"'
    assert (f"Executed block failed:\n{ALPHA}:{fence}: executed block 4 (starting 'value = 1') "
            "failed:") in output, output[-3000:]
    # the traceback's frame is the raising line in the post
    assert f'File "{ALPHA}", line {fence + 2}, in <module>' in output


def test_a_block_with_a_wrong_option_names_its_line(project, tmp_path) -> None:
    post = project / ALPHA
    text = post.read_text()
    # a wrong option in the first block: the blocks after it still count
    post.write_text(text.replace('```python exec="on" session="alpha"\n',
                                 '```python exec="on" session="alpha" sesion="x"\n', 1))
    output = failed(project, tmp_path)
    line = line_of(post, '```python exec="on" session="alpha" sesion="x"')
    assert f"{ALPHA}:{line}: executed block: unknown option(s) ['sesion']" in output, \
        output[-3000:]


def test_a_block_in_the_excerpt_names_its_line(project, tmp_path) -> None:
    post = project / ALPHA
    post.write_text(post.read_text().replace(
        "<!-- more -->", '```python exec="on"\nprint("early")\n```\n\n<!-- more -->', 1))
    output = failed(project, tmp_path)
    line = line_of(post, '```python exec="on"')
    assert (f"Executed block in the excerpt:\n  {ALPHA}:{line}: executed block sits in the "
            "excerpt") in output, output[-3000:]


def test_invalid_notebook_json_is_no_front_matter_error(project, tmp_path) -> None:
    notebook = project / GAMMA
    notebook.write_text(notebook.read_text().replace('"cells": [', '"cells": [,', 1))
    output = failed(project, tmp_path)
    assert f"Invalid notebook:\n  {GAMMA}:2:12: not valid JSON: Expecting value" in output, \
        output[-3000:]
    assert "front matter" not in output


def test_a_refused_magic_has_its_own_heading(project, tmp_path) -> None:
    notebook = project / GAMMA
    append_cells(notebook, code("%timeit sum(range(9))"))
    output = failed(project, tmp_path)
    assert (f"Unsupported notebook magic:\n  {GAMMA}: cell 4 (the 4th cell of the notebook, "
            "counted from 1): IPython magic or shell command '%timeit sum(range(9))'") \
        in output, output[-3000:]
    assert "front matter" not in output


def test_a_duplicate_slug_is_reported_on_the_edited_post_naming_both(project,
                                                                        tmp_path) -> None:
    # The author edits the older post, giving it the slug of the later one, which is
    # untouched: the message is on the edited post and names both.
    post = project / ALPHA
    # (the later post's slug comes from its title, "# Beta: a layer's shapes")
    post.write_text(post.read_text().replace(
        "description:", "slug: beta-a-layers-shapes\ndescription:", 1))
    output = failed(project, tmp_path)
    line = line_of(post, "slug: beta-a-layers-shapes")
    assert (f"Invalid blog post front matter:\n  {ALPHA}:{line}: URL slug "
            f"'beta-a-layers-shapes' is also the slug of {POSTS}/2026-01-06-beta-layer.md") \
        in output, output[-3000:]
    assert f"  {POSTS}/2026-01-06-beta-layer.md" not in output  # no problem of its own


def test_mkdocs_warnings_about_a_notebook_post_name_the_notebook(project, tmp_path) -> None:
    append_cells(project / GAMMA,
                 {"cell_type": "markdown", "metadata": {}, "source": "[gone](nowhere.md)"})
    output = failed(project, tmp_path)
    assert "Doc file 'blog/posts/2026-01-07-gamma-notebook.ipynb' contains a link " \
           "'nowhere.md'" in output, output[-3000:]
