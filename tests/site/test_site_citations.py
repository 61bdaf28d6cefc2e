"""Citations, numbered equations, figures and tables, cross-references, "Cite this post" and
series (execblog-citations, issue 26) on the fixture site: each rule on what a build writes,
each failure on what a broken copy's build says.

The fixture's posts Delta (2026-01-03) and Epsilon (2026-01-04) cite the fixture's
``docs/references.bib``, label equations, a figure and tables, refer to each other and form
the series "Fixture series"; the rules are read from the shared fixture build
(``built_fixture``), each failure builds its own copy with one fault.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest

from tests.conftest import run_build
from tests.site.checks import search_index
from tests.site.test_build import assert_fails_naming, edit
from tests.site.test_links import SITE_URL, broken_links
from tests.site.test_serve_incremental import run_driver

POSTS = "docs/blog/posts"
DELTA = f"{POSTS}/2026-01-03-delta-citations.md"
EPSILON = f"{POSTS}/2026-01-04-epsilon-series.md"
GAMMA = f"{POSTS}/2026-01-07-gamma-notebook.ipynb"
ZEBRA = f"{POSTS}/2026-01-08-zebra-draft.md"
BIB = "docs/references.bib"
DELTA_URL = "blog/2026/01/03/delta-citations-and-numbers/"
EPSILON_URL = "blog/2026/01/04/epsilon-the-series-continues/"
SERIES_URL = "blog/series/fixture-series/"


def article(site: Path, url: str) -> str:
    """The article of the page at ``url`` (under the site), formulas' glyphs left out."""
    text = (site / url / "index.html").read_text(encoding="utf-8")
    text = text[text.index("<article") : text.index("</article>")]
    return re.sub(r"<use [^>]*></use>", "", text)


def line_of(project: Path, relative: str, needle: str) -> int:
    text = (project / relative).read_text(encoding="utf-8")
    assert needle in text, f"{needle!r} not in {relative}"
    return text[: text.index(needle)].count("\n") + 1


# --- Citations ------------------------------------------------------------------------------


def test_citation_forms_render_with_a_references_section_and_doi_arxiv_links(built_fixture):
    page = article(built_fixture.site, DELTA_URL)
    # [@key], [@key, locator], [@a; @b] and the narrative @key, each a link to its entry.
    assert (
        '<a class="citation" data-cite="robbins1951" href="#ref-robbins1951">'
        "(Robbins and Monro, 1951)</a>" in page
    )
    assert (
        '<a class="citation" data-cite="loshchilov2017" href="#ref-loshchilov2017">'
        "(Loshchilov and Hutter, 2017, sec. 3)</a>" in page
    )
    assert (
        '<a class="citation" data-cite="robbins1951 loshchilov2017" href="#ref-robbins1951">'
        "(Robbins and Monro, 1951; Loshchilov and Hutter, 2017)</a>" in page
    )
    assert ">Goodfellow, Bengio and Courville (2016)</a> cover it all" in page
    assert "[@" not in page.split("Left as written")[0]  # no citation left as written
    # A References section at the end, an item per cited work, in the style's order.
    references = page[page.index('id="references"') :]
    items = re.findall(r'<li id="ref-([\w-]+)">', references)
    assert items == ["goodfellow2016", "loshchilov2017", "robbins1951"]
    assert '<a href="https://doi.org/10.1214/aoms/1177729586">' in references
    assert '<a href="https://arxiv.org/abs/1608.03983">' in references
    # Epsilon cites one of the three: its References list that one only.
    epsilon = article(built_fixture.site, EPSILON_URL)
    assert re.findall(r'<li id="ref-([\w-]+)">', epsilon) == ["robbins1951"]


def test_a_citation_in_an_excerpt_leads_to_the_posts_references(built_fixture):
    site = built_fixture.site
    index = (site / "blog" / "index.html").read_text(encoding="utf-8")
    assert f'href="{DELTA_URL.removeprefix("blog/")}#ref-robbins1951"' in index
    lists = [site / "blog" / "index.html", site / "blog/archive/2026/01/index.html",
             site / "blog/category/optimization/index.html"]
    assert not broken_links(site, lists)


