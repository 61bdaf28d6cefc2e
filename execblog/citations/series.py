"""Series: posts that declare ``series: <name>`` in their front matter, in date order.

Each part shows "Part k of n" with links to the previous and next parts and to the
series page, which lists every part in order.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .markdown import PostLabels


class SeriesError(Exception):
    pass


@dataclass
class Series:
    name: str
    slug: str
    parts: list[str] = field(default_factory=list)  # post ids in date order
    titles: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    folder: str = "blog"  # the blog's folder (the blog plugin's blog_dir)

    @property
    def page_src_uri(self) -> str:
        return posixpath.join(self.folder, "series", f"{self.slug}.md")

    def keep(self, published: set[str]) -> None:
        """Leave out the parts that are not published (drafts, posts dated in the future)."""
        self.parts = [post_id for post_id in self.parts if post_id in published]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def collect_series(
    posts: dict[str, PostLabels], metas: dict[str, dict], folder: str = "blog"
) -> dict[str, Series]:
    """Series by slug from the posts' front matter (``series: <name>``); parts ordered by
    file name (date)."""
    found: dict[str, Series] = {}
    for post_id, meta in sorted(metas.items(), key=lambda item: posts[item[0]].src_uri):
        if meta.get("series") is None:
            continue
        written = meta["series"]
        name = str(written).strip()
        if not isinstance(written, str) or not slugify(name):
            raise SeriesError(
                f"{posts[post_id].src_uri}: series: expected the series' name, got {written!r}"
            )
        series = found.setdefault(slugify(name), Series(name, slugify(name), folder=folder))
        if series.name != name:
            raise SeriesError(
                f"{posts[post_id].src_uri}: series {name!r} differs from "
                f"{series.name!r} of {series.sources[series.parts[0]]} only in case "
                "or punctuation; write it the same way"
            )
        series.parts.append(post_id)
        series.titles[post_id] = posts[post_id].title
        series.sources[post_id] = posts[post_id].src_uri
    return found


def _link(from_src: str, to_src: str) -> str:
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def series_box(
    markdown: str, series: Series, post_id: str, src_uri: str, separator: str = "<!-- more -->"
) -> str:
    """The post with its place in the series, after the excerpt (its end is ``separator``,
    the blog plugin's ``post_excerpt_separator``) or else after its first heading."""
    index = series.parts.index(post_id)
    total = len(series.parts)
    page_link = _link(src_uri, series.page_src_uri)
    links = []
    if index > 0:
        previous = series.parts[index - 1]
        links.append(
            f"[← {series.titles[previous]}]({_link(src_uri, series.sources[previous])})"
            '{: rel="prev" }'
        )
    if index < total - 1:
        following = series.parts[index + 1]
        links.append(
            f"[{series.titles[following]} →]({_link(src_uri, series.sources[following])})"
            '{: rel="next" }'
        )
    box = (
        f'<nav class="series-box" aria-label="Series: {series.name}" data-search-exclude '
        'markdown="1">\n'
        f"Part {index + 1} of {total} of the series [{series.name}]({page_link})"
        + ("<br>\n" + " · ".join(links) if links else "")
        + "\n</nav>\n"
    )
    if separator and separator in markdown:
        head, _, tail = markdown.partition(separator)
        return f"{head}{separator}\n\n{box}{tail}"
    match = re.search(r"^#[ \t]+.+$", markdown, re.M)
    if match:
        return markdown[: match.end()] + "\n\n" + box + markdown[match.end() :]
    return box + "\n" + markdown


def series_page(series: Series) -> str:
    """The Markdown of the page that lists a series' parts in order. Its front matter asks
    execblog-search to index it by its title alone, as the other pages that list posts."""
    lines = [
        "---",
        "search:",
        "  title_only: true",
        "---",
        "",
        f"# {series.name}",
        "",
        f"A series of {len(series.parts)} posts, each building on the one before.",
        "",
    ]
    for number, post_id in enumerate(series.parts, 1):
        lines.append(
            f"{number}. [{series.titles[post_id]}]"
            f"({_link(series.page_src_uri, series.sources[post_id])})"
        )
    return "\n".join(lines) + "\n"
