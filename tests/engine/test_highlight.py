"""execblog/posts/highlight.py: spans of plain tokens dropped, runs of alike tokens joined,
the code's text unchanged, nothing outside <code> touched."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from execblog.posts.highlight import columns, lighten, with_line_counts

CODE = ('<div class="highlight"><pre><span></span><code><span class="n">x</span>'
        '<span class="w"> </span><span class="o">=</span><span class="w"> </span>'
        '<span class="n">np</span><span class="o">.</span><span class="n">zeros</span>'
        '<span class="p">((</span><span class="mi">3</span><span class="p">,),</span>'
        '<span class="w"> </span><span class="o">**</span><span class="p">(</span>'
        '<span class="k">None</span><span class="p">))</span>\n</code></pre></div>')


def text(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)


def test_plain_tokens_lose_their_span_and_alike_ones_share_one() -> None:
    out = lighten(CODE, ("n", "w"), (("p", "o", "ow"),))
    assert text(out) == text(CODE)
    assert 'class="n"' not in out and 'class="w"' not in out
    assert '<span class="p">,), **(</span>' in out  # p, w, o, p: one span
    assert out.count("<span") == CODE.count("<span") - 8  # 6 plain, 3 alike made 1


def test_only_code_is_touched_and_options_turn_it_off() -> None:
    prose = '<p><span class="n">note</span></p>'
    assert lighten(prose + CODE).startswith(prose)
    assert lighten(CODE, (), ()) == CODE
    assert 'class="n"' in lighten(CODE, ("w",), ())


TOKEN = st.tuples(st.sampled_from(["n", "w", "p", "o", "ow", "k", "mi", "s2"]),
                  st.text(alphabet=" \n\tab(),.+=é$`", max_size=4))


@given(st.lists(TOKEN, max_size=30))
def test_any_code_keeps_its_text(tokens) -> None:
    code = "<code>" + "".join(f'<span class="{k}">{t}</span>' for k, t in tokens) + "</code>"
    for plain, alike in [((), (("p", "o", "ow"),)), (("n", "w"), (("p", "o"), ("k", "mi"))),
                         (("n", "w", "p", "o", "ow"), ())]:
        out = lighten(code, plain, alike)
        assert text(out) == text(code)
        assert out.count("<span") <= code.count("<span")
    out = lighten(code)
    assert text(out) == text(code)
    assert out.count("<span") <= code.count("<span")


def lines_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'style="--code-lines: (\d+);', html)]


def columns_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'--code-cols: (\d+)"', html)]


COUNTS = r' style="--code-lines: \d+; --code-cols: \d+"'


def test_each_pre_is_told_its_line_count_and_nothing_else_changes() -> None:
    out = with_line_counts(CODE + '<pre class="x"><code>a\nb</code></pre><prefix>'
                           '<pre style="color: red">a</pre><pre></pre>')
    assert lines_of(out) == [1, 2, 0]
    assert '<pre style="color: red">a</pre>' in out and "<prefix>" in out
    assert re.sub(COUNTS, "", out) == (CODE + '<pre class="x"><code>a\nb</code></pre>'
                                       '<prefix><pre style="color: red">a</pre><pre></pre>')


def test_each_pre_is_told_the_columns_of_its_longest_line() -> None:
    """Columns as a monospaced font draws them: entities as one character, tags none, a
    wide character two, a tab to the next multiple of 8."""
    out = with_line_counts('<pre><code><span class="k">x</span> = &quot;&lt;&gt;&quot;\n'
                           'ab</code></pre><pre><code>\u5b66\u7fd2 x</code></pre>'
                           '<pre><code>a\tb\n</code></pre><pre></pre>')
    assert columns_of(out) == [len('x = "<>"'), 2 + 2 + 2, 9, 0]


@given(st.lists(TOKEN, max_size=30))
def test_a_block_s_line_count_is_the_lines_of_its_text(tokens) -> None:
    code = ("<pre><span></span><code>"
            + "".join(f'<span class="{k}">{t}</span>' for k, t in tokens) + "</code></pre>")
    out = with_line_counts(lighten(code))
    assert lines_of(out) == [len(text(code).splitlines())]
    assert columns_of(out) == [max(map(columns, html.unescape(text(code)).split("\n")))]
    assert text(out) == text(code)