def test_a_notebook_post_cites_the_same_way(fixture_project, build_fixture):
    notebook = json.loads((fixture_project / GAMMA).read_text(encoding="utf-8"))
    cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "markdown"
                and "## Squares" in "".join(cell["source"]))
    cell["source"] = "".join(cell["source"]) + "\n\nSquares grow as in [@goodfellow2016, ch. 2].\n"
    (fixture_project / GAMMA).write_text(json.dumps(notebook), encoding="utf-8")
    build = build_fixture()
    assert build.returncode == 0, build.output
    page = article(build.site, "blog/2026/01/07/gamma-a-notebook-post/")
    assert ">(Goodfellow, Bengio and Courville, 2016, ch. 2)</a>" in page
    assert '<li id="ref-goodfellow2016">' in page


def test_an_unknown_key_in_a_notebook_post_fails_naming_the_notebook(
    fixture_project, build_fixture
):
    notebook = json.loads((fixture_project / GAMMA).read_text(encoding="utf-8"))
    cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "markdown"
                and "## Squares" in "".join(cell["source"]))
    cell["source"] = "".join(cell["source"]) + "\n\nSee [@nosuchkey2020].\n"
    (fixture_project / GAMMA).write_text(json.dumps(notebook), encoding="utf-8")
    # The notebook and its cell (the second, "# Gamma..." and "## Squares"), not a line of
    # the Markdown made from it.
    assert_fails_naming(build_fixture(), "2026-01-07-gamma-notebook.ipynb, cell 2:",
                        "no entry 'nosuchkey2020' in the bibliography")


def test_an_unknown_key_fails_naming_the_post_and_line(fixture_project, build_fixture):
    edit(fixture_project, DELTA, "Both at once:\n[@robbins1951;", "Both at once:\n[@robbins1915;")
    line = line_of(fixture_project, DELTA, "[@robbins1915;")
    assert_fails_naming(build_fixture(), f"blog/posts/2026-01-03-delta-citations.md:{line}",
                        "no entry 'robbins1915' in the bibliography")


BAD_ENTRIES = {
    "duplicate key": ("@book{goodfellow2016,\n  author = {Someone},\n  title = {Again},\n"
                      "  publisher = {Nobody},\n  year = {2016}\n}\n",
                      "duplicate key 'goodfellow2016': already defined on line {first}"),
    "missing field": ("@article{nojournal2020,\n  author = {Someone},\n  title = {No venue},\n"
                      "  year = {2020}\n}\n",
                      "@article entry 'nojournal2020' is missing the field 'journal'"),
}


@pytest.mark.parametrize("fault", BAD_ENTRIES)
def test_a_bad_bibliography_entry_fails_naming_the_bib_line(fault, fixture_project,
                                                            build_fixture):
    entry, message = BAD_ENTRIES[fault]
    path = fixture_project / BIB
    text = path.read_text(encoding="utf-8")
    first = line_of(fixture_project, BIB, "@book{goodfellow2016,")
    path.write_text(text + "\n" + entry, encoding="utf-8")
    line = text.count("\n") + 2
    assert_fails_naming(build_fixture(), f"docs/references.bib:{line}:",
                        message.replace("{first}", str(first)))


# --- Numbers and references -----------------------------------------------------------------


def test_equations_are_numbered_and_referred_to_by_number(built_fixture):
    page = article(built_fixture.site, DELTA_URL)
    # \label{eq:step} numbers the formula (MathJax's \tag) under an anchor to point at.
    assert re.search(r'<div class="equation-anchor" id="eq-step"></div>\s*(<svg[^>]*>.*?</svg>)?'
                     r'\s*<div class="arithmatex"[^>]*><mjx-container[^>]*>'
                     r'<svg[^>]*aria-label="equation 1, theta', page, re.S)
    assert 'aria-label="equation 2, eta' in page
    # \eqref{eq:step} is "(1)", @eq:rate "equation (2)", each a link to the formula.
    assert '<a class="crossref" href="#eq-step">(1)</a>' in page
    assert '<a class="crossref" href="#eq-rate">equation (2)</a>' in page
    assert "\\eqref" not in page.split("Left as written")[0] and "@eq:" not in page


