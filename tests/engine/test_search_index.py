"""The search index of execblog/search/: what it leaves out of a page, what it keeps of a
page that only lists others, its chunks' bound however large the vocabulary, the preview's
updates, and its errors, which name the file. (Its words: test_search_words.py.)"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from execblog.search import extract, files, words
from execblog.search import index as search
from execblog.search.index import DEFAULTS, Settings

ROOT = Path(__file__).resolve().parents[2]


def html_page(article: str, title: str = "A page - The blog", marked: bool = True) -> str:
    mark = f" {extract.MARK}" if marked else ""
    return (f"<!doctype html><html><head><title>{title}</title></head><body>"
            f'<article class="md-content__inner md-typeset"{mark}>{article}</article>'
            "</body></html>")


def write(site: Path, path: str, text: str) -> Path:
    file = site / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def read_parts(folder: Path, page: int) -> list[dict]:
    """A page's fragments: its parts in order (0.json, 1.json, ...), as written."""
    parts = sorted((folder / str(page)).glob("*.json"), key=lambda path: int(path.stem))
    assert [int(path.stem) for path in parts] == list(range(len(parts))), parts
    return [json.loads(path.read_text(encoding="utf-8")) for path in parts]


def read_index(site: Path) -> tuple[dict, dict[str, list[int]], list[dict]]:
    """The manifest, each word's postings as written (difference-coded), and each page's
    fragment in page order, its parts joined again: address, title, sections."""
    folder = site / search.INDEX
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    postings = {}
    for _, name in manifest["chunks"]:
        postings.update(json.loads((folder / name).read_text(encoding="utf-8")))
    fragments = []
    for number in range(manifest["pages"]):
        parts = read_parts(folder / manifest["fragments"], number)
        assert [part["first"] for part in parts] == sorted({part["first"] for part in parts})
        fragments.append({"url": parts[0]["url"], "title": parts[0]["title"],
                          "sections": [s for part in parts for s in part["sections"]]})
    return manifest, postings, fragments


def pages_of(flat: list[int]) -> list[int]:
    pages, page = [], 0
    for step in flat[::3]:
        page += step
        pages.append(page)
    return pages


def parts_of(flat: list[int]) -> dict[int, list[int]]:
    """Page -> the numbers of the parts its posting names."""
    return {page: [bit for bit in range(DEFAULTS.parts) if mask >> bit & 1]
            for page, mask in zip(pages_of(flat), flat[2::3], strict=True)}


ARTICLE = """
<nav class="md-tags"><span class="md-tag">tagonly</span></nav>
<h1 id="the-title">Walrus title<a class="headerlink" href="#the-title">&para;</a></h1>
<p>Intro prose about a narwhal<mjx-container class="MathJax"><svg><text>mjxtext</text>
</svg></mjx-container> and x<sub>2</sub>.</p>
<div class="highlight"><pre><code>codeword = 1<div>nested</div>codetail</code></pre></div>
<button class="md-clipboard">clipword</button>
<h2 id="second">Second <code>part</code><a class="headerlink" href="#second">&para;</a></h2>
<p>Body of the second part.</p>
<details class="mkdocstrings-source"><summary>Source</summary><pre>sourceword</pre></details>
<aside class="md-source-file">sourcefileword</aside>
<p hidden data-search-terms>Optimization · gradient descent</p>
"""


def test_a_page_is_indexed_without_its_excluded_parts_and_with_its_terms(tmp_path):
    site = tmp_path / "site"
    write(site, "blog/post/index.html", html_page(ARTICLE))
    write(site, "blog/index.html", html_page("<h1>Listing</h1><p>walrus</p>", marked=False))
    search.index(str(site))
    manifest, postings, fragments = read_index(site)
    assert manifest["pages"] == 1
    [page] = fragments
    assert page["url"] == "blog/post/"
    assert page["title"] == "Walrus title"
    assert page["sections"] == [
        ["", "", "Intro prose about a narwhal and x2."],
        ["second", "Second part", "Body of the second part."],
    ]
    for left_out in ("tagonly", "mjxtext", "codeword", "nested", "codetail", "clipword",
                     "sourceword", "sourcefileword", "¶"):
        assert left_out not in json.dumps(page, ensure_ascii=False), left_out
        assert left_out not in postings, left_out
    # The title, the text, the headings and the post's categories and tags are its words;
    # a posting names the parts (here: sections) whose heading or text holds the word.
    for word, parts in (("walrus", []), ("narwhal", [0]), ("x2", [0]), ("second", [1]),
                        ("part", [1]), ("optim", []), ("gradient", []),
                        ("the", [1])):
        assert parts_of(postings[word]) == {0: parts}, word


