"""Notebook posts and what executed blocks show, on copies of the fixture site.

One copy gets a notebook that shows every kind of output (a value, HTML, Markdown, SVG,
PNG, IPython's display, stderr, a warning, a figure), a Markdown post with blocks that
show their last value, and a Jupytext percent-format post; it is built twice with a
private cache. Each error is injected into a copy of its own. The last tests show why
mkdocs-jupyter does not render the notebook posts (see the README).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_fixture_project, run_build

POSTS = "docs/blog/posts"
GAMMA = f"{POSTS}/2026-01-07-gamma-notebook.ipynb"
FRONT_MATTER = """---
date: {date}
categories:
  - Notebooks
description: {description}
---
"""

PNG_HELPER = '''import struct
import zlib


def png(width, height, rgb):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Swatch:
    def _repr_png_(self):
        return png(2, 2, (0, 128, 255))


Swatch()'''

# (source, tags, metadata) of the feature notebook's code cells, in order.
CELLS = [
    ("%matplotlib inline\nimport numpy as np\n\nx = np.linspace(0, 1, 4)\nnp.round(x, 3)",
     [], {}),
    ('class Table:\n    def _repr_html_(self):\n        return \'<table class="t-html">'
     '<tr><td>seven</td></tr></table>\'\n\n    def __repr__(self):\n        return "TEXT"'
     "\n\n\nTable()", [], {}),
    ('class Report:\n    def _repr_markdown_(self):\n        return "| key | value |\\n'
     '| --- | --- |\\n| md-cell | 2 |"\n\n\nReport()', [], {}),
    ('class Square:\n    def _repr_svg_(self):\n        return (\'<svg xmlns="http://www.w3.org/'
     '2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>\')\n\n'
     '    def __repr__(self):\n        return "A red square"\n\n\nSquare()', [], {}),
    (PNG_HELPER, [], {"alt": "A blue swatch"}),
    ('from IPython.display import HTML, Markdown, display\n\ndisplay(HTML("<b class=\'ipy\'>'
     'bold</b>"))\nprint("between the displays")\ndisplay(Markdown("*ipy-markdown*"))', [], {}),
    ('import sys\nimport warnings\n\nprint("to stdout")\nprint("to stderr", file=sys.stderr)\n'
     'warnings.warn("careful with that", UserWarning)', [], {}),
    ("np.round(x, 1);", [], {}),
    ('import matplotlib.pyplot as plt\n\nfigure, axes = plt.subplots(label="A rising line")\n'
     "axes.plot([1, 2])\nfigure", [], {}),
    ('print("removed-cell-marker")', ["remove-cell"], {}),
    ('print("hidden-output-marker")', ["hide-output"], {}),
    ('print("output-only-marker")', ["hide-input"], {}),
]

MARKDOWN_POST = FRONT_MATTER.format(date="2026-01-10", description="Markdown blocks that show "
                                    "their value.") + '''
# Epsilon: blocks that show their value

Excerpt.

<!-- more -->

```python exec="on" result="show"
6 * 7
```

```python exec="on"
6 * 8
```

```python exec="on" result="show" show="output"
import warnings

warnings.warn("a Markdown warning", RuntimeWarning)
{"kind": "dict"}
```
'''

PERCENT_POST = '''# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
''' + "".join(f"# {line}\n" if line else "#\n" for line in FRONT_MATTER.format(
    date="2026-01-11", description="A Jupytext percent-format notebook post.").splitlines()) + '''
# %% [markdown]
# # Zeta: a percent-format notebook
#
# The excerpt, with $z^2$.
#
# <!-- more -->
#
# The value of $\\pi$:

# %% tags=["hide-input"]
import math

round(math.pi, 3)
'''


def notebook(cells: list[dict], **extra) -> str:
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5, **extra}, indent=1) + "\n"


def raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(source: str, tags=(), **metadata) -> dict:
    meta = {**({"tags": list(tags)} if tags else {}), **metadata}
    return {"cell_type": "code", "metadata": meta, "source": source, "outputs": [],
            "execution_count": None}


def feature_notebook() -> str:
    return notebook([
        raw(FRONT_MATTER.format(date="2026-01-09", description="Every kind of output.")),
        markdown("# Delta: rich outputs\n\nThe excerpt, with $a^2 + b^2$.\n\n<!-- more -->"),
        *(code(source, tags, **meta) for source, tags, meta in CELLS),
    ])


def page(site: Path, date: str) -> str:
    pages = list((site / "blog").glob(f"{date.replace('-', '/')}/*/index.html"))
    assert len(pages) == 1, pages
    return pages[0].read_text(encoding="utf-8")


def content(html: str) -> str:
    """The article only (not the navigation, which lists posts by title)."""
    return html[html.index("<article"):html.index("</article>")]


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    base = tmp_path_factory.mktemp("notebook-features")
    project = make_fixture_project(base / "project")
    (project / POSTS / "2026-01-09-delta-display.ipynb").write_text(feature_notebook())
    (project / POSTS / "2026-01-10-epsilon-blocks.md").write_text(MARKDOWN_POST)
    (project / POSTS / "2026-01-11-zeta-percent.py").write_text(PERCENT_POST)
    cold = run_build(project, base / "site", cache=base / "cache")
    assert cold.returncode == 0, cold.output
    pages = {date: page(base / "site", date)
             for date in ("2026-01-09", "2026-01-10", "2026-01-11")}
    warm = run_build(project, base / "site", cache=base / "cache")
    assert warm.returncode == 0, warm.output
    return {"site": base / "site", "cold": cold, "warm": warm, "pages": pages}


@pytest.fixture(scope="module")
def delta(features) -> str:
    return content(features["pages"]["2026-01-09"])


# ---------------------------------------------------------------------------------------
# Each kind of output


def test_the_last_expression_is_shown_as_text(delta) -> None:
    assert re.search(r'<div class="exec-output exec-result"><pre style="--code-lines: 1; '
                     r'--code-cols: \d+"><code>array\(\[0\.   , 0\.333, 0\.667, 1\.   \]\)', delta)


def test_a_trailing_semicolon_hides_the_value(delta) -> None:
    assert "array([0. , 0.3" not in delta


def test_repr_html_is_inserted_as_html_before_the_text_repr(delta) -> None:
    assert '<div class="exec-output exec-html"><table class="t-html"><tr><td>seven</td>' in delta
    assert "<code>TEXT" not in delta


def test_repr_markdown_is_rendered(delta) -> None:
    assert re.search(r'exec-markdown">\s*<table>.*<td>md-cell</td>', delta, re.S)


def test_repr_svg_is_inline_with_its_repr_as_label(delta) -> None:
    assert '<svg role="img" aria-label="A red square" xmlns="http://www.w3.org/2000/svg"' \
        in delta


def test_repr_png_is_embedded_with_the_cells_alt_text(delta) -> None:
    match = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">',
                      delta)
    assert match and match[2] == "A blue swatch"
    assert base64.b64decode(match[1]).startswith(b"\x89PNG\r\n\x1a\n")


def test_ipython_display_calls_show_in_order_with_prints(delta) -> None:
    html_at = delta.index("<b class='ipy'>bold</b>")
    print_at = delta.index("<code>between the displays")
    markdown_at = delta.index("<em>ipy-markdown</em>")
    assert html_at < print_at < markdown_at


def test_stderr_and_warnings_are_set_apart_from_stdout(delta) -> None:
    assert ('<div class="exec-output"><pre style="--code-lines: 1; --code-cols: 9">'
            '<code>to stdout\n</code></pre></div>') in delta
    assert re.search(r'<div class="admonition note exec-stderr"><p class="admonition-title">'
                     r'stderr</p><pre style="--code-lines: 1; --code-cols: 9">'
                     r'<code>to stderr</code>', delta)
    assert re.search(r'<div class="admonition warning exec-warning"><p class="admonition-title">'
                     r'UserWarning</p><pre style="--code-lines: 1; --code-cols: \d+">'
                     r'<code>careful with that'
                     r"</code>", delta)


def test_a_returned_figure_is_drawn_once_not_printed(features, delta) -> None:
    shown = re.findall(r'<img src="(figure-\d+-\w+\.svg)" alt="A rising line"', delta)
    assert len(shown) == 1, delta
    post = next((features["site"] / "blog").glob("2026/01/09/*/"))
    assert (post / shown[0]).read_text(encoding="utf-8").startswith("<svg")
    assert "Figure(" not in delta and "&lt;Figure" not in delta


def test_cell_tags_hide_input_output_or_the_whole_cell(delta) -> None:
    assert "removed-cell-marker" not in delta
    assert "hidden-output-marker" in delta  # the code...
    assert "hidden-output-marker\n</code></pre></div>" not in delta  # ...not its output
    assert "output-only-marker\n</code></pre></div>" in delta
    assert 'print</span><span class="p">(</span><span class="s2">&quot;output-only' not in delta


def test_markdown_blocks_show_their_value_only_when_asked(features) -> None:
    epsilon = content(features["pages"]["2026-01-10"])
    assert "<code>42</code>" in epsilon
    assert "48" not in epsilon
    assert "a Markdown warning" in epsilon and "RuntimeWarning" in epsilon
    assert "{&#x27;kind&#x27;: &#x27;dict&#x27;}" in epsilon


def test_every_output_kind_round_trips_through_the_cache(features, tmp_path) -> None:
    ran = re.search(r"Executed blocks: (\d+) ran .*?, (\d+) from cache", features["warm"].output)
    assert ran and ran[1] == "0" and int(ran[2]) >= len(CELLS) + 3
    for date, before in features["pages"].items():
        assert page(features["site"], date) == before, date


# ---------------------------------------------------------------------------------------
# Notebook posts are blog posts


def test_a_jupytext_percent_script_is_a_notebook_post(features) -> None:
    zeta = content(features["pages"]["2026-01-11"])
    assert "Zeta: a percent-format notebook" in zeta
    assert "<code>3.142</code>" in zeta and "round(math" not in zeta  # hide-input
    # The download link leads to the script itself, which JupyterLab opens as a notebook.
    post_dir = next((features["site"] / "blog/2026/01/11").iterdir())
    link = re.search(r'href="([^"]*2026-01-11-zeta-percent\.py)"', zeta)
    assert link and (post_dir / link[1]).resolve().read_text() == PERCENT_POST


@pytest.mark.parametrize("title", ["Delta: rich outputs", "Zeta: a percent-format notebook"])
def test_notebook_posts_are_in_the_index_category_archive_and_feed(features, title):
    site = features["site"]
    for listing in ("blog/index.html", "blog/category/notebooks/index.html",
                    "blog/archive/2026/01/index.html", "feed_rss_created.xml"):
        assert title in (site / listing).read_text(encoding="utf-8"), listing


def test_notebook_math_is_typeset_at_build_and_nothing_loads_from_elsewhere(features):
    for html in features["pages"].values():
        assert not re.search(r"""\bsrc="(?:https?:)?//""", html)
        assert not re.search(r"""<link\b[^>]*rel="stylesheet"[^>]*href="(?:https?:)?//""", html)
        assert "require.js" not in html and "mathjax@" not in html.lower()
    delta = content(features["pages"]["2026-01-09"])
    assert "<mjx-container" in delta and "$a^2" not in delta