def test_figures_and_tables_are_numbered_per_post(built_fixture):
    delta = article(built_fixture.site, DELTA_URL)
    assert re.search(r'<figure class="exec-figure"><img [^>]*></figure>\s*'
                     r'<p class="caption" id="fig-parabola"><strong>Figure 1\.</strong> '
                     r"A parabola drawn at build\.</p>", delta)
    assert re.search(r'</table>\s*<p class="caption" id="tbl-rates"><strong>Table 1\.</strong>'
                     r" Steps to converge at two rates\.</p>", delta)
    assert '<a class="crossref" href="#fig-parabola">Figure 1</a>' in delta
    assert '<a class="crossref" href="#tbl-rates">Table 1</a>' in delta
    # Epsilon's first table is its Table 1, whatever Delta holds.
    epsilon = article(built_fixture.site, EPSILON_URL)
    assert '<p class="caption" id="tbl-losses"><strong>Table 1.</strong>' in epsilon
    assert '<a class="crossref" href="#tbl-losses">Table 1</a>' in epsilon


def test_references_across_posts_link_to_the_label_with_the_posts_title(built_fixture):
    page = article(built_fixture.site, EPSILON_URL)
    target = "../../03/delta-citations-and-numbers/"
    assert (f'<a href="{target}#eq-step">equation (1)</a> of <em>Delta: citations and '
            "numbers</em>") in page
    assert f'<a href="{target}#eq-rate">(2)</a> of <em>Delta: citations and numbers</em>' in page
    assert f'<a href="{target}#fig-parabola">Figure 1</a> of <em>Delta:' in page
    assert not broken_links(built_fixture.site, [built_fixture.site / EPSILON_URL / "index.html"])


LABEL_FAULTS = {
    "unknown label": (DELTA, "Rule \\eqref{eq:step}", "Rule \\eqref{eq:stpe}",
                      "no label 'eq:stpe' in this post (labels: eq:rate, eq:step, fig:parabola,"
                      " tbl:rates)"),
    "unknown @ label": (DELTA, "@fig:parabola shows", "@fig:parabol shows",
                        "no label 'fig:parabol' in this post"),
    "duplicated label": (DELTA, "\\label{eq:rate}", "\\label{eq:step}",
                         "label 'eq:step' is defined twice"),
    "duplicated caption label": (EPSILON, "{#tbl:losses}", "{#tbl:losses}\n\nTable: Again. "
                                 "{#tbl:losses}", "label 'tbl:losses' is defined twice"),
    "unknown label of another post": (EPSILON, "@delta-citations/eq:step",
                                      "@delta-citations/eq:steps",
                                      "no label 'eq:steps' in post 'delta-citations'"),
    "unknown post": (EPSILON, "@delta-citations/eq:step", "@delta-citation/eq:step",
                     "names the post 'delta-citation', which does not exist"),
}


@pytest.mark.parametrize("fault", LABEL_FAULTS)
def test_a_bad_label_or_reference_fails_naming_the_post(fault, fixture_project, build_fixture):
    post, old, new, message = LABEL_FAULTS[fault]
    edit(fixture_project, post, old, new)
    assert_fails_naming(build_fixture(), Path(post).name, message)


# --- Cite this post, series -----------------------------------------------------------------


