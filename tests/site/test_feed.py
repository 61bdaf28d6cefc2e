"""The RSS feeds: valid, every published post with an absolute link and its front-matter
date; drafts and posts dated in the future absent (from the feeds and the blog index)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import feedparser
import pytest

from tests.conftest import ROOT
from tests.site.test_links import SITE_URL, target_file

sys.path.insert(0, str(ROOT / "hooks"))
from frontmatter import post_date, post_paths, post_source, read_front_matter  # noqa: E402

FEEDS = ["feed_rss_created.xml", "feed_rss_updated.xml"]


def post_title(path: Path, meta: dict) -> str:
    if meta.get("title"):
        return str(meta["title"])
    heading = re.search(r"^# (.+)$", post_source(path), re.MULTILINE)
    assert heading, f"{path.name} has no title"
    return heading.group(1).strip()


def published(docs: Path, today: dt.date | None = None) -> dict[str, dt.date]:
    """Title -> date of every post the blog publishes: not a draft, not in the future."""
    today = today or dt.date.today()
    posts = {}
    for path in post_paths(docs / "blog" / "posts"):
        meta = read_front_matter(path)
        date = post_date(meta["date"])
        if not meta.get("draft") and date <= today:
            posts[post_title(path, meta)] = date
    return posts


def read_feed(site: Path, name: str):
    feed = feedparser.parse((site / name).read_bytes())
    assert feed.bozo == 0, f"{name} does not parse: {feed.get('bozo_exception')}"
    return feed


@pytest.mark.parametrize("name", FEEDS)
def test_feed_lists_every_published_post(built_site, name) -> None:
    expected = published(ROOT / "docs")
    assert expected, "no published posts"
    feed = read_feed(built_site.site, name)
    assert feed.feed.link.startswith("https://"), feed.feed.link
    entries = {entry.title: entry for entry in feed.entries}
    assert sorted(entries) == sorted(expected), f"{name}: posts differ from the published ones"
    for title, entry in entries.items():
        for url in (entry.link, entry.id):
            assert url.startswith(SITE_URL), f"{name}: {title}: {url} is not absolute"
        path = "/" + entry.link[len("https://"):].split("/", 1)[1]
        assert target_file(built_site.site, path), f"{name}: {entry.link} is not in site/"
        published_on = dt.date(*entry.published_parsed[:3])
        assert published_on == expected[title], (
            f"{name}: {title} dated {published_on}, front matter says {expected[title]}")


DRAFT = """---
date: 2026-11-10
categories:
  - Optimization
description: A draft that must not be published.
draft: true
---

# Zebra draft post

Not ready.

<!-- more -->

More.
"""

FUTURE = """---
date: 2099-01-01
categories:
  - Optimization
description: A post dated in the future, which must wait for its day.
---

# Quokka future post

Not yet.

<!-- more -->

More.
"""


def test_drafts_and_future_posts_are_left_out(project_copy, build_copy) -> None:
    posts = project_copy / "docs" / "blog" / "posts"
    (posts / "2026-11-10-zebra-draft-post.md").write_text(DRAFT)
    (posts / "2099-01-01-quokka-future-post.md").write_text(FUTURE)
    build = build_copy()
    assert build.returncode == 0, build.output
    present = next(iter(published(project_copy / "docs")))  # the control
    index = (build.site / "blog" / "index.html").read_text(encoding="utf-8")
    assert present in index
    for name in FEEDS:
        titles = [entry.title for entry in read_feed(build.site, name).entries]
        assert present in titles, f"{name} lost the published post {present!r}"
        assert "Zebra draft post" not in titles, f"{name} lists the draft"
        assert "Quokka future post" not in titles, f"{name} lists the post dated 2099"
    for page in build.site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for title in ("Zebra draft post", "Quokka future post"):
            assert title not in text, f"{page.relative_to(build.site)} shows {title!r}"
