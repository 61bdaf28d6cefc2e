"""What one preview rebuild writes (execblog/preview/plan.py), without MkDocs: a save's
effect on posts, the lists that show them, and the posts those lists show."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from execblog.preview.plan import FULL, changed_files, plan_rebuild

A, B, C = "blog/posts/a.md", "blog/posts/b.md", "blog/posts/c.md"
BEFORE = {A: ("la", "ea", "ba"), B: ("lb", "eb", "bb"), C: ("lc", "ec", "bc")}
MARKDOWN = {A: "--8<-- 'snippets/alpha/x.py'", B: "import snippets.beta", C: "plain"}
VIEWS = {"index": [C, B], "index-2": [A], "archive": [A, B, C], "category-x": [C]}


def nothing_depends(changed: set[str]) -> set[str]:
    return set()


def plan(now=BEFORE, changed=frozenset(), depending_on=nothing_depends, before=BEFORE):
    return plan_rebuild(before, now, set(changed), MARKDOWN, depending_on, VIEWS)


def test_a_body_edit_writes_the_post_and_the_lists_that_show_it() -> None:
    result = plan({**BEFORE, C: ("lc", "ec", "bc2")})
    assert not result.full and result.posts == {C}
    assert result.views == {"index", "archive", "category-x"}
    assert result.listed == {A, B}  # converted again for their excerpts, not written


def test_a_change_to_what_lists_show_rebuilds_everything() -> None:
    assert plan({**BEFORE, A: ("la2", "ea", "ba")}) is FULL  # title, date, categories...


def test_a_post_added_or_removed_rebuilds_everything() -> None:
    assert plan({**BEFORE, "blog/posts/d.md": ("l", "e", "b")}) is FULL
    assert plan({A: BEFORE[A], B: BEFORE[B]}) is FULL


def test_the_first_build_and_a_change_outside_snippets_rebuild_everything() -> None:
    assert plan(before=None) is FULL
    assert plan_rebuild(BEFORE, BEFORE, None, MARKDOWN, nothing_depends, VIEWS) is FULL
    for name in ("nn/conv.py", "mkdocs.yml", "execblog/compat.py", "overrides/main.html"):
        assert plan(changed={name}) is FULL, name


def test_a_snippet_edit_writes_the_posts_that_include_or_import_its_folder() -> None:
    assert plan(changed={"snippets/alpha/x.py"}).posts == {A}
    assert plan(changed={"snippets/beta/y.py"}).posts == {B}


def test_a_snippet_another_post_ran_writes_that_post_too() -> None:
    def depending_on(changed: set[str]) -> set[str]:
        assert changed == {"snippets/alpha/x.py"}
        return {C, "docs/not-a-post.md"}

    result = plan(changed={"snippets/alpha/x.py"}, depending_on=depending_on)
    assert result.posts == {A, C}


def test_nothing_changed_writes_nothing() -> None:
    result = plan()
    assert not result.full and not result.posts and not result.views and not result.listed


def test_changed_files_counts_added_removed_and_edited_files() -> None:
    assert changed_files(None, {"a": "1"}) is None
    assert changed_files({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "4"}) == {"b", "c"}
    assert changed_files({"a": "1"}, {}) == {"a"}


signatures = st.tuples(*[st.sampled_from(["x", "y"])] * 3)


@given(st.dictionaries(st.sampled_from([A, B, C]), signatures, min_size=3),
       st.dictionaries(st.sampled_from([A, B, C]), signatures, min_size=3))
def test_a_partial_plan_writes_every_list_showing_a_written_post(before, now) -> None:
    result = plan_rebuild(before, now, set(), MARKDOWN, nothing_depends, VIEWS)
    if result.full:
        assert any(before[src][0] != now[src][0] for src in now)
        return
    assert result.posts == {src for src in now if now[src] != before[src]}
    for key, shown in VIEWS.items():
        assert (key in result.views) == any(src in result.posts for src in shown)
    assert not result.listed & result.posts
