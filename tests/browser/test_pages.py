"""The built site's pages other than posts, as a reader's Chromium gets them: one test a
page of the sample (``sampled_pages``, a number that does not grow with the posts), so that
``make test`` reruns only the pages a change changed (a new post changes the home page and
the lists' ends, not the reference). Each post is loaded by its own test in
test_post_pages.py, and every page's HTML is checked in tests/site/test_markup.py."""

from __future__ import annotations

import shutil

import pytest
from audit import FAULTS as audit_faults
from audit import audit, faults
from harness import (
    DESKTOP,
    WHOLE_SAMPLE,
    collected_sample,
    listings,
    page_url,
    sample_pages,
    sampled_pages,
    serve,
)

from tests.selection import built_into

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page(browser, served):
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("chosen", collected_sample())
def test_the_page_reads_well_in_chromium(chosen, browser_page, site, served) -> None:
    found = []
    for path in sample_pages(site, chosen):
        report = audit(browser_page, page_url(served.root_url, site, path))
        found += [f"{report.url}: {fault}" for fault in faults(report)]
    assert not found, f"{len(found)} faults:\n  " + "\n  ".join(found)


def test_the_sample_holds_every_kind_of_page_and_the_lists_ends(site) -> None:
    lists = listings(site)
    sample = sampled_pages(site)
    expected = [lists["blog/"][0], lists["blog/"][-1], site / "404.html", site / "index.html",
                *(pages[0] for name, pages in lists.items() if "/category/" in name),
                *(site / "reference").glob("*/index.html"),
                *sorted((site / "blog" / "series").glob("*/index.html"))[:1]]
    missing = [str(page.relative_to(site)) for page in expected if page not in sample]
    assert not missing, f"pages the sample leaves out: {missing}"
    assert any('class="arithmatex"' in page.read_text(encoding="utf-8") for page in sample), \
        "no page of the sample has any formula"


def test_the_tests_check_the_sample_of_the_site_they_load(site) -> None:
    """The tests of each page are collected from the site that ``make test`` built: the
    same pages the site's sample holds now."""
    collected = collected_sample()
    if built_into(site):
        assert collected == [page.relative_to(site).as_posix() for page in sampled_pages(site)]
    else:
        assert collected == [WHOLE_SAMPLE]
        assert sample_pages(site, collected[0]) == sampled_pages(site)


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
    kinds = {line.split(": ", 1)[0] for line in faults(report)}
    assert kinds == set(audit_faults.values()), kinds  # every kind is reported, by name


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
