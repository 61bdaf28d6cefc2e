"""Pages computed from the posts' front matter: the latest posts on the home page, the
topic calendar (days with a topic, streaks) and the topics index by category and tag.

A page asks for one by holding a marker comment on its own line:
``<!-- latest-posts -->``, ``<!-- topic-calendar -->`` or ``<!-- topics-index -->``.
Drafts and posts dated in the future are left out, as the blog itself leaves them out.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from execblog.posts.frontmatter import (
    FILENAME,
    POSTS_DIR,
    post_date,
    post_paths,
    post_source,
    read_front_matter,
)

LATEST = 5
ROOT = Path(__file__).resolve().parents[2]
MARKERS = re.compile(r"<!-- (?:latest-posts|topic-calendar|topics-index|used-by:\w+) -->")
USED_BY = re.compile(r"<!-- used-by:(\w+) -->")


@dataclass(frozen=True)
class Post:
    date: dt.date
    title: str
    description: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    src: str  # relative to docs/, as the Markdown page MkDocs knows
    src_path: str  # the file itself (.md or .ipynb), relative to docs/


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
                          path.with_suffix(".md").relative_to(docs_dir).as_posix(),
                          path.relative_to(docs_dir).as_posix()))
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


@functools.cache
def nn_public_names(module: str) -> frozenset[str]:
    """Classes and functions that ``nn/<module>.py`` defines at top level."""
    import ast

    tree = ast.parse((ROOT / "nn" / f"{module}.py").read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body if isinstance(node, (ast.ClassDef,
                     ast.FunctionDef)) and not node.name.startswith("_"))


@functools.cache
def uses_module(post: Post, module: str, docs_dir: Path) -> bool:
    """Does the post show code from ``nn/<module>.py`` or do its snippets use it?"""
    if f'"{module}.py:' in post_text(docs_dir / post.src_path):
        return True
    folder = ROOT / "snippets" / FILENAME.match(Path(post.src_path).stem)["slug"].replace("-", "_")
    return bool(module_use(module).search(snippet_text(folder)))


@functools.cache
def module_use(module: str) -> re.Pattern:
    """Matches code that uses ``nn.<module>``: by module name or by one of its names."""
    names = "|".join(map(re.escape, nn_public_names(module))) or "^$"
    return re.compile(rf"\bnn\.{module}\b|\bnn\.(?:{names})\b"
                      rf"|from nn import [^\n]*\b(?:{names})\b")


@functools.cache
def post_text(path: Path) -> str:
    return post_source(path)


@functools.cache
def snippet_text(folder: Path) -> str:
    """All the code of a post's snippet folder, read once per build."""
    if not folder.is_dir():
        return ""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py")))


def used_by(posts: list[Post], module: str, docs_dir: Path, page_src: str) -> str:
    users = [p for p in posts if uses_module(p, module, docs_dir)]
    if not users:
        return "_No post uses this module yet._"
    links = ", ".join(f"[{p.title}]({link(p, page_src)})" for p in users)
    return f'!!! example "Posts that use `nn.{module}`"\n    {links}\n'


_posts_this_build: list[Post] | None = None


def on_pre_build(config):
    global _posts_this_build
    _posts_this_build = None  # read the posts again at each build (`mkdocs serve`)
    uses_module.cache_clear()
    nn_public_names.cache_clear()
    module_use.cache_clear()
    post_text.cache_clear()
    snippet_text.cache_clear()


def on_page_markdown(markdown, page, config, files):
    global _posts_this_build
    if not MARKERS.search(markdown):
        return markdown
    docs_dir = Path(config.docs_dir)
    today = dt.date.today()
    if _posts_this_build is None:
        _posts_this_build = published_posts(docs_dir, today)
    posts = _posts_this_build
    src = page.file.src_path
    if "<!-- latest-posts -->" in markdown:
        markdown = markdown.replace("<!-- latest-posts -->", latest_posts(posts, src))
    if "<!-- topic-calendar -->" in markdown:
        markdown = markdown.replace("<!-- topic-calendar -->", calendar(posts, today))
    if "<!-- topics-index -->" in markdown:
        markdown = markdown.replace("<!-- topics-index -->", topics_index(posts, src))
    markdown = USED_BY.sub(lambda m: used_by(posts, m[1], docs_dir, src), markdown)
    return markdown
