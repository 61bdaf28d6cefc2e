"""The search's words: the indexer (execblog/search/words.py) and the browser
(docs/javascripts/search.js with the stemmer file the index ships) make the same words of
any text, stem word forms together and fold British spellings into American ones."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from execblog.search import words

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "javascripts" / "search.js"
WORD_LIST = ROOT / "node_modules" / "word-list" / "words.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gradients descend", ["gradient", "descend"]),
        ("losses loss classes", ["loss", "loss", "class"]),
        ("Über naïve CAFÉ", ["uber", "naiv", "cafe"]),
        # An identifier whole (not stemmed) and as its parts; digits keep a word as it is.
        ("zero_grad kaiming_uniform_ Conv2d x_2", ["zero_grad", "zero", "grad",
                                                  "kaiming_uniform", "kaim", "uniform",
                                                  "conv2d", "x_2", "x", "2"]),
        ("3.14, F(2×2)", ["3", "14", "f", "2", "2"]),
        ("", []),
    ],
)
def test_words_are_folded_stemmed_and_identifiers_kept_whole(text, expected):
    assert words.words(text) == expected


@pytest.mark.parametrize("forms", [
    ["optimize", "optimise", "optimizing", "optimising", "optimization", "optimisation",
     "optimizer", "optimisers", "optimized"],
    ["normalize", "normalise", "normalised", "normalization", "normalisation"],
    ["converge", "converging", "converges", "convergence"],
    ["color", "colour", "colours", "colored", "coloured"],
    ["neighbor", "neighbour", "neighbours", "neighbouring"],
    ["center", "centre", "centres"],
    ["analyze", "analyse", "analysed", "analyzing", "analysing"],
    ["model", "modeled", "modelled", "modeling", "modelling"],
    ["travel", "traveled", "travelled", "traveling", "travelling"],
    ["catalog", "catalogue", "catalogues"],
    ["defense", "defence"],
    ["program", "programme", "programmes"],
    ["vectorize", "vectorise", "vectorized", "vectorised", "vectorizing"],
    ["backpropagation", "backpropagate", "backpropagating"],
])
def test_word_forms_and_british_spellings_share_a_stem(forms):
    stems = {form: words.stem(form) for form in forms}
    assert len(set(stems.values())) == 1, stems


@pytest.mark.parametrize("word", [
    "four", "hour", "tour", "your", "pour", "flour", "contour", "detour",
    "wise", "otherwise", "noise", "raise", "praise", "cruise", "disguise", "surprise",
    "enterprise", "precise", "exercise", "promise", "premise", "advise", "revise",
    "franchise", "paradise", "expertise", "advertise", "rise", "arise", "basis",
    "spelled", "smelled", "called", "installed", "fulfilled", "genre", "acre", "ogre",
    "more", "sure", "here", "where", "tongue", "league", "vogue", "glance", "dance",
])
def test_words_spelled_alike_in_both_countries_are_not_changed(word):
    assert words.americanize(word) == word


def browser_terms(runs: list[str], texts: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """What search.js makes of each run (termsOf) and of each text (words), with the
    index's stemmer file loaded, under node."""
    node = shutil.which("node")
    assert node, "node is needed (it also renders the site's math)"
    source = SCRIPT.read_text(encoding="utf-8")
    start = source.index("  const WORD =")
    end = source.index("\n", source.index("  const words ="))
    program = (
        "const window = globalThis;\n"
        + words.stemmer_script().decode()
        + source[start:end].replace("let stem = (w) => w;", "let stem = window.siteSearchStem;")
        + "\nconst input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "process.stdout.write(JSON.stringify([input.runs.map(termsOf),"
        " input.texts.map(words)]));\n")
    result = subprocess.run([node, "-e", program], input=json.dumps(
        {"runs": runs, "texts": texts}), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return tuple(json.loads(result.stdout))


# Texts through the script's words() and through Python's.
SAMPLES = ["Gradients, losses and entries", "Über naïve CAFÉ Ärger", "x_2 = 3.14 F(2×2)",
           "ﬁles; l'entrée — ǅemal İstanbul", "Σ sums ΣΑΣ Straße", "basis bus its has 1990s",
           "zero_grad __init__ kaiming_uniform_ _private a__b", "Optimisation colours"]


def site_words() -> set[str]:
    """Every run of letters, digits and underscores in the blog's sources: its posts and
    pages, and the library and snippets whose docstrings and listings its pages show."""
    found: set[str] = set()
    for folder, pattern in (("docs", "*.md"), ("docs", "*.ipynb"), ("nn", "*.py"),
                            ("snippets", "*.py")):
        for path in (ROOT / folder).rglob(pattern):
            found.update(words.WORD.findall(path.read_text(encoding="utf-8")))
    return found


def assert_same_terms(runs: list[str]) -> None:
    terms, texts = browser_terms(runs, SAMPLES)
    different = [(run, list(words.terms_of(run)), got)
                 for run, got in zip(runs, terms, strict=True)
                 if list(words.terms_of(run)) != got]
    assert not different, f"{len(different)} words differ, e.g. {different[:20]}"
    assert texts == [words.words(sample) for sample in SAMPLES]


# Two tests, so that a new post (new words) reruns the short one: the word list's 274,000
# words take 40 s through both stemmers.
def test_the_browser_makes_the_same_words_as_the_indexer_of_every_english_word():
    """Every word of an English word list of 274,000 words (word-list, a development
    dependency) is stemmed the same in the browser as in the indexer, and the samples'
    texts are cut into the same words."""
    assert WORD_LIST.is_file(), f"{WORD_LIST} is missing: run `npm ci`"
    english = WORD_LIST.read_text(encoding="utf-8").split()
    assert len(english) > 250_000
    assert_same_terms(sorted(set(english)))


def test_the_browser_makes_the_same_words_as_the_indexer_of_every_word_of_the_blog():
    found = site_words()
    assert len(found) > 3_000
    assert_same_terms(sorted(found))


def test_the_stemmer_file_is_snowball_3_0_1():
    script = words.stemmer_script().decode()
    assert "window.siteSearchStem" in script
    assert re.search(r"EnglishStemmer\s*=\s*function", script)
