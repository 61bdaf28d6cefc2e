"""The words of the search index: what a text's words become, in the indexer and, the same,
in the browser (docs/javascripts/search.js splits and folds; the stemmer file that
``stemmer_script()`` writes stems).

A run of letters, digits and underscores is a word; a run with underscores inside
(``zero_grad``, ``kaiming_uniform_``) is an identifier, indexed whole and as its parts, so
that the name finds its API entry and each part the prose. A word is lowercased and its
accents dropped ("Über" is "uber"); a word of ASCII letters then has its British spelling
made American (``SPELLINGS``) and is cut to its stem by the Snowball English stemmer
(Porter2) of Snowball 3.0.1: "optimisation", "optimizing" and "optimizer" are all
"optim". Words with digits (``conv2d``) are kept as they are.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

from snowballstemmer.english_stemmer import EnglishStemmer

from execblog import compat

# Unicode letters and digits and the underscore: search.js's /[\p{L}\p{N}_]+/gu.
WORD = re.compile(r"(?:[^\W_]|_)+")
STEMMED = re.compile(r"[a-z]{3,}")
# The shortest word a phrase key holds (search.js's PHRASE_WORD).
PHRASE_WORD = 3

# British spellings made American before stemming, where no other word is hit: each
# (pattern, replacement) is applied in turn to a whole lowercase word, here and in the
# browser (as JavaScript regular expressions: the same plain syntax in both).
SPELLINGS: list[tuple[str, str]] = [
    # colour -> color, neighbours -> neighbors (a list: "four", "hour", "tour" keep theirs)
    (r"^(arbo|ardo|armo|behavio|cando|clamo|colo|endeavo|favo|fervo|flavo|harbo|hono|humo"
     r"|labo|neighbo|odo|parlo|rigo|rumo|savio|savo|splendo|tumo|valo|vapo|vigo)ur", r"\1r"),
    # centre -> center, metres -> meters
    (r"^(cent|fib|lit|met|theat|calib|spect|lust|somb|meag|sab)re(s|d)?$", r"\1er\2"),
    # analyse -> analyze
    (r"^(anal|paral|catal|dial|electrol|hydrol)ys(e|ed|es|ing|er|ers)$", r"\1yz\2"),
    # catalogue -> catalog
    (r"^(catalog|analog|dialog|monolog|prolog|epilog)ue(s|d)?$", r"\1\2"),
    # defence -> defense, licences -> licenses
    (r"^(defen|offen|licen|preten)ce(s)?$", r"\1se\2"),
    # programme -> program
    (r"^programme(s)?$", r"program\1"),
    # modelled -> modeled, travelling -> traveling (not spelled, smelled: one syllable)
    (r"^([a-z]*[aeiouy][a-z]*[^aeiouy])ell(ed|ing|er|ers)$", r"\1el\2"),
    # optimise -> optimize, normalisation -> normalization; the words spelled -ise in
    # America too are left alone (wise, noise, raise, cruise, guise, surprise, precise,
    # promise, advise, franchise, expertise, paradise...)
    (r"^(?!.*(wise|noise|poise|raise|ruise|guise|prise|cise|promise|premise|demise|surmise"
     r"|vise|chise|rtise|adise|andise)$)([a-z]{3,})is(e|ed|es|ing|er|ers|ation|ations"
     r"|ational)$", r"\2iz\3"),
]
_SPELLINGS = [(re.compile(pattern), replacement) for pattern, replacement in SPELLINGS]
_STEMMER = EnglishStemmer()


def americanize(word: str) -> str:
    """``word`` (lowercase ASCII letters) with its British spelling made American."""
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def fold(word: str) -> str:
    """Lowercase, accents dropped (NFKD, marks removed): search.js's ``fold``."""
    word = word.lower()
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return word


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A folded word's stem: American spelling, then Snowball's English stemmer; a word of
    fewer than three ASCII letters, or with anything else in it, as it is."""
    if not STEMMED.fullmatch(word):
        return word
    return _STEMMER.stemWord(americanize(word))


@lru_cache(maxsize=1 << 16)
def terms_of(run: str) -> tuple[str, ...]:
    """The index words of one run of letters, digits and underscores: the run's word, or
    for an identifier its whole (folded, not stemmed) and then each part's word."""
    parts = [part for part in run.split("_") if part]
    if len(parts) > 1:
        return ("_".join(fold(part) for part in parts), *(stem(fold(p)) for p in parts))
    return tuple(stem(fold(part)) for part in parts)


def words(text: str) -> list[str]:
    """The index words of ``text``, in order."""
    return [term for run in WORD.findall(unicodedata.normalize("NFC", text))
            for term in terms_of(run)]


def phrases(text: str) -> list[str]:
    """Each two neighbouring words of ``text`` as one index key, "first second" (each run's
    word: an identifier's whole; words of one or two characters, "a", "of", "to", left out
    first, here and in the query). The index holds them for titles and headings, so that a
    query's neighbouring words found as a heading has them rank it above pages holding them
    apart; the space sorts such a key right after its first word, in that word's chunk."""
    runs = [terms_of(run) for run in WORD.findall(unicodedata.normalize("NFC", text))]
    firsts = [terms[0] for terms in runs if terms and len(terms[0]) >= PHRASE_WORD]
    return [f"{a} {b}" for a, b in pairwise(firsts)]


def stemmer_script() -> bytes:
    """The browser's stemmer: Snowball 3.0.1's own JavaScript build of the English stemmer
    (as Sphinx ships it, the same generator output as snowballstemmer 3.0.1's Python) and
    ``SPELLINGS``, defining ``window.siteSearchStem(word)``, the same as ``stem()``."""
    base, english = compat.snowball_english_js()
    spellings = json.dumps([[pattern, re.sub(r"\\(\d)", r"$\1", replacement)]
                            for pattern, replacement in SPELLINGS])
    return (
        "// Snowball 3.0.1's English stemmer (https://snowballstem.org/, BSD licence), as\n"
        "// Sphinx 9.0.4 ships it, and the search's British-to-American spellings\n"
        "// (execblog/search/words.py writes this file).\n"
        "window.siteSearchStem = (() => {\nvar BaseStemmer, EnglishStemmer;\n"
        f"{base.strip()};\n{english.strip()};\n"
        "const stemmer = new EnglishStemmer();\n"
        f"const spellings = {spellings}.map(([p, r]) => [new RegExp(p), r]);\n"
        "const cache = new Map();\n"
        "return (word) => {\n"
        "  if (!/^[a-z]{3,}$/.test(word)) return word;\n"
        "  if (!cache.has(word)) {\n"
        "    let american = word;\n"
        "    for (const [pattern, replacement] of spellings) {\n"
        "      american = american.replace(pattern, replacement);\n"
        "    }\n"
        "    cache.set(word, stemmer.stemWord(american));\n"
        "  }\n"
        "  return cache.get(word);\n"
        "};\n})();\n"
    ).encode()
