"""The build's speed-ups (execblog/compat.py): the reading time counts what Material's blog
plugin counts; what it keeps between builds is what a build would make again."""

from __future__ import annotations

import jinja2
import material.plugins.blog.structure as blog_structure
import pytest
import yaml
from material.plugins.blog.readtime import readtime as material_readtime
from mkdocs.config import load_config
from mkdocs.theme import Theme

from execblog import compat
from execblog.compat import readtime
from tests.conftest import make_fixture_project

TRICKY = [
    "<p>Plain words, and more words.</p>",
    '<p>A formula <span class="arithmatex"><mjx-container><svg viewBox="0 0 1 1"><g>'
    "<use href='#g'/></g></svg><mjx-assistive-mml><math><mi>x</mi></math>"
    "</mjx-assistive-mml></mjx-container></span> inline.</p>",
    "<script>if (a < b && c > d) { words(); }</script><style>p > a { color: red }</style>"
    "<p>after &amp; before &lt;tag&gt; &#8212; entities</p>",
    "<!-- a comment with <p>words</p> --><object data='x'>fallback words</object><p>x</p>",
    '<p title="a > b">quoted &gt; in an attribute</p><br><hr/><p>void tags</p>',
    "".join(f'<img src="f{i}.svg" alt="figure {i}">' for i in range(14)) + "<p>images</p>",
    "<!doctype html><html><head><title>The title</title></head><body>Body</body></html>",
]


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("words_per_minute", [1, 265])
def test_reading_time_equals_the_plugins(text, words_per_minute) -> None:
    assert readtime(text, words_per_minute) == material_readtime(text, words_per_minute)


def test_reading_time_equals_the_plugins_on_every_fixture_page(built_fixture) -> None:
    pages = sorted(built_fixture.site.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for words_per_minute in (7, 265):  # a low rate shows a difference of a few words
            assert readtime(text, words_per_minute) == material_readtime(
                text, words_per_minute), page


def test_a_front_matter_read_again_is_a_fresh_copy_of_the_same_values() -> None:
    text = "date: 2026-12-03\ncategories: [Optimization]\ntitle: A post\n"
    loader = blog_structure.SafeLoader
    first = blog_structure.yaml.load(text, loader)
    assert first == yaml.load(text, yaml.SafeLoader)
    first["categories"].append("Changed by the plugin")
    again = blog_structure.yaml.load(text, loader)
    assert again == yaml.load(text, yaml.SafeLoader)
    assert again is not first and again["categories"] == ["Optimization"]


def test_a_front_matter_error_is_raised_every_time() -> None:
    for _ in range(2):
        with pytest.raises(yaml.YAMLError):
            blog_structure.yaml.load("title: [unclosed\n", blog_structure.SafeLoader)


def test_every_theme_environment_keeps_compiled_templates(tmp_path) -> None:
    # The blog plugin's _translate makes its own environment for each label.
    config = load_config(config_file=str(make_fixture_project(tmp_path) / "mkdocs.yml"))
    config.plugins["execblog-build"].on_config(config)  # it installs the cache
    env = config.theme.get_env()
    assert isinstance(env.bytecode_cache, jinja2.FileSystemBytecodeCache)
    assert env.bytecode_cache.directory.endswith("jinja")


def test_a_page_read_again_keeps_its_count_and_an_edit_changes_it() -> None:
    page = "<p>" + "word " * 600 + "</p>"
    longer = page + "<p>" + "more " * 600 + "</p>"
    for text in (page, page, longer, page):  # the first count kept, and for that page only
        for words_per_minute in (265, 60, 265):
            assert readtime(text, words_per_minute) == material_readtime(text, words_per_minute)
    assert readtime(longer, 265) > readtime(page, 265) and readtime(page, 60) > readtime(page, 265)


def test_installing_again_replaces_the_patches_instead_of_stacking_them(tmp_path) -> None:
    # Every build installs them (tests build copies of the project in one process).
    for _ in range(2):
        compat.install_build_speedups(tmp_path / "jinja")
    assert Theme.get_env is compat.get_env
    assert compat.get_env.original.__module__ == "mkdocs.theme"
    assert blog_structure.Excerpt.render is compat.render_excerpt
    assert compat.render_excerpt.original.__module__ == blog_structure.__name__
