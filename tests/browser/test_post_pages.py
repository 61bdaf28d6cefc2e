"""Each published post, as a reader's Chromium gets it: one test per post, so their number
and cost grow with the blog like the posts' own tests (marked ``post``)."""

from __future__ import annotations

import pytest
from audit import audit
from harness import DESKTOP, page_url

from tests.conftest import ROOT
from tests.site.checks import post_page, published

pytestmark = [pytest.mark.browser, pytest.mark.post]

# What a post's page must not have; the fault-injection test in test_pages.py shows each
# check catches its fault.
FAULTS = ["console_errors", "failed_requests", "foreign_requests", "untypeset_math",
          "math_errors", "collapsed_math", "raw_tex", "broken_images", "images_without_alt",
          "unlabelled_figures", "phone_overflow"]
POSTS = published(ROOT / "docs")


@pytest.fixture(scope="module")
def browser_page(browser, served):
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_post_reads_well_in_chromium(post, browser_page, site, served) -> None:
    report = audit(browser_page, page_url(served.root_url, site, post_page(site, post)))
    faults = {kind: getattr(report, kind) for kind in FAULTS if getattr(report, kind)}
    assert not faults, f"{post.source.name} ({report.url}):\n  " + "\n  ".join(
        f"{kind}: {problem}" for kind, found in faults.items() for problem in found)
