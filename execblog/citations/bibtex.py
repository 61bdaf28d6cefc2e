"""A BibTeX file read into entries, each with the line it starts on.

The parser keeps what a citation check needs and nothing more: the entry type, the key,
the fields (LaTeX accents turned into Unicode), and the line of the ``@`` that opens the
entry, so that a duplicate key or a missing field is reported at its place in the file.
Text outside entries is a comment, as in BibTeX itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# What each entry type must have (BibTeX's own rules; "author|editor" means either).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "article": ("author", "title", "journal", "year"),
    "book": ("author|editor", "title", "publisher", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "incollection": ("author", "title", "booktitle", "publisher", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "phdthesis": ("author", "title", "school", "year"),
    "mastersthesis": ("author", "title", "school", "year"),
    "misc": ("title", "year"),
    "online": ("title", "year", "url"),
}

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
ARXIV_PATTERN = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
KEY_PATTERN = re.compile(r"^[A-Za-z][\w\-.:]*$")

# LaTeX accent commands and the combining characters they stand for.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
}
_SYMBOLS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "&": "&",
    "%": "%",
    "_": "_",
    "#": "#",
    "$": "$",
}


class BibliographyError(Exception):
    """A mistake in the .bib file, reported as ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class Entry:
    """One BibTeX entry: its type and key in lower case, fields with Unicode values."""

    type: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)


def latex_to_unicode(text: str) -> str:
    """Turn BibTeX's LaTeX (accents, protecting braces, ``--``) into plain Unicode."""
    import unicodedata

    def accent(match: re.Match) -> str:
        command, letter = match.group(1), match.group(2) or match.group(3)
        return unicodedata.normalize("NFC", letter + _ACCENTS[command])

    text = re.sub(r"\\([`'^\"~=.])\s*(?:\{(\w)\}|(\w))", accent, text)
    text = re.sub(r"\\([cvuHk])\s*(?:\{(\w)\}|\s(\w))", accent, text)
    text = re.sub(
        r"\\(ss|ae|AE|aa|AA|[oOlLi&%_#$])(?![A-Za-z])\s?", lambda m: _SYMBOLS[m.group(1)], text
    )
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("~", "\u00a0")
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read_value(text: str, start: int, path: str) -> tuple[str, int]:
    """The raw value that starts at ``start`` (braced, quoted or bare) and where it ends."""
    opener = text[start]
    if opener in '{"':
        closer = "}" if opener == "{" else '"'
        depth, position = 0, start + 1
        while position < len(text):
            char = text[position]
            if char == "{":
                depth += 1
            elif char == "}" and (depth > 0 or closer == '"'):
                if depth == 0:
                    break
                depth -= 1
            elif char == closer and depth == 0:
                return text[start + 1 : position], position + 1
            position += 1
        raise BibliographyError(path, _line_of(text, start), f"unclosed value: expected {closer!r}")
    match = re.compile(r"[\w\-.]+").match(text, start)
    if not match:
        raise BibliographyError(
            path,
            _line_of(text, start),
            f"expected a value in braces, quotes or a number, found {text[start : start + 10]!r}",
        )
    return match.group(0), match.end()


