"""Highlighted code kept between builds (execblog/build/highlight_cache.py, through
execblog.compat's cache_highlighting): the same HTML as Pygments makes, made once."""

from __future__ import annotations

import sqlite3

import markdown
import pymdownx.highlight
import pytest

from execblog import compat
from execblog.build.highlight_cache import HighlightCache

BLOCK = "```python\ndef f(x):\n    return x + 1  # one\n```\n"
EXTENSIONS = ["pymdownx.highlight", "pymdownx.superfences", "pymdownx.inlinehilite"]


def convert(text: str, **highlight) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS,
                             extension_configs={"pymdownx.highlight": highlight})


@pytest.fixture
def cache(tmp_path):
    made = HighlightCache(tmp_path / "highlight.sqlite")
    compat.cache_highlighting(made)
    yield made
    compat.cache_highlighting(None)
    made.db.close()


def no_pygments(*args, **kwargs):
    raise AssertionError("Pygments was asked again")


def test_a_block_is_highlighted_once_and_kept_between_builds(cache, tmp_path, monkeypatch):
    compat.cache_highlighting(None)
    plain = convert(BLOCK)
    compat.cache_highlighting(cache)
    assert convert(BLOCK) == plain
    assert len(cache.new) == 1
    cache.save()
    # The next build (a new process: a new cache object) asks Pygments for nothing.
    later = HighlightCache(tmp_path / "highlight.sqlite")
    compat.cache_highlighting(later)
    monkeypatch.setattr(pymdownx.highlight, "highlight", no_pygments)
    assert convert(BLOCK) == plain
    assert later.hits == 1
    later.db.close()


def test_other_settings_or_code_are_other_entries(cache):
    default = convert(BLOCK)
    numbered = convert(BLOCK, linenums=True)
    assert numbered != default and "linenos" in numbered
    assert convert(BLOCK.replace("one", "two")) != default
    assert len(cache.new) == 3
    compat.cache_highlighting(None)
    assert convert(BLOCK, linenums=True) == numbered


def test_inline_code_is_not_kept(cache):
    html = convert("Inline `#!python x + 1` here.\n")
    assert 'class="highlight"' in html and cache.new == {}


def test_a_damaged_entry_is_made_again(cache, tmp_path):
    plain = convert(BLOCK)
    cache.save()
    with sqlite3.connect(tmp_path / "highlight.sqlite") as db:
        db.execute("UPDATE html SET html = '<pre>damaged</pre>'")
    later = HighlightCache(tmp_path / "highlight.sqlite")
    compat.cache_highlighting(later)
    assert convert(BLOCK) == plain and later.hits == 0
    later.db.close()


def test_a_file_that_is_not_a_database_is_started_afresh(tmp_path):
    path = tmp_path / "highlight.sqlite"
    path.write_text("not a database " * 100)
    made = HighlightCache(path)
    made.put("k", "<pre>x</pre>")
    made.save()
    assert HighlightCache(path).get("k") == "<pre>x</pre>"
