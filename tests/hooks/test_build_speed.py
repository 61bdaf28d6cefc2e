"""hooks/build_speed.py's reading time counts what Material's blog plugin counts."""

from __future__ import annotations

import pytest
from build_speed import readtime
from material.plugins.blog.readtime import readtime as material_readtime

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
