"""execblog-search's options: validated in its Config schema (a wrong value names the
option, the expected and the value found), checked against each other, and given to the
index; its state is its own instance's."""

from __future__ import annotations

import pytest
from mkdocs.exceptions import PluginError

from execblog.search.index import Settings
from execblog.search.plugin import SearchPlugin


def loaded(options: dict) -> tuple[SearchPlugin, list]:
    plugin = SearchPlugin()
    errors, _ = plugin.load_config(options)
    return plugin, errors


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("parts", "two", "expected a whole number of at least 1, got 'two'"),
    ("chunk_bytes", 10, "expected a whole number of at least 1000, got 10"),
    ("title_bonus", -1, "expected a number at least 0, got -1"),
    ("k1", "high", "expected a number at least 0, got 'high'"),
    ("title_only", "calendar.md", "Expected a list of items"),
])
def test_a_wrong_value_names_the_option_and_the_value(option, value, expected):
    _, errors = loaded({option: value})
    assert [name for name, _ in errors] == [option]
    assert expected in str(errors[0][1])


@pytest.mark.parametrize(("options", "expected"), [
    ({"parts": 60}, "option 'parts': expected at most 52 (the bits JavaScript holds "
                    "exactly), got 60"),
    ({"chunk_bytes": 5000, "chunk_gzip_bytes": 6000},
     "option 'chunk_gzip_bytes': expected at most chunk_bytes (5000), got 6000"),
])
def test_options_that_contradict_each_other_fail_the_build_naming_them(options, expected):
    plugin, errors = loaded(options)
    assert not errors
    with pytest.raises(PluginError) as raised:
        plugin.on_config({})
    assert str(raised.value) == f"execblog-search: {expected}"


def test_the_options_reach_the_index_and_the_state_is_the_plugins_own(tmp_path):
    plugin, errors = loaded({"chunk_gzip_bytes": 4000, "parts": 8, "title_bonus": 0,
                             "heading_bonus": 2})
    assert not errors
    plugin.on_config({})
    assert plugin.settings == Settings(chunk_gzip_bytes=4000, parts=8, title_bonus=0.0,
                                       heading_bonus=2.0)
    other, _ = loaded({})
    (tmp_path / "x.html").write_text("<p>x</p>")
    plugin.known.get(tmp_path / "x.html", lambda path: None)
    assert len(other.known) == 0 and other.preview is not plugin.preview
