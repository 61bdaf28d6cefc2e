"""Checks of a built blog that hold at any number of posts, with drafts and future posts in
the tree: what the index pages list, what the feeds hold, what search indexes, what stays
unpublished.

Each returns a list of problems (empty for a good site), so that the tests of the real blog
and of a grown copy of the fixture site share them, and a test can show each catches its
fault.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import feedparser
from mkdocs.utils.yaml import yaml_load

from execblog.posts.frontmatter import post_date, post_paths, post_source, read_front_matter  # noqa: E402
from tests.selection import unrecorded

FEEDS = ["feed_rss_created.xml", "feed_rss_updated.xml"]
INDEX_ENTRY = re.compile(
    r'<article class="md-post md-post--excerpt">.*?<h2 id="[^"]*">'
    r'<a class="toclink" href="([^"]+)">(.*?)</a></h2>', re.S)


@dataclass(frozen=True)
class Post:
    date: dt.date
    title: str
    draft: bool  # a draft, or dated after today: built only by `mkdocs serve`
    source: Path | None = field(default=None, compare=False)


def post_title(path: Path, meta: dict) -> str:
    if meta.get("title"):
        return str(meta["title"])
    heading = re.search(r"^# (.+)$", post_source(path), re.MULTILINE)
    assert heading, f"{path.name} has no title"
    return heading.group(1).strip()


def posts(docs: Path, today: dt.date | None = None) -> list[Post]:
    """Every post in the tree, newest first."""
    today = today or dt.date.today()
    found = []
    for path in post_paths(docs / "blog" / "posts"):
        meta = read_front_matter(path)
        date = post_date(meta["date"])
        found.append(Post(date, post_title(path, meta), bool(meta.get("draft")) or date > today,
                          path))
    return sorted(found, key=lambda post: post.date, reverse=True)


def published(docs: Path) -> list[Post]:
    return [post for post in posts(docs) if not post.draft]


def blog_settings(project: Path) -> dict:
    config = yaml_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    settings = {}
    for plugin in config["plugins"]:
        if isinstance(plugin, dict):
            settings.update({f"{name}.{key}": value for name, options in plugin.items()
                             for key, value in (options or {}).items()})
    return settings


def index_pages(site: Path) -> list[Path]:
    """The blog index's pages in order: blog/, blog/page/2/, ..."""
    pages = [site / "blog" / "index.html"]
    while (following := site / "blog" / "page" / str(len(pages) + 1) / "index.html").is_file():
        pages.append(following)
    return pages


def index_problems(site: Path, project: Path) -> list[str]:
    """Every published post is listed once, newest first, ``pagination_per_page`` a page."""
    per_page = blog_settings(project).get("blog.pagination_per_page", 10)
    expected = [post.title for post in published(project / "docs")]
    listed: list[str] = []
    problems = []
    pages = index_pages(site)
    for number, page in enumerate(pages, start=1):
        titles = [re.sub(r"<[^>]+>", "", title)
                  for _, title in INDEX_ENTRY.findall(page.read_text(encoding="utf-8"))]
        if len(titles) > per_page or (number < len(pages) and len(titles) != per_page):
            problems.append(f"index page {number} lists {len(titles)} posts, "
                            f"expected {per_page} a page")
        listed += titles
    if listed != expected:
        missing = [t for t in expected if t not in listed]
        extra = [t for t in listed if t not in expected]
        problems.append(f"the index lists {len(listed)} posts, expected {len(expected)}; "
                        f"missing {missing[:5]}, not published {extra[:5]}"
                        + ("" if missing or extra else ", out of order"))
    return problems


@cache  # a built site does not change during a test run
def post_addresses(site: Path) -> dict[str, list[Path]]:
    """Each post title the index pages list -> the built pages its entries link to."""
    found: dict[str, list[Path]] = {}
    for page in index_pages(site):
        for href, title in INDEX_ENTRY.findall(page.read_text(encoding="utf-8")):
            target = (page.parent / href / "index.html").resolve()
            found.setdefault(html.unescape(re.sub(r"<[^>]+>", "", title)), []).append(target)
    return found


def post_page(site: Path, post: Post) -> Path:
    """The one built page of a published post, found through the blog index.

    For ``make test``'s selection (tests/selection.py), a check of the page depends on the
    page and the post's source, not on the index, which every new post changes: the lookup
    is made unrecorded, then the page and the source are read, recorded. (The index has
    checks of its own, and a post's page moves only by an edit of its source.)"""
    with unrecorded():
        pages = post_addresses(site).get(post.title, [])
    assert len(pages) == 1, (f"{post.source.name if post.source else post.title}: the blog "
                             f"index links {len(pages)} pages titled {post.title!r}")
    if post.source:
        post.source.read_bytes()
    pages[0].read_bytes()
    return pages[0]


def named_post(site: Path, docs: Path, name: str) -> Path:
    """The built page of the published post whose source file is ``name``. Finding it
    reads every post, unrecorded as in ``post_page``: a check of the page depends on that
    post alone."""
    with unrecorded():
        post = next((p for p in published(docs) if p.source and p.source.name == name), None)
    assert post, f"no published post {name} in {docs}"
    return post_page(site, post)


