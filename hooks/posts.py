"""Pages computed from the posts' front matter: the latest posts on the home page, the
topic calendar (days with a topic, streaks) and the topics index by category and tag.

A page asks for one by holding a marker comment on its own line:
``<!-- latest-posts -->``, ``<!-- topic-calendar -->`` or ``<!-- topics-index -->``.
Drafts and posts dated in the future are left out, as the blog itself leaves them out.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from frontmatter import FILENAME, POSTS_DIR, post_date, post_paths, post_source, read_front_matter

LATEST = 5


@dataclass(frozen=True)
class Post:
    date: dt.date
    title: str
    description: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    src: str  # relative to docs/


def published_posts(docs_dir: Path, today: dt.date | None = None) -> list[Post]:
    """Published posts, newest first (drafts and future dates excluded)."""
    today = today or dt.date.today()
    posts = []
    for path in post_paths(docs_dir / POSTS_DIR):
        if not FILENAME.match(path.stem):
            continue
        meta = read_front_matter(path)
        if meta.get("draft"):
            continue
        date = post_date(meta.get("date"))
        if date > today:
            continue
        heading = re.search(r"^# (.+)$", post_source(path), re.MULTILINE)
        title = meta.get("title") or (heading.group(1).strip() if heading else path.stem)
        posts.append(Post(date, title, str(meta.get("description", "")),
                          tuple(meta.get("categories") or ()), tuple(meta.get("tags") or ()),
                          path.with_suffix(".md").relative_to(docs_dir).as_posix()))
    return sorted(posts, key=lambda p: p.date, reverse=True)


def link(post: Post, page_src: str) -> str:
    """A Markdown link from the page to the post's source, which MkDocs resolves."""
    depth = page_src.count("/")
    return "../" * depth + post.src


def latest_posts(posts: list[Post], page_src: str) -> str:
    lines = []
    for post in posts[:LATEST]:
        lines.append(f"- **[{post.title}]({link(post, page_src)})** "
                     f"<small>{post.date:%d %B %Y}</small><br>{post.description}")
    return "\n".join(lines) if lines else "_No posts yet._"


def streaks(days: set[dt.date], today: dt.date) -> tuple[int, int]:
    """(current streak, longest streak) of consecutive days with a post.

    The current streak counts back from today, or from yesterday when today has no post
    yet, so that a streak is not broken before the day is over.
    """
    longest = run = 0
    previous = None
    for day in sorted(days):
        run = run + 1 if previous and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - dt.timedelta(days=1)
    while day in days:
        current += 1
        day -= dt.timedelta(days=1)
    return current, longest


def plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def calendar(posts: list[Post], today: dt.date) -> str:
    """A year of days as a grid of squares, one column a week, like a contribution graph."""
    by_day = {p.date: p for p in posts}
    current, longest = streaks(set(by_day), today)
    start = today - dt.timedelta(days=364)
    start -= dt.timedelta(days=start.weekday())  # columns start on Monday
    cells = []
    day = start
    while day <= today:
        post = by_day.get(day)
        label = f"{day:%d %b %Y}: {post.title}" if post else f"{day:%d %b %Y}: no topic"
        cls = "topic-day topic-day--on" if post else "topic-day"
        cells.append(f'<span class="{cls}" title="{html.escape(label, True)}" '
                     f'role="img" aria-label="{html.escape(label, True)}"></span>')
        day += dt.timedelta(days=1)
    total = len([p for p in posts if p.date >= start])
    summary = (f"**{total}** {plural(total, 'topic')} in the last year &middot; current "
               f"streak **{current}** {plural(current, 'day')} &middot; longest streak "
               f"**{longest}** {plural(longest, 'day')}")
    grid = f'<div class="topic-calendar" markdown="0">{"".join(cells)}</div>'
    return f"{summary}\n\n{grid}\n"


def topics_index(posts: list[Post], page_src: str) -> str:
    out = []
    for heading, key in (("By category", "categories"), ("By tag", "tags")):
        groups: dict[str, list[Post]] = defaultdict(list)
        for post in posts:
            for name in getattr(post, key):
                groups[name].append(post)
        out.append(f"## {heading}\n")
        for name in sorted(groups, key=str.lower):
            out.append(f"### {name}\n")
            out += [f"- [{p.title}]({link(p, page_src)}) <small>{p.date:%d %b %Y}</small>"
                    for p in groups[name]]
            out.append("")
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    if "<!-- " not in markdown:
        return markdown
    docs_dir = Path(config.docs_dir)
    today = dt.date.today()
    posts = published_posts(docs_dir, today)
    src = page.file.src_path
    markdown = markdown.replace("<!-- latest-posts -->", latest_posts(posts, src))
    markdown = markdown.replace("<!-- topic-calendar -->", calendar(posts, today))
    markdown = markdown.replace("<!-- topics-index -->", topics_index(posts, src))
    return markdown
