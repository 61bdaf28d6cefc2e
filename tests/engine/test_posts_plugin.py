"""execblog-posts as a plugin (issue 24): its options in mkdocs.yml, validated and naming the
option at fault; the blog's layout read from Material's blog plugin; state on the instance.

Configurations are loaded from a copy of the minimal blog (tests/fixtures/minimal), whose
posts are in news/articles and whose excerpts end at <!-- fold -->."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError
from mkdocs.structure.files import get_files

from execblog.posts import listings, reference
from execblog.posts.layout import BlogLayout
from execblog.posts.plugin import PostsPlugin

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
POSTS_BLOCK = "  - execblog-posts:\n      cache_dir: !ENV [BLOG_CACHE_DIR, .cache]\n"


def project(tmp_path: Path, options: str = "") -> Path:
    """A copy of the minimal blog with ``options`` (YAML lines) for execblog-posts."""
    folder = tmp_path / "project"
    shutil.copytree(MINIMAL, folder)
    config = folder / "mkdocs.yml"
    text = config.read_text()
    assert POSTS_BLOCK in text
    block = "  - execblog-posts:\n" + "".join(f"      {line}\n" for line in options.splitlines())
    config.write_text(text.replace(POSTS_BLOCK, block if options else "  - execblog-posts\n"))
    return folder


def plugin_of(folder: Path):
    config = load_config(config_file=str(folder / "mkdocs.yml"))
    return config, config.plugins["execblog-posts"]


@pytest.mark.parametrize(("options", "option", "expected"), [
    ("latest: 0", "latest", "expected a whole number of at least 1, got 0"),
    ("latest: many", "latest", "expected a whole number of at least 1, got 'many'"),
    ("cache_dir: ''", "cache_dir", "expected a folder (a path relative to mkdocs.yml's "
     "folder), got ''"),
    ("code_dir: no-such-package", "code_dir", "isn't an existing directory"),
    ("notebooks: sometimes", "notebooks", "Expected type: <class 'bool'>"),
])
def test_a_wrong_option_fails_naming_it(tmp_path, caplog, options, option, expected) -> None:
    folder = project(tmp_path, options)
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        plugin_of(folder)
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert f"Plugin 'execblog-posts' option '{option}'" in messages, messages
    assert expected in messages, messages


def test_the_options_have_their_defaults(tmp_path) -> None:
    _, plugin = plugin_of(project(tmp_path))
    assert isinstance(plugin, PostsPlugin)  # loaded by its entry point's name
    assert plugin.config.cache_dir == ".cache" and plugin.config.latest == 5
    assert plugin.config.notebooks is True
    assert (plugin.config.code_dir, plugin.config.snippets_dir, plugin.config.api_dir) == (
        None, None, None)


def test_the_layout_comes_from_the_blog_plugin(tmp_path) -> None:
    folder = project(tmp_path)
    config, plugin = plugin_of(folder)
    layout = BlogLayout.from_config(config)
    assert layout.posts_dir == "news/articles" and layout.posts_prefix == "news/articles/"
    assert layout.excerpt_separator == "<!-- fold -->"
    assert layout.categories_allowed == ("Notes",)
    assert layout.docs_prefix == "docs/"
    assert layout.where(folder / "docs" / "x.md") == "docs/x.md"


NOTEBOOK = {"cells": [
    {"cell_type": "raw", "metadata": {}, "source": [
        "---\n", "date: 2026-01-06\n", "categories:\n", "  - Notes\n",
        "description: A notebook.\n", "---\n"]},
    {"cell_type": "markdown", "metadata": {}, "source": "# Cubes\n\nX.\n\n<!-- fold -->"},
    {"cell_type": "code", "metadata": {}, "source": "print(3 ** 3)",
     "execution_count": None, "outputs": []}],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def test_notebook_posts_go_to_the_cache_dir_option(tmp_path) -> None:
    folder = project(tmp_path, f"cache_dir: {tmp_path / 'elsewhere'}")
    (folder / "docs/news/articles/2026-01-06-cubes.ipynb").write_text(json.dumps(NOTEBOOK))
    config = folder / "mkdocs.yml"  # the blog plugin and this one only
    config.write_text(re.sub(r"  - execblog-(build|execution|mathjax|search):?\n(      .*\n)*",
                             "", config.read_text()))
    config, plugin = plugin_of(folder)
    assert list(config.plugins) == ["material/blog", "execblog-posts"]
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(get_files(config), config=config)
    generated = files.get_file_from_path("news/articles/2026-01-06-cubes.md")
    assert generated is not None
    out = Path(generated.abs_src_path)
    assert out.parent.parent == tmp_path / "elsewhere" / "notebook-posts", out
    assert 'print(3 ** 3)' in out.read_text()
    # What other plugins learn of it, through the plugin rather than the File
    post = plugin.notebook_post("news/articles/2026-01-06-cubes.md")
    assert post.source == "docs/news/articles/2026-01-06-cubes.ipynb"
    assert [cell.number for cell in post.cells] == [1, 2, 3]
    assert post.block_lines[0] == [out.read_text().split("\n").index(
        '```python exec="on" session="notebook" result="show"') + 1]
    assert plugin.notebook_post("news/articles/2026-01-05-sum-of-squares.md") is None


def test_state_is_on_the_instance_and_kept_across_rebuilds(tmp_path) -> None:
    folder = project(tmp_path)
    config, plugin = plugin_of(folder)
    other = PostsPlugin()  # a second instance, as for another site in the same process
    assert other.load_config({}, str(folder / "mkdocs.yml")) == ([], [])
    for each in (plugin, other):
        each.on_startup(command="serve", dirty=False)
        each._check_front_matter(config)
    assert plugin.front_matter is not other.front_matter
    assert len(plugin.front_matter.parsed) == 1 and other.front_matter.parsed is not \
        plugin.front_matter.parsed
    cache, notebook_posts = plugin.front_matter, plugin.notebook_posts
    plugin._check_front_matter(config)  # the next `mkdocs serve` rebuild
    assert plugin.front_matter is cache and plugin.notebook_posts is notebook_posts
    # the posts of a list are read again at each build
    today = dt.date(2026, 2, 1)
    assert [p.title for p in plugin.listings.published(today)] == ["Sum of squares"]
    post = folder / "docs/news/articles/2026-01-05-sum-of-squares.md"
    post.write_text(post.read_text().replace("# Sum of squares", "# Squares, summed"))
    assert [p.title for p in plugin.listings.published(today)] == ["Sum of squares"]
    plugin.on_pre_build(config=config)
    assert [p.title for p in plugin.listings.published(today)] == ["Squares, summed"]


def page(src: str):
    return types.SimpleNamespace(file=types.SimpleNamespace(src_path=src, src_uri=src))


def test_a_used_by_list_without_code_dir_names_the_option(tmp_path) -> None:
    config, plugin = plugin_of(project(tmp_path))
    plugin.on_startup(command="build", dirty=False)
    plugin._check_front_matter(config)
    plugin._check_snippets(config)
    with pytest.raises(PluginError) as raised:
        plugin.on_page_markdown("<!-- used-by:core -->\n", page=page("api/core.md"),
                                config=config, files=None)
    assert str(raised.value) == ("docs/api/core.md: <!-- used-by:... --> needs the option "
                                 "code_dir of execblog-posts (the package whose modules it "
                                 "names), which is not set in mkdocs.yml")


def test_lists_of_posts_in_another_layout(tmp_path) -> None:
    # A package named mypkg and snippets in code/: a post is listed as using mypkg.core
    # because its snippets call one of core's functions.
    docs = tmp_path / "docs"
    (docs / "news" / "articles").mkdir(parents=True)
    for day in (5, 6, 7):
        (docs / f"news/articles/2026-01-0{day}-post-{day}.md").write_text(
            f"---\ndate: 2026-01-0{day}\ncategories: [Notes]\ndescription: Day {day}.\n---\n\n"
            f"# Post {day}\n")
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "core.py").write_text("def solve():\n    pass\n")
    (tmp_path / "code" / "post_6").mkdir(parents=True)
    (tmp_path / "code" / "post_6" / "run.py").write_text("from mypkg import solve\n")
    lists = listings.Listings(docs, "news/articles", latest=2, code_dir=tmp_path / "mypkg",
                              snippets_dir=tmp_path / "code")
    text = lists.page_markdown("<!-- latest-posts -->\n\n<!-- used-by:core -->\n",
                               "index.md", dt.date(2026, 2, 1))
    assert text.count("- **[Post") == 2 and "Post 7" in text and "Post 5]" not in text
    assert ('!!! example "Posts that use `mypkg.core`"\n'
            "    [Post 6](news/articles/2026-01-06-post-6.md)") in text


def test_api_pages_get_an_anchor_per_module_in_the_api_dir_only() -> None:
    text = "# Core\n\n::: mypkg.core\n"
    assert reference.with_anchors(text, "api/core.md", "api") == (
        "# Core\n\n[](){#mypkg.core}\n\n::: mypkg.core\n")
    assert reference.with_anchors(text, "guide/core.md", "api") == text
    assert reference.with_anchors(text, "api/core.md", None) == text


CODE_PIECES = ["nn.conv", "nn.Conv2d", "nn.conv2d_x", "from nn import Conv2d, relu",
               "from nn import (\n  Conv2d)", "import nn", "nn.", "xnn.Conv2d", "Conv2d",
               "from nn import conv", "nn.relu(x)", "mnn.conv", " ", "\n", "nn.Conv2dx"]


@given(st.lists(st.sampled_from(CODE_PIECES), max_size=8),
       st.sampled_from(["conv", "activations", "relu"]),
       st.sets(st.sampled_from(["Conv2d", "relu", "ReLU", "conv2d"]), max_size=3))
def test_a_module_is_used_as_the_former_regular_expression_said(pieces, module, names):
    """code_uses reads a folder's code once for every module; what it answers is what the
    former pattern, searched once per module, answered."""
    from execblog.posts.listings import code_uses, uses

    names = frozenset(names)
    alternatives = "|".join(map(re.escape, sorted(names))) or "^$"
    former = re.compile(rf"\bnn\.{module}\b|\bnn\.(?:{alternatives})\b"
                        rf"|from nn import [^\n]*\b(?:{alternatives})\b")
    code = "".join(pieces)
    assert uses(code_uses("nn", code), module, names) == bool(former.search(code)), code
