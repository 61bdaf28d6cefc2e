"""Citations, labels and cross-references found in a post's Markdown and rewritten.

Runs before Markdown is converted and before formulas are typeset, on the text outside
code (fences and spans), math, HTML tags and comments, which is left exactly as written.

Syntax (pandoc's, as Quarto and MyST use it):

* ``[@lavin2016]``, ``[@lavin2016, sec. 4]``, ``[see @a; @b]``: a parenthetical citation;
  ``@lavin2016 show that``: a narrative one; ``\\@`` is a literal at sign.
* ``\\label{eq:update}`` inside display math numbers the equation (``\\tag{n}``);
  ``\\eqref{eq:update}`` is a link "(n)", ``@eq:update`` a link "equation (n)".
* A caption paragraph ``Figure: What it shows. {#fig:path}`` (or ``Table: ... {#tbl:x}``)
  becomes "**Figure n.** What it shows." with the anchor; ``@fig:path`` is "Figure n".
* ``@gradient-descent/eq:update`` (or ``\\eqref{gradient-descent/eq:update}``) refers to a
  label of another post, by the post's file name without its date: "equation (3) of
  *Gradient descent and the gradient*", linked.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .render import CitedItem

KEY = r"[A-Za-z][\w]*(?:[:.\-/][\w]+)*"
LABEL_KINDS = {"eq": "equation", "fig": "Figure", "tbl": "Table"}

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*$", re.M)
_PROTECTED = re.compile(
    r"(?P<code>(?P<ticks>`+)[\s\S]*?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<display>\$\$[\s\S]+?\$\$)"
    r"|(?P<begin>\\begin\{(?P<env>[a-zA-Z*]+)\}[\s\S]*?\\end\{(?P=env)\})"
    r"|(?P<bracket>\\\[[\s\S]+?\\\])"
    r"|(?P<paren>\\\([\s\S]+?\\\))"
    r"|(?P<inline>(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)(?<!\\)\$(?!\$))"
    r"|(?P<comment><!--[\s\S]*?-->)"
    r"|(?P<tag></?[A-Za-z][^>\n]*>)"
    r"|(?P<destination>\]\([^)\n]*\))"
)


class MarkupError(Exception):
    """A citation or label the page cannot resolve; ``snippet`` is the text as written."""

    def __init__(self, message: str, snippet: str):
        self.snippet = snippet
        super().__init__(message)


@dataclass
class PostLabels:
    """What other posts need to know about one post: its title, source and numbered labels."""

    title: str
    src_uri: str
    labels: dict[str, int] = field(default_factory=dict)
    # False for a draft or a post dated in the future that the blog leaves out of the site
    # (under `mkdocs serve` with the blog's draft_on_serve, drafts are published).
    published: bool = True


def fenced(markdown: str) -> list[tuple[bool, str]]:
    """The text as (is_fenced_code, chunk) pairs, fences kept whole."""
    chunks: list[tuple[bool, str]] = []
    position = 0
    while True:
        fence = _FENCE_OPEN.search(markdown, position)
        end_of_prose = fence.start() if fence else len(markdown)
        if end_of_prose > position:
            chunks.append((False, markdown[position:end_of_prose]))
        if not fence:
            return chunks
        marker = fence.group("fence")
        closing = re.compile(rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.M)
        close = closing.search(markdown, fence.end())
        block_end = close.end() if close else len(markdown)
        chunks.append((True, markdown[fence.start() : block_end]))
        position = block_end


def segments(markdown: str) -> list[tuple[bool, str]]:
    """The text as (is_prose, piece) pairs: prose may be rewritten, the rest may not."""
    pieces: list[tuple[bool, str]] = []
    for is_fence, chunk in fenced(markdown):
        pieces.extend([(False, chunk)] if is_fence else _split_inline(chunk))
    return pieces


def _split_inline(text: str) -> list[tuple[bool, str]]:
    pieces, position = [], 0
    for match in _PROTECTED.finditer(text):
        if match.start() > position:
            pieces.append((True, text[position : match.start()]))
        pieces.append((False, match.group(0)))
        position = match.end()
    if position < len(text):
        pieces.append((True, text[position:]))
    return pieces


def anchor(label: str) -> str:
    """The HTML id of a label: ``eq:update`` -> ``eq-update``."""
    return label.replace(":", "-").replace(".", "-")


_LABEL_IN_MATH = re.compile(r"\\label\{([^}]*)\}")
_CAPTION = re.compile(
    r"^(?P<indent>[ \t]*)(?P<kind>Figure|Table):[ \t]+(?P<text>.+?)"
    r"[ \t]*\{#(?P<label>[^}\s]+)\}[ \t]*$",
    re.M,
)


def _check_label(label: str, expected_kind: str) -> None:
    kind = label.split(":", 1)[0]
    if ":" not in label or kind != expected_kind or not re.fullmatch(r"[\w\-.:]+", label):
        raise MarkupError(
            f"label {label!r} must start with '{expected_kind}:' followed by a name", label
        )


def collect_labels(markdown: str) -> dict[str, int]:
    """Every label of a post numbered in order of appearance, per kind; duplicates fail."""
    labels: dict[str, int] = {}
    counters = dict.fromkeys(LABEL_KINDS, 0)

    def add(label: str, kind: str) -> None:
        _check_label(label, kind)
        if label in labels:
            raise MarkupError(f"label {label!r} is defined twice", label)
        counters[kind] += 1
        labels[label] = counters[kind]

    for is_fence, chunk in fenced(markdown):
        if is_fence:
            continue
        # Labels in document order, whichever kind comes first.
        found = [
            (m.start(), m.group("label"), "fig" if m.group("kind") == "Figure" else "tbl")
            for m in _CAPTION.finditer(chunk)
        ]
        position = 0
        for is_prose, piece in _split_inline(chunk):
            if not is_prose and piece.startswith(("$$", "\\begin", "\\[")):
                found += [
                    (position + m.start(), m.group(1), "eq") for m in _LABEL_IN_MATH.finditer(piece)
                ]
            position += len(piece)
        for _, label, kind in sorted(found):
            add(label, kind)
    return labels


@dataclass
class PageCitations:
    """The result of rewriting one page: the new text and the citations in order."""

    markdown: str
    clusters: list[list[CitedItem]]


_BRACKETED = re.compile(r"\[(?P<body>[^\[\]\n]*@[^\[\]\n]*)\](?![(\[:{])")
_ITEM = re.compile(rf"^\s*(?P<prefix>[^@]*?)\s*-?@(?P<key>{KEY})\s*(?:,\s*(?P<locator>.+?))?\s*$")
_NARRATIVE = re.compile(rf"(?<![\w@\\`])@(?P<key>{KEY})")
_EQREF = re.compile(r"\\eqref\{(?P<label>[^}]+)\}")
_CITATION_MARK = "\x00cite{}\x00"


def is_crossref(key: str) -> bool:
    return "/" in key or key.split(":", 1)[0] in LABEL_KINDS and ":" in key


class PageRewriter:
    """Rewrites one page. ``posts`` maps a post id (file name without date) to its labels."""

    def __init__(self, post_id: str, posts: dict[str, PostLabels], page_src_uri: str):
        self.post_id = post_id
        self.posts = posts
        self.page_src_uri = page_src_uri
        self.own = posts[post_id].labels if post_id in posts else {}

    def rewrite(self, markdown: str, known_keys: set[str]) -> PageCitations:
        clusters: list[list[CitedItem]] = []
        output = []
        pieces = []
        for is_fence, chunk in fenced(markdown):
            if is_fence:
                pieces.append((False, chunk))
            else:
                pieces.extend(_split_inline(_CAPTION.sub(self._caption, chunk)))
        for is_prose, piece in pieces:
            if not is_prose:
                if piece.startswith(("$$", "\\begin", "\\[")):
                    last_line = "".join(output[-2:]).rpartition("\n")[2]
                    piece = self._math(piece, last_line if not last_line.strip() else "")
                output.append(piece)
                continue
            piece = _EQREF.sub(
                lambda m: self._reference(m.group("label"), m.group(0), eqref=True), piece
            )
            piece = _BRACKETED.sub(lambda m: self._bracketed(m, clusters, known_keys), piece)
            piece = _NARRATIVE.sub(lambda m: self._narrative(m, clusters, known_keys), piece)
            output.append(piece.replace("\\@", "&#64;"))
        # A display formula whose whole text is \eqref{...} reads as prose: $\eqref{eq:x}$.
        text = "".join(output)
        text = re.sub(
            r"(?<!\$)\$\\eqref\{([^}]+)\}\$(?!\$)",
            lambda m: self._reference(m.group(1), m.group(0), eqref=True),
            text,
        )
        return PageCitations(text, clusters)

    def _math(self, piece: str, indent: str) -> str:
        labels = [m.group(1) for m in _LABEL_IN_MATH.finditer(piece)]
        if not labels:
            return piece
        if len(labels) > 1:
            raise MarkupError(
                f"one display formula carries {len(labels)} labels ({', '.join(labels)}); "
                "give each its own $$ ... $$",
                labels[1],
            )
        label = labels[0]
        number = self.own[label]
        piece = _LABEL_IN_MATH.sub(lambda m: f"\\tag{{{number}}}", piece)
        return f'<div class="equation-anchor" id="{anchor(label)}"></div>\n\n{indent}{piece}'

    def _caption(self, match: re.Match) -> str:
        label = match.group("label")
        indent = match.group("indent")
        number = self.own[label]
        return (
            f"\n{indent}**{match.group('kind')} {number}.** {match.group('text')}\n"
            f"{indent}{{: #{anchor(label)} .caption }}"
        )

    def _reference(self, target: str, written: str, eqref: bool = False) -> str:
        post_id, _, label = target.rpartition("/")
        if post_id:
            post = self.posts.get(post_id)
            if post is None:
                raise MarkupError(
                    f"reference {written!r} names the post {post_id!r}, which does not "
                    f"exist; expected one of {', '.join(sorted(self.posts))}",
                    written,
                )
            if not post.published:
                raise MarkupError(
                    f"reference {written!r} names the post {post_id!r} ({post.src_uri}), "
                    "which is a draft or dated in the future: it is not published, so the "
                    "link would lead nowhere",
                    written,
                )
            labels = post.labels
        else:
            labels, post = self.own, None
        if label not in labels:
            where = f"post {post_id!r}" if post_id else "this post"
            known = ", ".join(sorted(labels)) or "none"
            raise MarkupError(
                f"reference {written!r}: no label {label!r} in {where} (labels: {known})", written
            )
        number = labels[label]
        kind = label.split(":", 1)[0]
        if eqref or kind == "eq":
            text = f"({number})" if eqref else f"equation ({number})"
        else:
            text = f"{LABEL_KINDS[kind]} {number}"
        if post is None:
            # A Markdown link, not HTML: in an excerpt, the blog plugin points it at the post.
            return f"[{text}](#{anchor(label)}){{: .crossref }}"
        link = posixpath.relpath(post.src_uri, posixpath.dirname(self.page_src_uri) or ".")
        return f"[{text}]({link}#{anchor(label)}) of *{post.title}*"

    def _cluster(
        self,
        items: list[CitedItem],
        clusters: list[list[CitedItem]],
        known_keys: set[str],
        written: str,
    ) -> None:
        for item in items:
            if item.key.lower() not in known_keys:
                raise MarkupError(
                    f"citation {written!r}: no entry {item.key!r} in the bibliography", written
                )
            item.key = item.key.lower()
        clusters.append(items)

    def _bracketed(self, match: re.Match, clusters, known_keys) -> str:
        parts = match.group("body").split(";")
        items = []
        for part in parts:
            item = _ITEM.match(part)
            if not item:
                return match.group(0)  # not a citation, e.g. "[email me @ home]"
            items.append(
                CitedItem(
                    item.group("key"), item.group("locator") or "", item.group("prefix") or ""
                )
            )
        if any(is_crossref(item.key) for item in items):
            if len(items) > 1 or items[0].locator or items[0].prefix:
                raise MarkupError(
                    f"{match.group(0)!r}: a cross-reference stands alone: write @fig:x",
                    match.group(0),
                )
            return self._reference(items[0].key, match.group(0))
        self._cluster(items, clusters, known_keys, match.group(0))
        return _CITATION_MARK.format(len(clusters) - 1)

    def _narrative(self, match: re.Match, clusters, known_keys) -> str:
        key = match.group("key")
        if is_crossref(key):
            return self._reference(key, match.group(0))
        self._cluster([CitedItem(key)], clusters, known_keys, match.group(0))
        return _CITATION_MARK.format(f"n{len(clusters) - 1}")


def fill_citations(
    markdown: str, texts: list[str], clusters: list[list[CitedItem]], narrative
) -> str:
    """Put each formatted citation in place of its mark, as a link to its first entry.

    The link is Markdown, not HTML: in an excerpt on a list of posts (the blog's index, an
    archive, a category), Material's blog plugin points a Markdown link's ``#ref-...`` at
    the post's page, where the References are; a raw ``<a>`` would point at the list.
    """

    def replace(match: re.Match) -> str:
        mark = match.group(1)
        index = int(mark.lstrip("n"))
        keys = [item.key for item in clusters[index]]
        text = narrative(texts[index]) if mark.startswith("n") else texts[index]
        text = text.replace("[", "\\[").replace("]", "\\]")
        return f'[{text}](#ref-{keys[0]}){{: .citation data-cite="{" ".join(keys)}" }}'

    return re.sub("\x00cite(n?\\d+)\x00", replace, markdown)
