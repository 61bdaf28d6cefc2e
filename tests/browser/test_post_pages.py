"""Each published post, as a reader's Chromium gets it: one test per post, so their number
and cost grow with the blog like the posts' own tests (marked ``post``)."""

from __future__ import annotations

import pytest
from audit import audit, faults
from harness import DESKTOP, page_url

from tests.conftest import ROOT
from tests.site.checks import post_page, published

pytestmark = [pytest.mark.browser, pytest.mark.post]

POSTS = published(ROOT / "docs")


@pytest.fixture(scope="module")
def browser_page(browser, served):
    context = browser.new_context(viewport=DESKTOP, proxy=served.proxy)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_post_reads_well_in_chromium(post, browser_page, site, served) -> None:
    report = audit(browser_page, page_url(served.root_url, site, post_page(site, post)))
    found = faults(report)
    assert not found, f"{post.source.name} ({report.url}):\n  " + "\n  ".join(found)
