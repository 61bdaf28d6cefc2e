"""What a written page gives the search index: the text of its marked article by section,
without what a reader does not search for, and its title, tags and categories.

The search plugin marks the article of each indexed page (``data-search-body``, or
``data-search-body="title"`` for a page that only lists other pages: it is found by its
title alone) and adds a post's categories and tags as hidden words
(``data-search-terms``). Inside the article, formulas' SVG, permalink signs, code listings,
the API pages' source listings, the copy buttons and any element marked
``data-search-exclude`` are left out.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from mkdocs.exceptions import PluginError

# Not what a reader searches for: the SVG of formulas, permalink signs, code listings (in
# posts, and the API pages' collapsed "Source code in ..." blocks): the prose explains them.
# (Each search result downloads its page's indexed text: listings would double it.) A
# post's tags are left out of the text too: they are indexed as its terms. (tag, class):
# either may be None, meaning any.
EXCLUDED = [("mjx-container", None), ("svg", None), ("script", None), ("style", None),
            (None, "headerlink"), ("details", "mkdocstrings-source"),
            (None, "md-source-file"), ("div", "highlight"), (None, "md-clipboard"),
            (None, "md-tags")]
# An element any plugin marks as not the page's words (execblog-citations: a post's
# References, its "Cite this post" BibTeX and its place in a series).
EXCLUDE_ATTRIBUTE = "data-search-exclude"
# Elements that do not separate words: "x<sub>2</sub>" is one word, as the reader sees it.
INLINE = {"a", "abbr", "b", "code", "em", "i", "kbd", "mark", "small", "span", "strong",
          "sub", "sup", "u", "var"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
ARTICLE = '<article class="md-content__inner md-typeset">'
MARK = "data-search-body"
MARKED = f"{ARTICLE[:-1]} {MARK}>"
# A page that lists other pages (the home page's latest posts, the calendar, the reference
# index): indexed by its title, its text left out, so that it never outranks what it lists.
TITLE_ONLY = f'{ARTICLE[:-1]} {MARK}="title">'
# Formulas (their SVG) and code listings (a <span> per token) are most of a post's bytes:
# both are excluded, and cut out before the page is parsed, which takes a third of the time
# then. (Neither nests; a listing ends at its first "</code></pre></div>", its text being
# escaped. One these miss is still left out by the parser.)
BULK = re.compile(r'<mjx-container\b.*?</mjx-container>'
                  r'|<div class="language-[\w-]+ highlight">.*?</code></pre></div>', re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)



@dataclass
class Page:
    """What is indexed of one page: its title, its text by section (anchor, heading, text;
    the first section, before any heading, has neither) and its tags and categories."""

    url: str
    title: str = ""
    sections: list[list[str]] = field(default_factory=lambda: [["", "", ""]])
    terms: str = ""
    # What the index counted of it (index.count()), kept while the page's file is unchanged.
    counted: tuple | None = field(default=None, repr=False, compare=False)


class ArticleText(HTMLParser):
    """The text of the marked article of a page, by section, without the excluded parts."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(url)
        self.depth = 0  # of <article> elements, once inside the marked one
        self.skip: tuple[str, int] | None = None  # excluded element: (tag, nesting)
        self.capture: str | None = None  # "h1".."h6" or "terms" while reading one
        self.captured: list[str] = []
        self.anchor = ""
        self.text: list[str] = []
        self.closed = False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if not self.depth:
            if tag == "article" and MARK in attributes:  # (either mark)
                self.depth = 1
            return
        if self.skip:
            if tag == self.skip[0]:
                self.skip = (tag, self.skip[1] + 1)
            return
        if tag == "article":
            self.depth += 1
        classes = (attributes.get("class") or "").split()
        if EXCLUDE_ATTRIBUTE in attributes or any(
                (name is None or name == tag) and (cls is None or cls in classes)
                for name, cls in EXCLUDED):
            if tag not in VOID:
                self.skip = (tag, 1)
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.capture, self.captured, self.anchor = tag, [], attributes.get("id") or ""
        elif "data-search-terms" in attributes:
            self.flush()
            self.capture, self.captured = "terms", []
        elif tag not in INLINE:
            self.text.append(" ")

    def handle_startendtag(self, tag, attrs) -> None:
        if self.depth and not self.skip and tag not in INLINE:
            self.text.append(" ")

    def handle_endtag(self, tag) -> None:
        if not self.depth:
            return
        if self.skip:
            if tag == self.skip[0]:
                self.skip = (tag, self.skip[1] - 1) if self.skip[1] > 1 else None
            return
        if tag == "article":
            self.depth -= 1
            if not self.depth:
                self.flush()
                self.closed = True
            return
        if self.capture and (tag == self.capture or (self.capture == "terms" and tag == "p")):
            captured = " ".join("".join(self.captured).split())
            if self.capture == "terms":
                self.page.terms = captured
            elif self.capture == "h1" and not self.page.title:
                self.page.title = captured  # the page's own title, not a section
            else:
                self.page.sections.append([self.anchor, captured, ""])
            self.capture = None
        elif tag not in INLINE:
            self.text.append(" ")

    def handle_data(self, data) -> None:
        if not self.depth or self.skip:
            return
        (self.captured if self.capture else self.text).append(data)

    def flush(self) -> None:
        """The text read so far belongs to the current (last) section."""
        text = " ".join("".join(self.text).split())
        if text:
            section = self.page.sections[-1]
            section[2] = f"{section[2]} {text}".strip()
        self.text = []


def page_url(path: Path, site: Path) -> str:
    """A page's address under the site's root, as its links write it: ``blog/.../``."""
    relative = path.relative_to(site).as_posix()
    return relative.removesuffix("index.html")


def read_page(path: Path, site: Path) -> Page | None:
    """The indexed parts of one written page, or None if it is not marked for search."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PluginError(f"search: cannot read {path}: {error}") from error
    start = source.find(MARKED)
    title_only = start < 0
    if title_only:
        start = source.find(TITLE_ONLY)
        if start < 0:
            return None
    parser = ArticleText(page_url(path, site))
    parser.feed(BULK.sub("", source[start:]))
    parser.close()
    if not parser.closed:
        raise PluginError(f"search: {path}: the article marked {MARK} is not closed "
                          "(expected </article>, found the end of the file)")
    page = parser.page
    if not page.title:  # an article without <h1>: the page's <title>
        title = TITLE.search(source[:start])
        page.title = " ".join(html.unescape(title[1]).split()) if title else ""
    if not page.title:
        raise PluginError(f"search: {path}: expected a title (an <h1> in the article or a "
                          "<title>), found none")
    page.title = unicodedata.normalize("NFC", page.title)
    page.sections = [[anchor, unicodedata.normalize("NFC", heading),
                      unicodedata.normalize("NFC", text)]
                     for anchor, heading, text in page.sections if heading or text]
    if title_only:
        page.sections, page.terms = [], ""
    return page