def test_a_long_page_is_cut_into_at_most_parts_and_postings_name_the_right_ones(tmp_path):
    count = 3 * DEFAULTS.parts + 7
    sections = [["", "", "Intro text."]] + [
        [f"s{n}", f"Heading {n}", f"Words of section w{n} here."] for n in range(1, count)]
    pages = [search.Page("long/", "Long", sections),
             search.Page("short/", "Short", [["", "", "w7 once"], ["b", "B", "w7 twice"]])]
    folder = tmp_path / "index"
    files.write_files(folder, search.index_files(pages))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    parts = read_parts(folder / manifest["fragments"], 0)
    assert len(parts) == DEFAULTS.parts
    assert [s for part in parts for s in part["sections"]] == sections  # all, in order
    postings = {}
    for _, name in manifest["chunks"]:
        postings.update(json.loads((folder / name).read_text(encoding="utf-8")))
    for n in (1, 8, count // 2, count - 1):
        [(page, [part])] = parts_of(postings[f"w{n}"]).items()
        assert page == 0 and [f"s{n}", f"Heading {n}", f"Words of section w{n} here."] in \
            parts[part]["sections"], n
        assert parts[part]["first"] <= n < parts[part]["first"] + len(parts[part]["sections"])
    # "words" is in every section but the first: every part is named, in one integer that
    # JavaScript holds exactly.
    [mask] = postings["word"][2::3]
    assert mask == 2**DEFAULTS.parts - 1 and mask < 2**53
    assert parts_of(postings["w7"])[1] == [0, 1]
    # A page with no text still has a part, for its result's title.
    empty = search.index_files([search.Page("empty/", "Empty", [])])
    files.write_files(tmp_path / "empty", empty)
    manifest = json.loads((tmp_path / "empty" / "manifest.json").read_text(encoding="utf-8"))
    [part] = read_parts(tmp_path / "empty" / manifest["fragments"], 0)
    assert part == {"url": "empty/", "title": "Empty", "first": 0, "sections": []}


def test_a_word_in_the_title_scores_above_the_same_word_in_the_text_however_often():
    pages = [search.Page("a/", "Plain", [["", "", "The walrus swims. " * 20]]),
             search.Page("b/", "The walrus", [["", "", "It swims. " * 20]])]
    scores = {page: score for page, score, _ in search.scores(pages)["walrus"]}
    assert scores[1] > scores[0] > 0


def vocabulary(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < size:
        found.add("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 11))))
    return sorted(found)


def grown_pages(words: list[str], count: int, seed: int) -> list[search.Page]:
    """``count`` pages of 1,500 words each, drawn from ``words``, with a few words
    (like "the") on every page."""
    rng = random.Random(seed)
    return [search.Page(f"p/{n}/", f"Page {n}",
                        [["", "", " ".join(["the", "and", *rng.choices(words, k=1500)])]])
            for n in range(count)]


def written_sizes(pages: list[search.Page], folder: Path) -> tuple[list[int], int]:
    """The gzip size of each chunk and of the manifest, as written."""
    files.write_files(folder, search.index_files(pages))
    manifest = (folder / "manifest.json").read_bytes()
    listed = json.loads(manifest)["chunks"]
    sizes = [len(gzip.compress((folder / name).read_bytes(), 9)) for _, name in listed]
    firsts = [first for first, _ in listed]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)
    for first, name in listed:
        assert min(json.loads((folder / name).read_bytes())) == first, name
    return sizes, len(gzip.compress(manifest, 9))


def test_chunks_stay_under_the_bound_and_the_manifest_grows_slowly(tmp_path):
    # Today's blog has some 1,700 words; these have 24 and 94 times as many.
    small = written_sizes(grown_pages(vocabulary(40_000, 1), 100, 2), tmp_path / "small")
    large = written_sizes(grown_pages(vocabulary(160_000, 3), 200, 4), tmp_path / "large")
    for chunks, manifest in (small, large):
        assert max(chunks) <= DEFAULTS.chunk_gzip_bytes, max(chunks)
        # Chunks are filled, not cut needlessly small.
        assert sorted(chunks)[len(chunks) // 2] > DEFAULTS.chunk_gzip_bytes / 3, chunks
        assert manifest < 0.01 * sum(chunks), (manifest, sum(chunks))
    # Four times the words and twice the pages: the manifest grows with the chunks only.
    assert large[1] < 6 * small[1], (small[1], large[1])
    assert large[1] < 16_000, large[1]


def test_chunks_are_halved_until_they_gzip_under_the_bound():
    settings = Settings(chunk_bytes=10**9)  # one chunk, before halving
    postings = search.scores(grown_pages(vocabulary(20_000, 5), 50, 6), settings)
    chunks = search.chunks(postings, settings)
    assert len(chunks) > 1
    assert max(len(gzip.compress(data, 9)) for _, data in chunks) <= DEFAULTS.chunk_gzip_bytes
    held = [word for _, data in chunks for word in json.loads(data)]
    assert held == sorted(postings)


def test_an_unreadable_page_fails_the_index_naming_the_file(tmp_path):
    site = tmp_path / "site"
    write(site, "good/index.html", html_page("<h1>Good</h1><p>fine words</p>"))
    search.index(str(site))
    before = read_index(site)
    bad = site / "bad" / "index.html"
    bad.parent.mkdir()
    bad.write_bytes(html_page("<h1>Bad</h1><p>caf\xe9</p>").encode("latin-1"))
    with pytest.raises(PluginError, match=str(bad)):
        search.index(str(site))
    assert read_index(site) == before  # the previous index stays whole
    assert not (site / f".{search.INDEX}-new").exists()
    bad.write_text(html_page("<h1>Bad</h1>").replace("</article>", ""), encoding="utf-8")
    with pytest.raises(PluginError, match=rf"{bad}.*expected </article>"):
        search.index(str(site))
    bad.write_text(html_page("<p>no heading</p>", title="Its &lt;title&gt;"), encoding="utf-8")
    search.index(str(site))  # an article without <h1> is named by the page's <title>
    assert "Its <title>" in [page["title"] for page in read_index(site)[2]]
    bad.write_text(html_page("<p>no heading</p>", title=""), encoding="utf-8")
    with pytest.raises(PluginError, match=rf"{bad}.*expected a title"):
        search.index(str(site))


def test_a_changed_page_is_read_again_and_an_unchanged_one_is_not(tmp_path, monkeypatch):
    site = tmp_path / "site"
    page = write(site, "a/index.html", html_page("<h1>A</h1><p>first version</p>"))
    write(site, "b/index.html", html_page("<h1>B</h1><p>other words</p>"))
    known = files.Known()
    files.read_site(site, known)
    page.write_text(html_page("<h1>A</h1><p>second edition here</p>"), encoding="utf-8")
    read = []
    real_read_page = files.read_page
    monkeypatch.setattr(files, "read_page", lambda path, root: (read.append(path.parent.name),
                                                                 real_read_page(path, root))[1])
    pages = files.read_site(site, known)
    assert read == ["a"]
    assert "edition" in pages[0].sections[0][2]


def test_a_page_that_lists_others_is_found_by_its_title_alone(tmp_path):
    site = tmp_path / "site"
    write(site, "post/index.html", html_page("<h1>Walrus post</h1><p>Tusks and walrus.</p>"))
    listing = html_page("<h1>Topic calendar</h1><p>Walrus post, tusks.</p>").replace(
        extract.MARK, f'{extract.MARK}="title"')
    write(site, "calendar/index.html", listing)
    search.index(str(site))
    manifest, postings, fragments = read_index(site)
    assert [page["url"] for page in fragments] == ["calendar/", "post/"]
    assert fragments[0]["sections"] == []
    assert pages_of(postings["calendar"]) == [0]
    assert pages_of(postings["walrus"]) == [1] and pages_of(postings["tusk"]) == [1]


def test_the_index_ships_the_browser_stemmer_named_by_its_content(tmp_path):
    site = tmp_path / "site"
    write(site, "a/index.html", html_page("<h1>A</h1><p>words</p>"))
    search.index(str(site))
    manifest = json.loads((site / search.INDEX / "manifest.json").read_text(encoding="utf-8"))
    stemmer = (site / search.INDEX / manifest["stemmer"]).read_bytes()
    assert stemmer == words.stemmer_script()
    assert manifest["stemmer"] == f"stemmer-{search.digest(stemmer)}.js"


def test_each_first_letter_has_a_vocabulary_of_its_words_and_their_pages(tmp_path):
    """A typo is corrected from the vocabulary of its first letter, wherever the chunks are
    cut: every word of letters only (three or more) is in it with its number of pages."""
    site = tmp_path / "site"
    write(site, "a/index.html", html_page("<h1>A</h1><p>dilation walrus x1 ab zero_grad</p>"))
    write(site, "b/index.html", html_page("<h1>B</h1><p>dilation kernel</p>"))
    search.index(str(site), search.Settings(chunk_bytes=1_000, chunk_gzip_bytes=500))
    manifest, postings, _ = read_index(site)
    letters = {letter: json.loads((site / search.INDEX / name).read_text(encoding="utf-8"))
               for letter, name in manifest["vocabulary"].items()}
    assert letters["d"]["dilat"] == 2 and letters["w"]["walrus"] == 1
    assert letters["k"]["kernel"] == 1
    listed = {word for vocabulary in letters.values() for word in vocabulary}
    assert listed == {word for word in postings if len(word) >= 3 and word.isalpha()}
    assert all(word[0] == letter for letter, vocabulary in letters.items()
               for word in vocabulary)
    for letter, name in manifest["vocabulary"].items():
        data = (site / search.INDEX / name).read_bytes()
        assert name == f"vocabulary-{search.digest(data)}.json", letter


def index_as_written(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in folder.rglob("*") if path.is_file()}


def test_the_preview_rewrites_only_what_changed_and_ends_as_a_fresh_index(tmp_path,
                                                                          monkeypatch):
    preview = files.Preview()
    known = files.Known()
    writes: list[list[str]] = []
    write_files = files.write_files
    monkeypatch.setattr(files, "write_files",
                        lambda folder, written: (writes.append(sorted(written)),
                                                 write_files(folder, written)))
    site = tmp_path / "site"
    text = {name: "".join(f'<h2 id="s{n}">Part {n}</h2><p>{name} words {n} here.</p>'
                          for n in range(6)) for name in ("alpha", "beta", "gamma")}
    for name, body in text.items():
        write(site, f"{name}/index.html", html_page(f"<h1>{name.title()}</h1>{body}"))

    def update() -> None:
        preview.update(site / search.INDEX, search.index_files(files.read_site(site, known)))

    def same_as_fresh() -> None:
        fresh = tmp_path / "fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(search.INDEX))
        search.index(str(fresh))
        assert index_as_written(site / search.INDEX) == index_as_written(fresh / search.INDEX)

    update()
    same_as_fresh()
    # One section of one page edited: its part, the chunks of the words it changed and the
    # manifest are written; the other parts (5 of that page, 14 of the others) are not.
    writes.clear()
    write(site, "beta/index.html", html_page(
        "<h1>Beta</h1>" + text["beta"].replace("beta words 3", "beta zebras 3")))
    update()
    written = [name for batch in writes for name in batch]
    assert [name.split("/", 1)[1] for name in written if name.startswith("fragments-")] \
        == ["1/3.json"], written
    assert written[-1] == "manifest.json"
    assert len(written) <= 1 + 2 + 1, written  # the part, a chunk or two, the manifest
    same_as_fresh()
    # A page added before the others (every page number after it moves) and one removed.
    write(site, "aaa/index.html", html_page("<h1>First</h1><p>New words.</p>"))
    shutil.rmtree(site / "gamma")
    update()
    same_as_fresh()


def test_neighbouring_words_of_a_title_or_heading_are_a_key_of_their_own(tmp_path):
    """"gradient check" as a heading has it: a key of its own, scored by the heading's
    bonus and naming the part whose heading holds it; the same words apart in the text
    are not; a title's phrase scores the title's bonus; the key sorts right after its
    first word (the chunk a query fetches for that word)."""
    site = tmp_path / "site"
    write(site, "a/index.html", html_page(
        "<h1>Gradient descent</h1><p>intro</p><h2 id='c'>A gradient check</h2>"
        "<p>compare them</p>"))
    write(site, "b/index.html", html_page(
        "<h1>B</h1><p>we check the gradient, then check it again</p>"))
    search.index(str(site))
    _, postings, fragments = read_index(site)
    checked = postings["gradient check"]
    assert pages_of(checked) == [0]
    part = next(at for at, (_, heading, _) in enumerate(fragments[0]["sections"])
                if heading == "A gradient check")
    assert parts_of(checked) == {0: [part]}
    assert checked[1] == round(DEFAULTS.scale * DEFAULTS.heading_bonus)
    titled = postings["gradient descent"]
    assert pages_of(titled) == [0] and parts_of(titled) == {0: []}
    assert titled[1] == round(DEFAULTS.scale * DEFAULTS.title_bonus)
    assert "check gradient" not in postings and "the gradient" not in postings
    keys = sorted(postings)
    assert keys[keys.index("gradient") + 1] == "gradient check"
    assert words.phrases("Zero_grad  and Über-größe") == ["zero_grad and", "and uber",
                                                          "uber große"]
    # Words of one or two characters are left out first, here as in search.js.
    assert words.phrases("The gradient of a loss") == ["the gradient", "gradient loss"]
