"""A post's front matter validated by ``PostMeta``, a ``Config`` schema (issue 24): every key
typed, the required ones required, and every problem of a post reported with its key's
line, not only the first (``Config.validate`` stops at the first failing key)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from mkdocs.config import base
from mkdocs.exceptions import PluginError

from execblog.posts import frontmatter
from execblog.posts.meta import REQUIRED_KEYS, PostMeta

POST = """---
date: 2026-01-05
categories:
  - Optimization
description: A post about descent.
{extra}---

# Descent

Text.
"""
NAME = "2026-01-05-descent.md"


def problems(meta: dict, allowed=("Optimization",), name: str = NAME) -> list[str]:
    return [problem.message for problem in PostMeta(Path(name), allowed).problems(meta)]


def valid(**extra) -> dict:
    return {"date": dt.date(2026, 1, 5), "categories": ["Optimization"],
            "description": "A post about descent.", **extra}


def test_post_meta_is_a_mkdocs_config_schema_with_its_required_keys() -> None:
    assert issubclass(PostMeta, base.Config)
    assert REQUIRED_KEYS == ("date", "categories", "description")
    # Material's own post keys are all in the schema (material.plugins.blog.structure).
    from material.plugins.blog.structure.config import PostConfig
    assert set(dict(base.get_schema(PostConfig))) <= set(dict(base.get_schema(PostMeta)))


def test_a_valid_post_has_no_problem_and_its_values_are_typed() -> None:
    meta = PostMeta(Path(NAME), ["Optimization"])
    assert meta.problems(valid(tags=["a"], readtime=4, pin=True, series="S",
                               search={"exclude": True}, date={"created": "2026-01-05"})) == []
    assert meta.date == dt.date(2026, 1, 5) and meta.readtime == 4


@pytest.mark.parametrize(("extra", "expected"), [
    ({"readtime": "five"}, "readtime: expected a whole number of minutes, got 'five'"),
    ({"readtime": True}, "readtime: expected a whole number of minutes, got True"),
    ({"pin": "yes"}, "pin: expected true or false, got 'yes'"),
    ({"authors": "me"}, "authors: expected a list of strings, got 'me'"),
    ({"series": ""}, "series: expected the series' name, got ''"),
    ({"title": 3}, "title: expected a non-empty string, got 3"),
    ({"search": True}, "search: expected a mapping such as {exclude: true}, got True"),
    ({"hide": "toc"}, "hide: expected a list of strings, got 'toc'"),
    ({"comments": 1}, "comments: expected true or false, got 1"),
    ({"links": "x"}, "links: expected a list of links, got 'x'"),
])
def test_every_key_is_typed(extra, expected) -> None:
    # Before PostMeta, these keys were allowed with any value.
    assert problems(valid(**extra)) == [expected]


def test_every_problem_of_a_post_is_reported_not_only_the_first() -> None:
    found = problems({"date": "soon", "categories": ["Optimisation", "Optimization", "Fun"],
                      "description": "TODO", "slug": "Bad Slug", "draft": "no", "tagz": 1})
    assert found == [
        "unknown key 'tagz': expected one of " + str(sorted(frontmatter.ALLOWED_KEYS)),
        "date: expected an ISO date such as 2026-11-21, got 'soon'",
        "categories: 'Optimisation' is not in the allow-list in mkdocs.yml ['Optimization']",
        "categories: 'Fun' is not in the allow-list in mkdocs.yml ['Optimization']",
        "description: replace the placeholder 'TODO' with a one-line summary of the post",
        "draft: expected true or false, got 'no'",
        "slug: expected lower-case ASCII words joined by '-', got 'Bad Slug'",
    ]


def test_missing_keys_are_named_and_a_draft_may_keep_the_placeholder() -> None:
    assert problems({"tags": ["x"]}) == ["missing 'date'", "missing 'categories'",
                                          "missing 'description'"]
    assert problems(valid(description="TODO", draft=True)) == []


def test_an_empty_allow_list_allows_any_category_as_the_blog_plugin_does() -> None:
    assert problems(valid(categories=["Anything"]), allowed=()) == []
    assert problems(valid(categories=[]), allowed=()) == [
        "categories: expected a non-empty list, got []"]


def test_a_second_category_at_fault_points_at_its_own_line(tmp_path) -> None:
    folder = tmp_path / "docs" / "blog" / "posts"
    folder.mkdir(parents=True)
    (folder / NAME).write_text(POST.format(extra="").replace(
        "  - Optimization\n", "  - Optimisation\n  - Optimization\n  - Fun\n"))
    with pytest.raises(PluginError) as raised:
        frontmatter.validate_posts(tmp_path / "docs", ["Optimization"])
    text = str(raised.value)
    assert f"docs/blog/posts/{NAME}:4: categories: 'Optimisation'" in text, text
    assert f"docs/blog/posts/{NAME}:6: categories: 'Fun'" in text, text


def test_posts_in_another_folder_are_checked_there(tmp_path) -> None:
    # A blog whose plugin keeps posts in news/articles: the check reads that folder, names
    # files from mkdocs.yml's folder, and leaves blog/posts alone.
    (tmp_path / "docs" / "news" / "articles").mkdir(parents=True)
    (tmp_path / "docs" / "blog" / "posts").mkdir(parents=True)
    (tmp_path / "docs" / "blog" / "posts" / "not-a-post.md").write_text("# Page\n")
    post = tmp_path / "docs" / "news" / "articles" / NAME
    post.write_text(POST.format(extra="colour: red\n"))
    with pytest.raises(PluginError) as raised:
        frontmatter.validate_posts(tmp_path / "docs", ["Optimization"], "news/articles",
                                   root=tmp_path)
    assert str(raised.value) == ("Invalid blog post front matter:\n  docs/news/articles/"
                                 f"{NAME}:6: unknown key 'colour': expected one of "
                                 f"{sorted(frontmatter.ALLOWED_KEYS)}")


def test_the_front_matter_cache_reads_a_post_again_only_when_it_changed(tmp_path) -> None:
    path = tmp_path / NAME
    path.write_text(POST.format(extra=""))
    cache, other = frontmatter.FrontMatterCache(), frontmatter.FrontMatterCache()
    assert cache.read(path)["description"] == "A post about descent."
    assert list(cache.parsed) == [path] and len(other.parsed) == 0  # no state shared
    path.write_text(POST.format(extra="").replace("descent.", "ascent, at length."))
    assert cache.read(path)["description"] == "A post about ascent, at length."
