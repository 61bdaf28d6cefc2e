"""Unit tests of execblog.citations: the .bib reader, the formatter, the Markdown rewriting."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from execblog.citations.bibtex import (
    BibliographyError,
    check_entry,
    latex_to_unicode,
    load_bibliography,
    parse_bibtex,
)
from execblog.citations.markdown import MarkupError, PostLabels, collect_labels, segments
from execblog.citations.page import PostInfo, cite_this_post, post_id_of, process
from execblog.citations.render import Formatter

ROOT = Path(__file__).resolve().parents[2]
BIB = ROOT / "docs" / "references.bib"
POSTS = ROOT / "docs" / "blog" / "posts"
STYLE = "harvard-cite-them-right"

SMALL_BIB = """% a comment, ignored
@article{lavin2016,
  author  = {Lavin, Andrew and Gray, Scott},
  title   = {Fast Algorithms},
  journal = {Some Journal},
  year    = {2016},
  doi     = {10.1109/CVPR.2016.435}
}

@book{winograd1980,
  author    = {Winograd, Shmuel},
  title     = {Arithmetic Complexity of Computations},
  publisher = {SIAM},
  year      = 1980
}
"""


def formatter(text: str = SMALL_BIB) -> Formatter:
    entries = parse_bibtex(text, "refs.bib")
    for entry in entries.values():
        check_entry(entry, "refs.bib")
    return Formatter(entries, STYLE)


def run(markdown: str, posts: dict[str, PostLabels] | None = None, text: str = SMALL_BIB):
    info = PostInfo(
        "this-post",
        "blog/posts/2026-01-01-this-post.md",
        "This post",
        ["A. Writer"],
        date(2026, 1, 1),
        "https://example.org/blog/this-post/",
    )
    posts = dict(posts or {})
    posts["this-post"] = PostLabels("This post", info.src_uri, collect_labels(markdown))
    return process(markdown, info=info, posts=posts, formatter=formatter(text), site_name="Site")


# --- The .bib file -----------------------------------------------------------------------


def test_parse_keeps_line_of_each_entry_and_turns_accents_into_unicode():
    entries = parse_bibtex(
        SMALL_BIB + "@misc{bottou, author = {Bottou, L{\\'e}on}, title={T}, year={2018}}\n"
    )
    assert entries["lavin2016"].line == 2
    assert entries["winograd1980"].line == 10
    assert entries["winograd1980"].fields["year"] == "1980"
    assert entries["bottou"].fields["author"] == "Bottou, Léon"
    assert latex_to_unicode('pp. 1--2, {\\"o} \\c{c}') == "pp. 1\u20132, ö ç"


def test_duplicate_key_names_both_lines():
    with pytest.raises(BibliographyError) as error:
        parse_bibtex(SMALL_BIB + "\n@misc{Lavin2016, title={x}, year={2000}}\n", "refs.bib")
    assert str(error.value) == "refs.bib:17: duplicate key 'Lavin2016': already defined on line 2"


def test_entry_missing_a_required_field_names_its_line_and_the_field():
    text = "\n\n@article{x1, author={A, B}, title={T}, year={2001}}"
    entry = parse_bibtex(text, "refs.bib")["x1"]
    with pytest.raises(BibliographyError) as error:
        check_entry(entry, "refs.bib")
    assert str(error.value) == "refs.bib:3: @article entry 'x1' is missing the field 'journal'"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doi", "doi:10.1/x", "doi 'doi:10.1/x' is not of the form 10.<registrant>/<suffix>"),
        ("eprint", "arXiv:1509.09308", "arXiv id 'arXiv:1509.09308' is not of the form"),
    ],
)
def test_malformed_doi_or_arxiv_id_fails_on_its_line(field, value, message):
    text = f"@misc{{x1,\n  title = {{T}},\n  year = {{2001}},\n  {field} = {{{value}}}\n}}"
    entry = parse_bibtex(text, "refs.bib")["x1"]
    with pytest.raises(BibliographyError, match=re.escape(message)) as error:
        check_entry(entry, "refs.bib")
    assert error.value.line == 4


def test_unknown_entry_type_fails():
    entry = parse_bibtex("@webthing{x1, title={T}}", "refs.bib")["x1"]
    with pytest.raises(BibliographyError, match="has type @webthing; expected one of @article"):
        check_entry(entry, "refs.bib")


def test_unclosed_brace_names_the_line():
    with pytest.raises(BibliographyError) as error:
        parse_bibtex("@misc{x1,\n title = {T,\n year = 2001\n", "refs.bib")
    assert error.value.line == 2


def test_the_blog_bibliography_is_well_formed_and_every_entry_is_cited():
    entries = load_bibliography(BIB)
    for entry in entries.values():
        if "doi" in entry.fields:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", entry.fields["doi"]), entry.key
        if "eprint" in entry.fields:
            assert re.fullmatch(r"\d{4}\.\d{4,5}", entry.fields["eprint"]), entry.key
    cited_text = "".join(
        path.read_text(encoding="utf-8")
        for path in POSTS.iterdir()
        if path.suffix in (".md", ".ipynb", ".py")
    )
    uncited = [key for key in entries if not re.search(rf"@{re.escape(key)}\b", cited_text, re.I)]
    assert uncited == []


# --- Citations in Markdown ---------------------------------------------------------------


def test_parenthetical_locator_multiple_and_narrative_citations():
    text, cited = run("As @lavin2016 show [@lavin2016, sec. 4; @winograd1980].\n")
    narrative = '[Lavin and Gray (2016)](#ref-lavin2016){: .citation data-cite="lavin2016" }'
    assert narrative + " show" in text
    assert (
        "[(Lavin and Gray, 2016, sec. 4; Winograd, 1980)](#ref-lavin2016)"
        '{: .citation data-cite="lavin2016 winograd1980" }'
    ) in text
    assert cited == {"lavin2016", "winograd1980"}


def test_references_section_lists_cited_works_with_doi_link_and_is_excluded_from_search():
    text, _ = run("See [@lavin2016].\n")
    references = text.split("## References", 1)[1]
    assert '<li id="ref-lavin2016">' in references
    assert '<a href="https://doi.org/10.1109/CVPR.2016.435">' in references
    assert "ref-winograd1980" not in references  # not cited on this page
    assert 'data-search-exclude="true"' in text.split("\n## References", 1)[1].splitlines()[0]
    assert '<ul class="references" data-search-exclude>' in references


def test_no_citation_inside_code_math_links_or_emails():
    markdown = (
        "```python\n@lavin2016\nx = [@nokey]\n```\n\n"
        "Inline `@nokey` and $a @ b$ and mail me: someone@nokey.org, "
        '<a href="x" title="@nokey">link</a>, [text](https://x.org/@nokey), \\@nokey.\n\n'
        "$$\n[@nokey]\n$$\n"
    )
    text, cited = run(markdown)
    assert cited == set()
    assert "```python\n@lavin2016\nx = [@nokey]\n```" in text
    assert "$$\n[@nokey]\n$$" in text
    assert "&#64;nokey" in text


def test_unknown_key_fails_naming_it():
    with pytest.raises(
        MarkupError, match=r"citation '\[@lavin2061\]': no entry 'lavin2061' in the bibliography"
    ):
        run("See [@lavin2061].\n")


def test_segments_cover_the_text_exactly():
    markdown = "a `b` $c$ ```\n~~~\n``` d\n~~~~\nx\n~~~~\n$$\ne\n$$\n"
    assert "".join(piece for _, piece in segments(markdown)) == markdown


# --- Labels and cross-references -------------------------------------------------------------


def test_equation_label_becomes_tag_with_anchor_and_eqref_a_link():
    markdown = (
        "$$\na = b \\label{eq:first}\n$$\n\n$$\nc \\label{eq:second}\n$$\n\n"
        "By \\eqref{eq:second} and @eq:first.\n"
    )
    text, _ = run(markdown)
    assert '<div class="equation-anchor" id="eq-second"></div>\n\n$$\nc \\tag{2}\n$$' in text
    assert "[(2)](#eq-second){: .crossref }" in text
    assert "[equation (1)](#eq-first){: .crossref }" in text


def test_figure_and_table_captions_numbered_per_kind():
    markdown = (
        "Figure: One. {#fig:one}\n\nTable: Numbers. {#tbl:numbers}\n\n"
        "Figure: Two. {#fig:two}\n\nSee @fig:two and @tbl:numbers.\n"
    )
    text, _ = run(markdown)
    assert "**Figure 2.** Two.\n{: #fig-two .caption }" in text
    assert "**Table 1.** Numbers.\n{: #tbl-numbers .caption }" in text
    assert "[Figure 2](#fig-two){: .crossref }" in text


def test_cross_post_reference_links_to_the_other_post_with_its_title():
    other = PostLabels(
        "Gradient descent", "blog/posts/2026-11-18-gradient-descent.md", {"eq:update": 3}
    )
    text, _ = run("As in @gradient-descent/eq:update.\n", {"gradient-descent": other})
    assert "[equation (3)](2026-11-18-gradient-descent.md#eq-update) of *Gradient descent*" in text


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("See \\eqref{eq:missing}.\n", "no label 'eq:missing' in this post"),
        ("See @nopost/eq:x.\n", "names the post 'nopost', which does not exist"),
        ("$$\na \\label{eq:x}\n$$\n\n$$\nb \\label{eq:x}\n$$\n", "label 'eq:x' is defined twice"),
        ("Figure: A. {#tbl:x}\n", "label 'tbl:x' must start with 'fig:'"),
    ],
)
def test_unknown_or_duplicate_labels_fail(markdown, message):
    with pytest.raises(MarkupError, match=re.escape(message)):
        run(markdown)


# --- Cite this post ----------------------------------------------------------------------------


def test_cite_this_post_entry_has_author_title_date_and_url():
    info = PostInfo(
        "winograd-convolution",
        "blog/posts/2026-12-02-winograd-convolution.md",
        "Winograd convolution",
        ["The author"],
        date(2026, 12, 2),
        "https://example.github.io/ml-blog/blog/2026/12/02/winograd-convolution/",
    )
    entry = cite_this_post(info, "One ML Topic a Day")
    assert entry.startswith("@online{author2026winograd,\n")
    assert "  title        = {{Winograd convolution}}," in entry
    assert "  date         = {2026-12-02}," in entry
    assert (
        "url          = {https://example.github.io/ml-blog/blog/2026/12/02/winograd-convolution/}"
        in entry
    )
    assert post_id_of("blog/posts/2026-12-02-winograd-convolution.md") == "winograd-convolution"


# --- Formatted citations kept between builds ---------------------------------------------


def test_formatted_citations_are_kept_between_builds_and_keyed_on_what_they_depend_on(
        tmp_path, monkeypatch, caplog):
    """A second build (a new Kept on the same folder, a new Formatter) formats nothing
    again and gets the same texts; a changed entry, locator or order is formatted anew; a
    damaged entry or file is formatted again and said in the log."""
    from execblog.citations import render
    from execblog.citations.kept import FILE, Kept
    from execblog.citations.render import CitedItem

    clusters = [[CitedItem("lavin2016", "sec. 4")], [CitedItem("winograd1980")]]
    first = Kept(lambda: tmp_path)
    made = formatter().formatted(clusters, first)
    assert made == (formatter().page(clusters).citation_texts(),
                    formatter().page(clusters).references())
    first.save()
    assert (tmp_path / FILE).is_file()

    def no_citeproc(*_):
        raise AssertionError("formatted again although kept")

    monkeypatch.setattr(render, "PageBibliography", no_citeproc)
    assert formatter().formatted(clusters, Kept(lambda: tmp_path)) == made
    for changed_clusters, text in (
            ([[CitedItem("lavin2016", "sec. 5")], [CitedItem("winograd1980")]], SMALL_BIB),
            (list(reversed(clusters)), SMALL_BIB),
            (clusters, SMALL_BIB.replace("Fast Algorithms", "Faster Algorithms"))):
        assert formatter(text).kept_key(changed_clusters) != formatter().kept_key(clusters)
    monkeypatch.undo()

    kept_file = tmp_path / FILE
    kept_file.write_text(kept_file.read_text().replace("Lavin", "Lavim"))
    caplog.set_level("INFO")
    assert formatter().formatted(clusters, Kept(lambda: tmp_path)) == made
    assert "damaged (checksum mismatch)" in caplog.text
    kept_file.write_text("{not json")
    assert formatter().formatted(clusters, Kept(lambda: tmp_path)) == made
    assert f"{kept_file} was damaged" in caplog.text


# --- A rebuild reads only what changed ---------------------------------------------------


def test_a_rebuild_scans_the_labels_of_the_changed_post_only(tmp_path, monkeypatch):
    """`mkdocs serve` runs on_files at every save: each post's labels are scanned again
    only when its file changed (they were a fifth of a save's rebuild at 50 posts)."""
    import shutil

    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    from execblog.citations import plugin as citations

    folder = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "minimal", folder)
    config_file = folder / "mkdocs.yml"
    config_file.write_text(config_file.read_text().replace(
        "  - execblog-execution\n", "  - execblog-citations\n  - execblog-execution\n"))
    (folder / "docs" / "references.bib").write_text(SMALL_BIB)
    posts = folder / "docs" / "news" / "articles"
    first = next(posts.glob("*.md"))
    second = posts / "2026-01-06-second.md"
    second.write_text(first.read_text().replace("2026-01-05", "2026-01-06")
                      .replace("# ", "# Second: ", 1) + "\n$$\nx \\label{eq:x}\n$$\n")
    scanned = []
    real = citations.collect_labels
    monkeypatch.setattr(citations, "collect_labels",
                        lambda body: scanned.append(body) or real(body))
    config = load_config(config_file=str(config_file))
    config.plugins.on_startup(command="serve", dirty=True)
    plugin = config.plugins["execblog-citations"]

    def rebuild():
        scanned.clear()
        on_config = config.plugins.on_config(config)
        on_config.plugins.on_files(get_files(on_config), config=on_config)

    rebuild()
    assert len(scanned) == 2
    assert plugin.posts["second"].labels == {"eq:x": 1}
    rebuild()
    assert scanned == []  # nothing changed: every post's labels from memory
    second.write_text(second.read_text().replace("eq:x", "eq:y"))
    rebuild()
    assert len(scanned) == 1 and "eq:y" in scanned[0]
    assert plugin.posts["second"].labels == {"eq:y": 1}