# ---------------------------------------------------------------------------------------
# Errors, each naming the file


def fails(project: Path, tmp_path: Path, *fragments: str) -> None:
    build = run_build(project, tmp_path / "site")
    assert build.returncode != 0, build.output
    for fragment in fragments:
        assert fragment in build.output, (fragment, build.output[-3000:])


@pytest.fixture
def project(tmp_path) -> Path:
    return make_fixture_project(tmp_path / "project")


def test_invalid_json_names_the_file(project, tmp_path) -> None:
    path = project / GAMMA
    path.write_text(path.read_text().replace('"cells": [', '"cells": [,', 1))
    fails(project, tmp_path, "Invalid notebook:", f"{GAMMA}:2:12: not valid JSON")


def test_a_notebook_that_breaks_the_schema_names_the_file(project, tmp_path) -> None:
    path = project / GAMMA
    data = json.loads(path.read_text())
    del data["cells"][2]["outputs"]
    path.write_text(json.dumps(data))
    fails(project, tmp_path, "Invalid notebook:", GAMMA, "not a valid Jupyter notebook: cell 3 "
          "(the 3rd cell of the notebook, counted from 1): 'outputs' is a required property "
          "(at cells/2)")


def test_missing_front_matter_names_the_file(project, tmp_path) -> None:
    path = project / GAMMA
    data = json.loads(path.read_text())
    data["cells"].pop(0)
    path.write_text(json.dumps(data))
    fails(project, tmp_path, GAMMA, "no front matter: the first cell must be a raw cell")


