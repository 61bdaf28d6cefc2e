"""A second blog, outside this repository's layout, built by the engine (issue 24).

tests/fixtures/minimal is a blog of its own: one mkdocs.yml and one post, with Material's
blog plugin keeping posts in ``news/articles`` and cutting excerpts at ``<!-- fold -->``,
and the execblog plugins enabled by name in its ``plugins:``. No ``nn/``, ``snippets/``,
``overrides/`` or ``execblog/`` beside it: the engine is the installed package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, Build, run_build

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
POST = "docs/news/articles/2026-01-05-sum-of-squares.md"
PAGE = "news/2026/01/05/sum-of-squares/index.html"


def copy_minimal(destination: Path) -> Path:
    shutil.copytree(MINIMAL, destination)
    return destination


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Build:
    base = tmp_path_factory.mktemp("minimal")
    return run_build(copy_minimal(base / "project"), base / "site")


def test_the_minimal_blog_is_three_files_of_configuration_at_most_and_one_post() -> None:
    files = sorted(p.relative_to(MINIMAL).as_posix() for p in MINIMAL.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    posts = [name for name in files if name.startswith("docs/news/articles/")]
    assert posts == [POST]
    assert len(files) - len(posts) <= 3, files
    assert not {"nn", "snippets", "overrides", "execblog"} & {p.name for p in MINIMAL.iterdir()}


def test_the_minimal_blog_builds_its_post_with_executed_output(built) -> None:
    assert built.returncode == 0, built.output[-3000:]
    html = (built.site / PAGE).read_text(encoding="utf-8")
    # The block ran at build: its output is on the page (1 + 4 + ... + 100 = 385).
    assert "sum of squares up to 10: 385" in html
    # The formulas were typeset to SVG by execblog-mathjax.
    assert '<mjx-container class="MathJax" jax="SVG"' in html
    # The blog's index lists the post with its excerpt, cut at the blog's own separator.
    index = (built.site / "news/index.html").read_text(encoding="utf-8")
    assert "2026/01/05/sum-of-squares/" in index
    assert "sum of squares up to 10" not in index
    # execblog-search wrote the site's index.
    assert (built.site / "search-index" / "manifest.json").is_file()


def test_a_front_matter_mistake_in_the_minimal_blog_names_its_own_folder(tmp_path) -> None:
    # The posts' folder comes from the blog plugin's blog_dir and post_dir (news/articles),
    # and the allow-list from its categories_allowed: the check runs there, not in
    # docs/blog/posts.
    project = copy_minimal(tmp_path / "project")
    post = project / POST
    post.write_text(post.read_text().replace("  - Notes\n", "  - Notes\n  - Diary\n", 1))
    build = run_build(project, tmp_path / "site")
    assert build.returncode != 0
    assert (f"Invalid blog post front matter:\n  {POST}:5: categories: 'Diary' is not in the "
            "allow-list in mkdocs.yml ['Notes']") in build.output, build.output[-3000:]
