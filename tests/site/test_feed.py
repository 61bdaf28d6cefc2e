"""The blog index, the RSS feeds and the search index: the index lists every published post,
ten a page; each feed holds the newest published posts (``rss.length`` of them, 20 by
default) with absolute links and their front-matter dates; search indexes each published
post once; drafts and future posts are nowhere.

The real blog is checked as it is; the fixture site, which holds a draft and a post dated in
the future, as it is and grown past two index pages.
"""

from __future__ import annotations

import shutil

from execblog.search.words import stem
from tests.conftest import ROOT, grow, run_build
from tests.site.checks import (
    feed_problems,
    index_problems,
    published,
    search_index,
    search_problems,
    unpublished_problems,
)
from tests.site.test_links import SITE_URL, broken_links


def assert_none(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


def test_real_blog_index_and_feeds(built_site) -> None:
    assert published(ROOT / "docs"), "no published posts"
    assert_none(index_problems(built_site.site, ROOT))
    assert_none(feed_problems(built_site.site, ROOT, SITE_URL))
    assert_none(unpublished_problems(built_site.site, ROOT))
    assert_none(search_problems(built_site.site, ROOT))


def test_fixture_index_and_feeds_leave_out_drafts_and_future_posts(built_fixture) -> None:
    project = built_fixture.site.parent / "fixture-site-project"
    titles = {post.title for post in published(project / "docs")}
    assert titles == {"Alpha: one descent step", "Beta: a layer's shapes",
                      "Gamma: a notebook post", "Delta: citations and numbers",
                      "Epsilon: the series continues"}
    assert_none(index_problems(built_fixture.site, project))
    assert_none(feed_problems(built_fixture.site, project, SITE_URL))
    assert_none(unpublished_problems(built_fixture.site, project))
    assert_none(search_problems(built_fixture.site, project))
    # The draft and the future post are in the tree, so the last check meant something.
    for page in built_fixture.site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for title in ("Zebra draft post", "Quokka future post"):
            assert title not in text, f"{page.relative_to(built_fixture.site)} shows {title!r}"


def test_site_checks_hold_on_a_blog_grown_past_two_index_pages(fixture_project, tmp_path):
    grown = grow(fixture_project, 25)
    build = run_build(fixture_project, tmp_path / "site")
    assert build.returncode == 0, build.output
    site = build.site
    assert (site / "blog/page/3/index.html").is_file(), "expected three index pages"
    assert_none(index_problems(site, fixture_project))
    assert_none(feed_problems(site, fixture_project, SITE_URL))
    assert_none(unpublished_problems(site, fixture_project))
    assert_none(search_problems(site, fixture_project))
    assert_none(broken_links(site))
    # The feed holds the newest 20 of 30 published posts: the oldest grown ones are out.
    assert len(published(fixture_project / "docs")) == len(grown) + 5


def test_the_checks_catch_what_they_check(built_fixture, tmp_path) -> None:
    project = built_fixture.site.parent / "fixture-site-project"
    site = tmp_path / "site"
    shutil.copytree(built_fixture.site, site)
    index = site / "blog" / "index.html"
    text = index.read_text(encoding="utf-8")
    # A post dropped from the index, and a draft's title shown in a feed.
    index.write_text(text.replace("Beta: a layer&#39;s shapes", "Something else")
                     .replace("Beta: a layer's shapes", "Something else"), encoding="utf-8")
    feed = site / "feed_rss_created.xml"
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "<title>Gamma: a notebook post</title>", "<title>Zebra draft post</title>"),
        encoding="utf-8")
    assert any("missing" in p for p in index_problems(site, project))
    assert any("Gamma" in p for p in feed_problems(site, project, SITE_URL))
    assert any("Zebra draft post" in p for p in unpublished_problems(site, project))
    # A listing page indexed, and a post missing from the index.
    (site / "search" / "search_index.json").parent.mkdir()
    (site / "search" / "search_index.json").write_text("{}")
    for page in list((site / "search-index").glob("fragments-*/*")):
        if any(b"Beta" in part.read_bytes() for part in page.glob("*.json")):
            shutil.rmtree(page)
    problems = "\n".join(search_problems(site, project))
    assert "a layer's shapes\" is indexed 0 times" in problems, problems
    assert "search_index.json is shipped" in problems, problems


def test_search_indexes_words_readers_look_for_and_not_markup(built_fixture) -> None:
    post = search_index(built_fixture.site)["/blog/2026/01/05/alpha-one-descent-step/"]
    text = post["content"]
    # The index holds the words' stems (Snowball English, as the browser makes them).
    assert "partial derivative" in text and {stem("partial"), stem("derivative")} <= post["words"]
    # Its category and tag are words of the index, though not of its text.
    assert "Optimization" not in text
    assert {stem("optimization"), stem("gradient")} <= post["words"]
    assert "mjx" not in text and "¶" not in text  # no formula SVG, no permalink signs
    assert "mjx" not in post["words"]
