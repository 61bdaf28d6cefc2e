"""Search through a chunked index of the site's own, built in Python at the end of the build,
so that what a query downloads does not grow with the blog.

Material's own search sends its whole index to every reader on every page (about 22 KB per
post: 8 MB after a year of posts). Pagefind, used before, splits its index into chunks but
asks every reader for about 72 KB gzip of script and WebAssembly before its first answer,
more than a post page could spare under its 200 KB budget. This hook

- marks what is indexed: the article of each page (``data-search-body``), except the blog's
  index, archive and category pages (lists of excerpts that would duplicate every post's
  hits) and the 404 page; inside it, formulas' SVG, permalink signs, code listings, the API
  pages' source listings and the copy buttons are left out, and a post's categories and
  tags are added as words (``data-search-terms``);
- reads the written site at the end of every build and writes ``search-index/``:

  - ``manifest.json``: the number of pages, the first word of each chunk with its file, and
    the directory of the pages' fragments. It grows by one entry per chunk, not per page.
  - ``chunk-<hash>.json``: the words of one alphabetical range, each with its postings
    (page number, score, parts). A chunk holds whole words and is cut at ``CHUNK_BYTES``
    (uncompressed), then halved until it gzips to ``CHUNK_GZIP_BYTES`` or less; a query
    fetches only the chunks of its words.
  - ``fragments-<hash>/<page>/<part>.json``: a page's address and title, and the indexed
    text of some of its sections (each section a part of its own, unless a page has more
    than ``PARTS`` sections, when neighbours share a part). A posting names the parts that
    hold its word, so a result shown fetches only the parts its excerpts come from: a few
    hundred bytes to 2 KB gzip, not the page's whole text.

  File names carry a hash of their content (the fragments' directory: of all fragments),
  so a browser may cache them for good; the index replaces the previous one whole.

Words are what ``words()`` makes of the text: Unicode letters and digits, lowercased, with
accents dropped ("über" is "uber"), and the English plural "s" cut off (``stem()``). The
header's script (``docs/javascripts/search.js``) makes words of a query the same way, and
matches the last word as a prefix. The score of a word on a page, computed here, is BM25
on the page's text, plus a bonus when the word is in the title, in a heading, or among the
tags and categories; the script weighs it by the word's rarity across the pages.

Under ``mkdocs serve`` the index is made again after each save, in the background, so a
save shows without waiting for it: pages whose files did not change are not read again,
and only the index's files that changed are written (``update_index()``).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

INDEX = "search-index"
# Not what a reader searches for: the SVG of formulas, permalink signs, code listings (in
# posts, and the API pages' collapsed "Source code in ..." blocks): the prose explains them.
# (Each search result downloads its page's indexed text: listings would double it.) A
# post's tags are left out of the text too: they are indexed as its terms. (tag, class):
# either may be None, meaning any.
EXCLUDED = [("mjx-container", None), ("svg", None), ("script", None), ("style", None),
            (None, "headerlink"), ("details", "mkdocstrings-source"),
            (None, "md-source-file"), ("div", "highlight"), (None, "md-clipboard"),
            (None, "md-tags")]
# Elements that do not separate words: "x<sub>2</sub>" is one word, as the reader sees it.
INLINE = {"a", "abbr", "b", "code", "em", "i", "kbd", "mark", "small", "span", "strong",
          "sub", "sup", "u", "var"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
ARTICLE = '<article class="md-content__inner md-typeset">'
MARK = "data-search-body"
MARKED = f"{ARTICLE[:-1]} {MARK}>"
# Formulas (their SVG) and code listings (a <span> per token) are most of a post's bytes:
# both are excluded, and cut out before the page is parsed, which takes a third of the time
# then. (Neither nests; a listing ends at its first "</code></pre></div>", its text being
# escaped. One these miss is still left out by the parser.)
BULK = re.compile(r'<mjx-container\b.*?</mjx-container>'
                  r'|<div class="language-[\w-]+ highlight">.*?</code></pre></div>', re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)

# Chunks: cut at this many bytes of JSON, then halved until each gzips to the bound.
CHUNK_BYTES = 24_000
CHUNK_GZIP_BYTES = 10_000
# BM25's constants (the usual ones), and what a word earns in the title, in a heading, or
# among a post's tags and categories, on top of its BM25 score. The title's bonus is more
# than BM25 gives any number of the word in the text (K1 + 1): a page named after a word
# comes first. Scores are written as integers: SCALE times the score, rounded (at least 1).
K1, B = 1.2, 0.75
BONUS = {"title": 2.5, "heading": 0.5, "terms": 1.0}
SCALE = 20
# A page's sections are cut into at most this many parts, so that the parts holding a word
# are the bits of an integer that JavaScript holds exactly (below 2**53).
PARTS = 52

WORD = re.compile(r"[^\W_]+")  # Unicode letters and digits: JavaScript's [\p{L}\p{N}]+
log = logging.getLogger("mkdocs.hooks.search")


# --- Words ---------------------------------------------------------------------------------

def stem(word: str) -> str:
    """The English plural cut off, so that "gradients" finds "gradient": "-sses" -> "-ss",
    "-ies" -> "-y", "-s" -> "" except after s, u or i ("loss", "bus", "basis"); words of
    three letters or fewer are left alone ("its", "has")."""
    if len(word) <= 3:
        return word
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is")) or not word.endswith("s"):
        return word
    return word[:-1]


@lru_cache(maxsize=1 << 16)
def term(word: str) -> str:
    """One word as the index holds it: lowercase, accents dropped, plural cut off."""
    word = word.lower()
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stem(word)


def words(text: str) -> list[str]:
    """The index's words of ``text``, in order (search.js's ``words`` does the same)."""
    return [term(word) for word in WORD.findall(unicodedata.normalize("NFC", text))]


# --- Reading the written pages ---------------------------------------------------------------

@dataclass
class Page:
    """What is indexed of one page: its title, its text by section (anchor, heading, text;
    the first section, before any heading, has neither) and its tags and categories."""

    url: str
    title: str = ""
    sections: list[list[str]] = field(default_factory=lambda: [["", "", ""]])
    terms: str = ""
    counted: Counted | None = field(default=None, repr=False, compare=False)


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
            if tag == "article" and MARK in attributes:
                self.depth = 1
            return
        if self.skip:
            if tag == self.skip[0]:
                self.skip = (tag, self.skip[1] + 1)
            return
        if tag == "article":
            self.depth += 1
        classes = (attributes.get("class") or "").split()
        if any((name is None or name == tag) and (cls is None or cls in classes)
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
    return page


# --- Writing the index ----------------------------------------------------------------------

def part_of(section: int, sections: int) -> int:
    """The part that holds a page's section number ``section`` of ``sections``: the section
    itself, or one of ``PARTS`` runs of neighbouring sections on a longer page."""
    return section if sections <= PARTS else section * PARTS // sections


Posting = tuple[int, int, int]  # page number, score, parts holding the word (bits)
Counted = tuple[dict[str, int], set[str], set[str], set[str], dict[str, int]]


def count(page: Page) -> Counted:
    """A page's words: how often each is in its text and headings, those in headings, in
    the title, among the terms, and the parts holding each (bits). Kept with the page,
    which the preview keeps while its file is unchanged."""
    if page.counted is None:
        body: dict[str, int] = {}
        headings: set[str] = set()
        parts: dict[str, int] = {}
        for at, (_, heading, text) in enumerate(page.sections):
            found = words(heading)
            headings.update(found)
            bit = 1 << part_of(at, len(page.sections))
            for word in [*found, *words(text)]:
                body[word] = body.get(word, 0) + 1
                parts[word] = parts.get(word, 0) | bit
        page.counted = (body, headings, set(words(page.title)), set(words(page.terms)),
                        parts)
    return page.counted


def scores(pages: list[Page]) -> dict[str, list[Posting]]:
    """Each word's postings: (page number, score, parts), in page order. ``parts`` has bit
    ``p`` set when part ``p`` of the page has the word in its heading or text; a word only
    in the title or among the terms has none."""
    counted = [count(page) for page in pages]
    lengths = [sum(body.values()) for body, *_ in counted]
    average = max(sum(lengths) / max(len(lengths), 1), 1.0)
    postings: dict[str, list[Posting]] = {}
    for number, ((body, headings, title, terms, parts), length) in enumerate(
            zip(counted, lengths, strict=True)):
        norm = K1 * (1 - B + B * length / average)
        for word in body.keys() | title | terms:
            tf = body.get(word, 0)
            score = tf * (K1 + 1) / (tf + norm)
            for kind, found in (("title", title), ("heading", headings), ("terms", terms)):
                if word in found:
                    score += BONUS[kind]
            postings.setdefault(word, []).append(
                (number, max(1, round(SCALE * score)), parts.get(word, 0)))
    return postings


def encode(entries: list[tuple[str, list[Posting]]]) -> bytes:
    """A chunk's JSON: each word -> [page, score, parts, page, score, parts, ...], page
    numbers as the difference from the previous one (smaller numbers: fewer bytes)."""
    chunk = {}
    for word, postings in entries:
        flat, previous = [], 0
        for number, score, parts in postings:
            flat += [number - previous, score, parts]
            previous = number
        chunk[word] = flat
    return json.dumps(chunk, separators=(",", ":"), ensure_ascii=False).encode()


def chunks(postings: dict[str, list[Posting]]) -> list[tuple[str, bytes]]:
    """The words in order, cut into chunks: (first word, JSON). A chunk is cut before it
    passes ``CHUNK_BYTES`` and halved while it gzips to more than ``CHUNK_GZIP_BYTES``; a
    single word whose postings alone pass the bound (one in thousands of pages) keeps a
    chunk of its own."""
    entries = sorted(postings.items())
    groups, group, size = [], [], 0
    for entry in entries:
        entry_size = len(encode([entry]))
        if group and size + entry_size > CHUNK_BYTES:
            groups.append(group)
            group, size = [], 0
        group.append(entry)
        size += entry_size
    if group:
        groups.append(group)
    result = []
    while groups:
        group = groups.pop(0)
        data = encode(group)
        if len(group) > 1 and len(gzip.compress(data, 9)) > CHUNK_GZIP_BYTES:
            half = len(group) // 2
            groups[:0] = [group[:half], group[half:]]
            continue
        result.append((group[0][0], data))
    return result


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def fragments(page: Page) -> list[bytes]:
    """The JSON of each part of a page: its address, title, the number of its first section,
    and its sections (at least one part, if empty, so that every result has something)."""
    parts: list[list[list[str]]] = [[]]
    firsts = [0]
    for at, section in enumerate(page.sections):
        part = part_of(at, len(page.sections))
        if part == len(parts):
            parts.append([])
            firsts.append(at)
        parts[part].append(section)
    return [json.dumps({"url": page.url, "title": page.title, "first": first,
                        "sections": sections}, separators=(",", ":"),
                       ensure_ascii=False).encode()
            for first, sections in zip(firsts, parts, strict=True)]


def index_files(pages: list[Page]) -> dict[str, bytes]:
    """Every file of the index of ``pages``, by its path in the index's folder, the
    manifest last."""
    written = [fragments(page) for page in pages]
    fragments_dir = "fragments-" + digest(b"\0".join(b"\1".join(parts) for parts in written))
    files = {f"{fragments_dir}/{number}/{part}.json": data
             for number, parts in enumerate(written) for part, data in enumerate(parts)}
    listed = []
    for first, data in chunks(scores(pages)):
        name = f"chunk-{digest(data)}.json"
        files[name] = data
        listed.append([first, name])
    manifest = {"pages": len(pages), "fragments": fragments_dir, "chunks": listed}
    files["manifest.json"] = json.dumps(manifest, separators=(",", ":"),
                                        ensure_ascii=False).encode()
    return files


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for name, data in files.items():
        path = folder / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)


def update_index(pages: list[Page], folder: Path) -> None:
    """Under ``mkdocs serve``: make ``folder`` the index of ``pages`` by writing only the
    files that differ from the index this process wrote last (a save changes a few
    fragments and chunks of thousands of files), renaming the fragments' directory, and
    the manifest last. A query in between may find a file gone, and asks again."""
    files = index_files(pages)
    old = state.written
    if old is None or not folder.is_dir():
        replace_index(folder, files)
        state.written = files
        return
    state.written = None  # until this update is complete
    fragments_dir = json.loads(files["manifest.json"])["fragments"]
    old_dir = json.loads(old["manifest.json"])["fragments"]
    try:
        if old_dir != fragments_dir:
            (folder / old_dir).rename(folder / fragments_dir)
            old = {name.replace(old_dir, fragments_dir, 1): data for name, data in old.items()}
        write_files(folder, {name: data for name, data in files.items()
                             if name != "manifest.json" and old.get(name) != data})
        removed = old.keys() - files.keys()
        for name in removed:
            (folder / name).unlink(missing_ok=True)
        for gone in {(folder / name).parent for name in removed}:
            if gone != folder and not any(gone.iterdir()):
                gone.rmdir()  # a page's directory, once the pages are fewer
        write_files(folder, {"manifest.json": files["manifest.json"]})
    except OSError as error:
        raise PluginError(f"search: cannot update the index in {folder}: {error}") from error
    state.written = files


class State:
    serving = False
    worker: threading.Thread | None = None
    # Pages read by earlier builds (under mkdocs serve): file -> (mtime, size, page).
    read: dict[Path, tuple[int, int, Page | None]] = {}
    written: dict[str, bytes] | None = None  # the index the preview wrote last
    lock = threading.Lock()
    pending: str | None = None  # a site built and not yet indexed


state = State()


def read_site(site: Path) -> list[Page]:
    """The marked pages of the written site, in the order of their addresses; a file whose
    modification time and size are those of an earlier build's is not read again."""
    pages, seen = [], {}
    for path in sorted(site.rglob("*.html")):
        if any(part.startswith(".") for part in path.relative_to(site).parts):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise PluginError(f"search: {path} was removed while the site was read: is "
                              f"another process writing into {site}?") from None
        known = state.read.get(path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            page = known[2]
        else:
            page = read_page(path, site)
        seen[path] = (stat.st_mtime_ns, stat.st_size, page)
        if page:
            pages.append(page)
    state.read = seen
    return sorted(pages, key=lambda page: page.url)


def replace_index(current: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` as the index in ``current``, replacing the previous index whole: it
    is written beside it and swapped in (under ``mkdocs serve`` the site is written over,
    and old chunks would pile up)."""
    site = current.parent
    fresh, old = site / f".{INDEX}-new", site / f".{INDEX}-old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        fresh.mkdir(parents=True)
        write_files(fresh, files)
    except OSError as error:
        shutil.rmtree(fresh, ignore_errors=True)
        raise PluginError(f"search: cannot write the index into {fresh}: {error}") from error
    if current.exists():
        current.rename(old)
    fresh.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def index(site_dir: str) -> None:
    """Index the site into ``search-index/``: anew, or under ``mkdocs serve`` by updating
    the preview's last index."""
    site = Path(site_dir)
    pages = read_site(site)  # (its errors come before anything is written)
    if state.serving:
        update_index(pages, site / INDEX)
    else:
        replace_index(site / INDEX, index_files(pages))


# --- MkDocs events ----------------------------------------------------------------------------

def on_startup(command, dirty):
    state.serving = command == "serve"


def is_listing(page) -> bool:
    """The blog's index, archive and category pages (Material's blog ``View`` pages)."""
    from material.plugins.blog.structure import View

    return isinstance(page, View)


def search_terms(page) -> str:
    """A post's categories and tags, as words the index holds but the reader doesn't see."""
    labels = [*page.meta.get("categories", []), *page.meta.get("tags", [])]
    if not labels or not page.file.src_uri.startswith("blog/posts/"):
        return ""
    return f'<p hidden data-search-terms>{html.escape(" · ".join(map(str, labels)))}</p>'


@event_priority(-50)  # after the other hooks have written the page
def on_post_page(output, page, config):
    if is_listing(page) or page.file.src_uri == "404.md" or ARTICLE not in output:
        return output
    start = output.index(ARTICLE)
    end = output.find("</article>", start)
    article = output[start:end].replace(ARTICLE, MARKED, 1)
    return output[:start] + article + search_terms(page) + output[end:]


def index_in_background(site_dir: str) -> None:
    """Index after this build in a thread, so that the build (and the browser's reload)
    does not wait for it. One indexing runs at a time: a build that ends while one runs
    leaves its site to the same thread, which indexes it next (builds in quick succession
    are indexed once, after the last). An indexing overtaken by a newer build does not
    report its errors: it may have read a page the newer build was writing."""

    def work() -> None:
        while True:
            with state.lock:
                site = state.pending
                state.pending = None
                if site is None:
                    state.worker = None
                    return
            try:
                index(site)
            except PluginError as error:
                with state.lock:
                    overtaken = state.pending is not None
                if not overtaken:
                    log.error(str(error))

    with state.lock:
        state.pending = site_dir
        if state.worker is None:
            state.worker = threading.Thread(target=work, name="search-index", daemon=True)
            state.worker.start()


def on_shutdown():
    worker = state.worker
    if worker is not None:
        worker.join()


@event_priority(-100)  # last: every page is written
def on_post_build(config):
    if state.serving:
        index_in_background(config.site_dir)
    else:
        index(config.site_dir)
