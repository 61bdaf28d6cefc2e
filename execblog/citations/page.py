"""One post's Markdown with its citations resolved and its back matter added.

The back matter is a References section (one list item per cited work, ``id="ref-<key>"``,
which the preview script shows on hover, focus or tap) and a "Cite this post" block with
the post's own BibTeX entry. Both carry ``data-search-exclude`` so that search does not
index their words as the post's.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from .kept import Kept
from .markdown import MarkupError, PageRewriter, PostLabels, fenced, fill_citations
from .render import Formatter, narrative


@dataclass
class PostInfo:
    """What the "cite this post" entry says about a post."""

    post_id: str
    src_uri: str
    title: str
    authors: list[str]
    date: date | None
    url: str


def post_id_of(src_uri: str) -> str:
    """A post's id: its file name without the folder, the date and the extension."""
    stem = src_uri.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem)


def cite_this_post(info: PostInfo, site_name: str) -> str:
    """The post's BibTeX entry (``@online``, biblatex's type for a web page)."""
    key = re.sub(r"\W", "", (info.authors[0].split()[-1] if info.authors else "post")).lower()
    key += f"{info.date.year if info.date else ''}{info.post_id.split('-')[0]}"
    fields = [
        ("author", " and ".join(info.authors)),
        ("title", "{" + info.title + "}"),
        ("date", info.date.isoformat() if info.date else ""),
        ("url", info.url),
        ("organization", site_name),
    ]
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields if value)
    return f"@online{{{key},\n{body}\n}}"


_FOOTNOTE_DEFINITION = re.compile(r"^[ ]{0,3}\[\^(?P<label>[^\]\s]+)\]:", re.M)
_FOOTNOTE = re.compile(r"\[\^(?P<label>[^\]\s]+)\]")


def footnote_labels(markdown: str) -> set[str]:
    """The labels of the footnotes a page defines (``[^x]: ...`` outside code fences)."""
    return {
        match.group("label")
        for is_fence, chunk in fenced(markdown)
        if not is_fence
        for match in _FOOTNOTE_DEFINITION.finditer(chunk)
    }


def own_footnotes(markdown: str, labels: set[str], prefix: str) -> str:
    """Each footnote ``[^x]`` (reference and definition) of ``labels`` as ``[^prefix-x]``,
    outside code fences: its ids (``fn:prefix-x``) are then the post's own on any page."""

    def rename(match: re.Match) -> str:
        label = match.group("label")
        return f"[^{prefix}-{label}]" if label in labels else match.group(0)

    return "".join(
        chunk if is_fence else _FOOTNOTE.sub(rename, chunk)
        for is_fence, chunk in fenced(markdown)
    )


def process(
    markdown: str,
    *,
    info: PostInfo,
    posts: dict[str, PostLabels],
    formatter: Formatter,
    site_name: str,
    cite_box: bool = True,
    footnotes_marker: str | None = None,
    footnotes_prefix: str | None = None,
    kept: Kept | None = None,
) -> tuple[str, set[str]]:
    """The rewritten Markdown and the keys it cites; a MarkupError names what is wrong.

    ``footnotes_marker``: the ``footnotes`` extension's PLACE_MARKER (None when the
    extension is off); the page's footnotes are put there, before the back matter.
    ``footnotes_prefix``: made part of each footnote's label (a post's id), or None.
    ``kept``: formatted citations kept from earlier builds (kept.py), or None."""
    rewriter = PageRewriter(info.post_id, posts, info.src_uri)
    result = rewriter.rewrite(markdown, set(formatter.entries))
    text = result.markdown
    notes = footnote_labels(text) if footnotes_marker else set()
    if notes and footnotes_prefix:
        text = own_footnotes(text, notes, footnotes_prefix)
    cited: set[str] = set()
    back_matter = []
    if notes:
        back_matter.append(footnotes_marker)
    if result.clusters:
        texts, references = formatter.formatted(result.clusters, kept)
        text = fill_citations(text, texts, result.clusters, narrative)
        items = []
        for key, reference in references:
            cited.add(key)
            items.append(f'<li id="ref-{key}">{reference}</li>')
        back_matter.append(
            '## References { #references .references-heading data-search-exclude="true" }\n\n'
            '<ul class="references" data-search-exclude>\n' + "\n".join(items) + "\n</ul>"
        )
    if cite_box:
        entry = html.escape(cite_this_post(info, site_name))
        back_matter.append(
            '<details class="cite-this-post" data-search-exclude>\n'
            "<summary>Cite this post</summary>\n"
            f'<pre><code class="language-bibtex">{entry}</code></pre>\n'
            "</details>"
        )
    if back_matter:
        text = text.rstrip("\n") + "\n\n" + "\n\n".join(back_matter) + "\n"
    return text, cited


__all__ = ["MarkupError", "PostInfo", "cite_this_post", "post_id_of", "process"]
