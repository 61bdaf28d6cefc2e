"""Pages computed from the posts' front matter: the latest posts on the home page, the
topic calendar (days with a topic, streaks) and the topics index by category and tag.

A page asks for one by holding a marker comment on its own line:
``<!-- latest-posts -->``, ``<!-- topic-calendar -->`` or ``<!-- topics-index -->``.
Drafts and posts dated in the future are left out, as the blog itself leaves them out.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from execblog.posts.frontmatter import (
    FILENAME,
    POSTS_DIR,
    FrontMatterCache,
    post_date,
    post_paths,
    post_source,
    read_front_matter,
)

LATEST = 5  # the default of PostsConfig.latest
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


def published_posts(docs_dir: Path, today: dt.date | None = None, posts_dir: str = POSTS_DIR,
                    cache: FrontMatterCache | None = None) -> list[Post]:
    """Published posts of ``docs_dir/posts_dir``, newest first (drafts and future dates
    excluded); ``cache`` keeps front matter parsed across builds."""
    today = today or dt.date.today()
    posts = []
    for path in post_paths(docs_dir / posts_dir):
        if not FILENAME.match(path.stem):
            continue
        meta = cache.read(path) if cache else read_front_matter(path)
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


def latest_posts(posts: list[Post], page_src: str, count: int = LATEST) -> str:
    lines = []
    for post in posts[:count]:
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
    """Every post under each of its categories and tags, newest first. Each group is folded
    (``<details>``, its count and latest date on the fold): a post is listed five times or
    so, and at 365 posts the lists, drawn open, were 5,500 elements whose styling and layout
    held a phone's browser for 600 ms (Lighthouse performance 84; folded: 100, issue 27).
    Folded, they are still in the page (and in the search index); none is styled or laid
    out until a reader opens it."""
    out = []
    for heading, key in (("By category", "categories"), ("By tag", "tags")):
        groups: dict[str, list[Post]] = defaultdict(list)
        for post in posts:
            for name in getattr(post, key):
                groups[name].append(post)
        out.append(f"## {heading}\n")
        for name in sorted(groups, key=str.lower):
            group = groups[name]
            out.append(f"### {name}\n")
            out.append(f'<details class="topics" markdown="1">\n<summary>'
                       f"{len(group)} {plural(len(group), 'topic')}, the latest on "
                       f"{group[0].date:%d %b %Y}</summary>\n")
            out += [f"- [{p.title}]({link(p, page_src)}) <small>{p.date:%d %b %Y}</small>"
                    for p in group]
            out.append("\n</details>\n")
    return "\n".join(out)


def public_names(path: Path) -> frozenset[str]:
    """Classes and functions that the module at ``path`` defines at top level."""
    if not path.is_file():
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body if isinstance(node, (ast.ClassDef,
                     ast.FunctionDef)) and not node.name.startswith("_"))


def code_uses(package: str, code: str) -> tuple[frozenset[str], frozenset[str]]:
    """What ``code`` takes from ``package``: the names it writes as ``<package>.<name>``
    and the words of its ``from <package> import ...`` lines. Code uses a module
    ``<package>.<module>`` when it writes the module's name so, or one of the module's
    public names either way (``uses()``); read once per folder of code, however many
    modules are asked about."""
    # (the name in a lookahead: "nn.nn.conv" writes both "nn" and "conv")
    written = frozenset(re.findall(rf"\b{re.escape(package)}\.(?=(\w+))", code))
    imported = frozenset(word for line in re.findall(
        rf"from {re.escape(package)} import ([^\n]*)", code) for word in re.findall(r"\w+", line))
    return written, imported


def uses(found: tuple[frozenset[str], frozenset[str]], module: str,
         names: frozenset[str]) -> bool:
    """Whether code whose ``code_uses()`` is ``found`` uses ``module`` (its ``names``)."""
    written, imported = found
    return module in written or not names.isdisjoint(written | imported)


class Listings:
    """The lists a page asks for by marker, for one site. The posts are read once per build
    (``start_build``, at each `mkdocs serve` rebuild); what a ``used-by`` list reads (a
    module's names, a post's text, a post's snippets) is kept for that build, keyed by
    module, file and folder.

    ``code_dir`` is the package whose modules ``<!-- used-by:module -->`` names (its name
    is the folder's), ``snippets_dir`` the folder of each post's snippets (a folder per
    post, named as its slug with ``_`` for ``-``)."""

    def __init__(self, docs_dir: Path, posts_dir: str = POSTS_DIR, latest: int = LATEST,
                 code_dir: Path | None = None, snippets_dir: Path | None = None,
                 cache: FrontMatterCache | None = None) -> None:
        self.docs_dir, self.posts_dir, self.latest = docs_dir, posts_dir, latest
        self.code_dir, self.snippets_dir = code_dir, snippets_dir
        self.cache = cache
        self.start_build()

    def start_build(self) -> None:
        """Forget what the last build read: the posts, modules, texts and snippets."""
        self.posts: list[Post] | None = None
        self.names: dict[str, frozenset[str]] = {}  # module -> its public names
        self.texts: dict[Path, str] = {}  # post file -> its Markdown
        # snippet folder -> what its code takes from the package (code_uses)
        self.snippets_used: dict[Path, tuple[frozenset[str], frozenset[str]]] = {}
        self.uses: dict[tuple[str, str], bool] = {}  # (post, module) -> whether it uses it

    def published(self, today: dt.date) -> list[Post]:
        if self.posts is None:
            self.posts = published_posts(self.docs_dir, today, self.posts_dir, self.cache)
        return self.posts

    def public_names(self, module: str) -> frozenset[str]:
        if module not in self.names:
            self.names[module] = (public_names(self.code_dir / f"{module}.py")
                                  if self.code_dir else frozenset())
        return self.names[module]

    def post_text(self, path: Path) -> str:
        if path not in self.texts:
            self.texts[path] = post_source(path)
        return self.texts[path]

    def snippet_uses(self, folder: Path) -> tuple[frozenset[str], frozenset[str]]:
        """What the code of a post's snippet folder takes from the package (``code_uses``)."""
        if folder not in self.snippets_used:
            code = "\n".join(
                p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py"))
            ) if folder.is_dir() else ""
            package = self.code_dir.name if self.code_dir else "nn"
            self.snippets_used[folder] = code_uses(package, code)
        return self.snippets_used[folder]

    def uses_module(self, post: Post, module: str) -> bool:
        """Does the post show code from ``<code_dir>/<module>.py`` or do its snippets use
        it?"""
        key = (post.src_path, module)
        if key not in self.uses:
            used = f'"{module}.py:' in self.post_text(self.docs_dir / post.src_path)
            if not used and self.snippets_dir is not None:
                slug = FILENAME.match(Path(post.src_path).stem)["slug"].replace("-", "_")
                used = uses(self.snippet_uses(self.snippets_dir / slug), module,
                            self.public_names(module))
            self.uses[key] = used
        return self.uses[key]

    def used_by(self, posts: list[Post], module: str, page_src: str) -> str:
        users = [p for p in posts if self.uses_module(p, module)]
        package = self.code_dir.name if self.code_dir else "nn"
        if not users:
            return "_No post uses this module yet._"
        links = ", ".join(f"[{p.title}]({link(p, page_src)})" for p in users)
        return f'!!! example "Posts that use `{package}.{module}`"\n    {links}\n'

    def page_markdown(self, markdown: str, page_src: str, today: dt.date | None = None) -> str:
        """``markdown`` of the page ``page_src`` with each marker replaced by its list."""
        if not MARKERS.search(markdown):
            return markdown
        today = today or dt.date.today()
        posts = self.published(today)
        if "<!-- latest-posts -->" in markdown:
            markdown = markdown.replace("<!-- latest-posts -->",
                                        latest_posts(posts, page_src, self.latest))
        if "<!-- topic-calendar -->" in markdown:
            markdown = markdown.replace("<!-- topic-calendar -->", calendar(posts, today))
        if "<!-- topics-index -->" in markdown:
            markdown = markdown.replace("<!-- topics-index -->", topics_index(posts, page_src))
        return USED_BY.sub(lambda m: self.used_by(posts, m[1], page_src), markdown)