def test_cite_this_post_gives_a_bibtex_entry_with_the_sites_address(fixture_project, tmp_path):
    # Another site_url than mkdocs.yml's: the entry's address follows the site's.
    build = run_build(fixture_project, tmp_path / "site",
                      env={"SITE_URL": "https://blog.example.org/notes/"})
    assert build.returncode == 0, build.output
    page = article(build.site, DELTA_URL)
    box = re.search(r'<details class="cite-this-post" data-search-exclude>\s*'
                    r"<summary>Cite this post</summary>\s*"
                    r'<pre style="--code-lines: \d+; --code-cols: \d+">'
                    r'<code class="language-bibtex">(.*?)'
                    r"</code></pre>", page, re.S)
    assert box, "no Cite this post box"
    assert box.group(1) == (
        "@online{author2026delta,\n"
        "  author       = {The author},\n"
        "  title        = {{Delta: citations and numbers}},\n"
        "  date         = {2026-01-03},\n"
        f"  url          = {{https://blog.example.org/notes/{DELTA_URL}}},\n"
        "  organization = {One ML Topic a Day}\n"
        "}"
    )


def test_a_series_shows_each_parts_place_and_has_a_page_listing_them(built_fixture):
    delta = article(built_fixture.site, DELTA_URL)
    epsilon = article(built_fixture.site, EPSILON_URL)
    series = '<a href="../../../../series/fixture-series/">Fixture series</a>'
    assert f"Part 1 of 2 of the series {series}" in delta
    assert ('<a href="../../04/epsilon-the-series-continues/" rel="next">Epsilon: the series '
            "continues →</a>") in delta
    assert 'rel="prev"' not in delta
    assert f"Part 2 of 2 of the series {series}" in epsilon
    assert ('<a href="../../03/delta-citations-and-numbers/" rel="prev">← Delta: citations '
            "and numbers</a>") in epsilon
    assert 'rel="next"' not in epsilon
    # After the excerpt, not in it: the blog's index shows no series box.
    assert delta.index("<!-- more -->") < delta.index('class="series-box"')
    index = (built_fixture.site / "blog" / "index.html").read_text(encoding="utf-8")
    assert "series-box" not in index
    # The series page lists the parts in order.
    page = article(built_fixture.site, SERIES_URL)
    assert "<h1" in page and "Fixture series" in page
    parts = re.findall(r'<li><a href="../../2026/01/(\d\d)/[^"]+/">([^<]+)</a></li>', page)
    assert parts == [("03", "Delta: citations and numbers"),
                     ("04", "Epsilon: the series continues")]
    assert not broken_links(built_fixture.site, [built_fixture.site / SERIES_URL / "index.html"])


def test_a_draft_is_no_part_of_a_series(fixture_project, build_fixture):
    edit(fixture_project, ZEBRA, "draft: true\n", "draft: true\nseries: Fixture series\n")
    build = build_fixture()
    assert build.returncode == 0, build.output
    assert "Part 2 of 2 of the series" in article(build.site, EPSILON_URL)
    assert 'rel="next"' not in article(build.site, EPSILON_URL)
    assert "Zebra" not in article(build.site, SERIES_URL)


def test_the_series_box_follows_the_blogs_excerpt_separator(fixture_project, build_fixture):
    config = fixture_project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "      post_excerpt: required\n" in text
    config.write_text(text.replace("      post_excerpt: required\n",
                                    "      post_excerpt: required\n"
                                    "      post_excerpt_separator: <!-- fold -->\n"),
                      encoding="utf-8")
    for post in (fixture_project / POSTS).glob("*.*"):  # the notebook's cells too
        post.write_text(post.read_text(encoding="utf-8").replace("<!-- more -->",
                                                                 "<!-- fold -->"))
    build = build_fixture()
    assert build.returncode == 0, build.output
    delta = article(build.site, DELTA_URL)
    assert delta.index("<!-- fold -->") < delta.index('class="series-box"') \
        < delta.index('id="citations"')


# --- What citations leave alone: code, math, search, the feed -------------------------------


