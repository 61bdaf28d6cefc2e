"""The built site's pages other than posts, as a reader's Chromium gets them: loaded once,
checked for all. The sample does not grow with the posts (``sampled_pages``); each post is
loaded by its own test in test_post_pages.py, and every page's HTML is checked in
tests/site/test_markup.py."""

from __future__ import annotations

import shutil

import pytest
from audit import Report, audit, problems
from harness import DESKTOP, listings, page_url, sampled_pages, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports(browser, site, served) -> list[Report]:
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    page = context.new_page()
    try:
        return [audit(page, page_url(served.root_url, site, path))
                for path in sampled_pages(site)]
    finally:
        context.close()


def assert_none(reports: list[Report], attribute: str, what: str) -> None:
    found = problems(reports, attribute)
    assert not found, f"{what}:\n  " + "\n  ".join(found)


def test_the_sample_holds_every_kind_of_page_and_the_lists_ends(reports, site,
                                                                 served) -> None:
    lists = listings(site)
    expected = [lists["blog/"][0], lists["blog/"][-1], site / "404.html", site / "index.html",
                *(pages[0] for name, pages in lists.items() if "/category/" in name),
                *(site / "reference").glob("*/index.html"),
                *sorted((site / "blog" / "series").glob("*/index.html"))[:1]]
    loaded = {report.url for report in reports}
    missing = [url for url in (page_url(served.root_url, site, page) for page in expected)
               if url not in loaded]
    assert not missing, f"pages the browser did not load: {missing}"
    assert any(report.math_count for report in reports), "no page has any formula"


def test_no_console_errors(reports) -> None:
    assert_none(reports, "console_errors", "console errors")


def test_no_failed_requests(reports) -> None:
    assert_none(reports, "failed_requests", "failed requests")


def test_nothing_is_requested_from_another_origin(reports) -> None:
    assert_none(reports, "foreign_requests", "requests to another origin")


def test_every_formula_is_typeset(reports) -> None:
    assert_none(reports, "untypeset_math", ".arithmatex without an SVG mjx-container")
    assert_none(reports, "math_errors", "MathJax error nodes")


def test_every_formula_is_drawn_at_a_readable_size(reports) -> None:
    assert_none(reports, "collapsed_math", "formulas drawn smaller than 2 px")


def test_no_raw_tex_in_visible_text(reports) -> None:
    assert_none(reports, "raw_tex", "TeX left in the text the reader sees")


def test_images_load_and_have_alt_text(reports) -> None:
    assert_none(reports, "broken_images", "images that did not load")
    assert_none(reports, "images_without_alt", "images without alt text")
    assert_none(reports, "unlabelled_figures",
                'inline SVG figures without role="img" and an aria-label or <title>')


def test_nothing_scrolls_sideways_on_a_phone(reports) -> None:
    assert_none(reports, "phone_overflow", "wider than a 375 px screen")


FAULTS = """
<p>Raw $x$ and \\(y\\) that escaped MathJax.</p>
<p><span class="arithmatex">\\(z\\)</span></p>
<p><span class="arithmatex"><mjx-container jax="SVG"><svg style="max-width: 1px"
  width="10ex" height="2ex" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>
  </mjx-container></span></p>
<div data-mjx-error="Undefined control sequence \\nablaa">\\nablaa</div>
<p><img src="no-such-image.png" alt=""></p>
<svg width="10" height="10"><rect width="10" height="10"/></svg>
<div style="width: 900px">A line set wider than a phone.</div>
<script src="https://cdn.example.com/library.js"></script>
<script>console.error("injected error")</script>
"""


def test_the_checks_catch_injected_faults(browser, built_fixture, tmp_path) -> None:
    # Each check above means something only if it fails on a page that has its fault
    # (the small fixture site, so the copy costs the same however large the blog grows).
    broken = tmp_path / "site"
    shutil.copytree(built_fixture.site, broken)
    home = broken / "index.html"
    text = home.read_text(encoding="utf-8")
    assert "</article>" in text
    home.write_text(text.replace("</article>", FAULTS + "</article>", 1), encoding="utf-8")
    with serve(broken) as server:
        context = browser.new_context(viewport=DESKTOP, proxy=server.proxy)
        try:
            report = audit(context.new_page(), server.root_url)
        finally:
            context.close()
    assert any("injected error" in e for e in report.console_errors), report
    assert any("no-such-image.png" in r for r in report.failed_requests), report
    assert any("cdn.example.com" in r for r in report.foreign_requests), report
    assert any("\\(z\\)" in m for m in report.untypeset_math), report
    assert report.math_errors, report
    assert report.collapsed_math, report
    assert any("$x$" in t for t in report.raw_tex), report
    assert any("\\(y\\)" in t for t in report.raw_tex), report
    assert any("no-such-image.png" in i for i in report.broken_images), report
    assert any("no-such-image.png" in i for i in report.images_without_alt), report
    assert report.unlabelled_figures, report
    assert report.phone_overflow, report


def fake_site(root, posts: int, series: int):
    """A site's tree of empty pages: the fixed pages, ``posts`` posts, ten to an index page,
    one month's archive and one category, and ``series`` series' pages."""
    pages = ["index.html", "404.html", "about/index.html", "calendar/index.html",
             "blog/index.html", "blog/archive/2026/index.html",
             "blog/category/optimization/index.html", "reference/conv/index.html"]
    pages += [f"blog/page/{n}/index.html" for n in range(2, posts // 10 + 2)]
    pages += [f"blog/2026/01/{n % 28 + 1:02d}/post-{n}/index.html" for n in range(posts)]
    pages += [f"blog/series/series-{n:03d}/index.html" for n in range(series)]
    for page in pages:
        (root / page).parent.mkdir(parents=True, exist_ok=True)
        (root / page).write_text("<html></html>")
    return root


def test_the_sample_does_not_grow_with_the_posts_or_their_series(tmp_path) -> None:
    """Found at 365 cloned posts: the sample loaded every series' page (73 of its 110
    pages), so axe-core took 340 s of `make test` after a new post."""
    small = sampled_pages(fake_site(tmp_path / "small", posts=40, series=3))
    year = sampled_pages(fake_site(tmp_path / "year", posts=365, series=73))
    assert len(year) == len(small), [p.relative_to(tmp_path) for p in year]
    names = {p.relative_to(tmp_path / "year").as_posix() for p in year}
    assert {"blog/series/series-000/index.html", "blog/series/series-072/index.html",
            "blog/page/37/index.html", "reference/conv/index.html"} <= names, names