def pages_other_than_posts(site: Path) -> list[Path]:
    """Every built page but the posts' (which each post's own tests check)."""
    posts = {page for pages in post_addresses(site).values() for page in pages}
    return [page for page in sorted(site.rglob("*.html")) if page.resolve() not in posts]


def read_feed(site: Path, name: str):
    feed = feedparser.parse((site / name).read_bytes())
    assert feed.bozo == 0, f"{name} does not parse: {feed.get('bozo_exception')}"
    return feed


def feed_problems(site: Path, project: Path, site_url: str) -> list[str]:
    """Each feed holds the newest ``rss.length`` published posts (all of them, if fewer),
    with absolute links to pages that exist and the front matter's dates."""
    from tests.site.test_links import target_file

    length = blog_settings(project).get("rss.length", 20)
    newest = published(project / "docs")[:length]
    expected = {post.title: post.date for post in newest}
    problems = []
    for name in FEEDS:
        feed = read_feed(site, name)
        if not feed.feed.link.startswith("https://"):
            problems.append(f"{name}: the channel link {feed.feed.link} is not absolute")
        entries = {entry.title: entry for entry in feed.entries}
        # Posts are dated once (the update date is the creation date), so both feeds hold
        # the same posts.
        if sorted(entries) != sorted(expected):
            problems.append(f"{name}: holds {len(entries)} posts, expected the newest "
                            f"{len(expected)} published; missing "
                            f"{sorted(set(expected) - set(entries))[:5]}, unexpected "
                            f"{sorted(set(entries) - set(expected))[:5]}")
        for title, entry in entries.items():
            for url in (entry.link, entry.id):
                if not url.startswith(site_url):
                    problems.append(f"{name}: {title}: {url} is not absolute")
            path = "/" + entry.link[len("https://"):].split("/", 1)[1]
            if not target_file(site, path):
                problems.append(f"{name}: {entry.link} is not in the site")
            dated = dt.date(*entry.published_parsed[:3])
            if title in expected and dated != expected[title]:
                problems.append(f"{name}: {title} dated {dated}, "
                                f"front matter says {expected[title]}")
    return problems


def unpublished_problems(site: Path, project: Path) -> list[str]:
    """Drafts and future posts appear in no index page, feed, sitemap or post page."""
    hidden = [post for post in posts(project / "docs") if post.draft]
    places = [*index_pages(site), *(site / name for name in FEEDS), site / "sitemap.xml"]
    texts = {place: place.read_text(encoding="utf-8") for place in places}
    problems = []
    for post in hidden:
        for place, text in texts.items():
            if f">{post.title}<" in text or f"<title>{post.title}</title>" in text:
                problems.append(f"{place.relative_to(site)} shows unpublished {post.title!r}")
        day = site / "blog" / post.date.strftime("%Y/%m/%d")
        if day.is_dir() and any(post.title in page.read_text(encoding="utf-8")
                                for page in day.glob("*/index.html")):
            problems.append(f"unpublished {post.title!r} has a page under {day.relative_to(site)}")
    return problems


def search_index(site: Path) -> dict[str, dict]:
    """What search indexed (hooks/search.py): page address (under the site's root, from
    "/") -> its fragment's ``title``, its indexed text as ``content``, and the ``words``
    whose postings in the chunks name the page."""
    folder = site / "search-index"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    words: dict[int, set[str]] = {}
    for _, name in manifest["chunks"]:
        for word, flat in json.loads((folder / name).read_text(encoding="utf-8")).items():
            number = 0
            for step in flat[::3]:
                number += step
                words.setdefault(number, set()).add(word)
    pages = {}
    for page in (folder / manifest["fragments"]).iterdir():
        parts = [json.loads(part.read_text(encoding="utf-8"))
                 for part in sorted(page.glob("*.json"), key=lambda part: int(part.stem))]
        url = "/" + parts[0]["url"]
        assert url not in pages, f"{url} is indexed twice"
        text = " ".join(" ".join(section[1:]) for part in parts for section in part["sections"])
        pages[url] = {"title": parts[0]["title"], "content": text,
                      "words": words.get(int(page.name), set())}
    return pages


def search_problems(site: Path, project: Path) -> list[str]:
    """Every published post is indexed, once, under its title, with its categories and tags;
    nothing unpublished is; the blog's lists of excerpts are not (they would repeat every
    post's hits); Material's whole-site index is not shipped."""
    indexed = search_index(site)
    titles = [record["title"] for record in indexed.values()]
    problems = []
    if (site / "search" / "search_index.json").exists():
        problems.append("search/search_index.json is shipped (every page would download it)")
    for post in published(project / "docs"):
        if titles.count(post.title) != 1:
            problems.append(f"{post.title!r} is indexed {titles.count(post.title)} times")
    for post in posts(project / "docs"):
        if post.draft and post.title in titles:
            problems.append(f"unpublished {post.title!r} is in the search index")
    listings = [url for url in indexed
                if re.match(r"^/blog/(page/\d+/|archive/|category/|$)", url)]
    if listings:
        problems.append(f"lists of excerpts are indexed: {sorted(listings)[:5]}")
    return problems