def test_citations_in_code_and_math_are_left_as_written(built_fixture):
    page = article(built_fixture.site, DELTA_URL)
    section = page[page.index('id="left-as-written"') : page.index('<div class="footnote">')]
    assert "<code>[@robbins1951]</code>" in section and "<code>@goodfellow2016</code>" in section
    listing = re.sub(r"<[^>]+>", "", section[section.index('<div class="language-text'):])
    assert "[@robbins1951] and @goodfellow2016 and \\eqref{eq:step}" in listing
    # The formula $\text{[@robbins1951]}$ typeset as written: an at sign and the key.
    assert 'aria-label="open bracket at robbins 1951 close bracket"' in section
    assert "citation" not in section and "crossref" not in section
    # \@ is a literal at sign.
    assert "user&#64;goodfellow2016" in section


def test_search_leaves_out_references_the_cite_box_and_the_series_box(built_fixture):
    index = search_index(built_fixture.site)
    delta = index["/" + DELTA_URL]
    # The post's own words are there, and its citations as they read in the text...
    assert "stochastic approximation" in delta["content"]
    assert {"stochast", "approxim", "monro"} <= delta["words"]
    # ... but not the reference list's titles, the BibTeX or the series box.
    for text in ("Warm Restarts", "Annals of Mathematical Statistics", "@online",
                 "organization", "Part 1 of 2", "References"):
        assert text not in delta["content"], text
    assert not {"warm", "annal", "organ"} & delta["words"]
    # The series page is found by its title alone, like the other pages that list posts.
    series = index["/" + SERIES_URL]
    assert series["title"] == "Fixture series"
    assert series["content"] == "" and "delta" not in series["words"]


def test_the_feed_stays_valid_with_posts_that_cite(built_fixture):
    for name in ("feed_rss_created.xml", "feed_rss_updated.xml"):
        feed = feedparser.parse((built_fixture.site / name).read_bytes())
        assert not feed.bozo, f"{name}: {feed.bozo_exception}"
        entries = {entry.title: entry for entry in feed.entries}
        assert entries["Delta: citations and numbers"].link == SITE_URL + DELTA_URL
        assert entries["Epsilon: the series continues"].link == SITE_URL + EPSILON_URL
        for entry in entries.values():
            assert "\x00" not in entry.get("summary", "") and "[@" not in entry.get("summary", "")


# --- Footnotes ------------------------------------------------------------------------------

DELTA_NOTES = ["fn:delta-citations-excerpt", "fn:delta-citations-1"]


def test_footnotes_come_after_the_text_and_before_the_references(built_fixture):
    page = article(built_fixture.site, DELTA_URL)
    # Each marker is its note's number, linked to it; the ids are the post's own.
    assert ('<sup id="fnref:delta-citations-excerpt" data-search-exclude><a class="footnote-ref"'
            ' href="#fn:delta-citations-excerpt">1</a></sup>') in page
    assert ('<sup id="fnref:delta-citations-1" data-search-exclude><a class="footnote-ref" '
            'href="#fn:delta-citations-1">2</a></sup>') in page
    # The notes, in the order of their markers, end the text: after its last words and the
    # series box, before the References and "Cite this post" (as Distill and Quarto order
    # their appendices).
    notes = page.index('<div class="footnote">')
    assert re.findall(r'<li id="(fn:[^"]+)">', page[notes:]) == DELTA_NOTES
    assert page.count('<div class="footnote">') == 1
    assert page.index("user&#64;goodfellow2016") < notes
    assert page.index('class="series-box"') < notes
    assert notes < page.index('id="references"') < page.index('class="cite-this-post"')
    # A citation in a note is resolved and its work listed in the References.
    note = page[page.index('<li id="fn:delta-citations-1">') : page.index('id="references"')]
    assert ('<a class="citation" data-cite="goodfellow2016" href="#ref-goodfellow2016">'
            "(Goodfellow, Bengio and Courville, 2016, ch. 8)</a>") in note
    assert "<mjx-container" in note  # and its formulas typeset
    assert not broken_links(built_fixture.site, [built_fixture.site / DELTA_URL / "index.html"])


