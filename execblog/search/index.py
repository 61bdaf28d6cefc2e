"""The search index of a site's pages: each word's postings in alphabetical chunks, each
page's text in fragments, and the browser's stemmer, as files (``index_files()``).

- ``manifest.json``: the number of pages, the first word of each chunk with its file, the
  directory of the pages' fragments, the vocabulary's file of each first letter and the
  stemmer's file. It grows by one entry per chunk, not per page.
- ``chunk-<hash>.json``: the words of one alphabetical range, each with its postings (page
  number, score, parts). A chunk holds whole words and is cut at ``chunk_bytes``
  (uncompressed), then halved until it gzips to ``chunk_gzip_bytes`` or less; a query
  fetches only the chunks of its words (docs/javascripts/search.js).
- ``fragments-<hash>/<page>/<part>.json``: a page's address and title, and the indexed text
  of some of its sections (each section a part of its own, unless a page has more than
  ``parts`` sections, when neighbours share a part). A posting names the parts that hold
  its word, so a result shown fetches only the parts its excerpts come from.
- ``stemmer-<hash>.js``: the browser's stemmer (``words.stemmer_script()``).
- ``vocabulary-<hash>.json``, one per first letter: each word of letters only that begins
  with it, and the number of pages holding it. A word the index lacks is corrected from
  the vocabulary of its first letter (and the chunk fetched for it), so the correction does
  not depend on where the chunks are cut: in a big index they are cut finely, and
  "dialation" and "dilation" fall in different chunks.

File names carry a hash of their content (the fragments' directory: of all fragments), so
a browser may cache them for good.

The score of a word on a page is BM25 on the page's text, plus a bonus when the word is in
the title, in a heading, or among the tags and categories; the browser weighs it by the
word's rarity across the pages. Two neighbouring words of a title or heading are also a key
of their own ("gradient check", ``words.phrases()``), scored by the same bonuses: a query
holding them side by side raises the pages whose titles or headings do.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from execblog.filememo import FileMemo
from execblog.search.extract import Page
from execblog.search.words import phrases, stemmer_script, words

INDEX = "search-index"


@dataclass(frozen=True)
class Settings:
    """The index's options (the plugin's ``Config``, where each is documented)."""

    chunk_bytes: int = 24_000
    chunk_gzip_bytes: int = 10_000
    parts: int = 52
    k1: float = 1.2
    b: float = 0.75
    title_bonus: float = 2.5
    heading_bonus: float = 1.0
    terms_bonus: float = 1.0
    scale: int = 20


DEFAULTS = Settings()


# --- Writing the index ----------------------------------------------------------------------

def part_of(section: int, sections: int, parts: int) -> int:
    """The part that holds a page's section number ``section`` of ``sections``: the section
    itself, or one of ``parts`` runs of neighbouring sections on a longer page."""
    return section if sections <= parts else section * parts // sections


Posting = tuple[int, int, int]  # page number, score, parts holding the word (bits)
Counted = tuple[dict[str, int], set[str], set[str], set[str], dict[str, int],
                dict[str, int], set[str]]


def count(page: Page, parts_most: int) -> Counted:
    """A page's words: how often each is in its text and headings, those in headings, in
    the title, among the terms, the parts holding each (bits), and the phrases (two
    neighbouring words) of its headings, with their parts, and of its title. Kept with the
    page, which the preview keeps while its file is unchanged."""
    if page.counted is None:
        body: dict[str, int] = {}
        headings: set[str] = set()
        parts: dict[str, int] = {}
        headed: dict[str, int] = {}
        for at, (_, heading, text) in enumerate(page.sections):
            found = words(heading)
            headings.update(found)
            bit = 1 << part_of(at, len(page.sections), parts_most)
            for word in [*found, *words(text)]:
                body[word] = body.get(word, 0) + 1
                parts[word] = parts.get(word, 0) | bit
            for phrase in phrases(heading):
                headed[phrase] = headed.get(phrase, 0) | bit
        page.counted = (body, headings, set(words(page.title)), set(words(page.terms)),
                        parts, headed, set(phrases(page.title)))
    return page.counted


def scores(pages: list[Page], settings: Settings = DEFAULTS) -> dict[str, list[Posting]]:
    """Each word's postings: (page number, score, parts), in page order. ``parts`` has bit
    ``p`` set when part ``p`` of the page has the word in its heading or text; a word only
    in the title or among the terms has none. A phrase of the title or of headings scores
    their bonuses and names the parts whose headings hold it."""
    counted = [count(page, settings.parts) for page in pages]
    lengths = [sum(body.values()) for body, *_ in counted]
    average = max(sum(lengths) / max(len(lengths), 1), 1.0)
    postings: dict[str, list[Posting]] = {}
    for number, ((body, headings, title, terms, parts, headed, titled), length) in enumerate(
            zip(counted, lengths, strict=True)):
        k1, b = settings.k1, settings.b
        norm = k1 * (1 - b + b * length / average)
        for word in body.keys() | title | terms:
            tf = body.get(word, 0)
            score = tf * (k1 + 1) / (tf + norm)
            for bonus, found in ((settings.title_bonus, title),
                                 (settings.heading_bonus, headings),
                                 (settings.terms_bonus, terms)):
                if word in found:
                    score += bonus
            postings.setdefault(word, []).append(
                (number, max(1, round(settings.scale * score)), parts.get(word, 0)))
        for phrase in headed.keys() | titled:
            score = (settings.title_bonus * (phrase in titled)
                     + settings.heading_bonus * (phrase in headed))
            postings.setdefault(phrase, []).append(
                (number, max(1, round(settings.scale * score)), headed.get(phrase, 0)))
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


def chunks(postings: dict[str, list[Posting]],
           settings: Settings = DEFAULTS) -> list[tuple[str, bytes]]:
    """The words in order, cut into chunks: (first word, JSON). A chunk is cut before it
    passes ``chunk_bytes`` and halved while it gzips to more than ``chunk_gzip_bytes``; a
    single word whose postings alone pass the bound (one in thousands of pages) keeps a
    chunk of its own."""
    entries = sorted(postings.items())
    groups, group, size = [], [], 0
    for entry in entries:
        entry_size = len(encode([entry]))
        if group and size + entry_size > settings.chunk_bytes:
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
        if len(group) > 1 and len(gzip.compress(data, 9)) > settings.chunk_gzip_bytes:
            half = len(group) // 2
            groups[:0] = [group[:half], group[half:]]
            continue
        result.append((group[0][0], data))
    return result


def vocabulary(postings: dict[str, list[Posting]]) -> dict[str, bytes]:
    """The JSON of each first letter's vocabulary: its words of three or more letters (no
    digit or underscore: no typo is corrected to them) -> the number of pages holding each."""
    letters: dict[str, dict[str, int]] = {}
    for word, posted in sorted(postings.items()):
        if len(word) >= 3 and word.isalpha():
            letters.setdefault(word[0], {})[word] = len(posted)
    return {letter: json.dumps(words, separators=(",", ":"), ensure_ascii=False).encode()
            for letter, words in letters.items()}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def fragments(page: Page, parts_most: int) -> list[bytes]:
    """The JSON of each part of a page: its address, title, the number of its first section,
    and its sections (at least one part, if empty, so that every result has something)."""
    parts: list[list[list[str]]] = [[]]
    firsts = [0]
    for at, section in enumerate(page.sections):
        part = part_of(at, len(page.sections), parts_most)
        if part == len(parts):
            parts.append([])
            firsts.append(at)
        parts[part].append(section)
    return [json.dumps({"url": page.url, "title": page.title, "first": first,
                        "sections": sections}, separators=(",", ":"),
                       ensure_ascii=False).encode()
            for first, sections in zip(firsts, parts, strict=True)]


def index_files(pages: list[Page], settings: Settings = DEFAULTS) -> dict[str, bytes]:
    """Every file of the index of ``pages``, by its path in the index's folder, the
    manifest last."""
    written = [fragments(page, settings.parts) for page in pages]
    fragments_dir = "fragments-" + digest(b"\0".join(b"\1".join(parts) for parts in written))
    files = {f"{fragments_dir}/{number}/{part}.json": data
             for number, parts in enumerate(written) for part, data in enumerate(parts)}
    listed = []
    postings = scores(pages, settings)
    for first, data in chunks(postings, settings):
        name = f"chunk-{digest(data)}.json"
        files[name] = data
        listed.append([first, name])
    letters = {}
    for letter, data in vocabulary(postings).items():
        letters[letter] = name = f"vocabulary-{digest(data)}.json"
        files[name] = data
    stemmer = stemmer_script()
    stemmer_name = f"stemmer-{digest(stemmer)}.js"
    files[stemmer_name] = stemmer
    manifest = {"pages": len(pages), "fragments": fragments_dir, "chunks": listed,
                "vocabulary": letters, "stemmer": stemmer_name}
    files["manifest.json"] = json.dumps(manifest, separators=(",", ":"),
                                        ensure_ascii=False).encode()
    return files



def index(site_dir: str | Path, settings: Settings = DEFAULTS) -> None:
    """Index the written site into its ``search-index/``, anew (the plugin does this at the
    end of a build; under ``mkdocs serve`` it updates the preview's last index instead)."""
    from execblog.search.files import read_site, replace_index

    site = Path(site_dir)
    pages = read_site(site, FileMemo())  # (its errors come before anything is written)
    replace_index(site / INDEX, index_files(pages, settings))


def read_site(site: Path) -> list[Page]:
    """The marked pages of a written site (``files.read_site``, nothing remembered)."""
    from execblog.search import files

    return files.read_site(site, FileMemo())
