"""Citations and reference lists formatted by citeproc-py with a CSL style.

Entries go to citeproc as CSL-JSON. A page gets its own bibliography object: its
citations are registered first (so that citeproc can tell "2016a" from "2016b"), then
formatted. The style formats; this module only adds what the style does not: links on
DOIs and URLs, and a link to the arXiv for entries that have an ``eprint``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

from .bibtex import Entry
from .kept import Kept

# This module's code, part of the key of what is kept formatted (kept.py).
CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
citeproc_version = version("citeproc-py")

CSL_TYPES = {
    "article": "article-journal",
    "book": "book",
    "inproceedings": "paper-conference",
    "incollection": "chapter",
    "techreport": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "online": "webpage",
}


def split_names(authors: str) -> list[dict[str, str]]:
    """BibTeX's ``Last, First and First Last`` as CSL names (family, given)."""
    names = []
    for name in re.split(r"\s+and\s+", authors.strip()):
        if "," in name:
            family, given = (part.strip() for part in name.split(",", 1))
        else:
            parts = name.split()
            family, given = parts[-1], " ".join(parts[:-1])
        names.append({"family": family, "given": given} if given else {"literal": family})
    return names


def to_csl(entry: Entry) -> dict:
    """One entry in CSL-JSON, the form citeproc reads."""
    fields = entry.fields
    csl_type = CSL_TYPES.get(entry.type, "article" if "eprint" in fields else "dataset")
    item: dict = {"id": entry.key, "type": csl_type, "title": fields["title"]}
    for bib_name in ("author", "editor"):
        if bib_name in fields:
            item[bib_name] = split_names(fields[bib_name])
    if "year" in fields:
        item["issued"] = {"date-parts": [[int(fields["year"])]]}
    container = fields.get("journal") or fields.get("booktitle")
    if container:
        item["container-title"] = container
    for bib_name, csl_name in (
        ("volume", "volume"),
        ("number", "issue"),
        ("pages", "page"),
        ("publisher", "publisher"),
        ("series", "collection-title"),
        ("doi", "DOI"),
        ("url", "URL"),
        ("isbn", "ISBN"),
        ("institution", "publisher"),
        ("school", "publisher"),
        ("howpublished", "publisher"),
    ):
        if bib_name in fields and csl_name not in item:
            item[csl_name] = (
                fields[bib_name].replace("\u2013", "-") if csl_name == "page" else fields[bib_name]
            )
    if "eprint" in fields and "DOI" not in item and "URL" not in item:
        item["URL"] = arxiv_url(fields["eprint"])
    return item


def arxiv_url(identifier: str) -> str:
    return f"https://arxiv.org/abs/{identifier}"


@dataclass
class CitedItem:
    """One work inside a citation: its key and an optional locator such as ``sec. 4``."""

    key: str
    locator: str = ""
    prefix: str = ""


def _link_urls(text: str) -> str:
    """Wrap the bare URLs a style prints in links (the style prints them as text)."""
    return re.sub(
        r"(?<![\"'>])(https?://[^\s<]+[^\s<.,;)])",
        lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>',
        text,
    )


class Formatter:
    """Formats citations and reference lists from entries with one CSL style.

    ``style`` is a path to a .csl file or the name of a style citeproc-py ships.
    """

    def __init__(self, entries: dict[str, Entry], style: str):
        self.entries = entries
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc warns about CSL features it skips
            self.style = CitationStylesStyle(style, validate=False)
        self.source = CiteProcJSON([to_csl(entry) for entry in entries.values()])
        style_file = Path(style)
        self.style_digest = (hashlib.sha256(style_file.read_bytes()).hexdigest()
                             if style_file.is_file() else style)

    def page(self, clusters: Sequence[Sequence[CitedItem]]) -> PageBibliography:
        return PageBibliography(self, clusters)

    def kept_key(self, clusters: Sequence[Sequence[CitedItem]]) -> str:
        """What a page's formatted citations depend on: this code, citeproc-py's version,
        the style, the citations in order and the cited entries as written."""
        cited = sorted({item.key for cluster in clusters for item in cluster})
        what = [CODE, citeproc_version, self.style_digest,
                [[[item.key, item.locator, item.prefix] for item in cluster]
                 for cluster in clusters],
                [[key, self.entries[key].type, self.entries[key].fields] for key in cited]]
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()

    def formatted(self, clusters: Sequence[Sequence[CitedItem]], kept: Kept | None = None
                  ) -> tuple[list[str], list[tuple[str, str]]]:
        """A page's citation texts and its references (``PageBibliography``'s), taken from
        ``kept`` when this page's citations were formatted before."""
        key = self.kept_key(clusters) if kept is not None else ""
        found = kept.get(key) if kept is not None else None
        if found is not None:
            texts, references = found
            return list(texts), [(key, text) for key, text in references]
        page = self.page(clusters)
        texts, references = page.citation_texts(), page.references()
        if kept is not None:
            kept.put(key, [texts, [list(reference) for reference in references]])
        return texts, references


class PageBibliography:
    """The citations of one page, registered together, and that page's reference list."""

    def __init__(self, owner: Formatter, clusters: Sequence[Sequence[CitedItem]]):
        self.owner = owner
        self.bibliography = CitationStylesBibliography(owner.style, owner.source, formatter.html)
        self.citations = []
        for cluster in clusters:
            citation = Citation([CitationItem(item.key) for item in cluster])
            self.bibliography.register(citation)
            self.citations.append((cluster, citation))

    def citation_texts(self) -> list[str]:
        """Each registered citation as text, e.g. ``(Lavin and Gray, 2016, sec. 4)``."""
        texts = []
        for cluster, citation in self.citations:
            if any(item.locator or item.prefix for item in cluster):
                parts = []
                for item in cluster:
                    single = Citation([CitationItem(item.key)])
                    self.bibliography.register(single)
                    text = _strip_parentheses(self._cite(single))
                    text = " ".join(part for part in (item.prefix, text) if part)
                    parts.append(text + (f", {item.locator}" if item.locator else ""))
                texts.append("(" + "; ".join(parts) + ")")
            else:
                texts.append(self._cite(citation))
        return texts

    def _cite(self, citation: Citation) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(self.bibliography.cite(citation, lambda item: None))

    def references(self) -> list[tuple[str, str]]:
        """(key, HTML) of each cited work in the style's order, with DOI/arXiv links."""
        self.bibliography.sort()
        result = []
        for key, item in zip(self.bibliography.keys, self.bibliography.bibliography(), strict=True):
            entry = self.owner.entries[key]
            text = _link_urls(str(item))
            eprint = entry.fields.get("eprint")
            if eprint and arxiv_url(eprint) not in text:
                text += f' arXiv: <a href="{arxiv_url(eprint)}">{html.escape(eprint)}</a>.'
            result.append((key, text))
        return result


def _strip_parentheses(text: str) -> str:
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def narrative(text: str) -> str:
    """``(Lavin and Gray, 2016)`` as it reads in a sentence: ``Lavin and Gray (2016)``."""
    match = re.fullmatch(r"\((.*), ((?:\d{4}|n\.d\.)[a-z]?(?:, .*)?)\)", text)
    return f"{match.group(1)} ({match.group(2)})" if match else text


def uncited(entries: Iterable[str], cited: set[str]) -> list[str]:
    return sorted(key for key in entries if key not in cited)