def test_a_footnote_of_an_excerpt_keeps_its_text_on_the_lists_of_posts(built_fixture):
    site = built_fixture.site
    lists = {"blog/": "2026/01/03/delta-citations-and-numbers/",
             "blog/archive/2026/01/": "../../../2026/01/03/delta-citations-and-numbers/",
             "blog/category/optimization/": "../../2026/01/03/delta-citations-and-numbers/"}
    for url, post in lists.items():
        page = (site / url / "index.html").read_text(encoding="utf-8")
        # The marker leads to the note in the post...
        assert (f'<a class="footnote-ref" href="{post}#fn:delta-citations-excerpt">1</a>'
                in page), url
        # ... and the note is on the page, hidden, where the tooltip looks for it (the
        # element of the marker's #fn:... id); the post's other note is not.
        copy = re.search(r'<div class="footnote excerpt-footnotes" hidden data-search-exclude>'
                         r'<ol>\s*<li id="fn:delta-citations-excerpt">\s*<p>A footnote of the '
                         r"excerpt: its marker shows on the blog's index", page)
        assert copy, url
        assert page.count('id="fn:delta-citations-excerpt"') == 1, url
        assert 'id="fn:delta-citations-1"' not in page and "#fn:delta-citations-1" not in page
    assert not broken_links(site, [site / url / "index.html" for url in lists])


def test_search_indexes_a_footnotes_text_but_not_its_marker(built_fixture):
    delta = search_index(built_fixture.site)["/" + DELTA_URL]
    content = delta["content"]
    # The note's words are the post's words...
    assert "A footnote of the excerpt: its marker shows" in content
    assert {"curvatur", "fastest"} <= delta["words"]
    # ... its marker (a number after a word) and its way back (an arrow) are not.
    assert "converges fastest. Figure 1." in content
    assert "cites Robbins and Monro (1951). Citations" in content
    assert "\u21a9" not in content


# --- References to posts that are not published ---------------------------------------------


UNPUBLISHED = {"draft": (ZEBRA, "Not ready.\n", "zebra-draft"),
               "future": (f"{POSTS}/2099-01-01-quokka-future.md", "Not yet.\n", "quokka-future")}


@pytest.mark.parametrize("which", UNPUBLISHED)
def test_a_reference_to_an_unpublished_posts_label_fails_naming_the_referring_post(
        which, fixture_project, build_fixture):
    target, text, post_id = UNPUBLISHED[which]
    edit(fixture_project, target, text, text + "\n$$\nz = 1\n\\label{eq:z}\n$$\n")
    edit(fixture_project, EPSILON, "@delta-citations/eq:step", f"@{post_id}/eq:z")
    line = line_of(fixture_project, EPSILON, f"@{post_id}/eq:z")
    assert_fails_naming(
        build_fixture(), f"blog/posts/2026-01-04-epsilon-series.md:{line}:",
        f"reference '@{post_id}/eq:z' names the post '{post_id}' "
        f"({target.removeprefix('docs/')}), which is a draft or dated in the future: it is "
        "not published, so the link would lead nowhere")


def test_a_reference_to_a_drafts_label_resolves_under_serve(fixture_project, tmp_path):
    # `mkdocs serve` shows drafts (the blog plugin's draft_on_serve): the reference then
    # leads to the draft's equation. (A build as `mkdocs serve` makes it.)
    edit(fixture_project, ZEBRA, "Not ready.\n", "Not ready.\n\n$$\nz = 1\n\\label{eq:z}\n$$\n")
    edit(fixture_project, EPSILON, "@delta-citations/eq:step", "@zebra-draft/eq:z")
    run_driver(fixture_project, "--full", str(tmp_path / "served"))
    page = article(tmp_path / "served", EPSILON_URL)
    assert ('<a href="../../08/zebra-draft-post/#eq-z">equation (1)</a> of <em>Zebra draft '
            "post</em>") in page
    assert 'id="eq-z"' in article(tmp_path / "served", "blog/2026/01/08/zebra-draft-post/")
