"""Each published post's built page, by its own test (marked ``post``, so the cost grows with
the blog as the posts' own tests do): its links and anchors resolve, its formulas are typeset
with all their glyphs, its images have alt text. The other pages: test_links.py and
test_markup.py, which also show that each check catches its fault."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.site.checks import post_page, published
from tests.site.markup import page_problems
from tests.site.test_links import broken_links

pytestmark = pytest.mark.post

POSTS = published(ROOT / "docs")


@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_post_page_links_math_and_images(post, built_site) -> None:
    site = built_site.site
    page = post_page(site, post)
    problems = broken_links(site, [page])
    problems += [f"{page.relative_to(site)}: {p}"
                 for p in page_problems(page.read_text(encoding="utf-8"))]
    assert not problems, f"{post.source.name}:\n  " + "\n  ".join(problems)