def parse_bibtex(text: str, path: str = "references.bib") -> dict[str, Entry]:
    """Every entry of a BibTeX text by lower-cased key; a syntax error names its line."""
    entries: dict[str, Entry] = {}
    position = 0
    opening = re.compile(r"@\s*(\w+)\s*([{(])")
    while True:
        match = opening.search(text, position)
        if not match:
            return entries
        kind = match.group(1).lower()
        line = _line_of(text, match.start())
        if kind in ("comment", "preamble"):
            _, position = _read_value(text, match.end() - 1, path)
            continue
        if kind == "string":
            raise BibliographyError(
                path, line, "@string abbreviations are not supported: write the value out"
            )
        key_match = re.compile(r"\s*([^\s,{}()]+)\s*,").match(text, match.end())
        if not key_match:
            raise BibliographyError(
                path, line, f"@{kind} entry without a key: expected '@{kind}{{key,'"
            )
        key = key_match.group(1)
        if not KEY_PATTERN.match(key):
            raise BibliographyError(
                path, line, f"key {key!r} is not a letter followed by letters, digits or -_.:"
            )
        entry = Entry(type=kind, key=key.lower(), line=line)
        position = key_match.end()
        field_pattern = re.compile(r"\s*(?:([A-Za-z][\w\-]*)\s*=\s*|([})]))")
        while True:
            field_match = field_pattern.match(text, position)
            if not field_match:
                raise BibliographyError(
                    path,
                    _line_of(text, position),
                    f"in entry {key!r}: expected 'name = {{value}}' or the closing brace",
                )
            if field_match.group(2):
                position = field_match.end()
                break
            name = field_match.group(1).lower()
            field_line = _line_of(text, field_match.start(1))
            raw, position = _read_value(text, field_match.end(), path)
            if name in entry.fields:
                raise BibliographyError(
                    path, field_line, f"entry {key!r} has the field {name!r} twice"
                )
            entry.fields[name] = (
                latex_to_unicode(raw) if name not in ("doi", "url", "eprint") else raw.strip()
            )
            entry.field_lines[name] = field_line
            position = re.compile(r"\s*,?").match(text, position).end()
        if entry.key in entries:
            first = entries[entry.key]
            raise BibliographyError(
                path, line, f"duplicate key {key!r}: already defined on line {first.line}"
            )
        entries[entry.key] = entry


def check_entry(entry: Entry, path: str) -> None:
    """Fail on an unknown type, a missing required field or a malformed DOI or arXiv id."""
    required = REQUIRED_FIELDS.get(entry.type)
    if required is None:
        raise BibliographyError(
            path,
            entry.line,
            f"entry {entry.key!r} has type @{entry.type}; expected one of "
            + ", ".join("@" + name for name in REQUIRED_FIELDS),
        )
    for name in required:
        choices = name.split("|")
        if not any(entry.fields.get(choice) for choice in choices):
            raise BibliographyError(
                path,
                entry.line,
                f"@{entry.type} entry {entry.key!r} is missing the field "
                + " or ".join(repr(choice) for choice in choices),
            )
    doi = entry.fields.get("doi")
    if doi is not None and not DOI_PATTERN.match(doi):
        raise BibliographyError(
            path,
            entry.field_lines["doi"],
            f"entry {entry.key!r}: doi {doi!r} is not of the form 10.<registrant>/<suffix>",
        )
    eprint = entry.fields.get("eprint")
    if eprint is not None:
        prefix = entry.fields.get("archiveprefix", "arXiv")
        if prefix.lower() != "arxiv":
            raise BibliographyError(
                path,
                entry.field_lines["eprint"],
                f"entry {entry.key!r}: archiveprefix {prefix!r} is not supported; expected 'arXiv'",
            )
        if not ARXIV_PATTERN.match(eprint):
            raise BibliographyError(
                path,
                entry.field_lines["eprint"],
                f"entry {entry.key!r}: arXiv id {eprint!r} is not of the form 1509.09308 "
                "or hep-th/9901001",
            )
    year = entry.fields.get("year")
    if year is not None and not re.fullmatch(r"\d{4}", year):
        raise BibliographyError(
            path,
            entry.field_lines["year"],
            f"entry {entry.key!r}: year {year!r} is not four digits",
        )


def load_bibliography(path: Path, shown_path: str | None = None) -> dict[str, Entry]:
    """Parse and check a .bib file; errors name ``shown_path`` (default: ``path``)."""
    name = shown_path or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BibliographyError(name, 0, "the bibliography file does not exist") from None
    entries = parse_bibtex(text, name)
    for entry in entries.values():
        check_entry(entry, name)
    return entries