def test_saved_outputs_fail_until_make_clean_notebooks_strips_them(project, tmp_path) -> None:
    path = project / GAMMA
    data = json.loads(path.read_text())
    data["cells"][2]["execution_count"] = 3
    data["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                    "text": ["[0, 1, 4, 9, 16]\n"]}]
    path.write_text(json.dumps(data, indent=1))
    fails(project, tmp_path, GAMMA, "code cell(s) [3] were saved with outputs",
          "make clean-notebooks")
    cleaned = subprocess.run([sys.executable, str(ROOT / "scripts/clean_notebooks.py"),
                              str(path)], capture_output=True, text=True, timeout=60)
    assert cleaned.returncode == 0 and "stripped" in cleaned.stdout
    stripped = json.loads(path.read_text())
    assert stripped["cells"][2]["outputs"] == [] and stripped["cells"][2]["execution_count"] is None
    assert stripped["cells"][:2] == data["cells"][:2]  # nothing else changed
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output


def test_an_ipython_magic_names_the_file_and_cell(project, tmp_path) -> None:
    path = project / GAMMA
    data = json.loads(path.read_text())
    data["cells"][2]["source"] = ["%timeit sum(range(9))\n"]
    path.write_text(json.dumps(data))
    fails(project, tmp_path, "Unsupported notebook magic:", f"{GAMMA}: cell 3 (the 3rd cell "
          "of the notebook, counted from 1): IPython magic or shell command '%timeit")


def test_a_percent_script_without_cells_names_the_file(project, tmp_path) -> None:
    (project / POSTS / "2026-01-12-plain.py").write_text("print('not a notebook')\n")
    fails(project, tmp_path, f"{POSTS}/2026-01-12-plain.py", "cells marked `# %%`")


@pytest.mark.parametrize(("source", "metadata", "message"), [
    ("class Dot:\n    def _repr_png_(self):\n        return b'\\x89PNG'\n\n\nDot()", {},
     "image output 1 (image/png) has no alt text"),
    ("class Remote:\n    def _repr_html_(self):\n        return '<script src=\"https://cdn."
     "example.com/x.js\"></script>'\n\n\nRemote()", {}, "loads from another origin"),
])
def test_outputs_the_site_refuses(project, tmp_path, source, metadata, message) -> None:
    path = project / GAMMA
    data = json.loads(path.read_text())
    data["cells"].append(code(source, **metadata))
    path.write_text(json.dumps(data))
    fails(project, tmp_path, f"{GAMMA}: cell 4 (the 4th cell of the notebook", message)


def test_an_unknown_option_value_fails(project, tmp_path) -> None:
    post = project / f"{POSTS}/2026-01-05-alpha-descent.md"
    post.write_text(post.read_text() + '\n```python exec="on" result="yes"\n1\n```\n')
    fails(project, tmp_path, str(post.relative_to(project)), "result='yes'")


# ---------------------------------------------------------------------------------------
# Why the notebook posts are not rendered by mkdocs-jupyter (pinned, not enabled)


def enable_mkdocs_jupyter(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text()
    assert "  - tags\n" in text and "  - execblog-posts:\n" in text
    text = text.replace("  - tags\n", "  - tags\n  - mkdocs-jupyter:\n"
                        "      include: ['*.ipynb']\n", 1)
    config.write_text(text.replace("  - execblog-posts:\n",
                                   "  - execblog-posts:\n      notebooks: false\n"))


def test_mkdocs_jupyter_cannot_render_a_blog_post(project, tmp_path) -> None:
    # Its pages are read by the blog plugin as posts, which must start with front matter:
    # a notebook's JSON does not (danielfrg/mkdocs-jupyter#99: no front matter support).
    enable_mkdocs_jupyter(project)
    fails(project, tmp_path, "Error reading metadata of post "
          "'blog/posts/2026-01-07-gamma-notebook.ipynb'", "Expected metadata")


def test_a_mkdocs_jupyter_page_is_no_post_nor_offline_nor_typeset(project, tmp_path) -> None:
    enable_mkdocs_jupyter(project)
    (project / GAMMA).rename(project / "docs/gamma.ipynb")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "  - Gamma: gamma.ipynb\n")
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    html = (tmp_path / "site/gamma/index.html").read_text()
    # Not a post: absent from the feed and the Notebooks category.
    assert "Gamma" not in (tmp_path / "site/feed_rss_created.xml").read_text()
    assert not (tmp_path / "site/blog/category/notebooks").exists()
    # Its own MathJax 2 set-up (a script to fetch, by default from a CDN; here, with no URL,
    # an empty src), the math left as raw TeX for it, and the cells not run.
    assert '<script src=""' in html and "MathJax.Hub.Config" in html
    assert "$e^{i\\pi} = -1$" in html and "<mjx-container" not in content(html)
    assert "[0, 1, 4, 9, 16]" not in html
    # Half a megabyte of JupyterLab CSS inlined into the page.
    assert len(html) > 400_000


def test_nbformat_reads_the_fixture_notebook_without_complaint() -> None:
    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from execblog.posts import notebooks
        notebook = notebooks.read_notebook(ROOT / "tests/fixtures/site" / GAMMA)
    nbformat.validate(notebook)
